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
import { canonicalUser, protoType, userFromProto } from '../proto/contract.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule, type Connection, type ErrorKind } from './types.ts';
import { requestHeaderBlocks } from './wire/hpack.ts';
import { DATA, DEFAULT_WINDOW, END_HEADERS, END_STREAM, HEADERS, MAX_FRAME_SIZE, frame } from './wire/h2-frame.ts';
import type { Failure } from './wire/h2-errors.ts';
import { HeaderTableUse } from './wire/h2-header-table.ts';
import { H2ClientSession, type H2SessionOptions, type H2Stream } from './wire/h2-session.ts';

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
// The connection: an HTTP/2 session (clients/wire/h2-session.ts) carrying pre-built GetUser calls

const PATH = '/bench.v1.UserService/GetUser';

interface Encoded {
  /** HEADERS (indexed block) + DATA frames with stream id 0, copied and patched per call. */
  template: Buffer;
  /** gRPC length-prefixed message: 5-byte prefix + protobuf. */
  message: Buffer;
}

/** One GetUser call: the session's stream, resolved with the call's outcome. */
class Call implements H2Stream {
  httpStatus = 0;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  body: Buffer | undefined;
  recvUnacked = 0;
  readonly sendBytes: number;
  constructor(
    readonly resolve: (o: CallOutcome) => void,
    readonly decode: boolean,
    readonly enc: Encoded,
  ) {
    this.sendBytes = enc.message.length;
  }

  header(name: string, value: string): void {
    if (name === ':status') this.httpStatus = Number(value);
    else if (name === 'grpc-status') this.grpcStatus = value;
    else if (name === 'grpc-message') this.grpcMessage = value;
  }

  data(chunk: Buffer): void {
    this.body = this.body ? Buffer.concat([this.body, chunk]) : chunk;
  }

  end(): void {
    this.resolve(outcomeOf(this));
  }

  fail(failure: Failure): void {
    this.resolve(failure);
  }
}

/** The driver's side of the session: it builds each call's frames and follows the peer's settings. */
export class GrpcH2Connection implements H2SessionOptions<Call> {
  private readonly blocks;
  private readonly table;
  private peerStreamWindow = DEFAULT_WINDOW;
  private session!: H2ClientSession<Call>;

  private constructor(authority: string) {
    this.blocks = requestHeaderBlocks(authority, PATH);
    this.table = new HeaderTableUse(this.blocks.tableBytes);
  }

  static async connect(host: string, port: number, timeoutMs = 10_000): Promise<GrpcH2Connection> {
    const conn = new GrpcH2Connection(`${host}:${port}`);
    conn.session = await H2ClientSession.connect(host, port, conn, timeoutMs);
    return conn;
  }

  get setupBytes(): ByteCount {
    return this.session.setupBytes;
  }

  bytes(): ByteCount {
    return this.session.bytes();
  }

  getUser(enc: Encoded, decode: boolean): Promise<CallOutcome> {
    return new Promise((resolve) => this.session.request(new Call(resolve, decode, enc)));
  }

  close(): Promise<void> {
    return this.session.close();
  }

  requestFrames(call: Call, id: number): Buffer {
    if (this.table.mode === 'indexed') {
      const t = call.enc.template;
      // A fresh copy per call: a queued socket write still references the previous one.
      const out = Buffer.allocUnsafe(t.length);
      t.copy(out);
      out.writeUInt32BE(id, 5);
      out.writeUInt32BE(id, t.length - call.enc.message.length - 4);
      return out;
    }
    const block = this.table.sent(this.table.mode === 'first' ? this.blocks.first : this.blocks.literal);
    return Buffer.concat([frame(HEADERS, END_HEADERS, id, block), frame(DATA, END_STREAM, id, call.enc.message)]);
  }

  onPeerHeaderTableSize(value: number): void {
    this.table.peerTableSize(value);
  }

  /** Our requests are far smaller than any stream window; kept for the check in fits(). */
  onPeerInitialWindowSize(value: number): void {
    this.peerStreamWindow = value;
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
