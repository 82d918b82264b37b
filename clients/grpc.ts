// Lean gRPC driver: HTTP/2 spoken directly on a node:net socket, the way http1.ts speaks
// HTTP/1.1 and h2load speaks HTTP/2. Each request is pre-built once per id (HEADERS frame
// with an HPACK block + DATA frame holding the 5-byte gRPC prefix and the protobuf) and only
// gets its stream id patched; answers are framed, their header blocks HPACK-decoded for
// :status / grpc-status, and the message is decoded only when asked.
//
// Why not node:http2: measured on the 2-vCPU bench machine, node:http2's client costs
// 60-100 us of CPU per unary call even with no work in the handlers (a Duplex per stream,
// AsyncResource.bind, header objects both ways, GC), which cannot load the grpc-js server;
// the stock grpc-js client costs ~150 us. This driver does only what the protocol requires.
import net from 'node:net';
import { canonicalUser, protoType, userFromProto } from '../proto/contract.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule, type Connection, type ErrorKind } from './types.ts';
import { HpackDecoder, hpackInt, requestHeaderBlocks, type HeaderSink } from './wire/hpack.ts';
import {
  ACK,
  CONTINUATION,
  DATA,
  DEFAULT_WINDOW,
  EMPTY,
  END_HEADERS,
  END_STREAM,
  GOAWAY,
  GOAWAY_PROTOCOL_ERROR,
  HEADERS,
  MAX_FRAME_SIZE,
  MAX_STREAM_ID,
  PADDED,
  PING,
  PREFACE,
  PRIORITY,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
  frame,
  splitFrames,
  uint32,
} from './wire/h2-frame.ts';
import { HpackError } from '../harness/errors.ts';

/** grpc status codes by number (grpc/doc/statuscodes.md). */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

type Failure = Extract<CallOutcome, { ok: false }>;

/** Map a non-OK gRPC status to the harness's error classes; shared with the grpc-js client. */
export function classifyGrpcStatus(code: number, detail?: string): Failure {
  const name = GRPC_STATUS_NAMES[code] ?? `STATUS_${code}`;
  let kind: ErrorKind;
  switch (code) {
    case 5:
      kind = 'not_found';
      break;
    case 4:
      kind = 'timeout';
      break;
    // grpc-js reports a lost or refused connection as UNAVAILABLE.
    case 14:
      kind = 'connection_reset';
      break;
    // The server did not recognise the call: the two sides do not speak the same contract.
    case 12:
      kind = 'protocol_error';
      break;
    case 3:
    case 7:
    case 9:
    case 11:
    case 16:
      kind = 'client_error';
      break;
    default:
      kind = 'server_error';
  }
  return detail ? { ok: false, kind, code: name, detail } : { ok: false, kind, code: name };
}

// ---------------------------------------------------------------------------------------
// HTTP/2 framing (RFC 9113)

const H2_ERRORS = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];
const REFUSED_STREAM = 7,
  CANCEL = 8;

// ---------------------------------------------------------------------------------------
// The connection

const PATH = '/bench.v1.UserService/GetUser';

interface Encoded {
  /** HEADERS (indexed block) + DATA frames with stream id 0, copied and patched per call. */
  template: Buffer;
  /** gRPC length-prefixed message: 5-byte prefix + protobuf. */
  message: Buffer;
}

class Call {
  httpStatus = 0;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  body: Buffer | undefined;
  unackedBytes = 0;
  constructor(
    readonly resolve: (o: CallOutcome) => void,
    readonly decode: boolean,
    readonly enc: Encoded,
  ) {}
}

export class GrpcH2Connection {
  private buf: Buffer = EMPTY;
  private readonly calls = new Map<number, Call>();
  /** Calls waiting for a stream slot or for connection-level send window. */
  private readonly waiting: Call[] = [];
  private nextStreamId = 1;
  private closed: Failure | undefined;
  private readonly decoder = new HpackDecoder();
  private current: Call | undefined;
  private continuation: { streamId: number; flags: number; parts: Buffer[] } | undefined;
  private sendWindow = DEFAULT_WINDOW;
  private peerStreamWindow = DEFAULT_WINDOW;
  private peerMaxStreams = Infinity;
  private recvUnacked = 0;
  private headerMode: 'first' | 'indexed' | 'literal' = 'first';
  /** A table-size update our next header block must start with (peer shrank its table). */
  private tableSizeUpdate: Buffer | undefined;
  private corked = false;
  private readonly blocks;
  private readyState = { remote: false, localAcked: false };
  private onReady: (() => void) | undefined;
  setupBytes: ByteCount | null = null;

