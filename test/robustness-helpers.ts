// Shared by the robustness and fuzz tests: raw-socket exchanges, HTTP/1.1 request bytes,
// byte-level mutations (fast-check arbitraries) and a crash watch for in-process servers.
import net from 'node:net';
import type http2 from 'node:http2';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WS_PATH } from '../servers/websocket.ts';

export const HOST = '127.0.0.1';

export interface RawResult {
  data: Buffer;
  /** How the exchange ended: the server closed, we gave up waiting, or the socket failed. */
  ended: 'closed' | 'timeout' | 'error';
}

/**
 * Send bytes on a fresh TCP connection and collect what comes back until the server closes,
 * `settleMs` after the last data, or `timeoutMs` in all; then the socket is destroyed. Every
 * caller expects an answer, so the overall limit is long (it ends at the answer): a machine in a
 * slow phase can take longer than a few hundred ms to answer over loopback.
 */
export function rawSend(port: number, bytes: Buffer | Buffer[], { timeoutMs = 5_000, settleMs = 30 } = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    let settle: NodeJS.Timeout | undefined;
    const s = net.connect(port, HOST);
    const finish = (ended: RawResult['ended']) => {
      if (done) return;
      done = true;
      clearTimeout(overall);
      clearTimeout(settle);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), ended });
    };
    const overall = setTimeout(() => finish('timeout'), timeoutMs);
    s.on('connect', () => {
      for (const b of Array.isArray(bytes) ? bytes : [bytes]) s.write(b);
    });
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      clearTimeout(settle);
      settle = setTimeout(() => finish('timeout'), settleMs);
    });
    s.on('close', () => finish('closed'));
    // ECONNRESET and EPIPE are answers too (the server refused what it was sent).
    s.on('error', () => finish('error'));
  });
}

/** Wait until a socket is closed by the peer; resolves with how long that took, or -1 on timeout. */
export function waitForClose(s: net.Socket, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(0);
    const timer = setTimeout(() => resolve(-1), timeoutMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

export function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => resolve(s));
    s.once('error', reject);
  });
}

/** One HTTP/1.1 request as bytes; Content-Length is added for a body unless headers set it. */
export function httpRequest(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Buffer {
  const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h: Record<string, string> = { Host: HOST, ...headers };
  if (b && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) {
    h['Content-Length'] = String(b.length);
  }
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return b ? Buffer.concat([Buffer.from(head, 'latin1'), b]) : Buffer.from(head, 'latin1');
}

/** Status codes at the start of each HTTP/1.1 response in `data` (pipelined answers included). */
export function statuses(data: Buffer): number[] {
  const text = data.toString('latin1');
  const out: number[] = [];
  // Only a status line at the very start, or right after a previous response's blank line,
  // counts: bodies may echo request text.
  const re = /(?:^|\r\n\r\n)HTTP\/1\.1 (\d{3}) /g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(Number(m[1]));
  return out;
}

/** The first response's status and body (Content-Length framing only), for simple checks. */
export function firstResponse(data: Buffer): { status: number; headers: string; body: string } | undefined {
  const text = data.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  if (!m || end < 0) return undefined;
  const headers = text.slice(0, end);
  const len = /\r\ncontent-length: *(\d+)/i.exec(headers);
  const body = text.slice(end + 4, len ? end + 4 + Number(len[1]) : undefined);
  return { status: Number(m[1]), headers, body };
}

const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/grpc',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  '',
  ';;;',
  'application/graphql',
  'text/event-stream',
  'application/octet-stream',
];
const HUGE_LENGTHS = [
  '4294967296',
  '9007199254740993',
  '99999999999999999999999',
  '-1',
  '1e6',
  '0x10',
  ' 12',
  '1048577',
  '2147483647',
];

function replaceHeader(req: Buffer, name: string, value: string): Buffer {
  const text = req.toString('latin1');
  const re = new RegExp(`\\r\\n${name}:[^\\r]*`, 'i');
  const next = re.test(text) ? text.replace(re, `\r\n${name}: ${value}`) : text.replace('\r\n', `\r\n${name}: ${value}\r\n`);
  return Buffer.from(next, 'latin1');
}

