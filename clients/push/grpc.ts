// gRPC server-streaming subscriber spoken on a raw socket (one HTTP/2 connection, one stream),
// as the lean unary driver (clients/grpc.ts) is: the stock grpc-js client costs ~150 us of CPU
// per message and a channel per subscriber, so 10,000 of them would measure the client.
// It sends the preface, SETTINGS and one Subscribe call; answers SETTINGS and PING (the
// server's keep-alive) and returns flow-control credit; reads the `last-event-id` response
// header as its position; reads each UserEvent's id and time without decoding the user
// (decode: true decodes it with protobufjs). A stream that ends (trailers, RST_STREAM,
// GOAWAY, closed socket) is resumed on a new connection with resume=true, after_event_id =
// the newest id seen.
import net from 'node:net';
import { canonicalUser, userFromProto } from '../../proto/contract.ts';
import { eventsType, encodeSubscribeRequest, SUBSCRIBE_PATH } from '../../proto/events.ts';
import type { User__Output } from '../../generated/proto/bench/v1/User.ts';
import { monoUs } from '../../servers/push/events.ts';
import { HpackDecoder, requestHeaderBlocks } from '../wire/hpack.ts';
import { ReconnectingSubscriber } from './base.ts';
import type { CreateSubscriber } from './types.ts';

const DATA = 0,
  HEADERS = 1,
  RST_STREAM = 3,
  SETTINGS = 4,
  PING = 6,
  GOAWAY = 7,
  WINDOW_UPDATE = 8,
  CONTINUATION = 9;
const END_STREAM = 0x1,
  ACK = 0x1,
  END_HEADERS = 0x4,
  PADDED = 0x8,
  PRIORITY = 0x20;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const WINDOW = 65_535;
const STREAM = 1;
const EMPTY = Buffer.alloc(0);

