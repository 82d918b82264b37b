// Original file: proto/user.proto

import type { GetUserRequest as _bench_v1_GetUserRequest, GetUserRequest__Output as _bench_v1_GetUserRequest__Output } from '../../bench/v1/GetUserRequest';

export interface WsRequest {
  'id'?: (number);
  'getUser'?: (_bench_v1_GetUserRequest | null);
}

export interface WsRequest__Output {
  'id': (number);
  'getUser': (_bench_v1_GetUserRequest__Output | null);
}
