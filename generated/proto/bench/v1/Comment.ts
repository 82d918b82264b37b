// Original file: proto/user.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Comment {
  'id'?: (number);
  'postId'?: (number);
  'authorId'?: (number);
  'text'?: (string);
  'createdAt'?: (_google_protobuf_Timestamp | null);
}

export interface Comment__Output {
  'id': (number);
  'postId': (number);
  'authorId': (number);
  'text': (string);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
}
