// Streams against buffering, on real servers (issue 15 point 13).
//  - gRPC server stream (guide L948: "Backpressure handling, Cancel anytime, Memory efficient"):
//    a check-only grpc-js server whose ListUsers streams a large number of users (the data set
//    cycled), in this process so the server's write count and the client's read count can be
//    compared at any moment. (1) backpressure: the client pauses; the server's lead over the
//    reader must stay bounded. (2) cancel: call.cancel() mid-stream and while the handler waits on
//    'drain'; the server must hear it and stop writing. (3) memory: the live heap during the
//    stream, after a full GC, must stay small against the stream's bytes. Beside it, a handler
//    that ignores write()'s false shows whose doing the bound is.
//  - REST large responses (L516: "Buffering, memory"): a fastify server in a child process
//    (claims/checks-streams-child.ts; its RSS is its own) answers one large list buffered and
//    streamed, and the peak RSS growth of each is compared.
import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadPackageDefinition, protoType, userToProto } from '../proto/contract.ts';
import type { User } from '../generated/proto/bench/v1/User.ts';
import { DEFAULT_DATASET, generateUser } from '../servers/dataset.ts';
import { spawnNode, stopChild, waitForMessage } from '../harness/procs/control.ts';
import { fmt, type Observation } from './decide.ts';
import { failedCheck, held, sleep, timedHeld, unavailable, withHiccups, type CheckResult } from './observe.ts';
import { SERVE_ARG } from './checks-streams-child.ts';

const HOST = '127.0.0.1';
const MIB = 1024 * 1024;
const mib = (bytes: number): string => fmt(bytes / MIB);
const pct = (x: number): string => `${fmt(x * 100)}%`;

/** Backpressure holds when a paused reader lets the server run at most this share of the stream ahead. */
export const MAX_LEAD_SHARE = 0.05;
/** Memory holds when the live heap grows by at most this share of the stream's bytes while it flows. */
export const MAX_MEMORY_SHARE = 0.1;
/** REST: buffered peak RSS growth over streamed, per round, at least this. */
export const MIN_BUFFERED_OVER_STREAMED = 2;
/** A streamed answer's growth below this counts as this, so the ratio exists (it is then a lower bound). */
const GROWTH_FLOOR = MIB;

export interface StreamsOptions {
  /** Users in the gRPC server stream. */
  grpcUsers: number;
  /** Users in the large REST answer. */
  restUsers: number;
  /** REST rounds (a buffered and a streamed answer each, in a fresh child process each). */
  restRounds: number;
}

// One full run with 3 REST rounds took 46 s on this 2-vCPU VM while other helpers loaded it: 2 rounds now.
// The gRPC stream stays at 200,000 in --quick: below that the live-heap noise of a first pass
// through grpc-js (under 1 MiB) starts to count against the 10% bound.
export const STREAMS_FULL: StreamsOptions = { grpcUsers: 200_000, restUsers: 1_000_000, restRounds: 2 };
export const STREAMS_QUICK: StreamsOptions = { grpcUsers: 200_000, restUsers: 300_000, restRounds: 2 };

export async function streamsCheck(opts: StreamsOptions = STREAMS_FULL): Promise<CheckResult> {
  const out: CheckResult = {};
  try {
    out.grpcServerStream = decideGrpc(await measureGrpcStream(opts.grpcUsers));
  } catch (err) {
    Object.assign(out, failedCheck(['grpcServerStream'], err));
  }
  try {
    out.restBuffering = decideRest(await measureRestBuffering(opts.restUsers, opts.restRounds));
  } catch (err) {
    Object.assign(out, failedCheck(['restBuffering'], err));
  }
  return out;
}

// ------------------------------------------------------------------ gRPC server stream

/** What the server's handler did on one call; the client side reads it live (one process). */
export interface HandlerTally {
  /** call.write() calls so far. */
  written: number;
  /** The write at which write() first returned false (0: never). */
  firstFalseAt: number;
  /** Waiting on 'drain' (or the cancel) now. */
  waiting: boolean;
  /** performance.now() when the server's 'cancelled' fired (0: never). */
  cancelledAt: number;
  writtenAtCancel: number;
  /** The handler got to its end (finished, or stopped by the cancel). */
  returned: boolean;
  /** Messages queued in the call's Writable, and the most it queues before write() says false. */
  queued: () => number;
  highWaterMark: number;
}

