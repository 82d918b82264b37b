// Original file: proto/user.proto


export interface GetPostCommentsRequest {
  'postId'?: (number);
}

export interface GetPostCommentsRequest__Output {
  'postId': (number);
}
