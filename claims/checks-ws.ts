// WebSocket behaviour: ping/pong and close codes, the reference server's heartbeat against a
// peer that stops answering, permessage-deflate on the wire, memory per idle connection, and
// the guide's own WebSocketManager class (L1627-1666) run verbatim.
import net from 'node:net';
import crypto from 'node:crypto';
import WebSocket, { WebSocketServer } from 'ws';
import { startWebSocket, WS_PATH } from '../servers/websocket.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { sampleCpu, startServerProcess } from '../harness/workloads/request-response.ts';
import { stopChild } from '../harness/procs/control.ts';
import { guideText } from './guide.ts';
import { held, sleep, timedHeld, withHiccups, withTimeout, type CheckResult } from './observe.ts';
import type { Observation } from './decide.ts';
import { fmt } from './decide.ts';

const HOST = '127.0.0.1';
const url = (port: number): string => `ws://${HOST}:${port}${WS_PATH}`;

function open(u: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(u, opts);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }),
    5000,
    `WebSocket ${u}`,
  );
}

export async function wsCheck(): Promise<CheckResult> {
  const out: CheckResult = {};
  const store = createMemoryStore(DEFAULT_DATASET);
  out.pingPong = await pingPong(store);
  out.heartbeat = await heartbeat(store);
  out.deflate = await deflate(store);
  out.memoryPerConnection = await memoryPerConnection();
  Object.assign(out, await guideManager());
  return out;
}

async function pingPong(store: ReturnType<typeof createMemoryStore>): Promise<ReturnType<typeof held>> {
  // The reference server pings every 200 ms and drops a peer that did not pong since the last
  // ping: a client still open after 5 rounds has ponged every one (ws does it by itself).
  const server = await startWebSocket({ host: HOST, port: 0, store, heartbeatMs: 200 });
  let pingsSeen = 0;
  let pongAfterPing = false;
  let stillOpen = false;
  try {
    const ws = await open(url(server.port));
    ws.on('ping', () => pingsSeen++);
    const pong = new Promise<boolean>((resolve) => {
      ws.once('pong', () => resolve(true));
      setTimeout(() => resolve(false), 1000);
    });
    ws.ping();
    pongAfterPing = await pong;
    await sleep(1000);
    stillOpen = ws.readyState === WebSocket.OPEN;
    ws.terminate();
  } finally {
    await server.close();
  }
  // Close handshake with codes seen on both sides (a plain ws server, to read the server's side).
  const wss = new WebSocketServer({ host: HOST, port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const serverClose = new Promise<number>((resolve) => wss.once('connection', (s) => s.once('close', (code) => resolve(code))));
  const c = await open(`ws://${HOST}:${(wss.address() as net.AddressInfo).port}`);
  const clientClose = new Promise<number>((resolve) => c.once('close', (code) => resolve(code)));
  c.close(1000, 'done');
  const [sc, cc] = await withTimeout(Promise.all([serverClose, clientClose]), 3000, 'close handshake');
  await new Promise<void>((r) => wss.close(() => r()));
  return held(
    pingsSeen >= 3 && stillOpen && pongAfterPing && sc === 1000 && cc === 1000,
    `server pinged ${pingsSeen} times in 1 s (200 ms heartbeat) and kept the auto-ponging client; client ping -> ${pongAfterPing ? 'pong' : 'no pong'}; client close(1000): server saw ${sc}, client saw ${cc}`,
  );
}

/** A peer that completes the upgrade and then never reads or answers: a frozen or vanished client. */
function deadPeer(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => {
      s.write(
        `GET ${WS_PATH} HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.once('data', (d: Buffer) =>
      d.toString('latin1').startsWith('HTTP/1.1 101') ? resolve(s) : reject(new Error('upgrade refused')),
    );
    s.once('error', reject);
  });
}

function closedWithin(s: net.Socket, ms: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(-1), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
  });
}

async function heartbeat(store: ReturnType<typeof createMemoryStore>): Promise<Observation> {
  const T = 300;
  const server = await startWebSocket({ host: HOST, port: 0, store, heartbeatMs: T });
  const control = await startWebSocket({ host: HOST, port: 0, store, heartbeatMs: 60_000 });
  try {
    const live = await open(url(server.port));
    const dead = await deadPeer(server.port);
    const deadControl = await deadPeer(control.port);
    const {
      value: [droppedAfter, controlAfter],
      lateMs,
    } = await withHiccups(() => Promise.all([closedWithin(dead, 3 * T + 500), closedWithin(deadControl, 3 * T + 500)]));
    const liveOpen = live.readyState === WebSocket.OPEN;
    live.terminate();
    dead.destroy();
    deadControl.destroy();
    // The server pings every T and drops a peer that missed the previous ping: at most 2 T
    // (plus timer slack on a busy machine) from the peer going silent.
    return timedHeld(
      droppedAfter >= 0 && droppedAfter <= 2 * T + 250 && liveOpen && controlAfter < 0,
      `heartbeat ${T} ms: silent peer dropped after ${droppedAfter < 0 ? 'never' : `${Math.round(droppedAfter)} ms`}, live client ${liveOpen ? 'kept' : 'dropped'}; without a heartbeat the silent peer was ${controlAfter < 0 ? `still open after ${3 * T + 500} ms` : 'dropped'}. The guide's 30 s period finds a dead peer within 60 s`,
      lateMs,
      250,
    );
  } finally {
    await Promise.all([server.close(), control.close()]);
  }
}

async function deflate(store: ReturnType<typeof createMemoryStore>): Promise<ReturnType<typeof held>> {
  const bytesFor = async (on: boolean): Promise<number> => {
    const server = await startWebSocket({ host: HOST, port: 0, store, perMessageDeflate: on });
    try {
      const ws = await open(url(server.port), { perMessageDeflate: on });
      const socket = (ws as unknown as { _socket: net.Socket })._socket;
      const before = socket.bytesRead;
      const answer = new Promise<void>((resolve) => ws.once('message', () => resolve()));
      ws.send(JSON.stringify({ id: 1, op: 'listUsers', params: { afterId: 0, limit: 100 } }));
      await withTimeout(answer, 5000, 'listUsers answer');
      const n = socket.bytesRead - before;
      ws.terminate();
      return n;
    } finally {
      await server.close();
    }
  };
  const off = await bytesFor(false);
  const on = await bytesFor(true);
  return {
    samples: [on / off],
    unit: 'x',
    exact: true,
    detail: `a 100-user listUsers answer: ${fmt(off)} B plain, ${fmt(on)} B with permessage-deflate (ws default settings; messages under 1 KiB are not compressed)`,
  };
}

async function memoryPerConnection(): Promise<ReturnType<typeof held>> {
  const N = 500;
  const { child, port } = await startServerProcess(
    { server: 'websocket', host: HOST, port: 0, dataset: { users: 1000, seed: DEFAULT_DATASET.seed } },
    null,
  );
  const clients: WebSocket[] = [];
  try {
    // One connection first, so the per-connection figure does not carry the first one's lazy set-up.
    clients.push(await open(url(port)));
    await sleep(200);
    const before = (await sampleCpu(child)).rssBytes;
    for (let i = 0; i < N; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, () => open(url(port))))));
    await sleep(300);
    const after = (await sampleCpu(child)).rssBytes;
    const perKb = (after - before) / N / 1024;
    return {
      samples: [perKb],
      unit: 'KB',
      exact: true,
      detail: `server RSS ${fmt(before / 2 ** 20)} -> ${fmt(after / 2 ** 20)} MiB for ${N} idle connections: ${fmt(perKb)} KB each`,
    };
  } finally {
    clients.forEach((c) => c.terminate());
    await stopChild(child);
  }
}

