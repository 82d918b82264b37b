// encodings scenario, server side: the subprotocol choice and the binary bodies (msgpack,
// protobuf) of the WebSocket server. JSON connections ('json' or no subprotocol) stay on
// servers/websocket.ts's text path. Binary connections answer getUser only.
import { userToProto } from '../proto/contract.ts';
import { isWsEncoding, msgpack, wsEnvelopeTypes } from '../proto/ws-encodings.ts';
import type { WsRequest__Output } from '../generated/proto/bench/v1/WsRequest.ts';
import type { WsResponse } from '../generated/proto/bench/v1/WsResponse.ts';
import type { UserStore } from './store.ts';

/**
 * ws's handleProtocols: the first offered subprotocol this server speaks. None known: false,
 * so no Sec-WebSocket-Protocol is echoed and a conforming client (ws, browsers) fails the
 * handshake ("Server sent no subprotocol") rather than guess the body encoding (RFC 6455 4.1).
 * A client that offers no subprotocol at all gets JSON, as before.
 */
export function negotiateEncoding(offered: Set<string>): string | false {
  for (const p of offered) if (isWsEncoding(p)) return p;
  return false;
}

const toBuffer = (data: Buffer | ArrayBuffer | Buffer[]): Buffer =>
  Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** msgpack: the JSON messages' objects, MessagePack-encoded. */
function answerMsgpack(store: UserStore, data: Buffer): Buffer {
  let msg: unknown;
  try {
    msg = msgpack.unpack(data);
  } catch {
    return msgpack.pack({ id: null, error: { code: 'bad_request', message: 'message is not MessagePack' } });
  }
  if (!isRecord(msg)) return msgpack.pack({ id: null, error: { code: 'bad_request', message: 'message is not a map' } });
  const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
  if (msg.op !== 'getUser')
    return msgpack.pack({ id, error: { code: 'unknown_op', message: `unknown op ${JSON.stringify(msg.op ?? null)}` } });
  const userId = isRecord(msg.params) ? msg.params.id : undefined;
  if (!Number.isInteger(userId))
    return msgpack.pack({ id, error: { code: 'bad_request', message: 'params.id must be an integer' } });
  const user = store.getUser(userId as number);
  if (!user) return msgpack.pack({ id, error: { code: 'not_found', message: `no user with id ${String(userId)}` } });
  return msgpack.pack({ id, result: user });
}

/** protobuf: WsRequest -> WsResponse; the user converted from the store's JSON shape as the gRPC server does. */
function answerProtobuf(store: UserStore, data: Buffer): Uint8Array {
  const { request, response } = wsEnvelopeTypes();
  const reply = (r: WsResponse): Uint8Array => response.encode(r).finish();
  let msg: WsRequest__Output;
  try {
    msg = request.decode(data) as unknown as WsRequest__Output;
  } catch {
    return reply({ id: 0, error: { code: 'bad_request', message: 'message is not a WsRequest' } });
  }
  // proto3: an absent get_user is null after decoding; id 0 is a valid user id nowhere.
  if (!msg.getUser) return reply({ id: msg.id, error: { code: 'unknown_op', message: 'WsRequest carries no operation' } });
  const user = store.getUser(msg.getUser.id);
  if (!user) return reply({ id: msg.id, error: { code: 'not_found', message: `no user with id ${msg.getUser.id}` } });
  return reply({ id: msg.id, user: userToProto(user) });
}

/** The answer function of a binary subprotocol; undefined for JSON (text path) or none. */
export function binaryAnswerer(
  protocol: string,
  store: UserStore,
): ((data: Buffer | ArrayBuffer | Buffer[]) => Uint8Array) | undefined {
  if (protocol === 'msgpack') return (data) => answerMsgpack(store, toBuffer(data));
  if (protocol === 'protobuf') return (data) => answerProtobuf(store, toBuffer(data));
  return undefined;
}
