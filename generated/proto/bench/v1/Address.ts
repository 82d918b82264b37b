// Original file: proto/user.proto


export interface Address {
  'street'?: (string);
  'city'?: (string);
  'country'?: (string);
  'postalCode'?: (string);
}

export interface Address__Output {
  'street': (string);
  'city': (string);
  'country': (string);
  'postalCode': (string);
}
