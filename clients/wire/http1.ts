// A lean HTTP/1.1 keep-alive connection on a raw node:net socket. Requests are pre-built
// Buffers written as they are; responses are framed (Content-Length or chunked) and matched
// to requests in order, so several requests may be pipelined on one connection. This is
// the approach of wrk and autocannon: the generator spends its CPU sending, not parsing.
import net from 'node:net';
import type { ByteCount, CallOutcome, Connection } from '../types.ts';

export interface Http1Response {
  status: number;
  /** Body bytes (chunked bodies are de-chunked). */
  body: Buffer;
  /** Total bytes of the response on the wire (head + body framing). */
  wireBytes: number;
  /** The Content-Encoding the body is in (gzip, br), when not identity; the body is left as sent. */
  contentEncoding?: string;
}

interface Pending {
  resolve: (r: Http1Response) => void;
  reject: (e: Error) => void;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class Http1Connection {
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: Pending[] = [];
  private closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })));
  }

  static connect(host: string, port: number): Promise<Http1Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Http1Connection(socket));
      });
    });
  }

  request(raw: Buffer): Promise<Http1Response> {
    if (this.closed) return Promise.reject(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.socket.write(raw);
    });
  }

  bytes(): ByteCount {
    return { out: this.socket.bytesWritten, in: this.socket.bytesRead };
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      // A server that does not close its side promptly is not our problem to wait for.
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }

  private failAll(err: Error): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const res = parseResponse(this.buf);
      if (!res) return;
      this.buf = this.buf.subarray(res.wireBytes);
      const p = this.queue.shift();
      if (!p) {
        this.failAll(new Error('response without a request'));
        this.socket.destroy();
        return;
      }
      p.resolve(res);
    }
  }
}

/**
 * Parse one complete response at the start of `buf`; undefined if more bytes are needed.
 * Pure, so it is unit-tested on split and pipelined input.
 */
export function parseResponse(buf: Buffer): Http1Response | undefined {
  const headEnd = buf.indexOf(CRLFCRLF);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  if (!Number.isInteger(status)) throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 40))}`);
  const bodyStart = headEnd + 4;
  const lower = head.toLowerCase();
  // Only compressed answers name one; the substring test keeps the regex off the hot path.
  const ce = lower.includes('\r\ncontent-encoding:') ? /\r\ncontent-encoding:\s*([^\r]*)/.exec(lower)![1]!.trim() : undefined;
  const enc = ce && ce !== 'identity' ? { contentEncoding: ce } : undefined;
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
  if (cl) {
    const len = Number(cl[1]);
    if (buf.length < bodyStart + len) return undefined;
    return { status, body: buf.subarray(bodyStart, bodyStart + len), wireBytes: bodyStart + len, ...enc };
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
    const parts: Buffer[] = [];
    let pos = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      const dataStart = lineEnd + 2;
      if (size === 0) {
        // Last chunk; no trailers expected from our servers: just the final CRLF.
        if (buf.length < dataStart + 2) return undefined;
        return { status, body: Buffer.concat(parts), wireBytes: dataStart + 2, ...enc };
      }
      if (buf.length < dataStart + size + 2) return undefined;
      parts.push(buf.subarray(dataStart, dataStart + size));
      pos = dataStart + size + 2;
    }
  }
  // No body framing: 204/304 or a bodiless status.
  return { status, body: Buffer.alloc(0), wireBytes: bodyStart };
}

/** Build a request once; the hot path only writes the bytes. */
export function buildRequest(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Buffer {
  const bodyBuf = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (bodyBuf) head += `Content-Length: ${bodyBuf.length}\r\n`;
  head += '\r\n';
  return bodyBuf ? Buffer.concat([Buffer.from(head, 'latin1'), bodyBuf]) : Buffer.from(head, 'latin1');
}

/** An HTTP answer with an unexpected status as the harness's failure outcome; 404 is not_found. */
export function httpFailure(status: number, body: Buffer): CallOutcome {
  if (status === 404) return { ok: false, kind: 'not_found', code: String(status) };
  return statusFailure(status, body);
}

/** As httpFailure where a 404 is no answer about the thing asked for (a missing endpoint): 5xx server, else client. */
export function statusFailure(status: number, body: Buffer): CallOutcome {
  const kind = status >= 500 ? 'server_error' : 'client_error';
  return { ok: false, kind, code: String(status), detail: body.toString('utf8').slice(0, 200) };
}

/** A Connection whose calls go on one keep-alive HTTP/1.1 connection: no setup bytes beyond TCP's handshake. */
export function connectionOverHttp1(conn: Http1Connection, call: Connection['call']): Connection {
  return { setupBytes: { out: 0, in: 0 }, wireBytes: () => conn.bytes(), close: () => conn.close(), call };
}

/** Map a socket/parse error to the harness's error classes. */
export function classifyNetError(err: unknown): 'connection_reset' | 'timeout' | 'protocol_error' {
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNREFUSED') return 'connection_reset';
  return 'protocol_error';
}