/**
 * The guide's WebSocketManager, verbatim, with ws as its WebSocket and a clock that records the
 * delays it asks for instead of waiting them out.
 */
async function guideManager(): Promise<CheckResult> {
  const source = guideText(1627, 1666, 'class WebSocketManager');
  // A port nobody listens on: every connect fails and the class's onclose schedules the next.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, HOST, r));
  const deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  const delays: number[] = [];
  let stop = false;
  const sockets: WebSocket[] = [];
  const RecordingWebSocket = class extends WebSocket {
    constructor(u: string) {
      super(u);
      sockets.push(this);
      this.on('error', () => {}); // the class sets onerror too; this keeps ws from throwing before it does
    }
  };
  const fakeSetTimeout = (fn: () => void, ms: number): number => {
    delays.push(ms);
    if (delays.length < 8 && !stop) setImmediate(fn);
    return 0;
  };
  const quiet = { log: () => {}, error: () => {} };
  const Manager = new Function('WebSocket', 'setTimeout', 'console', `${source}\nreturn WebSocketManager;`)(
    RecordingWebSocket,
    fakeSetTimeout,
    quiet,
  ) as new (u: string) => { send(d: unknown): void };
  const m = new Manager(`ws://${HOST}:${deadPort}/`);
  let sendError = '';
  try {
    m.send({ type: 'subscribe', symbol: 'AAPL' });
  } catch (err) {
    sendError = `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
  for (let i = 0; i < 100 && delays.length < 8; i++) await sleep(20);
  stop = true;
  sockets.forEach((s) => s.terminate());
  const want = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
  const got = delays.slice(0, 7);
  const proto = (Manager as unknown as { prototype: Record<string, unknown> }).prototype;
  const missing = ['authenticate', 'subscribe'].filter((k) => typeof proto[k] !== 'function');
  const queueUses = source.match(/this\.queue/g)?.length ?? 0;
  return {
    backoff: held(
      got.join() === want.join(),
      `reconnect delays asked for: ${got.map((d) => d / 1000).join(', ')} s (against a closed port)`,
    ),
    queue: held(
      sendError === '',
      sendError
        ? `send() while connecting throws ${sendError}: this.queue is never initialised, nothing ever sends what would be queued (this.queue appears ${queueUses} time${queueUses === 1 ? '' : 's'}), and onopen calls ${missing.join(' and ')}, which the class does not define`
        : 'send() while connecting did not throw',
    ),
  };
}