interface StreamServer {
  port: number;
  tallies: HandlerTally[];
  stop: () => void;
}

let baseUsers: User[] | undefined;
/** User i (0-based) of a stream of any length: the data set cycled, ids 1..N. */
function cycledUser(i: number): User {
  baseUsers ??= Array.from({ length: DEFAULT_DATASET.users }, (_, k) => userToProto(generateUser(DEFAULT_DATASET, k + 1)));
  return { ...baseUsers[i % baseUsers.length]!, id: i + 1 };
}

const varintLength = (x: number): number => (x < 2 ** 7 ? 1 : x < 2 ** 14 ? 2 : x < 2 ** 21 ? 3 : x < 2 ** 28 ? 4 : 5);

/** Bytes of the gRPC messages of a stream of `n` users: each protobuf User plus its 5-byte length prefix. */
export function streamBytes(n: number): number {
  const T = protoType('User');
  const sizes = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const k = i % DEFAULT_DATASET.users;
    let size = sizes.get(k);
    if (size === undefined) sizes.set(k, (size = T.encode(T.fromObject(cycledUser(k))).finish().length));
    // The user is the base record with another id: only the id's varint differs in length.
    total += 5 + size - varintLength(k + 1) + varintLength(i + 1);
  }
  return total;
}

function drainOrCancel(call: grpc.ServerWritableStream<unknown, User>, t: HandlerTally): Promise<void> {
  t.waiting = true;
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      t.waiting = false;
      resolve();
    };
    call.on('drain', done);
    // A cancelled call never drains (grpc-js drops writes after it): without this the handler would wait forever.
    call.on('cancelled', done);
  });
}

/**
 * ListUsers streaming `n` users. `honour`: the grpc-js way, stop when write() returns false and go
 * on at 'drain'; otherwise write everything at once, as a handler that ignores the signal does.
 */
function listUsersHandler(n: number, honour: boolean, tallies: HandlerTally[]): grpc.handleServerStreamingCall<unknown, User> {
  return (call) => {
    const t: HandlerTally = {
      written: 0,
      firstFalseAt: 0,
      waiting: false,
      cancelledAt: 0,
      writtenAtCancel: -1,
      returned: false,
      queued: () => call.writableLength,
      highWaterMark: call.writableHighWaterMark,
    };
    tallies.push(t);
    call.on('cancelled', () => {
      t.cancelledAt = performance.now();
      t.writtenAtCancel = t.written;
    });
    void (async () => {
      for (let i = 0; i < n && !call.cancelled; i++) {
        t.written++;
        const ok = call.write(cycledUser(i));
        if (!ok && !t.firstFalseAt) t.firstFalseAt = t.written;
        if (!ok && honour) await drainOrCancel(call, t);
      }
      if (!call.cancelled) call.end();
      t.returned = true;
    })();
  };
}

type ServiceCtor = grpc.ServiceClientConstructor;
type ListUsers = (req: { pageSize: number; afterId: number }) => grpc.ClientReadableStream<{ id: number }>;
type StreamClient = grpc.Client & { ListUsers: ListUsers };

function userService(): ServiceCtor {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as { bench: { v1: { UserService: ServiceCtor } } };
  return pkg.bench.v1.UserService;
}

async function startStreamServer(n: number, honour: boolean): Promise<StreamServer> {
  const tallies: HandlerTally[] = [];
  const server = new grpc.Server();
  const impl = { ListUsers: listUsersHandler(n, honour, tallies) };
  server.addService(userService().service, impl as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, tallies, stop: () => server.forceShutdown() };
}

function streamClient(port: number): StreamClient {
  const C = userService();
  return new C(`${HOST}:${port}`, grpc.credentials.createInsecure()) as unknown as StreamClient;
}

/** Polls `cond` every `stepMs` until it holds (true) or `timeoutMs` passes (false). */
async function until(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(stepMs);
  }
  return true;
}

/** Until the handler waits (on 'drain') or has returned, its write count unchanged for `quietMs`. */
async function stalled(t: HandlerTally, timeoutMs: number, quietMs = 300): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  let last = -1;
  let since = performance.now();
  while (performance.now() < end) {
    if (t.written !== last) [last, since] = [t.written, performance.now()];
    else if ((t.waiting || t.returned) && performance.now() - since >= quietMs) return true;
    await sleep(25);
  }
  return false;
}

