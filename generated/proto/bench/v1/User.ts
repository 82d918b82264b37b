// Original file: proto/user.proto

import type { Address as _bench_v1_Address, Address__Output as _bench_v1_Address__Output } from '../../bench/v1/Address';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface User {
  'id'?: (number);
  'username'?: (string);
  'email'?: (string);
  'age'?: (number);
  'roles'?: (string)[];
  'address'?: (_bench_v1_Address | null);
  'createdAt'?: (_google_protobuf_Timestamp | null);
}

export interface User__Output {
  'id': (number);
  'username': (string);
  'email': (string);
  'age': (number);
  'roles': (string)[];
  'address': (_bench_v1_Address__Output | null);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
}
