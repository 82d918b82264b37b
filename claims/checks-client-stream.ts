// gRPC client streaming on @grpc/grpc-js, two claims (issue 15 point 13):
//
// L993 "a client stream sends many requests with less overhead than unary calls". The contract
// has no unary CreateUser, but a CreateUsers call carrying one record is on the wire what a
// unary call is (request HEADERS, the message in DATA, END_STREAM; response HEADERS, DATA,
// trailers). So N one-record CreateUsers calls on one channel, one at a time, stand in for N
// unary calls, against one CreateUsers stream of the same N records, both on the reference
// server (servers/grpc.ts). Bytes are counted at a TCP pass-through proxy between client and
// server, which also cuts each direction into HTTP/2 frames and counts them by type.
//
// L1399 "a client streams 10K records, gets results as they go, and can cancel mid-stream". The
// reference server's Chat echoes each message as it arrives, so 10,000 records through it show
// results arriving while the client is still sending. Its handler cannot be watched from here,
// so the cancel runs on a check-only server whose Chat is the same echo and also counts what
// its handler received and when it was told of the cancel.
import net from 'node:net';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { startGrpc } from '../servers/grpc.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { loadPackageDefinition, protoType } from '../proto/contract.ts';
import type { ProtoGrpcType } from '../generated/proto/user.ts';
import type { UserServiceClient } from '../generated/proto/bench/v1/UserService.ts';
import type { ChatMessage, ChatMessage__Output } from '../generated/proto/bench/v1/ChatMessage.ts';
import type { CreateUserRequest } from '../generated/proto/bench/v1/CreateUserRequest.ts';
import {
  CONTINUATION,
  DATA,
  GOAWAY,
  HEADERS,
  PING,
  PREFACE,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
} from '../clients/wire/h2-frame.ts';
import { median } from '../harness/metrics/stats.ts';
import { fmt, type Observation } from './decide.ts';
import { failedCheck, held, sleep, withTimeout, type CheckResult } from './observe.ts';

const HOST = '127.0.0.1';
/** Records per mode in the overhead comparison, and how many rounds of both modes. */
export const RECORDS = 1_000;
export const ROUNDS = 3;
/** Records in the bidi stream, and how many the cancelled stream sends before cancelling. */
export const STREAM_RECORDS = 10_000;
export const CANCEL_AT = 5_000;
/** Generous bounds for a whole phase on a busy machine: a stuck call fails the check (inconclusive), never hangs it. */
const PHASE_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------- counting at the socket

const FRAME_NAMES: Readonly<Record<number, string>> = {
  [DATA]: 'DATA',
  [HEADERS]: 'HEADERS',
  [RST_STREAM]: 'RST_STREAM',
  [SETTINGS]: 'SETTINGS',
  [PING]: 'PING',
  [GOAWAY]: 'GOAWAY',
  [WINDOW_UPDATE]: 'WINDOW_UPDATE',
  [CONTINUATION]: 'CONTINUATION',
};
export const frameName = (type: number): string => FRAME_NAMES[type] ?? `type ${type}`;

/** HTTP/2 frames by type in one direction of a connection, fed the bytes as they pass. */
export class FrameTally {
  readonly byType = new Map<number, number>();
  private head = Buffer.alloc(0);
  /** Bytes still to pass over: the client's connection preface first, then each frame's payload. */
  private skip: number;

  constructor(prefaceBytes = 0) {
    this.skip = prefaceBytes;
  }

  feed(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - pos);
        this.skip -= n;
        pos += n;
        continue;
      }
      // A 9-byte frame header can straddle two reads: gather it, copying (the chunk is not ours to keep).
      const take = chunk.subarray(pos, pos + 9 - this.head.length);
      this.head = Buffer.concat([this.head, take]);
      pos += take.length;
      if (this.head.length < 9) return;
      const type = this.head[3]!;
      this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
      this.skip = this.head.readUIntBE(0, 3);
      this.head = Buffer.alloc(0);
    }
  }
}

/** What one proxied connection carried so far: bytes and frames, client to server (up) and back (down). */
export interface Traffic {
  up: number;
  down: number;
  framesUp: Map<number, number>;
  framesDown: Map<number, number>;
}

export interface ProxiedConnection {
  traffic(): Traffic;
  /** Both sockets closed: nothing more will be counted. */
  closed: Promise<void>;
}

export interface CountingProxy {
  port: number;
  connections: ProxiedConnection[];
  close(): Promise<void>;
}