/**
 * A full GC, then this process's live heap plus its off-heap buffers: what is held, not the
 * garbage a stream leaves. null when no GC can be forced here.
 */
function liveBytesProbe(): (() => number) | null {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    try {
      // Jest's leak detector does the same: expose gc to one new context, then put the flag back.
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
      v8.setFlagsFromString('--no-expose-gc');
    } catch {
      return null;
    }
  }
  const collect = gc;
  return () => {
    collect();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
}

interface Reader {
  stream: grpc.ClientReadableStream<{ id: number }>;
  received: () => number;
  /** The stream ended ('end': every message read) or failed. */
  finished: () => boolean;
  /** Resolves with the call's status code (or -1 when none came in time). */
  status: (timeoutMs: number) => Promise<number>;
}

/** Starts ListUsers; `onData` runs after each message is counted. */
function read(c: StreamClient, onData: (received: number) => void = () => undefined): Reader {
  const stream = c.ListUsers({ pageSize: 0, afterId: 0 });
  let received = 0;
  let code = -1;
  let finished = false;
  const done = new Promise<void>((resolve) => {
    stream.on('status', (s: grpc.StatusObject) => {
      code = s.code;
      resolve();
    });
  });
  // The status says what the error was; a cancel is expected.
  stream.on('error', () => void (finished = true));
  stream.on('end', () => void (finished = true));
  stream.on('data', () => onData(++received));
  return {
    stream,
    received: () => received,
    finished: () => finished,
    status: async (timeoutMs) => {
      await Promise.race([done, sleep(timeoutMs)]);
      return code;
    },
  };
}

export interface GrpcStreamFigures {
  users: number;
  bytes: number;
  /** The honouring handler, the client paused after its first message. */
  paused: { stalled: boolean; written: number; received: number; firstFalseAt: number; queued: number; highWaterMark: number };
  /** Then read to the end: the most the server was ahead, and whether all came with status OK. */
  flowing: { maxLead: number; received: number; code: number };
  /** Live heap growth after a full GC at the stall and at each quarter of the stream (null: no GC here). */
  liveGrowth: number[] | null;
  cancels: CancelFigures[];
  cancelLateMs: number;
  /** The handler that ignores write()'s false, the client paused after its first message. */
  ignoring: { written: number; received: number; returned: boolean; liveGrowth: number | null };
}

export interface CancelFigures {
  when: 'mid-stream' | 'blocked on drain';
  receivedAtCancel: number;
  code: number;
  /** ms from cancel() to the server's 'cancelled' (-1: never heard). */
  heardAfterMs: number;
  writtenAtCancel: number;
  writesAfterCancel: number;
  highWaterMark: number;
  returned: boolean;
}

export async function measureGrpcStream(n: number): Promise<GrpcStreamFigures> {
  const live = liveBytesProbe();
  const bytes = streamBytes(n);
  const srv = await startStreamServer(n, true);
  const c = streamClient(srv.port);
  try {
    // Warm-up: a short stream to its end, so code compiled on first use is in the baseline.
    const warm = read(c, (k) => k === Math.min(2_000, Math.floor(n / 2)) && warm.stream.cancel());
    await warm.status(30_000);
    await until(() => srv.tallies[0]?.returned === true, 10_000);

    const base = live?.() ?? 0;
    const growth: number[] = [];
    const quarters = new Set([1, 2, 3].map((q) => Math.floor((n * q) / 4)));
    let maxLead = 0;
    const idx = srv.tallies.length;
    const r = read(c, (k) => {
      if (k === 1) r.stream.pause();
      const t = srv.tallies[idx];
      if (t) maxLead = Math.max(maxLead, t.written - k);
      if (live && quarters.has(k)) growth.push(live() - base);
    });
    await until(() => srv.tallies[idx] !== undefined, 10_000);
    const t = srv.tallies[idx];
    if (!t) throw new Error('the ListUsers handler never started');
    const isStalled = await stalled(t, 15_000);
    if (live) growth.unshift(live() - base);
    // Read after the GC: the figure is the lead the paused reader allowed, not one the pause let grow.
    const paused = {
      stalled: isStalled,
      written: t.written,
      received: r.received(),
      firstFalseAt: t.firstFalseAt,
      queued: t.queued(),
      highWaterMark: t.highWaterMark,
    };
    r.stream.resume();
    await until(r.finished, 120_000);
    const code = await r.status(30_000);
    const flowing = { maxLead, received: r.received(), code };

    const { value: cancels, lateMs } = await withHiccups(async () => [
      await cancelOnce(c, srv, 'mid-stream', Math.floor(n / 10)),
      await cancelOnce(c, srv, 'blocked on drain', 1),
    ]);
    return {
      users: n,
      bytes,
      paused,
      flowing,
      liveGrowth: live ? growth : null,
      cancels,
      cancelLateMs: lateMs,
      ignoring: await ignoringRun(n, live),
    };
  } finally {
    c.close();
    srv.stop();
  }
}

