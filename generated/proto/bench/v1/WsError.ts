// Original file: proto/user.proto


export interface WsError {
  'code'?: (string);
  'message'?: (string);
}

export interface WsError__Output {
  'code': (string);
  'message': (string);
}