  private constructor(
    readonly socket: net.Socket,
    authority: string,
  ) {
    this.blocks = requestHeaderBlocks(authority, PATH);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.failAll({ ok: false, kind: 'connection_reset', code: err.code, detail: err.message }),
    );
    socket.on('close', () => this.failAll({ ok: false, kind: 'connection_reset', detail: 'connection closed' }));
  }

  static connect(host: string, port: number, timeoutMs = 10_000): Promise<GrpcH2Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const conn = new GrpcH2Connection(socket, `${host}:${port}`);
      const timer = setTimeout(() => socket.destroy(new Error(`HTTP/2 setup with ${host}:${port} timed out`)), timeoutMs);
      const fail = (err?: Error): void => {
        clearTimeout(timer);
        reject(err ?? new Error(`connection to ${host}:${port} closed during HTTP/2 setup`));
      };
      socket.once('error', fail);
      socket.once('close', () => fail());
      conn.onReady = () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(conn);
      };
      // Empty SETTINGS, as node:http2 and grpc-js send: every parameter at its default.
      socket.once('connect', () => socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)])));
    });
  }

  bytes(): ByteCount {
    return { out: this.socket.bytesWritten, in: this.socket.bytesRead };
  }

  getUser(enc: Encoded, decode: boolean): Promise<CallOutcome> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => {
      const call = new Call(resolve, decode, enc);
      if (this.waiting.length === 0 && this.canStart(call)) this.start(call);
      else this.waiting.push(call);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      if (!this.closed) this.write(frame(GOAWAY, 0, 0, Buffer.concat([uint32(0), uint32(0)])));
      this.failAll({ ok: false, kind: 'connection_reset', detail: 'connection closed by client' });
      this.socket.end();
      // A server that does not close its side promptly is not our problem to wait for.
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }

  private canStart(call: Call): boolean {
    return this.calls.size < this.peerMaxStreams && this.sendWindow >= call.enc.message.length;
  }

  private start(call: Call): void {
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) {
      call.resolve({ ok: false, kind: 'connection_reset', detail: 'stream ids exhausted; reconnect' });
      return;
    }
    this.nextStreamId += 2;
    this.calls.set(id, call);
    this.sendWindow -= call.enc.message.length;
    let out: Buffer;
    if (this.headerMode === 'indexed') {
      const t = call.enc.template;
      // A fresh copy per call: a queued socket write still references the previous one.
      out = Buffer.allocUnsafe(t.length);
      t.copy(out);
      out.writeUInt32BE(id, 5);
      out.writeUInt32BE(id, t.length - call.enc.message.length - 4);
    } else {
      let block = this.headerMode === 'first' ? this.blocks.first : this.blocks.literal;
      if (this.tableSizeUpdate) {
        block = Buffer.concat([this.tableSizeUpdate, block]);
        this.tableSizeUpdate = undefined;
      }
      out = Buffer.concat([frame(HEADERS, END_HEADERS, id, block), frame(DATA, END_STREAM, id, call.enc.message)]);
      if (this.headerMode === 'first') this.headerMode = 'indexed';
    }
    this.write(out);
  }

  private drain(): void {
    while (this.waiting.length > 0 && !this.closed && this.canStart(this.waiting[0]!)) this.start(this.waiting.shift()!);
  }

  private write(b: Buffer): void {
    // Writes made in one tick (a burst of answers releases a burst of calls) leave in one writev.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(b);
  }

  private failAll(outcome: Failure): void {
    this.closed ??= outcome;
    for (const call of this.calls.values()) call.resolve(outcome);
    this.calls.clear();
    for (const call of this.waiting.splice(0)) call.resolve(outcome);
  }

  private connectionError(detail: string): void {
    if (!this.socket.destroyed) this.socket.write(GOAWAY_PROTOCOL_ERROR);
    this.failAll({ ok: false, kind: 'protocol_error', detail });
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const r = splitFrames(buf, (type, flags, streamId, payload) => {
      try {
        this.onFrame(type, flags, streamId, payload);
      } catch (err) {
        this.connectionError(err instanceof HpackError ? `HPACK: ${err.message}` : String(err));
        return false;
      }
      return !this.socket.destroyed;
    });
    if ('error' in r) return this.connectionError(r.error);
    if (!this.socket.destroyed) this.buf = r.rest;
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuation && type !== CONTINUATION) throw new Error('expected CONTINUATION');
    switch (type) {
      case DATA: {
        this.recvUnacked += payload.length;
        // Return flow-control credit once half the window is used, as nghttp2 does.
        if (this.recvUnacked >= DEFAULT_WINDOW / 2) {
          this.write(frame(WINDOW_UPDATE, 0, 0, uint32(this.recvUnacked)));
          this.recvUnacked = 0;
        }
        const call = this.calls.get(streamId);
        if (!call) return;
        let data = payload;
        if (flags & PADDED) data = payload.subarray(1, payload.length - payload[0]!);
        if (data.length > 0) call.body = call.body ? Buffer.concat([call.body, data]) : data;
        if (flags & END_STREAM) return this.finish(streamId, call);
        call.unackedBytes += payload.length;
        if (call.unackedBytes >= DEFAULT_WINDOW / 2) {
          this.write(frame(WINDOW_UPDATE, 0, streamId, uint32(call.unackedBytes)));
          call.unackedBytes = 0;
        }
        return;
      }
      case HEADERS: {
        let start = 0;
        let end = payload.length;
        if (flags & PADDED) {
          start = 1;
          end -= payload[0]!;
        }
        if (flags & PRIORITY) start += 5;
        const fragment = payload.subarray(start, end);
        if (!(flags & END_HEADERS)) {
          this.continuation = { streamId, flags, parts: [fragment] };
          return;
        }
        return this.onHeaderBlock(streamId, flags, fragment);
      }
      case CONTINUATION: {
        const c = this.continuation;
        if (!c || c.streamId !== streamId) throw new Error('unexpected CONTINUATION');
        c.parts.push(payload);
        if (!(flags & END_HEADERS)) return;
        this.continuation = undefined;
        return this.onHeaderBlock(streamId, c.flags, Buffer.concat(c.parts));
      }
      case RST_STREAM: {
        const call = this.calls.get(streamId);
        if (!call) return;
        this.calls.delete(streamId);
        const code = payload.readUInt32BE(0);
        const kind: ErrorKind = code === REFUSED_STREAM || code === CANCEL ? 'connection_reset' : 'protocol_error';
        call.resolve({ ok: false, kind, code: `RST_STREAM ${H2_ERRORS[code] ?? code}` });
        return this.drain();
      }
      case SETTINGS: {
        if (flags & ACK) {
          this.readyState.localAcked = true;
        } else {
          for (let i = 0; i + 6 <= payload.length; i += 6)
            this.applySetting(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
          this.write(frame(SETTINGS, ACK, 0));
          this.readyState.remote = true;
          this.drain();
        }
        if (this.onReady && this.readyState.remote && this.readyState.localAcked) {
          this.setupBytes = this.bytes();
          this.onReady();
          this.onReady = undefined;
        }
        return;
      }
      case PING:
        if (!(flags & ACK)) this.write(frame(PING, ACK, 0, payload));
        return;
      case GOAWAY: {
        const lastStreamId = payload.readUInt32BE(0) & MAX_STREAM_ID;
        const code = payload.readUInt32BE(4);
        const outcome: Failure = {
          ok: false,
          kind: 'connection_reset',
          code: `GOAWAY ${H2_ERRORS[code] ?? code}`,
          detail: 'server is closing the connection',
        };
        this.closed ??= outcome;
        // Streams above lastStreamId were not processed; those at or below it still finish.
        for (const [id, call] of this.calls) {
          if (id > lastStreamId) {
            this.calls.delete(id);
            call.resolve(outcome);
          }
        }
        for (const call of this.waiting.splice(0)) call.resolve(outcome);
        if (this.calls.size === 0) this.socket.end();
        return;
      }
      case WINDOW_UPDATE:
        if (streamId === 0) {
          this.sendWindow += payload.readUInt32BE(0) & MAX_STREAM_ID;
          this.drain();
        }
        return;
      case PUSH_PROMISE:
        throw new Error('unexpected PUSH_PROMISE');
      default:
        // PRIORITY and unknown frame types carry nothing a client must act on.
        return;
    }
  }

  private applySetting(id: number, value: number): void {
    switch (id) {
      case 0x1: // HEADER_TABLE_SIZE: how much of the peer's decoder table our encoder may use
        if (value < this.blocks.tableBytes && this.headerMode !== 'literal') {
          // Our entries no longer fit: say so in the next block and stop referencing them.
          if (this.headerMode === 'indexed') this.tableSizeUpdate = Buffer.from(hpackInt(0x20, 5, 0));
          this.headerMode = 'literal';
        }
        return;
      case 0x3: // MAX_CONCURRENT_STREAMS
        this.peerMaxStreams = value;
        return;
      case 0x4: // INITIAL_WINDOW_SIZE: our requests are far smaller; kept for the check in encode
        this.peerStreamWindow = value;
        return;
      default:
        return;
    }
  }

  private readonly sink: HeaderSink = (name, value) => {
    const call = this.current;
    if (!call) return;
    if (name === ':status') call.httpStatus = Number(value);
    else if (name === 'grpc-status') call.grpcStatus = value;
    else if (name === 'grpc-message') call.grpcMessage = value;
  };

  private onHeaderBlock(streamId: number, flags: number, block: Buffer): void {
    // Always decode, even for a stream we gave up on: the HPACK table must stay in step.
    this.current = this.calls.get(streamId);
    try {
      this.decoder.decode(block, this.sink);
    } finally {
      this.current = undefined;
    }
    const call = this.calls.get(streamId);
    if (call && flags & END_STREAM) this.finish(streamId, call);
  }

  private finish(streamId: number, call: Call): void {
    this.calls.delete(streamId);
    call.resolve(outcomeOf(call));
    if (this.waiting.length > 0) this.drain();
    if (this.closed && this.calls.size === 0 && !this.socket.destroyed) this.socket.end();
  }

  /** For the encoder: a request must fit one DATA frame within the peer's stream window. */
  fits(message: Buffer): boolean {
    return message.length <= Math.min(this.peerStreamWindow, MAX_FRAME_SIZE);
  }

  encode(message: Buffer): Encoded {
    const block = this.blocks.indexed;
    const template = Buffer.concat([frame(HEADERS, END_HEADERS, 0, block), frame(DATA, END_STREAM, 0, message)]);
    return { template, message };
  }
}

