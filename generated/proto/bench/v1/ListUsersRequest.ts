// Original file: proto/user.proto


export interface ListUsersRequest {
  'pageSize'?: (number);
  'afterId'?: (number);
}

export interface ListUsersRequest__Output {
  'pageSize': (number);
  'afterId': (number);
}
