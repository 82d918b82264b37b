// Original file: proto/user.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Post {
  'id'?: (number);
  'authorId'?: (number);
  'title'?: (string);
  'content'?: (string);
  'createdAt'?: (_google_protobuf_Timestamp | null);
}

export interface Post__Output {
  'id': (number);
  'authorId': (number);
  'title': (string);
  'content': (string);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
}
