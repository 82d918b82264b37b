// Original file: proto/user.proto

import type { Comment as _bench_v1_Comment, Comment__Output as _bench_v1_Comment__Output } from '../../bench/v1/Comment';

export interface CommentList {
  'comments'?: (_bench_v1_Comment)[];
}

export interface CommentList__Output {
  'comments': (_bench_v1_Comment__Output)[];
}
