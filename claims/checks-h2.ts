// HTTP/2 against HTTP/1.1 with node's own servers and clients (nghttp2 underneath node:http2):
// head-of-line blocking on one connection, server push, bytes for many small GETs, and the
// header bytes of the guide's example request (L173-180) on each.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { guideRequestHead, harnessUser } from './sizes.ts';
import { exact, held, sleep, timedHeld, withHiccups, withTimeout, type CheckResult } from './observe.ts';
import { fmt } from './decide.ts';

const HOST = '127.0.0.1';
const BODY = JSON.stringify(harnessUser(1));
const BODY_BYTES = String(Buffer.byteLength(BODY));

/** The guide's example request headers, without the request line and Host (HTTP/2 sends those as pseudo-headers). */
function guideHeaders(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of guideRequestHead().text.split('\r\n').slice(2)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

async function listenH1(delayMs: number): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((_req, res) => {
    // Content-Length, as an API server sends it: without it node:http frames the body chunked,
    // about 19 B more per answer that HTTP/2 would not pay (issue 15.9).
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY_BYTES }).end(BODY), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

async function listenH2(delayMs: number, push = false): Promise<{ server: http2.Http2Server; port: number }> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (push && headers[':path'] === '/') {
      stream.pushStream({ ':path': '/style.css' }, (err, pushed) => {
        if (err) return;
        pushed.respond({ ':status': 200, 'content-type': 'text/css' });
        pushed.end('body { margin: 0 }');
      });
    }
    setTimeout(() => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-length': BODY_BYTES });
      stream.end(BODY);
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

function h1Get(
  port: number,
  agent: http.Agent,
  headers: Record<string, string> = {},
): Promise<{ ms: number; socket: net.Socket }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: '/api/v1/users/123', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - t0, socket: req.socket! }));
    });
    req.on('error', reject);
  });
}

function h2Get(session: http2.ClientHttp2Session, headers: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': '/api/v1/users/123', ...headers });
    req.on('data', () => {});
    req.on('end', () => resolve(performance.now() - t0));
    req.on('error', reject);
    req.end();
  });
}

function connectH2(port: number): Promise<http2.ClientHttp2Session> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const s = http2.connect(`http://${HOST}:${port}`);
      s.once('remoteSettings', () => resolve(s));
      s.once('error', reject);
    }),
    5000,
    'HTTP/2 connect',
  );
}

export async function h2Check(): Promise<CheckResult> {
  const out: CheckResult = {};

  // Head-of-line blocking: 3 requests at once to a 100 ms handler.
  {
    const h1 = await listenH1(100);
    const h2 = await listenH2(100);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const session = await connectH2(h2.port);
    try {
      await h1Get(h1.port, agent); // open the one connection first
      const { value, lateMs } = await withHiccups(async () => {
        const t1 = (await Promise.all([0, 1, 2].map(() => h1Get(h1.port, agent)))).map((r) => r.ms).sort((a, b) => a - b);
        const t2 = (await Promise.all([0, 1, 2].map(() => h2Get(session)))).sort((a, b) => a - b);
        return { t1, t2 };
      });
      const { t1, t2 } = value;
      // Serialized, the third HTTP/1.1 answer cannot come before 300 ms; in parallel the HTTP/2 ones
      // come near 100 ms. 250 and 180 ms leave 70-80 ms of slack for a slow machine.
      out.hol = timedHeld(
        t1[2]! >= 250 && t2[2]! < 180,
        `completion of 3 concurrent requests, ms: one HTTP/1.1 connection ${t1.map((x) => Math.round(x)).join(' / ')}; one HTTP/2 connection ${t2.map((x) => Math.round(x)).join(' / ')}`,
        lateMs,
        70,
      );
    } finally {
      agent.destroy();
      session.close();
      h1.server.close();
      h2.server.close();
    }
  }

  // Server push.
  {
    const h2 = await listenH2(0, true);
    const session = await connectH2(h2.port);
    try {
      const pushed = new Promise<string>((resolve) => {
        session.once('stream', (stream, headers) => {
          stream.on('data', () => {});
          resolve(String(headers[':path']));
        });
        setTimeout(() => resolve(''), 2000);
      });
      const req = session.request({ ':path': '/' });
      req.on('data', () => {});
      req.end();
      const path = await pushed;
      out.push = held(
        path === '/style.css',
        path ? `the client received a pushed ${path} while asking only for /` : 'no pushed stream arrived',
      );
    } finally {
      session.close();
      h2.server.close();
    }
  }

  // Bytes for 100 small GETs, with the guide's browser-like request headers and with node's defaults.
  {
    const N = 100;
    const h1 = await listenH1(0);
    const h2 = await listenH2(0);
    const measure = async (headers: Record<string, string>): Promise<{ h1: number; h2: number }> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let socket: net.Socket | undefined;
      for (let i = 0; i < N; i++) socket = (await h1Get(h1.port, agent, headers)).socket;
      const h1Bytes = socket!.bytesWritten + socket!.bytesRead;
      agent.destroy();
      const session = await connectH2(h2.port);
      for (let i = 0; i < N; i++) await h2Get(session, headers);
      const s = session.socket;
      const h2Bytes = s.bytesWritten + s.bytesRead;
      session.close();
      return { h1: h1Bytes, h2: h2Bytes };
    };
    const guide = guideHeaders();
    delete guide.connection; // connection-specific: forbidden in HTTP/2, default in HTTP/1.1 keep-alive
    const browserLike = await measure(guide);
    const minimal = await measure({});
    h1.server.close();
    h2.server.close();
    out.bandwidth = exact(
      1 - browserLike.h2 / browserLike.h1,
      'share',
      `${N} GETs of a ${BODY.length}-B JSON user with the guide's example request headers: HTTP/1.1 ${fmt(browserLike.h1)} B, h2c ${fmt(browserLike.h2)} B (setup included); with node's default headers: ${fmt(minimal.h1)} B vs ${fmt(minimal.h2)} B (${((1 - minimal.h2 / minimal.h1) * 100).toFixed(0)}% less)`,
    );
  }

  // HPACK: bytes the client writes for the guide's example request, first and repeated.
  {
    const h2 = await listenH2(0);
    const session = await connectH2(h2.port);
    try {
      await sleep(50); // let the SETTINGS exchange finish so the deltas below are the requests alone
      const headers = { ':authority': 'api.example.com', ...guideHeaders() };
      delete (headers as Record<string, string>).connection;
      const sizes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = session.socket.bytesWritten;
        await h2Get(session, headers);
        await sleep(20);
        sizes.push(session.socket.bytesWritten - before);
      }
      const h1 = guideRequestHead().bytes;
      const [first, repeat] = [sizes[0]!, sizes[2]!];
      const within = (b: number): string => (b >= 50 && b <= 100 ? 'within' : 'outside');
      // Decided on the repeat: HPACK's saving is its dynamic table, which only a repeated header
      // set can use; the first request (static table and Huffman only) is reported apart.
      out.hpack = exact(
        1 - repeat / h1,
        'share',
        `bytes the client wrote per request (HEADERS frame with its 9-byte header, and any other frame sent with it): first ${first} B (${((1 - first / h1) * 100).toFixed(0)}% less, ${within(first)} the guide's 50-100 B), repeated ${sizes.slice(1).join(' / ')} B (${((1 - repeat / h1) * 100).toFixed(0)}% less, ${within(repeat)} 50-100 B); the same request as HTTP/1.1 is ${h1} B (the guide's own example, L173-180), not 800+`,
      );
    } finally {
      session.close();
      h2.server.close();
    }
  }
  return out;
}
