// "SSE carries text only": send a 10 KiB binary blob over an SSE stream and over a WebSocket
// binary frame, count the bytes each client socket reads for it, and parse what the SSE client
// gets. The blob goes over SSE twice: base64 in a data: line (what an application must do) and
// raw (what it cannot do: line breaks split it and invalid UTF-8 is replaced). A minimal node:http
// endpoint writes the stream: the claim is about the format, which any SSE server writes alike.
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { Dechunker, SseParser, type SseEvent } from '../clients/wire/sse-parser.ts';
import { fmt } from './decide.ts';
import type { Observation } from './decide.ts';

const HOST = '127.0.0.1';
export const BLOB_BYTES = 10 * 1024;

/** The same pseudo-random bytes every run (xorshift32), so the byte counts repeat. */
export function blob(n = BLOB_BYTES): Buffer {
  const b = Buffer.alloc(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Bytes the client socket read after the response head, and the events parsed from them. */
async function sseReceive(body: Buffer): Promise<{ bytes: number; events: SseEvent[] }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    return await new Promise((resolve, reject) => {
      const s = net.connect(port, HOST, () =>
        s.write(`GET /blob HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/event-stream\r\n\r\n`),
      );
      const events: SseEvent[] = [];
      const parser = new SseParser({ onEvent: (e) => events.push(e) });
      let head = Buffer.alloc(0);
      let after = 0;
      let dechunker: Dechunker | undefined;
      const done = (): void => {
        s.destroy();
        resolve({ bytes: after, events });
      };
      s.on('data', (d: Buffer) => {
        if (!dechunker) {
          head = Buffer.concat([head, d]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          dechunker = new Dechunker((chunk) => parser.push(Buffer.from(chunk)), done);
          d = head.subarray(end + 4);
        }
        after += d.length;
        dechunker.push(d);
      });
      s.on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Bytes the server socket wrote for one binary message after the upgrade (the client's read is the same). */
async function wsReceive(data: Buffer): Promise<number> {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as net.AddressInfo).port;
  const sent = new Promise<number>((resolve, reject) =>
    wss.on('connection', (ws) => {
      const socket = (ws as unknown as { _socket: net.Socket })._socket;
      const before = socket.bytesWritten;
      ws.send(data, { binary: true }, (err) => (err ? reject(err) : resolve(socket.bytesWritten - before)));
    }),
  );
  const client = new WebSocket(`ws://${HOST}:${port}`, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => client.once('message', () => resolve()).once('error', reject));
    return await sent;
  } finally {
    client.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

export async function binaryOverSse(): Promise<Observation> {
  const data = blob();
  const b64 = await sseReceive(Buffer.from(`data: ${data.toString('base64')}\n\n`));
  const raw = await sseReceive(Buffer.concat([Buffer.from('data: '), data, Buffer.from('\n\n')]));
  const ws = await wsReceive(data);
  const b64ok = b64.events.length === 1 && Buffer.from(b64.events[0]!.data, 'base64').equals(data);
  const rawBack = Buffer.concat(raw.events.map((e) => Buffer.from(e.data, 'utf8')));
  const rawOk = raw.events.length === 1 && rawBack.equals(data);
  return {
    samples: [b64.bytes / ws],
    unit: 'x',
    exact: true,
    detail:
      `${fmt(BLOB_BYTES)} B blob measured at the sockets: ` +
      `SSE (base64 in a data: line, chunked HTTP/1.1 body) ${fmt(b64.bytes)} B, ` +
      `ws binary frame ${fmt(ws)} B (server socket); base64 over SSE decoded ${b64ok ? 'intact' : 'NOT intact'}; ` +
      `the raw bytes in a data: line came out as ${raw.events.length} event(s), ` +
      (rawOk ? 'intact' : `not the blob (${fmt(rawBack.length)} B of UTF-8 text back)`),
  };
}