/** A TCP pass-through on 127.0.0.1 to `targetPort` that counts what each accepted connection carries. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<net.Socket>();
  const connections: ProxiedConnection[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, HOST);
    const up = new FrameTally(PREFACE.length);
    const down = new FrameTally();
    let upBytes = 0;
    let downBytes = 0;
    const closed = Promise.all(
      [client, upstream].map((s) => {
        sockets.add(s);
        s.setNoDelay(true);
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
        return new Promise<void>((resolve) =>
          s.once('close', () => {
            sockets.delete(s);
            resolve();
          }),
        );
      }),
    ).then(() => undefined);
    // Counted where the bytes pass; pipe() forwards them (with backpressure and FIN) beside this listener.
    client.on('data', (d: Buffer) => {
      upBytes += d.length;
      up.feed(d);
    });
    upstream.on('data', (d: Buffer) => {
      downBytes += d.length;
      down.feed(d);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    connections.push({
      traffic: () => ({ up: upBytes, down: downBytes, framesUp: new Map(up.byType), framesDown: new Map(down.byType) }),
      closed,
    });
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function minus(a: Map<number, number>, b: Map<number, number>): Map<number, number> {
  return new Map([...a].map(([t, n]) => [t, n - (b.get(t) ?? 0)] as const).filter(([, n]) => n > 0));
}

// ---------------------------------------------------------------- clients and servers

let ctor: ProtoGrpcType['bench']['v1']['UserService'] | undefined;
function userService(): ProtoGrpcType['bench']['v1']['UserService'] {
  ctor ??= (grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as ProtoGrpcType).bench.v1.UserService;
  return ctor;
}

/** A channel of its own: grpc-js shares connections between clients by default, which would mix two phases' bytes. */
function newClient(port: number): UserServiceClient {
  return new (userService())(`${HOST}:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
}

function ready(c: UserServiceClient): Promise<void> {
  return new Promise((resolve, reject) => c.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())));
}

/** The same records for both modes, shaped like the data set's users. */
export function records(n: number): CreateUserRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    username: `stream_user_${i}`,
    email: `stream_user_${i}@example.com`,
    age: 20 + (i % 50),
    roles: ['user'],
    address: { street: `${i} Main Street`, city: 'Berlin', country: 'DE', postalCode: '10115' },
  }));
}

/** Writes each message, waiting for 'drain' when grpc-js says its buffer is full (the stream's flow control). */
async function writeAll<T>(call: grpc.ClientWritableStream<T> | grpc.ClientDuplexStream<T, unknown>, msgs: Iterable<T>) {
  for (const m of msgs) if (!call.write(m)) await once(call, 'drain');
}

/** One CreateUsers call carrying `rs`; resolves with how many users the server says it created. */
function createUsers(c: UserServiceClient, rs: readonly CreateUserRequest[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = c.CreateUsers((err, res) => (err ? reject(err) : resolve(res?.created ?? 0)));
    writeAll(call, rs).then(() => call.end(), reject);
  });
}

// ---------------------------------------------------------------- L993: bytes per record

export type Mode = 'unary-shaped' | 'streamed';

export interface ModeFigures extends Traffic {
  mode: Mode;
  records: number;
  /** Bytes both ways up to the channel being ready (preface, SETTINGS): not counted per record. */
  setup: number;
  ms: number;
}

/** The connection's traffic once nothing has passed for 3 polls 50 ms apart (at most ~3 s). */
async function quiet(conn: ProxiedConnection): Promise<Traffic> {
  let last = conn.traffic();
  for (let still = 0, polls = 0; still < 3 && polls < 60; polls++) {
    await sleep(50);
    const now = conn.traffic();
    still = now.up === last.up && now.down === last.down ? still + 1 : 0;
    last = now;
  }
  return last;
}

/** One mode on a fresh channel through the proxy, counted from the ready connection until it goes quiet. */
async function measureMode(proxy: CountingProxy, mode: Mode, rs: readonly CreateUserRequest[]): Promise<ModeFigures> {
  const before = proxy.connections.length;
  const c = newClient(proxy.port);
  try {
    await ready(c);
    const conn = proxy.connections[before];
    if (!conn || proxy.connections.length !== before + 1)
      throw new Error(`expected one new connection through the proxy, saw ${proxy.connections.length - before}`);
    const setup = conn.traffic();
    const t0 = performance.now();
    let created = 0;
    if (mode === 'streamed') created = await createUsers(c, rs);
    else for (const r of rs) created += await createUsers(c, [r]);
    const ms = performance.now() - t0;
    if (created !== rs.length) throw new Error(`${mode}: the server created ${created} of ${rs.length} users`);
    // The count ends when the connection has gone quiet: grpc-js does not close a closed channel's
    // connection promptly enough to mark the end, and trailing WINDOW_UPDATEs must not race a snapshot.
    const end = await quiet(conn);
    return {
      mode,
      records: rs.length,
      up: end.up - setup.up,
      down: end.down - setup.down,
      framesUp: minus(end.framesUp, setup.framesUp),
      framesDown: minus(end.framesDown, setup.framesDown),
      setup: setup.up + setup.down,
      ms,
    };
  } finally {
    c.close();
  }
}

/** Both modes `rounds` times against the reference server, alternating which goes first. */
export async function measureOverhead(rounds = ROUNDS, n = RECORDS): Promise<{ unary: ModeFigures; streamed: ModeFigures }[]> {
  const srv = await startGrpc({ host: HOST, port: 0, store: createMemoryStore({ ...DEFAULT_DATASET, users: 100 }) });
  const proxy = await startCountingProxy(srv.port);
  try {
    const rs = records(n);
    const out: { unary: ModeFigures; streamed: ModeFigures }[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Mode[] = r % 2 === 0 ? ['unary-shaped', 'streamed'] : ['streamed', 'unary-shaped'];
      const got = new Map<Mode, ModeFigures>();
      for (const m of order) got.set(m, await withTimeout(measureMode(proxy, m, rs), PHASE_TIMEOUT_MS, `${m} CreateUsers x${n}`));
      out.push({ unary: got.get('unary-shaped')!, streamed: got.get('streamed')! });
    }
    return out;
  } finally {
    await proxy.close();
    await srv.close();
  }
}

const perRecord = (m: ModeFigures): number => (m.up + m.down) / m.records;

function framesText(figs: readonly ModeFigures[], side: 'framesUp' | 'framesDown'): string {
  const types = [...new Set(figs.flatMap((f) => [...f[side].keys()]))].sort((a, b) => a - b);
  return types.map((t) => `${frameName(t)} ${fmt(median(figs.map((f) => (f[side].get(t) ?? 0) / f.records)))}`).join(', ');
}

function modeText(figs: readonly ModeFigures[]): string {
  const m = (f: (x: ModeFigures) => number): string => fmt(median(figs.map(f)));
  return (
    `${m(perRecord)} B/record (client ${m((x) => x.up / x.records)} + server ${m((x) => x.down / x.records)}); ` +
    `frames/record from the client: ${framesText(figs, 'framesUp')}; from the server: ${framesText(figs, 'framesDown')}`
  );
}

export function overheadObservation(rounds: readonly { unary: ModeFigures; streamed: ModeFigures }[]): Observation {
  const us = rounds.map((r) => r.unary);
  const ss = rounds.map((r) => r.streamed);
  const n = us[0]?.records ?? 0;
  const payload = records(n).reduce((s, r) => s + protoType('CreateUserRequest').encode(r).finish().length, 0) / (n || 1);
  const ms = (figs: readonly ModeFigures[]): string => fmt(median(figs.map((f) => (f.ms * 1000) / f.records)));
  const detail =
    `reference grpc-js server (memory store), grpc-js client, ${n.toLocaleString('en-US')} CreateUserRequest records per mode; ` +
    `unary-shaped = ${n.toLocaleString('en-US')} CreateUsers calls of one record each, one at a time on one channel ` +
    `(the contract has no unary CreateUser; a one-message call has a unary call's frames), streamed = one CreateUsers ` +
    `stream of the same records; bytes both ways at a TCP pass-through proxy from the ready connection until it went quiet, ` +
    `median of ${rounds.length} rounds: unary-shaped ${modeText(us)}; streamed ${modeText(ss)}; ` +
    `request message ${fmt(payload)} B/record; connection setup ${fmt(median(us.concat(ss).map((f) => f.setup)))} B ` +
    `per channel, not counted; time per record on this machine (a noisy 2-vCPU VM, not decided on): ` +
    `unary-shaped ${ms(us)} us, streamed ${ms(ss)} us`;
  // One ratio per round: wire bytes per record, unary-shaped over streamed.
  return { samples: rounds.map((r) => perRecord(r.unary) / perRecord(r.streamed)), unit: 'x', detail };
}

// ---------------------------------------------------------------- L1399: 10K records, results as they go, cancel

/** The Chat client hands the event loop back after this many records (see `send`). */
export const YIELD_EVERY = 100;

const chatMessage = (seq: number): ChatMessage => ({ seq, from: 'client', text: `record ${seq}`, sentAtUs: 0 });
function* chatMessages(from: number, to: number): Generator<ChatMessage> {
  for (let i = from; i < to; i++) yield chatMessage(i);
}

/** A Chat call with its replies counted, in order or not, and its final status. */
function chat(c: UserServiceClient) {
  const call = c.Chat();
  const seen = { replies: 0, inOrder: true, sentAtFirstReply: -1, sent: 0 };
  call.on('data', (m: ChatMessage__Output) => {
    if (m.seq !== seen.replies) seen.inOrder = false;
    if (seen.replies === 0) seen.sentAtFirstReply = seen.sent;
    seen.replies++;
  });
  let ended = false;
  const status = new Promise<grpc.StatusObject>((resolve) => {
    let st: grpc.StatusObject | undefined;
    // An OK status can come before the last replies are read: wait for the end of the replies too.
    const settle = (): void => {
      if (st && (ended || st.code !== grpc.status.OK)) resolve(st);
    };
    call.on('status', (s: grpc.StatusObject) => {
      st = s;
      settle();
    });
    call.on('end', () => {
      ended = true;
      settle();
    });
  });
  call.on('error', () => {
    /* the status carries the outcome; 'error' repeats it for a non-OK code */
  });
  /** Sends records [from, to), counting each as sent once grpc-js has taken it. */
  const send = async (from: number, to: number): Promise<void> => {
    for (const m of chatMessages(from, to)) {
      seen.sent++;
      if (!call.write(m)) await once(call, 'drain');
      // grpc-js's 'drain' comes back within the same turn of the event loop, so without this the
      // loop would never let sockets be read: neither the server (in this process) nor the replies
      // would move until the last record. A producer reading its records from a file or a
      // database yields like this too.
      if (seen.sent % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { call, seen, status, send };
}

export interface FullStream {
  sent: number;
  replies: number;
  inOrder: boolean;
  /** Records the client had sent when the first result came back. */
  sentAtFirstReply: number;
  code: number;
}

/** All `n` records through the reference server's Chat, then the end of the stream. */
export async function streamAll(n = STREAM_RECORDS): Promise<FullStream> {
  const srv = await startGrpc({ host: HOST, port: 0, store: createMemoryStore({ ...DEFAULT_DATASET, users: 100 }) });
  const c = newClient(srv.port);
  try {
    await ready(c);
    const s = chat(c);
    await withTimeout(s.send(0, n), PHASE_TIMEOUT_MS, `sending ${n} records`);
    s.call.end();
    const st = await withTimeout(s.status, PHASE_TIMEOUT_MS, `the results of ${n} records`);
    return {
      sent: s.seen.sent,
      replies: s.seen.replies,
      inOrder: s.seen.inOrder,
      sentAtFirstReply: s.seen.sentAtFirstReply,
      code: st.code,
    };
  } finally {
    c.close();
    await srv.close();
  }
}

/** What the check-only server's Chat handler saw of one call. */
export interface HandlerView {
  received: number;
  /** Messages the handler got after it was told of the cancel (none expected). */
  afterCancel: number;
  /** Messages it had received when told of the cancel; -1 = never told. */
  receivedAtCancel: number;
  told: Promise<void>;
}

/** The contract's Chat, echoing each message as the reference server does, watching its handler. */
async function watchedEchoServer(): Promise<{
  port: number;
  calls: HandlerView[];
  first: Promise<HandlerView>;
  stop: () => void;
}> {
  const calls: HandlerView[] = [];
  let firstCall: (v: HandlerView) => void = () => undefined;
  const first = new Promise<HandlerView>((resolve) => {
    firstCall = resolve;
  });
  const Chat: grpc.handleBidiStreamingCall<ChatMessage__Output, ChatMessage> = (call) => {
    let tell: () => void = () => undefined;
    const told = new Promise<void>((resolve) => {
      tell = () => resolve();
    });
    const view: HandlerView = { received: 0, afterCancel: 0, receivedAtCancel: -1, told };
    calls.push(view);
    if (calls.length === 1) firstCall(view);
    call.on('data', (m: ChatMessage__Output) => {
      if (call.cancelled) view.afterCancel++;
      else view.received++;
      call.write({ seq: m.seq, from: 'server', text: m.text, sentAtUs: m.sentAtUs });
    });
    call.on('cancelled', () => {
      view.receivedAtCancel = view.received;
      tell();
    });
    call.on('end', () => call.end());
    call.on('error', () => {
      /* a write after the cancel; the client is gone */
    });
  };
  const server = new grpc.Server();
  server.addService(userService().service, { Chat } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, calls, first, stop: () => server.forceShutdown() };
}

export interface CancelledStream {
  sent: number;
  repliesAtCancel: number;
  repliesAfterCancel: number;
  code: number;
  details: string;
  server: HandlerView;
  /** A later call on the same connection was answered: the server had read every frame sent before it. */
  laterCallAnswered: boolean;
}

/** Sends `cancelAt` records, cancels, and reads what both ends saw. */
export async function cancelMidStream(cancelAt = CANCEL_AT): Promise<CancelledStream> {
  const srv = await watchedEchoServer();
  const c = newClient(srv.port);
  try {
    await ready(c);
    const s = chat(c);
    await withTimeout(s.send(0, cancelAt), PHASE_TIMEOUT_MS, `sending ${cancelAt} records`);
    const repliesAtCancel = s.seen.replies;
    s.call.cancel();
    const st = await withTimeout(s.status, PHASE_TIMEOUT_MS, 'the client to see its cancelled call end');
    // The client's status is local; the server may not even have started the call yet.
    const server = await withTimeout(srv.first, PHASE_TIMEOUT_MS, "the server's handler to get the call");
    await withTimeout(server.told, PHASE_TIMEOUT_MS, "the server's handler to be told of the cancel");
    // Ordering, not waiting: one TCP connection delivers in order, so once a later call on it is
    // answered, every frame of the cancelled stream has reached the server, and a message the
    // handler got late would be counted by now.
    const later = chat(c);
    await later.send(0, 1);
    later.call.end();
    const laterSt = await withTimeout(later.status, PHASE_TIMEOUT_MS, 'a call after the cancelled one');
    return {
      sent: s.seen.sent,
      repliesAtCancel,
      repliesAfterCancel: s.seen.replies - repliesAtCancel,
      code: st.code,
      details: st.details,
      server,
      laterCallAnswered: laterSt.code === grpc.status.OK && later.seen.replies === 1,
    };
  } finally {
    c.close();
    srv.stop();
  }
}

export function batchStreamObservation(full: FullStream, cancelled: CancelledStream, cancelAt = CANCEL_AT): Observation {
  const n = full.sent;
  const asTheyGo = full.code === grpc.status.OK && full.replies === n && full.inOrder && full.sentAtFirstReply < n;
  const sv = cancelled.server;
  const cancelHeld =
    cancelled.code === grpc.status.CANCELLED &&
    sv.receivedAtCancel >= 0 &&
    sv.afterCancel === 0 &&
    sv.received <= cancelled.sent &&
    cancelled.repliesAtCancel > 0 &&
    cancelled.laterCallAnswered;
  const k = (x: number): string => x.toLocaleString('en-US');
  const detail =
    `reference grpc-js server's Chat (echoes each record as it arrives): ${k(n)} records sent honouring flow control and yielding to the event loop every ${YIELD_EVERY} (the server runs in this process), ` +
    `${k(full.replies)} results back ${full.inOrder ? 'in order' : 'out of order'}, the first when ${k(full.sentAtFirstReply)} ` +
    `of ${k(n)} records had been sent, status ${grpc.status[full.code]}; cancel: on a check-only server with the same echo, ` +
    `call.cancel() after record ${k(cancelAt)} (${k(cancelled.repliesAtCancel)} results back by then, ` +
    `${k(cancelled.repliesAfterCancel)} after): client status ${grpc.status[cancelled.code]} "${cancelled.details}"; the server's ` +
    `handler ${sv.receivedAtCancel >= 0 ? `was told (cancelled event) after ${k(sv.receivedAtCancel)} records` : 'was never told'}, ` +
    `received ${k(sv.received)} in all (the other ${k(cancelled.sent - sv.received)} never reached it) and ${k(sv.afterCancel)} after being told` +
    `${cancelled.laterCallAnswered ? ' (counted after a later call on the same connection was answered)' : '; a later call on the connection failed'}`;
  return held(asTheyGo && cancelHeld, detail);
}

// ---------------------------------------------------------------- the check

export async function clientStreamCheck(): Promise<CheckResult> {
  let out: CheckResult = {};
  try {
    out.lessOverhead = overheadObservation(await measureOverhead());
  } catch (err) {
    out = { ...out, ...failedCheck(['lessOverhead'], err) };
  }
  try {
    out.batchStream10k = batchStreamObservation(await streamAll(), await cancelMidStream());
  } catch (err) {
    out = { ...out, ...failedCheck(['batchStream10k'], err) };
  }
  return out;
}