/** Cancel after `at` messages: mid-stream (reading on), or with the reader paused so the handler waits on 'drain'. */
async function cancelOnce(c: StreamClient, srv: StreamServer, when: CancelFigures['when'], at: number): Promise<CancelFigures> {
  const idx = srv.tallies.length;
  let cancelAt = 0;
  let receivedAtCancel = 0;
  const cancel = (): void => {
    [cancelAt, receivedAtCancel] = [performance.now(), r.received()];
    r.stream.cancel();
  };
  const r = read(c, (k) => {
    if (k !== at) return;
    if (when === 'mid-stream') cancel();
    else r.stream.pause();
  });
  if (when === 'blocked on drain') {
    await until(() => srv.tallies[idx] !== undefined, 10_000);
    const t = srv.tallies[idx];
    if (t) await stalled(t, 15_000);
    cancel();
  }
  const code = await r.status(10_000);
  const t = srv.tallies[idx];
  if (t) await until(() => t.returned && t.cancelledAt > 0, 10_000);
  return {
    when,
    receivedAtCancel,
    code,
    heardAfterMs: t && t.cancelledAt > 0 && cancelAt > 0 ? t.cancelledAt - cancelAt : -1,
    writtenAtCancel: t?.writtenAtCancel ?? -1,
    writesAfterCancel: t && t.writtenAtCancel >= 0 ? t.written - t.writtenAtCancel : -1,
    highWaterMark: t?.highWaterMark ?? 0,
    returned: t?.returned ?? false,
  };
}

/** The same stream from a handler that ignores write()'s false, to a reader paused after one message. */
async function ignoringRun(n: number, live: (() => number) | null): Promise<GrpcStreamFigures['ignoring']> {
  const srv = await startStreamServer(n, false);
  const c = streamClient(srv.port);
  try {
    const base = live?.() ?? 0;
    const r = read(c, (k) => k === 1 && r.stream.pause());
    await until(() => srv.tallies[0]?.returned === true, 60_000);
    const t = srv.tallies[0];
    const figures = {
      written: t?.written ?? 0,
      received: r.received(),
      returned: t?.returned ?? false,
      liveGrowth: live ? live() - base : null,
    };
    r.stream.cancel();
    await r.status(10_000);
    return figures;
  } finally {
    c.close();
    srv.stop();
  }
}

