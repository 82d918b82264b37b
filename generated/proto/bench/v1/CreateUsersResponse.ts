// Original file: proto/user.proto


export interface CreateUsersResponse {
  'created'?: (number);
  'ids'?: (number)[];
}

export interface CreateUsersResponse__Output {
  'created': (number);
  'ids': (number)[];
}
