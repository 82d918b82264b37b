// Original file: proto/user.proto

import type { User as _bench_v1_User, User__Output as _bench_v1_User__Output } from '../../bench/v1/User';
import type { WsError as _bench_v1_WsError, WsError__Output as _bench_v1_WsError__Output } from '../../bench/v1/WsError';

export interface WsResponse {
  'id'?: (number);
  'user'?: (_bench_v1_User | null);
  'error'?: (_bench_v1_WsError | null);
  'body'?: "user"|"error";
}

export interface WsResponse__Output {
  'id': (number);
  'user'?: (_bench_v1_User__Output | null);
  'error'?: (_bench_v1_WsError__Output | null);
  'body'?: "user"|"error";
}
