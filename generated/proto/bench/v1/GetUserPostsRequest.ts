// Original file: proto/user.proto


export interface GetUserPostsRequest {
  'userId'?: (number);
}

export interface GetUserPostsRequest__Output {
  'userId': (number);
}