/** Backpressure, cancel and memory must all hold; any part that could not be judged makes it inconclusive. */
export function decideGrpc(f: GrpcStreamFigures): Observation {
  const n = f.users;
  const perMsg = f.bytes / n;
  const lead = f.paused.written - f.paused.received;
  const backpressure =
    f.paused.stalled &&
    f.paused.firstFalseAt > 0 &&
    lead <= MAX_LEAD_SHARE * n &&
    f.flowing.maxLead <= MAX_LEAD_SHARE * n &&
    f.flowing.received === n &&
    f.flowing.code === grpc.status.OK;
  const cancelOk = (x: CancelFigures): boolean =>
    x.code === grpc.status.CANCELLED && x.heardAfterMs >= 0 && x.returned && x.writesAfterCancel <= x.highWaterMark;
  const maxGrowth = f.liveGrowth && f.liveGrowth.length ? Math.max(...f.liveGrowth) : null;
  const memory = maxGrowth !== null && maxGrowth <= MAX_MEMORY_SHARE * f.bytes;

  const ig = f.ignoring;
  const detail = [
    `grpc-js server stream of ${n.toLocaleString('en-US')} users (the data set cycled; ${mib(f.bytes)} MiB of gRPC messages), ` +
      `server and client in this process`,
    `(1) backpressure: the client paused after its first message; the handler's write() first returned false at write ` +
      `${f.paused.firstFalseAt} (the call's Writable holds ${f.paused.highWaterMark} messages) and the handler ` +
      `${f.paused.stalled ? 'stopped' : 'had NOT stopped'} at ${f.paused.written.toLocaleString('en-US')} writes: ` +
      `${lead.toLocaleString('en-US')} messages (${pct(lead / n)} of the stream, about ${fmt((lead * perMsg) / 1024)} KiB) ` +
      `ahead of the reader, ${f.paused.queued} of them still in the Writable, the rest held by HTTP/2 flow control; ` +
      `read on to the end: at most ${f.flowing.maxLead.toLocaleString('en-US')} ahead, ` +
      `${f.flowing.received.toLocaleString('en-US')} received, status ${grpc.status[f.flowing.code] ?? f.flowing.code} ` +
      `(bound: ${pct(MAX_LEAD_SHARE)} of the stream). grpc-js only signals (write() returns false, the bytes wait on ` +
      `the window): the bound is the handler's doing. A handler that ignores the signal wrote ` +
      `${ig.written.toLocaleString('en-US')} messages while the client had read ${ig.received}` +
      (ig.liveGrowth !== null ? `, holding +${mib(ig.liveGrowth)} MiB live` : ''),
    `(2) cancel: ${f.cancels
      .map(
        (x) =>
          `${x.when} (after ${x.receivedAtCancel.toLocaleString('en-US')} read): client status ` +
          `${grpc.status[x.code] ?? x.code}, server 'cancelled' ` +
          `${x.heardAfterMs >= 0 ? `${fmt(x.heardAfterMs)} ms after cancel()` : 'never heard'} at write ` +
          `${x.writtenAtCancel.toLocaleString('en-US')}, ${x.writesAfterCancel} writes after it, handler ` +
          `${x.returned ? 'returned' : 'did NOT return'}`,
      )
      .join('; ')}`,
    `(3) memory: live heap + buffers after a full GC (process.memoryUsage() heapUsed + external, global gc), ` +
      (f.liveGrowth
        ? `at the stall and each quarter of the stream: ${f.liveGrowth.map((g) => `${g >= 0 ? '+' : ''}${mib(g)}`).join(', ')} MiB ` +
          `(at most ${pct(Math.max(0, maxGrowth ?? 0) / f.bytes)} of the stream's bytes; bound ${pct(MAX_MEMORY_SHARE)})`
        : 'not measured (no GC could be forced)'),
  ].join('; ');

  const parts: Observation[] = [
    held(backpressure, detail),
    timedHeld(f.cancels.every(cancelOk), detail, f.cancelLateMs, 10_000),
    f.liveGrowth
      ? held(memory, detail)
      : unavailable('no garbage collection could be forced in this process to read its live heap'),
  ];
  const open = parts.find((p) => p.unavailable);
  if (open) return unavailable(open.unavailable!, detail);
  return held(
    parts.every((p) => p.samples[0] === 1),
    detail,
  );
}

// ------------------------------------------------------------------ REST large responses

export type AnswerMode = 'buffered' | 'streamed';

export interface BodyFigures {
  bytes: number;
  sha256: string;
  firstByteMs: number;
}

