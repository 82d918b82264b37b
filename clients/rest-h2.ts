// REST getUser with a browser's request headers, over HTTP/1.1 or cleartext HTTP/2 (the
// http2 scenario). The ways to carry it:
//   http1Browser  the lean HTTP/1.1 driver (clients/wire/http1.ts), every header in full text on
//                 every request; in-flight calls on one connection are pipelined.
//   h2c           the lean HTTP/2 driver (clients/rest-h2-lean.ts, h2load-like), one session
//                 (TCP connection) per generator connection, concurrent calls as concurrent
//                 streams; HPACK indexes repeated header fields.
//   h2cShared     as h2c, but every connection this module opens is a view on ONE session:
//                 all the generator's calls are streams multiplexed on one TCP connection.
//   h2cNode       as h2c with node:http2's own client (HPACK by its nghttp2), what an
//                 application on node sees; it costs the generator far more CPU per call.
// Wire bytes are read at the TCP socket (for node:http2, one passed in through
// createConnection), so frame headers, HPACK blocks, SETTINGS ACKs and WINDOW_UPDATEs count.
import http2 from 'node:http2';
import net from 'node:net';
import { canonicalUser, type UserJson } from '../proto/contract.ts';
import { Http1Connection, buildRequest, classifyNetError } from './wire/http1.ts';
import { LeanH2cConnection } from './rest-h2-lean.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule, type Connection } from './types.ts';

/**
 * What a browser's fetch() of a JSON API sends besides the method, path and host: identical
 * on both protocols (lower-case names; HTTP/1.1 case is irrelevant to the byte count). The
 * token and cookies are fixed, realistic-length strings (a JWT of ~3 claims, a session id
 * and analytics cookies). HTTP/1.1's `Connection: keep-alive` is left out: HTTP/2 forbids
 * connection headers and keep-alive is HTTP/1.1's default.
 */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  accept: 'application/json, text/plain, */*',
  'accept-language': 'en-US,en;q=0.9,de;q=0.8',
  // Our getUser answers (~300 B) are far below any compression threshold; an encoded answer
  // would fail the equivalence check instead of passing unnoticed.
  'accept-encoding': 'gzip, deflate, br, zstd',
  authorization:
    'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkJlbmNoIFVzZXIiLCJyb2xlcyI6WyJyZWFkZXIiXSwiaWF0IjoxNzY0MjAwMDAwLCJleHAiOjE3NjQyMDM2MDB9.Qm9ndXNTaWduYXR1cmVGb3JCZW5jaG1hcmtzT25seTEyMzQ1Ng',
  cookie:
    'session=9f8b2c7e4d1a6b3c5e0f2a4b6c8d0e1f; csrftoken=Xq7Lp2Vb9Rk4Tz8Nw3Hs6Jd1; _ga=GA1.1.1234567890.1764200000; theme=dark',
};

/** Bytes of the browser header lines as HTTP/1.1 sends them ("name: value\r\n" each). */
export function browserHeaderBytes(): number {
  return Object.entries(BROWSER_HEADERS).reduce((n, [k, v]) => n + k.length + 2 + v.length + 2, 0);
}

const usersPath = (id: number): string => `/v1/users/${id}`;

function outcomeFor(status: number, body: Buffer, decode: boolean): CallOutcome {
  if (status === 200) {
    const payload = { request: 0, response: body.length };
    if (!decode) return { ok: true, payload };
    return { ok: true, payload, user: canonicalUser(JSON.parse(body.toString('utf8')) as UserJson) };
  }
  const code = String(status);
  if (status === 404) return { ok: false, kind: 'not_found', code };
  return { ok: false, kind: status >= 500 ? 'server_error' : 'client_error', code, detail: body.toString('utf8').slice(0, 200) };
}

