// A lean h2c REST driver, the HTTP/2 counterpart of clients/wire/http1.ts: HTTP/2 spoken on a raw
// node:net socket as h2load speaks it, so the h2c rows load the server instead of measuring
// node:http2's client (60-100+ us of CPU per request: a Duplex per stream, header objects,
// AsyncResource.bind; see clients/grpc.ts). Each GET is one HEADERS frame (END_STREAM), its
// HPACK block encoded as nghttp2 (node:http2, curl, h2load) encodes it: fields enter the
// dynamic table on first use and are 1-byte references afterwards, except :path (never
// indexed by nghttp2) and authorization (sent never-indexed, as nghttp2 does for it), so the
// bytes on the wire are a real client's; test/scenario-http2.test.ts compares them with
// node:http2's. Answers are framed and their header blocks decoded for :status.
import { STATIC_TABLE, hpackInt, hpackString } from './wire/hpack.ts';
import { END_HEADERS, END_STREAM, HEADERS, frame } from './wire/h2-frame.ts';
import type { Failure } from './wire/h2-errors.ts';
import { HeaderTableUse } from './wire/h2-header-table.ts';
import { H2ClientSession, type H2SessionOptions, type H2Stream } from './wire/h2-session.ts';
import type { ByteCount } from './types.ts';

const staticName = (name: string): number => STATIC_TABLE.findIndex(([n]) => n === name) + 1;

/**
 * HPACK blocks for GET requests with a fixed header set, as nghttp2 encodes them:
 * `first(path)` inserts every indexable field, `next(path)` references them (dynamic index
 * 62 is the newest insertion), `literal(path)` indexes nothing (a peer table too small).
 */
export function getHeaderBlocks(
  authority: string,
  headers: Readonly<Record<string, string>>,
): {
  first: (path: string) => Buffer;
  next: (path: string) => Buffer;
  literal: (path: string) => Buffer;
  tableBytes: number;
} {
  // :method GET (static 2) and :scheme http (static 6) are full static matches.
  const head = [0x80 | 2, 0x80 | 6];
  const fields: [string, string][] = [[':authority', authority], ...Object.entries(headers)];
  const neverIndexed = (name: string, value: string): boolean =>
    name === 'authorization' || (name === 'cookie' && value.length < 20);
  const literal = (flags: number, prefix: number, name: string, value: string): number[] => {
    const idx = staticName(name);
    return [...hpackInt(flags, prefix, idx), ...(idx ? [] : hpackString(name)), ...hpackString(value)];
  };
  const inserted = fields.filter(([n, v]) => !neverIndexed(n, v));
  const first: number[] = [];
  const next: number[] = [];
  const plain: number[] = [];
  let tableBytes = 0;
  for (const [name, value] of fields) {
    if (neverIndexed(name, value)) {
      const f = literal(0x10, 4, name, value);
      first.push(...f);
      next.push(...f);
      plain.push(...f);
    } else {
      first.push(...literal(0x40, 6, name, value));
      next.push(...hpackInt(0x80, 7, STATIC_TABLE.length + inserted.length - inserted.findIndex(([n]) => n === name)));
      plain.push(...literal(0x00, 4, name, value));
      tableBytes += name.length + value.length + 32;
    }
  }
  const withPath =
    (block: number[]) =>
    (path: string): Buffer =>
      Buffer.from([...head, ...hpackInt(0x00, 4, staticName(':path')), ...hpackString(path), ...block]);
  return { first: withPath(first), next: withPath(next), literal: withPath(plain), tableBytes };
}

type Answer = { status: number; body: Buffer } | Failure;

/** One GET: the session's stream, resolved with the status and body or the failure. */
class GetStream implements H2Stream {
  readonly sendBytes = 0;
  recvUnacked = 0;
  status = 0;
  private readonly body: Buffer[] = [];
  constructor(
    readonly resolve: (answer: Answer) => void,
    readonly path: string,
  ) {}

  header(name: string, value: string): void {
    if (name === ':status') this.status = Number(value);
  }

  data(chunk: Buffer): void {
    this.body.push(chunk);
  }

  end(): void {
    this.resolve({ status: this.status, body: this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body) });
  }

  fail(failure: Failure): void {
    this.resolve(failure);
  }
}

/** The driver's side of the session: it builds each GET's HEADERS frame and follows the peer's header table size. */
export class LeanH2cConnection implements H2SessionOptions<GetStream> {
  private readonly blocks;
  private readonly table;
  /** HEADERS frames for the indexed mode by path, stream id patched per request. */
  private readonly templates = new Map<string, Buffer>();
  private session!: H2ClientSession<GetStream>;

  private constructor(authority: string, headers: Readonly<Record<string, string>>) {
    this.blocks = getHeaderBlocks(authority, headers);
    this.table = new HeaderTableUse(this.blocks.tableBytes);
  }

  static async connect(
    host: string,
    port: number,
    headers: Readonly<Record<string, string>>,
    timeoutMs = 10_000,
  ): Promise<LeanH2cConnection> {
    const conn = new LeanH2cConnection(`${host}:${port}`, headers);
    conn.session = await H2ClientSession.connect(host, port, conn, timeoutMs);
    return conn;
  }

  get setupBytes(): ByteCount {
    return this.session.setupBytes;
  }

  bytes(): ByteCount {
    return this.session.bytes();
  }

  get(path: string): Promise<Answer> {
    return new Promise((resolve) => this.session.request(new GetStream(resolve, path)));
  }

  close(): Promise<void> {
    return this.session.close();
  }

  requestFrames(stream: GetStream, id: number): Buffer {
    if (this.table.mode === 'indexed') {
      let t = this.templates.get(stream.path);
      if (!t) this.templates.set(stream.path, (t = frame(HEADERS, END_HEADERS | END_STREAM, 0, this.blocks.next(stream.path))));
      // A fresh copy per request: a queued socket write still references the previous one.
      const out = Buffer.allocUnsafe(t.length);
      t.copy(out);
      out.writeUInt32BE(id, 5);
      return out;
    }
    const block = this.table.mode === 'first' ? this.blocks.first(stream.path) : this.blocks.literal(stream.path);
    return frame(HEADERS, END_HEADERS | END_STREAM, id, this.table.sent(block));
  }

  onPeerHeaderTableSize(value: number): void {
    this.table.peerTableSize(value);
  }
}
