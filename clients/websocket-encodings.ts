// encodings scenario client: getUser over one WebSocket with the body encoding negotiated by
// subprotocol (proto/ws-encodings.ts): 'json' (text frames), 'msgpack' or 'protobuf' (binary
// frames). Unlike the lean websocket driver (which scans a JSON reply for its id and result
// without parsing it), this client fully encodes every request and fully decodes every reply
// in all three encodings, so the client CPU per op includes a whole encode and decode, as the
// server's does. Converting to the contract's JSON shape (canonicalUser / userFromProto) is
// done only for decode: true (the verify step), as it is comparison work, not the encoding's.
import type protobuf from 'protobufjs';
import { canonicalUser, protoType, userFromProto, type UserJson } from '../proto/contract.ts';
import { msgpack, wsEnvelopeTypes, type WsEncoding } from '../proto/ws-encodings.ts';
import type { WsResponse__Output } from '../generated/proto/bench/v1/WsResponse.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule } from './types.ts';
import { connectionOverWebSocket, errorReplyOutcome, messageBuffer, openWebSocket, WebSocketCalls } from './websocket.ts';

export const WS_PATH = '/v1/ws';

/** A reply after the encoding's own decoder, before any conversion. */
interface Decoded {
  id: unknown;
  error?: { code?: string; message?: string } | null;
  /** present on success: the user as the encoding decoded it */
  user?: unknown;
}

interface Codec {
  binary: boolean;
  encodeGetUser(requestId: number, userId: number): string | Uint8Array;
  decode(data: Buffer): Decoded;
  /** The decoded user in the contract's JSON shape (verify only). */
  toJson(user: unknown): UserJson;
}

function codec(encoding: WsEncoding): Codec {
  switch (encoding) {
    case 'json':
      return {
        binary: false,
        encodeGetUser: (id, userId) => JSON.stringify({ id, op: 'getUser', params: { id: userId } }),
        decode: (data) => {
          const r = JSON.parse(data.toString('utf8')) as { id: unknown; result?: unknown; error?: Decoded['error'] };
          return { id: r.id, error: r.error, user: r.result };
        },
        toJson: (u) => canonicalUser(u as UserJson),
      };
    case 'msgpack':
      return {
        binary: true,
        encodeGetUser: (id, userId) => msgpack.pack({ id, op: 'getUser', params: { id: userId } }),
        decode: (data) => {
          const r = msgpack.unpack(data) as { id: unknown; result?: unknown; error?: Decoded['error'] };
          return { id: r.id, error: r.error, user: r.result };
        },
        toJson: (u) => canonicalUser(u as UserJson),
      };
    case 'protobuf': {
      const { request, response } = wsEnvelopeTypes();
      return {
        binary: true,
        encodeGetUser: (id, userId) => request.encode({ id, getUser: { id: userId } }).finish(),
        decode: (data) => {
          // decode materialises every field (strings, the address, the Timestamp).
          const r = response.decode(data) as unknown as WsResponse__Output;
          return { id: r.id, error: r.error ?? undefined, user: r.user ?? undefined };
        },
        // The Timestamp's int64 seconds may decode as a Long: toObject with longs: Number.
        toJson: (u) =>
          userFromProto(protoType('User').toObject(u as protobuf.Message, { longs: Number, defaults: true }) as User__Output),
      };
    }
  }
}

interface Pending {
  resolve: (o: CallOutcome) => void;
  decode: boolean;
  requestBytes: number;
}

/** A ClientModule speaking getUser with `encoding` bodies; the server must agree to the subprotocol. */
export function encodingClient(encoding: WsEncoding): ClientModule {
  const c = codec(encoding);
  return {
    description: `ws client, subprotocol ${encoding}: every request encoded and every answer fully decoded (${encoding === 'json' ? 'JSON text frames' : encoding === 'msgpack' ? 'msgpackr, binary frames' : 'protobufjs WsRequest/WsResponse, binary frames'}); ws server`,
    async connect({ host, port }) {
      const url = `ws://${host}:${port}${WS_PATH}`;
      const { ws, sock } = await openWebSocket(url, { protocols: [encoding] }).catch((err: Error) => {
        throw new Error(`websocket ${encoding}: ${err.message}`);
      });
      // ws already refuses a different subprotocol than offered; this catches none at all.
      if (ws.protocol !== encoding) {
        ws.terminate();
        throw new Error(`websocket: the server did not agree to subprotocol ${encoding} (got ${JSON.stringify(ws.protocol)})`);
      }
      const setupBytes: ByteCount = { out: sock.bytesWritten, in: sock.bytesRead };

      const pending = new WebSocketCalls<Pending>(ws);
      let nextId = 0;

      ws.on('message', (data, isBinary) => {
        const raw = messageBuffer(data);
        let reply: Decoded;
        try {
          if (isBinary !== c.binary) throw new Error(`${isBinary ? 'binary' : 'text'} frame on a ${encoding} connection`);
          reply = c.decode(raw);
        } catch (err) {
          // Uncorrelatable: fail every waiting call rather than let them time out silently.
          pending.failAll(
            Object.assign(new Error(`undecodable ${encoding} reply: ${(err as Error).message}`), { code: 'EPROTO' }),
          );
          ws.terminate();
          return;
        }
        if (typeof reply.id !== 'number') return; // answers a message we did not send
        const p = pending.take(reply.id);
        if (!p) return;
        const payload = { request: p.requestBytes, response: raw.length };
        if (reply.error) return p.resolve(errorReplyOutcome(reply.error));
        if (reply.user === undefined || reply.user === null)
          return p.resolve({ ok: false, kind: 'protocol_error', detail: 'reply has neither a user nor an error' });
        p.resolve(p.decode ? { ok: true, payload, user: c.toJson(reply.user) } : { ok: true, payload });
      });

      return connectionOverWebSocket(ws, sock, setupBytes, (op, options): Promise<CallOutcome> => {
        if (op.op !== 'getUser') return Promise.resolve(unsupported(op));
        const notOpen = pending.notOpen();
        if (notOpen) return Promise.resolve(notOpen);
        const id = ++nextId;
        const body = c.encodeGetUser(id, op.id);
        return new Promise((resolve) => {
          pending.set(id, {
            resolve,
            decode: options?.decode === true,
            requestBytes: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
          });
          ws.send(body);
        });
      });
    },
  };
}