/** HTTP/1.1: the lean driver with the browser headers, requests pre-built per id. */
export const http1Browser: ClientModule = {
  description:
    'HTTP/1.1 keep-alive on raw node:net sockets, pre-built GET requests with browser headers, pipelined; fastify server',
  async connect({ host, port }) {
    const conn = await Http1Connection.connect(host, port);
    const authority = `${host}:${port}`;
    const cache = new Map<number, Buffer>();
    const requestFor = (id: number): Buffer => {
      let b = cache.get(id);
      if (!b) cache.set(id, (b = buildRequest('GET', usersPath(id), authority, { ...BROWSER_HEADERS })));
      return b;
    };
    return {
      setupBytes: { out: 0, in: 0 }, // nothing beyond TCP's handshake
      wireBytes: () => conn.bytes(),
      async call(op, options) {
        if (op.op !== 'getUser') return unsupported(op);
        try {
          const res = await conn.request(requestFor(op.id));
          return outcomeFor(res.status, res.body, options?.decode === true);
        } catch (err) {
          return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
        }
      },
      close: () => conn.close(),
    };
  },
};

/** One HTTP/2 session (one TCP connection) that GETs paths. */
interface H2Session {
  readonly setupBytes: ByteCount;
  bytes(): ByteCount;
  get(path: string, decode: boolean): Promise<CallOutcome>;
  close(): Promise<void>;
}

/** The lean driver (clients/rest-h2-lean.ts) as an H2Session. */
async function openLean(host: string, port: number): Promise<H2Session> {
  const conn = await LeanH2cConnection.connect(host, port, BROWSER_HEADERS);
  return {
    setupBytes: conn.setupBytes,
    bytes: () => conn.bytes(),
    get: async (path, decode) => {
      const r = await conn.get(path);
      return 'status' in r ? outcomeFor(r.status, r.body, decode) : r;
    },
    close: () => conn.close(),
  };
}

/** One node:http2 client session on a socket of our own, so its byte counters are readable. */
export class H2cSession implements H2Session {
  private failure: string | undefined;

  private constructor(
    readonly session: http2.ClientHttp2Session,
    readonly socket: net.Socket,
    /** Bytes of the connection preface and the SETTINGS exchange (and the ACKs). */
    readonly setupBytes: ByteCount,
  ) {
    session.on('error', (err) => (this.failure = err.message));
    session.on('close', () => (this.failure ??= 'session closed'));
  }

  static open(host: string, port: number, timeoutMs = 10_000): Promise<H2cSession> {
    return new Promise((resolve, reject) => {
      let socket!: net.Socket;
      const session = http2.connect(`http://${host}:${port}`, {
        createConnection: () => {
          socket = net.connect({ host, port });
          socket.setNoDelay(true);
          return socket;
        },
      });
      const timer = setTimeout(() => session.destroy(new Error(`HTTP/2 setup with ${host}:${port} timed out`)), timeoutMs);
      const fail = (err?: Error): void => {
        clearTimeout(timer);
        reject(err ?? new Error(`connection to ${host}:${port} closed during HTTP/2 setup`));
      };
      session.once('error', fail);
      const closedEarly = (): void => fail();
      session.once('close', closedEarly);
      // Setup is over when both SETTINGS frames are acknowledged: the server's ('remoteSettings',
      // which our ACK answers) and ours ('localSettings' fires on its ACK).
      let remote = false;
      let local = false;
      const ready = (): void => {
        if (!remote || !local) return;
        // Our SETTINGS ACK is queued in nghttp2 when the server's SETTINGS is read and written
        // from a native immediate: wait until nothing is queued so the setup counts it.
        const settled = (turns: number): void => {
          if (session.state.outboundQueueSize !== undefined && session.state.outboundQueueSize > 0 && turns > 0) {
            setImmediate(() => settled(turns - 1));
            return;
          }
          clearTimeout(timer);
          session.off('error', fail);
          session.off('close', closedEarly);
          resolve(new H2cSession(session, socket, { out: socket.bytesWritten, in: socket.bytesRead }));
        };
        setImmediate(() => settled(100));
      };
      session.once('remoteSettings', () => ((remote = true), ready()));
      session.once('localSettings', () => ((local = true), ready()));
    });
  }

  bytes(): ByteCount {
    return { out: this.socket.bytesWritten, in: this.socket.bytesRead };
  }

