// The three bodies of the encodings scenario's WebSocket getUser, shared by server and client.
// The encoding is negotiated per connection by WebSocket subprotocol (Sec-WebSocket-Protocol):
//   json     text frames   {"id":N,"op":"getUser","params":{"id":U}} -> {"id":N,"result":<user>}
//   msgpack  binary frames the same objects as MessagePack (msgpackr, standard types only)
//   protobuf binary frames WsRequest -> WsResponse (proto/user.proto)
// JSON and MessagePack carry the user in its proto3 JSON shape (createdAt an RFC 3339 string,
// 20 characters); protobuf carries the User message (created_at a google.protobuf.Timestamp,
// seconds as a varint). All three carry the same fields and values.
import { Packr, isNativeAccelerationEnabled } from 'msgpackr';
import type protobuf from 'protobufjs';
import { PROTO_PACKAGE, protoRoot } from './contract.ts';

export const WS_ENCODINGS = ['json', 'msgpack', 'protobuf'] as const;
export type WsEncoding = (typeof WS_ENCODINGS)[number];

export function isWsEncoding(s: unknown): s is WsEncoding {
  return typeof s === 'string' && (WS_ENCODINGS as readonly string[]).includes(s);
}

/**
 * Standard MessagePack: msgpackr's record extension (useRecords) would shrink repeated object
 * shapes but only msgpackr could read it, so it stays off and any MessagePack decoder can read
 * these messages. One Packr per process; pack() returns a fresh slice each call, safe to queue.
 */
export const msgpack = new Packr({ useRecords: false });

/** msgpackr's optional native addon (faster string extraction when unpacking); false = pure JS. */
export const MSGPACKR_NATIVE: boolean = isNativeAccelerationEnabled;

let types: { request: protobuf.Type; response: protobuf.Type } | undefined;
/** protobufjs types of the envelope, loaded once from proto/user.proto. */
export function wsEnvelopeTypes(): { request: protobuf.Type; response: protobuf.Type } {
  types ??= {
    request: protoRoot().lookupType(`${PROTO_PACKAGE}.WsRequest`),
    response: protoRoot().lookupType(`${PROTO_PACKAGE}.WsResponse`),
  };
  return types;
}