/**
 * Bytes a misbehaving client might send, built from valid requests: random bytes, valid ones
 * with flipped bytes, cut short, repeated or with a segment duplicated, or with a wrong
 * content type or an absurd declared length.
 */
export function mutatedBytes(valid: Buffer[], { httpHeaders = true } = {}): fc.Arbitrary<Buffer> {
  const base = fc.constantFrom(...valid);
  const arbs: fc.Arbitrary<Buffer>[] = [
    fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
    fc
      .tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }))
      .map(([b, flips]) => {
        const out = Buffer.from(b);
        for (const [pos, x] of flips) out[pos % out.length] = (out[pos % out.length] as number) ^ x;
        return out;
      }),
    fc.tuple(base, fc.nat()).map(([b, n]) => b.subarray(0, n % b.length)),
    fc.tuple(base, fc.integer({ min: 2, max: 20 })).map(([b, n]) => Buffer.concat(Array.from({ length: n }, () => b))),
    fc.tuple(base, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 50 })).map(([b, at, from, times]) => {
      const start = from % b.length;
      const seg = b.subarray(start, Math.min(b.length, start + 64));
      const cut = at % b.length;
      return Buffer.concat([b.subarray(0, cut), ...Array.from({ length: times }, () => seg), b.subarray(cut)]);
    }),
  ];
  if (httpHeaders) {
    arbs.push(
      fc.tuple(base, fc.constantFrom(...CONTENT_TYPES)).map(([b, ct]) => replaceHeader(b, 'Content-Type', ct)),
      fc.tuple(base, fc.constantFrom(...HUGE_LENGTHS)).map(([b, len]) => replaceHeader(b, 'Content-Length', len)),
      base.map((b) => replaceHeader(b, 'Transfer-Encoding', 'chunked')),
    );
  }
  return fc.oneof(...arbs);
}

/**
 * Collect uncaught exceptions and unhandled rejections while in-process servers are fuzzed:
 * one would mean a bad input could take a server process down.
 */