/** GET /users/<mode>?n=<users> to the end, hashing the body instead of keeping it. */
export function readBody(port: number, mode: AnswerMode, users: number): Promise<BodyFigures> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: HOST, port, path: `/users/${mode}?n=${users}`, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET /users/${mode}: status ${res.statusCode}`));
      }
      const hash = createHash('sha256');
      let bytes = 0;
      let firstByteMs = -1;
      res.on('data', (d: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - t0;
        bytes += d.length;
        hash.update(d);
      });
      res.on('end', () => resolve({ bytes, sha256: hash.digest('hex'), firstByteMs }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A field of /proc/<pid>/status in bytes (its kB are KiB), or null. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process: `5` to clear_refs (Linux 4.0+). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every 5 ms from this process, which the child's busy event loop cannot delay. */
function rssSampler(pid: number): { stop: () => number } {
  let max = 0;
  const sample = (): void => void (max = Math.max(max, procStatusBytes(pid, 'VmRSS') ?? 0));
  sample();
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}

export interface RestAnswer extends BodyFigures {
  mode: AnswerMode;
  pid: number;
  rssBefore: number;
  peak: number;
  /** Where `peak` comes from. */
  peakFrom: 'VmHWM' | 'sampled VmRSS';
}

const CHILD = new URL('./checks-streams-child.ts', import.meta.url);
const isReady = (m: unknown): m is { type: 'ready'; port: number } =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready';

/** One large answer from a fresh child process, its peak RSS read from /proc meanwhile. */
export async function restAnswer(mode: AnswerMode, users: number): Promise<RestAnswer> {
  const child = spawnNode(CHILD, [SERVE_ARG], null);
  try {
    const { port } = await waitForMessage(child, isReady, 30_000, 'the streams check REST server');
    const pid = child.pid!;
    // Warm-up: the route's code compiled and fastify's first-request work done before the baseline.
    await readBody(port, mode, 2_000);
    await sleep(200);
    const rssBefore = procStatusBytes(pid, 'VmRSS');
    if (rssBefore === null) throw new Error(`no /proc/${pid}/status to read the server's memory from (Linux only)`);
    const reset = resetPeak(pid);
    const sampler = rssSampler(pid);
    const body = await readBody(port, mode, users);
    const sampled = sampler.stop();
    const hwm = reset ? procStatusBytes(pid, 'VmHWM') : null;
    return {
      mode,
      pid,
      ...body,
      rssBefore,
      peak: Math.max(hwm ?? 0, sampled),
      peakFrom: hwm !== null ? 'VmHWM' : 'sampled VmRSS',
    };
  } finally {
    await stopChild(child);
  }
}

export interface RestBufferingFigures {
  users: number;
  rounds: { buffered: RestAnswer; streamed: RestAnswer }[];
}

export async function measureRestBuffering(users: number, rounds: number): Promise<RestBufferingFigures> {
  const out: RestBufferingFigures['rounds'] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so neither always meets the machine in the same state.
    const order: AnswerMode[] = i % 2 === 0 ? ['buffered', 'streamed'] : ['streamed', 'buffered'];
    const got: Partial<Record<AnswerMode, RestAnswer>> = {};
    for (const mode of order) got[mode] = await restAnswer(mode, users);
    out.push({ buffered: got.buffered!, streamed: got.streamed! });
  }
  return { users, rounds: out };
}

const growth = (a: RestAnswer): number => a.peak - a.rssBefore;

/** One sample per round: buffered peak RSS growth over streamed. */
export function decideRest(f: RestBufferingFigures): Observation {
  const all = f.rounds.flatMap((r) => [r.buffered, r.streamed]);
  const first = all[0];
  const sources = [...new Set(all.map((a) => a.peakFrom))].join(' / ');
  const detail =
    `fastify in a child process (a fresh one per answer) answering ${f.users.toLocaleString('en-US')} users (the data set ` +
    `cycled) as one ${first ? mib(first.bytes) : '?'} MiB JSON array: buffered = the handler returns the whole array ` +
    `(fastify JSON.stringify's it into one body), streamed = a Readable of 256-user JSON chunks; peak RSS from ` +
    `/proc/<pid>/status (${sources}; VmHWM is the kernel's high-water mark, reset through clear_refs before the ` +
    `request) above the idle server's VmRSS just before it, per round: ` +
    f.rounds
      .map(
        (r) =>
          `buffered +${mib(growth(r.buffered))} MiB (first byte ${fmt(r.buffered.firstByteMs)} ms), ` +
          `streamed +${mib(growth(r.streamed))} MiB (first byte ${fmt(r.streamed.firstByteMs)} ms)`,
      )
      .join('; ') +
    `; idle RSS ${mib(Math.min(...all.map((a) => a.rssBefore)))}-${mib(Math.max(...all.map((a) => a.rssBefore)))} MiB; ` +
    `a streamed growth under ${mib(GROWTH_FLOOR)} MiB counts as ${mib(GROWTH_FLOOR)} MiB (the ratio is then a lower bound)`;
  const same = all.every((a) => a.sha256 === first?.sha256 && a.bytes === first.bytes);
  if (!same) return unavailable('the buffered and streamed bodies differ, so their memory is not comparable', detail);
  return {
    samples: f.rounds.map((r) => growth(r.buffered) / Math.max(growth(r.streamed), GROWTH_FLOOR)),
    unit: 'x',
    detail: `${detail}; bodies byte-identical (SHA-256)`,
  };
}