let userType: ReturnType<typeof protoType> | undefined;

function outcomeOf(call: Call): CallOutcome {
  if (call.grpcStatus === '0' && call.httpStatus === 200) {
    const body = call.body;
    if (!body || body.length < 5)
      return { ok: false, kind: 'protocol_error', code: 'OK', detail: 'status OK without a response message' };
    const len = body.readUInt32BE(1);
    const payload = { request: call.enc.message.length - 5, response: len };
    if (!call.decode) return { ok: true, payload };
    if (body[0] !== 0) return { ok: false, kind: 'protocol_error', code: 'OK', detail: 'compressed response' };
    if (body.length < 5 + len) return { ok: false, kind: 'protocol_error', code: 'OK', detail: 'truncated response message' };
    userType ??= protoType('User');
    const obj = userType.toObject(userType.decode(body.subarray(5, 5 + len)), { longs: Number, defaults: true }) as User__Output;
    return { ok: true, payload, user: canonicalUser(userFromProto(obj)) };
  }
  if (call.grpcStatus !== undefined) {
    return classifyGrpcStatus(Number(call.grpcStatus), call.grpcMessage ? safeDecodeURIComponent(call.grpcMessage) : undefined);
  }
  return {
    ok: false,
    kind: 'protocol_error',
    code: call.httpStatus ? `HTTP ${call.httpStatus}` : undefined,
    detail: 'response without grpc-status',
  };
}

/** grpc-message is percent-encoded on the wire. */
function safeDecodeURIComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const connect: ClientModule['connect'] = async ({ host, port }) => {
  const conn = await GrpcH2Connection.connect(host, port);
  const requestType = protoType('GetUserRequest');
  const cache = new Map<number, Encoded>();
  const requestFor = (id: number): Encoded => {
    let e = cache.get(id);
    if (!e) {
      const msg = requestType.encode(requestType.create({ id })).finish();
      const message = Buffer.allocUnsafe(5 + msg.length);
      message[0] = 0; // not compressed
      message.writeUInt32BE(msg.length, 1);
      message.set(msg, 5);
      cache.set(id, (e = conn.encode(message)));
    }
    return e;
  };

  const connection: Connection = {
    setupBytes: conn.setupBytes,
    wireBytes: () => conn.bytes(),
    call: (op, options) => {
      if (op.op !== 'getUser') return Promise.resolve(unsupported(op));
      const enc = requestFor(op.id);
      if (!conn.fits(enc.message))
        return Promise.resolve({ ok: false, kind: 'client_error', detail: 'request larger than one DATA frame' });
      return conn.getUser(enc, options?.decode === true);
    },
    close: () => conn.close(),
  };
  return connection;
};
