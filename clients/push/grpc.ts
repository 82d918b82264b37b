// gRPC server-streaming subscriber spoken on a raw socket (one HTTP/2 connection, one stream),
// as the lean unary driver (clients/grpc.ts) is: the stock grpc-js client costs ~150 us of CPU
// per message and a channel per subscriber, so 10,000 of them would measure the client.
// The HTTP/2 session (clients/wire/h2-session.ts) sends the preface and SETTINGS, answers
// SETTINGS and PING (the server's keep-alive) and returns flow-control credit; this file sends
// one Subscribe call with them, reads the `last-event-id` response header as its position and
// each UserEvent's id and time without decoding the user (decode: true decodes it with
// protobufjs). A stream that ends (trailers, RST_STREAM, GOAWAY, closed socket) is resumed on a
// new connection with resume=true, after_event_id = the newest id seen.
import net from 'node:net';
import { canonicalUser, userFromProto } from '../../proto/contract.ts';
import { eventsType, encodeSubscribeRequest, SUBSCRIBE_PATH } from '../../proto/events.ts';
import type { User__Output } from '../../generated/proto/bench/v1/User.ts';
import { monoUs } from '../../servers/push/events.ts';
import { requestHeaderBlocks } from '../wire/hpack.ts';
import { DATA, EMPTY, END_HEADERS, END_STREAM, HEADERS, frame } from '../wire/h2-frame.ts';
import type { Failure } from '../wire/h2-errors.ts';
import { H2ClientSession, type H2Stream } from '../wire/h2-session.ts';
import { ReconnectingSubscriber } from './base.ts';
import type { CreateSubscriber } from './types.ts';

/** The gRPC length-prefixed message: not compressed, 4-byte length, protobuf. */
function grpcMessage(req: Buffer | Uint8Array): Buffer {
  const message = Buffer.allocUnsafe(5 + req.length);
  message[0] = 0;
  message.writeUInt32BE(req.length, 1);
  message.set(req, 5);
  return message;
}

/** event_id (field 1, varint) and created_us (field 2, double) of a protobuf UserEvent; user skipped. */
export function readEventHead(m: Buffer): { eventId: number; createdUs: number } {
  let pos = 0;
  let eventId = NaN;
  let createdUs = NaN;
  while (pos < m.length && (Number.isNaN(eventId) || Number.isNaN(createdUs))) {
    const tag = m[pos++]!;
    const wire = tag & 7;
    if (tag === 0x08) {
      let v = 0;
      let mul = 1;
      for (;;) {
        const b = m[pos++]!;
        v += (b & 0x7f) * mul;
        mul *= 128;
        if (!(b & 0x80)) break;
      }
      eventId = v;
    } else if (tag === 0x11) {
      createdUs = m.readDoubleLE(pos);
      pos += 8;
    } else if (wire === 2) {
      let len = 0;
      let mul = 1;
      for (;;) {
        const b = m[pos++]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if (!(b & 0x80)) break;
      }
      pos += len;
    } else if (wire === 0) {
      while (m[pos++]! & 0x80);
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else break;
  }
  return { eventId, createdUs };
}

/** The one Subscribe stream of a connection: reads the position header, then the events. */
class SubscribeStream implements H2Stream {
  readonly sendBytes: number;
  recvUnacked = 0;
  private readonly headers = new Map<string, string>();
  /** Message bytes not yet a whole gRPC message. */
  private msg: Buffer = EMPTY;
  private trailers: string | undefined;

  constructor(
    readonly message: Buffer,
    private readonly on: {
      opened(lastEventId: number): void;
      message(m: Buffer): void;
      ended(reason: string): void;
    },
  ) {
    this.sendBytes = message.length;
  }

  header(name: string, value: string): void {
    this.headers.set(name, value);
  }

  headerBlockEnd(endStream: boolean): void {
    const h = this.headers;
    // Trailers (or a trailers-only answer): the stream is over; end() follows.
    if (endStream) this.trailers = `grpc-status ${h.get('grpc-status') ?? '?'} ${h.get('grpc-message') ?? ''}`.trim();
    else if (h.get(':status') !== '200') this.on.ended(`HTTP ${h.get(':status')}`);
    else this.on.opened(Number(h.get('last-event-id')));
    h.clear();
  }

  data(chunk: Buffer): void {
    let msg = this.msg.length === 0 ? chunk : Buffer.concat([this.msg, chunk]);
    while (msg.length >= 5) {
      const len = msg.readUInt32BE(1);
      if (msg.length < 5 + len) break;
      const m = msg.subarray(5, 5 + len);
      msg = msg.length === 5 + len ? EMPTY : msg.subarray(5 + len);
      this.on.message(m);
    }
    // A message split over DATA frames is copied (once): a slice would pin the whole socket read.
    this.msg = msg.length === 0 ? EMPTY : msg.buffer === chunk.buffer ? Buffer.from(msg) : msg;
  }

  end(): void {
    this.on.ended(this.trailers ? `stream ended, ${this.trailers}` : 'stream ended without trailers');
  }

  fail(failure: Failure): void {
    this.on.ended([failure.code, failure.detail].filter(Boolean).join(': ') || failure.kind);
  }
}

class GrpcSubscriber extends ReconnectingSubscriber {
  private generation = 0;

  protected openConnection(): void {
    const gen = ++this.generation;
    const socket = net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
    this.attach(socket);
    let recvUs = 0;
    // Registered before the session's reader: every read stamps the watchdog and the receipt time first.
    socket.on('data', () => {
      recvUs = monoUs();
      this.touched();
    });

    const gone = (reason: string): void => {
      if (gen !== this.generation) return;
      this.generation++;
      socket.destroy();
      this.lost(reason);
    };

    const stream = new SubscribeStream(grpcMessage(encodeSubscribeRequest(this.positioned, this.lastEventId)), {
      opened: (last) => {
        if (gen !== this.generation) return;
        if (Number.isFinite(last)) this.position(last);
        this.opened();
      },
      message: (m) => {
        if (gen !== this.generation) return;
        if (this.o.decode) {
          const t = eventsType('UserEvent');
          const o = t.toObject(t.decode(m), { longs: Number, defaults: true }) as {
            eventId: number;
            createdUs: number;
            user: User__Output;
          };
          this.delivered(o.eventId, o.createdUs, recvUs, canonicalUser(userFromProto(o.user)));
        } else {
          const { eventId, createdUs } = readEventHead(m);
          this.delivered(eventId, createdUs, recvUs);
        }
      },
      ended: gone,
    });
    const blocks = requestHeaderBlocks(`${this.o.host}:${this.o.port}`, SUBSCRIBE_PATH);
    const session = new H2ClientSession<SubscribeStream>(socket, {
      // A fresh connection, a fresh HPACK table: the block that inserts the fields, on stream 1.
      requestFrames: (s, id) =>
        Buffer.concat([frame(HEADERS, END_HEADERS, id, blocks.first), frame(DATA, END_STREAM, id, s.message)]),
      // The server is leaving: resume on a new connection now rather than wait for it to end the stream.
      onGoaway: (f) => gone(f.code ?? 'GOAWAY'),
    });
    // Sent with the preface, before the server's SETTINGS arrive (the write is corked into one).
    session.request(stream);
  }

  protected destroyConnection(): void {
    const s = this.socket;
    if (!s) return;
    const gen = this.generation;
    s.destroy();
    queueMicrotask(() => {
      if (gen === this.generation) {
        this.generation++;
        this.lost('cut');
      }
    });
  }
}

export const createSubscriber: CreateSubscriber = (o, sink) => new GrpcSubscriber(o, sink);
