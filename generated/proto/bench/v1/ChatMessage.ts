// Original file: proto/user.proto


export interface ChatMessage {
  'seq'?: (number);
  'from'?: (string);
  'text'?: (string);
  'sentAtUs'?: (number | string);
}

export interface ChatMessage__Output {
  'seq': (number);
  'from': (string);
  'text': (string);
  'sentAtUs': (number);
}
