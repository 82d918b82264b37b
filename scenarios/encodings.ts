// encodings: the same WebSocket getUser exchange with JSON, MessagePack (msgpackr) and protobuf
// bodies, one row each, the encoding negotiated by subprotocol (proto/ws-encodings.ts). Bytes,
// CPU per op on both sides and throughput come from the generic table; both sides fully encode
// and decode every message in every row (clients/websocket-encodings.ts).
import { isWsEncoding, MSGPACKR_NATIVE, WS_ENCODINGS } from '../proto/ws-encodings.ts';
import { verifyEquivalence } from '../harness/run/verify.ts';
import { defineScenario } from './types.ts';

const SAME_SERVER = 'the encodings are compared on one transport (WebSocket) so only the body differs';

export default defineScenario({
  name: 'encodings',
  description:
    'The same WebSocket getUser exchange with JSON, MessagePack (msgpackr) and protobuf bodies: bytes, encode/decode CPU, throughput',
  variants: { websocket: WS_ENCODINGS },
  expresses: {
    websocket: true,
    rest: SAME_SERVER,
    grpc: `${SAME_SERVER}; gRPC is protobuf only (see the getUser scenario)`,
    'grpc-js': `${SAME_SERVER}; gRPC is protobuf only (see the getUser scenario)`,
    graphql: SAME_SERVER,
    sse: SAME_SERVER,
  },
  notes: [
    'Subprotocol (Sec-WebSocket-Protocol) picks the body: json = text frames {"id":N,"op":"getUser","params":{"id":U}} -> {"id":N,"result":<user>}; msgpack = the same objects as standard MessagePack in binary frames (msgpackr, records extension off); protobuf = WsRequest -> WsResponse (proto/user.proto) in binary frames.',
    "Same user in all three: JSON and MessagePack carry the proto3 JSON shape (createdAt as a 20-character RFC 3339 string); protobuf carries the User message (created_at as a google.protobuf.Timestamp), converted from the store's JSON shape on every call as the gRPC server does.",
    'Unlike the lean websocket driver (which scans JSON replies for their id without parsing them), client and server fully encode and decode every message in every row: client CPU per op includes one encode and one decode.',
    `msgpackr native addon (string extraction when unpacking): ${MSGPACKR_NATIVE ? 'loaded in this run' : 'not loaded, the pure-JS path is used'}.`,
  ],
  verify: async (client, target, ds, sample, ctx) => ({
    ...(await verifyEquivalence(client, target, ds, sample)),
    figures: { encoding: ctx?.variant, msgpackrNative: MSGPACKR_NATIVE },
  }),
  client: async (protocol, variant) => {
    if (protocol !== 'websocket' || !isWsEncoding(variant)) return undefined;
    return (await import('../clients/websocket-encodings.ts')).encodingClient(variant);
  },
});
