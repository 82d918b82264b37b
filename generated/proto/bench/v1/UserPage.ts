// Original file: proto/user.proto

import type { User as _bench_v1_User, User__Output as _bench_v1_User__Output } from '../../bench/v1/User';

export interface UserPage {
  'users'?: (_bench_v1_User)[];
  'nextAfterId'?: (number);
}

export interface UserPage__Output {
  'users': (_bench_v1_User__Output)[];
  'nextAfterId': (number);
}