  get(path: string, decode: boolean): Promise<CallOutcome> {
    if (this.failure || this.session.closed || this.session.destroyed) {
      return Promise.resolve({ ok: false, kind: 'connection_reset', detail: this.failure ?? 'session closed' });
    }
    return new Promise((resolve) => {
      let status = 0;
      const chunks: Buffer[] = [];
      let settled = false;
      const settle = (o: CallOutcome): void => {
        if (settled) return;
        settled = true;
        resolve(o);
      };
      let stream: http2.ClientHttp2Stream;
      try {
        // The header object is the same every call but :path; node validates and nghttp2
        // HPACK-encodes it per stream, as for any application's request.
        stream = this.session.request({ ':method': 'GET', ':path': path, ...BROWSER_HEADERS }, { endStream: true });
      } catch (err) {
        settle({ ok: false, kind: 'connection_reset', detail: (err as Error).message });
        return;
      }
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => settle(outcomeFor(status, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), decode)));
      stream.on('error', (err: NodeJS.ErrnoException) =>
        settle({
          ok: false,
          kind: err.code === 'ERR_HTTP2_STREAM_ERROR' ? 'protocol_error' : 'connection_reset',
          code: err.code,
          detail: err.message,
        }),
      );
      stream.on('close', () =>
        settle({
          ok: false,
          kind: 'connection_reset',
          code: String(stream.rstCode),
          detail: 'stream closed before its response ended',
        }),
      );
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      // GOAWAY, then the socket closes once open streams are done (none, at the end of a run).
      this.session.close();
      // A server that does not close its side promptly is not our problem to wait for.
      setTimeout(() => this.session.destroy(), 200).unref();
    });
  }
}

function h2Connection(s: H2Session, counts: boolean, release: () => Promise<void>): Connection {
  return {
    setupBytes: counts ? s.setupBytes : { out: 0, in: 0 },
    // A shared session's bytes are reported by one of its views only, so the generator's sum
    // over its connections counts every byte once.
    wireBytes: counts ? () => s.bytes() : () => ({ out: 0, in: 0 }),
    call: (op, options) =>
      op.op === 'getUser' ? s.get(usersPath(op.id), options?.decode === true) : Promise.resolve(unsupported(op)),
    close: release,
  };
}

/** h2c: every connection its own HTTP/2 session (TCP connection), the lean driver. */
export const h2c: ClientModule = {
  description:
    'HTTP/2 (h2c, prior knowledge) on raw node:net sockets as h2load does, one session per connection, calls as concurrent streams, HPACK as nghttp2 encodes it; fastify http2 server',
  async connect({ host, port }) {
    const s = await openLean(host, port);
    return h2Connection(s, true, () => s.close());
  },
};

/** h2c-node: as h2c, with node:http2's client (what an application on node sees). */
export const h2cNode: ClientModule = {
  description:
    'node:http2 client, h2c prior knowledge, one session per connection, calls as concurrent streams; fastify http2 server',
  async connect({ host, port }) {
    const s = await H2cSession.open(host, port);
    return h2Connection(s, true, () => s.close());
  },
};

/**
 * h2c-shared: a module whose connections all ride on one lean session, opened by the first
 * connect and closed when the last view closes. Each call of this function is a new module
 * with a new session (the generator process gets one; the verifier its own).
 */
export function h2cShared(
  open: (host: string, port: number) => Promise<H2Session> = openLean,
): ClientModule & { sessions: () => number } {
  let shared: Promise<H2Session> | undefined;
  let views = 0;
  let opened = 0;
  return {
    description:
      'HTTP/2 (h2c) on a raw node:net socket as h2load does, ONE session (TCP connection) for all connections of a generator process; fastify http2 server',
    sessions: () => opened,
    async connect({ host, port }) {
      const first = shared === undefined;
      if (first) {
        opened++;
        shared = open(host, port);
        shared.catch(() => (shared = undefined));
      }
      const s = await shared!;
      views++;
      let closed = false;
      return h2Connection(s, first, async () => {
        if (closed) return;
        closed = true;
        if (--views === 0) {
          shared = undefined;
          await s.close();
        }
      });
    },
  };
}
