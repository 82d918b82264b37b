// Original file: proto/user.proto

import type { Address as _bench_v1_Address, Address__Output as _bench_v1_Address__Output } from '../../bench/v1/Address';

export interface CreateUserRequest {
  'username'?: (string);
  'email'?: (string);
  'age'?: (number);
  'roles'?: (string)[];
  'address'?: (_bench_v1_Address | null);
}

export interface CreateUserRequest__Output {
  'username': (string);
  'email': (string);
  'age': (number);
  'roles': (string)[];
  'address': (_bench_v1_Address__Output | null);
}