export function watchCrashes(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    dispose() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

/** Bounded fuzz settings: enough runs to find the common faults, few enough to keep the suite short. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 15);
export const FUZZ_BATCH = 8;

/**
 * The kernel's keep-alive timer on the server's side of a connection to `port`, as `ss`
 * shows it: true when SO_KEEPALIVE is set, undefined when ss is not available.
 */
export function serverSideKeepAlive(port: number, clientPort: number): boolean | undefined {
  let out: string;
  try {
    out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} and dport = :${clientPort} )`], {
      encoding: 'utf8',
    });
  } catch {
    return undefined;
  }
  return /timer:\(keepalive/.test(out);
}

export interface TimeoutLimits {
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  tcpKeepAliveMs: number;
}

/** Short limits for tests; node:http adds up to a second of slack to keepAliveTimeout. */
export const SHORT_LIMITS: TimeoutLimits = {
  idleTimeoutMs: 200,
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  tcpKeepAliveMs: 5_000,
};

/**
 * Checks every node:http server's connection limits with SHORT_LIMITS: a socket that never
 * sends a request gets 408 and is closed, one that sends half a body likewise, an idle
 * keep-alive connection is closed after its last answer, and accepted sockets have
 * SO_KEEPALIVE set. `valid` must be a complete request the server answers at once with validStatus.
 */
export async function assertHttpTimeouts(port: number, valid: Buffer, slowBody: Buffer, validStatus = 200): Promise<void> {
  const silent = await connectRaw(port);
  const silentData: Buffer[] = [];
  silent.on('data', (d: Buffer) => silentData.push(d));
  const keep = await connectRaw(port);
  const kaState = serverSideKeepAlive(port, keep.localPort!);
  if (kaState !== undefined) assert.equal(kaState, true, 'accepted socket has SO_KEEPALIVE');
  const keepData: Buffer[] = [];
  keep.on('data', (d: Buffer) => keepData.push(d));
  keep.write(valid);
  const slow = await connectRaw(port);
  const slowData: Buffer[] = [];
  slow.on('data', (d: Buffer) => slowData.push(d));
  slow.write(slowBody);

  // The limits are at most 600 ms; 15 s to see the close leaves room for a machine in a slow phase
  // (it returns at the close), while a limit that never fires still fails.
  const [silentMs, keepMs, slowMs] = await Promise.all([
    waitForClose(silent, 15_000),
    waitForClose(keep, 15_000),
    waitForClose(slow, 15_000),
  ]);
  assert.ok(silentMs >= 0, 'a connection that sends nothing is closed');
  assert.equal(statuses(Buffer.concat(silentData))[0], 408, 'with 408 Request Timeout');
  assert.ok(keepMs >= 0, 'an idle keep-alive connection is closed');
  const answered = statuses(Buffer.concat(keepData));
  assert.equal(answered.length, 1, 'after its one answer');
  assert.equal(answered[0], validStatus, 'the answer was not a timeout');
  assert.ok(slowMs >= 0, 'a connection that never finishes its body is closed');
  for (const s of [silent, keep, slow]) s.destroy();
}

// gRPC over raw HTTP/2 (node:http2), so a test controls every byte of a call.

export interface GrpcAnswer {
  httpStatus: number;
  grpcStatus: number | undefined;
  grpcMessage: string;
  data: Buffer;
}

/** gRPC length-prefixed message; `declared` overrides the length written in the prefix. */
export function grpcFrame(msg: Buffer, declared = msg.length, compressed = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(declared, 1);
  return Buffer.concat([head, msg]);
}

/** One call over a raw HTTP/2 session; resolves on the status (trailers, or a trailers-only answer). */
export function rawCall(
  session: http2.ClientHttp2Session,
  path: string,
  body: Buffer,
  headers: http2.OutgoingHttpHeaders = {},
  end = true,
): Promise<GrpcAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    const data: Buffer[] = [];
    const answer: GrpcAnswer = { httpStatus: 0, grpcStatus: undefined, grpcMessage: '', data: Buffer.alloc(0) };
    const read = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) {
        answer.grpcStatus = Number(h['grpc-status']);
        answer.grpcMessage = decodeURIComponent(String(h['grpc-message'] ?? ''));
      }
    };
    req.on('response', (h) => {
      answer.httpStatus = Number(h[':status']);
      read(h);
    });
    req.on('trailers', read);
    req.on('data', (d: Buffer) => data.push(d));
    // The server may answer before the request's end (an oversized prefix is refused at once):
    // the answer is complete when the response ends, whether or not the request was sent.
    req.on('end', () => {
      answer.data = Buffer.concat(data);
      req.close();
      resolve(answer);
    });
    req.on('error', reject);
    if (end) req.end(body);
    else req.write(body);
  });
}

// WebSocket frames and handshakes on raw sockets.

/** A client frame as raw bytes (masked unless told otherwise). */
export function wsFrame(opcode: number, payload: Buffer, { mask = true, fin = true, rsv = 0 } = {}): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0, len])
      : len < 65536
        ? Buffer.from([0, 126, len >> 8, len & 255])
        : Buffer.concat([Buffer.from([0, 127]), Buffer.from(BigInt(len).toString(16).padStart(16, '0'), 'hex')]);
  head[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  if (!mask) return Buffer.concat([head, payload]);
  head[1] = (head[1] as number) | 0x80;
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([head, key, body]);
}

export function upgradeRequest(): Buffer {
  return httpRequest('GET', WS_PATH, {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
  });
}

/** Complete a handshake on a raw socket; resolves with the socket and whatever followed the 101. */
export async function rawUpgrade(port: number): Promise<net.Socket> {
  const s = await connectRaw(port);
  s.write(upgradeRequest());
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        s.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) reject(new Error(head.slice(0, 40)));
        else resolve();
      }
    };
    s.on('data', onData);
  });
  return s;
}