function frame(type: number, flags: number, streamId: number, payload: Buffer = EMPTY): Buffer {
  const b = Buffer.allocUnsafe(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(streamId, 5);
  payload.copy(b, 9);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
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

class GrpcSubscriber extends ReconnectingSubscriber {
  private generation = 0;

  protected openConnection(): void {
    const gen = ++this.generation;
    const socket = net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
    this.attach(socket);
    socket.setNoDelay(true);
    const decoder = new HpackDecoder();
    const headers = new Map<string, string>();
    let inbuf: Buffer = EMPTY;
    let msg: Buffer = EMPTY;
    let connUnacked = 0;
    let streamUnacked = 0;
    let continuation: { flags: number; parts: Buffer[] } | undefined;
    let recvUs = 0;

    const gone = (reason: string): void => {
      if (gen !== this.generation) return;
      this.generation++;
      socket.destroy();
      this.lost(reason);
    };

    const onMessages = (): void => {
      while (msg.length >= 5) {
        const len = msg.readUInt32BE(1);
        if (msg.length < 5 + len) return;
        const m = msg.subarray(5, 5 + len);
        msg = msg.length === 5 + len ? EMPTY : msg.subarray(5 + len);
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
      }
    };

    const onHeaderBlock = (flags: number, block: Buffer): void => {
      headers.clear();
      decoder.decode(block, (name, value) => headers.set(name, value));
      if (flags & END_STREAM) {
        // Trailers (or a trailers-only answer): the stream is over.
        return gone(`stream ended, grpc-status ${headers.get('grpc-status') ?? '?'} ${headers.get('grpc-message') ?? ''}`.trim());
      }
      if (headers.get(':status') !== '200') return gone(`HTTP ${headers.get(':status')}`);
      const last = Number(headers.get('last-event-id'));
      if (Number.isFinite(last)) this.position(last);
      this.opened();
    };

    const onFrame = (type: number, flags: number, streamId: number, p: Buffer): void => {
      if (continuation && type !== CONTINUATION) return gone('expected CONTINUATION');
      switch (type) {
        case DATA: {
          connUnacked += p.length;
          if (connUnacked >= WINDOW / 2) {
            socket.write(frame(WINDOW_UPDATE, 0, 0, u32(connUnacked)));
            connUnacked = 0;
          }
          if (streamId !== STREAM) return;
          let data = p;
          if (flags & PADDED) data = p.subarray(1, p.length - p[0]!);
          msg = msg.length === 0 ? data : Buffer.concat([msg, data]);
          onMessages();
          if (flags & END_STREAM) return gone('stream ended without trailers');
          streamUnacked += p.length;
          if (streamUnacked >= WINDOW / 2) {
            socket.write(frame(WINDOW_UPDATE, 0, STREAM, u32(streamUnacked)));
            streamUnacked = 0;
          }
          return;
        }
        case HEADERS: {
          let start = 0;
          let end = p.length;
          if (flags & PADDED) {
            start = 1;
            end -= p[0]!;
          }
          if (flags & PRIORITY) start += 5;
          const fragment = p.subarray(start, end);
          if (!(flags & END_HEADERS)) {
            continuation = { flags, parts: [Buffer.from(fragment)] };
            return;
          }
          return onHeaderBlock(flags, fragment);
        }
        case CONTINUATION: {
          if (!continuation) return gone('unexpected CONTINUATION');
          continuation.parts.push(Buffer.from(p));
          if (!(flags & END_HEADERS)) return;
          const c = continuation;
          continuation = undefined;
          return onHeaderBlock(c.flags, Buffer.concat(c.parts));
        }
        case SETTINGS:
          if (!(flags & ACK)) socket.write(frame(SETTINGS, ACK, 0));
          return;
        case PING:
          if (!(flags & ACK)) socket.write(frame(PING, ACK, 0, p));
          return;
        case RST_STREAM:
          if (streamId === STREAM) return gone(`RST_STREAM ${p.readUInt32BE(0)}`);
          return;
        case GOAWAY:
          return gone(`GOAWAY ${p.length >= 8 ? p.readUInt32BE(4) : '?'}`);
        default:
          return; // WINDOW_UPDATE (we send one message only), PRIORITY, unknown
      }
    };

    socket.on('connect', () => {
      const req = encodeSubscribeRequest(this.positioned, this.lastEventId);
      const message = Buffer.allocUnsafe(5 + req.length);
      message[0] = 0;
      message.writeUInt32BE(req.length, 1);
      req.copy(message, 5);
      const blocks = requestHeaderBlocks(`${this.o.host}:${this.o.port}`, SUBSCRIBE_PATH);
      socket.write(
        Buffer.concat([
          PREFACE,
          frame(SETTINGS, 0, 0),
          frame(HEADERS, END_HEADERS, STREAM, blocks.first),
          frame(DATA, END_STREAM, STREAM, message),
        ]),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (gen !== this.generation) return;
      recvUs = monoUs();
      this.touched();
      const buf = inbuf.length === 0 ? chunk : Buffer.concat([inbuf, chunk]);
      let pos = 0;
      try {
        while (buf.length - pos >= 9) {
          const len = (buf[pos]! << 16) | (buf[pos + 1]! << 8) | buf[pos + 2]!;
          const end = pos + 9 + len;
          if (buf.length < end) break;
          onFrame(buf[pos + 3]!, buf[pos + 4]!, buf.readUInt32BE(pos + 5) & 0x7fffffff, buf.subarray(pos + 9, end));
          pos = end;
          if (gen !== this.generation) return;
        }
      } catch (err) {
        return gone(`bad HTTP/2 stream: ${(err as Error).message}`);
      }
      // Keep only the partial frame, copied: the socket may reuse its buffer.
      inbuf = pos === buf.length ? EMPTY : Buffer.from(buf.subarray(pos));
      // Messages split over DATA frames keep slices of old chunks: copy them too.
      if (msg.length > 0) msg = Buffer.from(msg);
    });
    socket.on('end', () => gone('server closed the connection'));
    socket.on('error', (err) => gone(err.message));
    socket.on('close', () => gone('connection closed'));
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
