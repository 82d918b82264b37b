// Original file: proto/user.proto

import type { Post as _bench_v1_Post, Post__Output as _bench_v1_Post__Output } from '../../bench/v1/Post';

export interface PostList {
  'posts'?: (_bench_v1_Post)[];
}

export interface PostList__Output {
  'posts': (_bench_v1_Post__Output)[];
}
