// Original file: proto/user.proto


export interface GetUserRequest {
  'id'?: (number);
}

export interface GetUserRequest__Output {
  'id': (number);
}
