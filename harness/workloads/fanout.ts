// The fanout runner: for each (transport, K subscribers, event rate, poll interval), start the
// push server in a child pinned like the request/response server, measure its memory with no
// subscriber, start subscriber processes (pinned to the generator CPUs, K split between them,
// sockets spread over 127.0.0.x source addresses), open every subscription, measure memory
// again, then emit events at the rate through warm-up and the measured window, let late
// events drain, and turn the reports into a run record with a `delivery` section.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mergeEncoded, summarize } from '../metrics/histogram.ts';
import { classifyBound, limitedByGenerator, perOp } from '../metrics/bound.ts';
import { generatorCores } from './generator-merge.ts';
import {
  describePinning,
  exitedDuringRun,
  hasType,
  spawnNode,
  stopChild,
  waitForMessage,
  type Pinning,
} from '../procs/control.ts';
import { cpuBetween, procCpuUs } from '../metrics/cpu.ts';
import { round, roundTrio, unmeasuredRecord } from './figures.ts';
import { fanoutScenarioOptions, listOf, type FanoutOptions } from '../../scenarios/fanout.ts';
import { FANOUT_TRANSPORTS, isFanoutTransport, TRANSPORTS, type FanoutTransport } from './fanout-transports.ts';
import type { Workload } from './types.ts';
import { UsageError } from '../errors.ts';
import type {
  EmitReport,
  FanoutServerJob,
  FanoutServerToRunner,
  FanoutSubscriberJob,
  MemSample,
  RunnerToFanoutServer,
  RunnerToSubscriber,
  SubscriberResult,
  SubscriberToRunner,
} from '../procs/fanout-ipc.ts';
import type { ResolvedConfig } from '../config.ts';
import type { RunRecord } from '../results/types.ts';
import type { ByteCount } from '../../clients/types.ts';
import { EmissionSchedule, eventJson, monoUs } from '../../servers/push/events.ts';
import { encodeUserEvent } from '../../proto/events.ts';
import { generateUser } from '../../servers/dataset.ts';
import { intervalEvent, liveIntervals, mergeIntervalCounts } from '../load/intervals.ts';
import { sampleAtEdges, type EdgeSampler } from '../metrics/edge-sampler.ts';
import { readProcStat } from '../metrics/steal.ts';
import { buildSeries, withEvents, type EdgeReading } from '../results/series.ts';
import { nowMs } from '../procs/ipc.ts';
import type { ProgressEvent } from './types.ts';

const SERVER_ENTRY = new URL('../procs/push-server-entry.ts', import.meta.url);
const SUBSCRIBER_ENTRY = new URL('../procs/subscriber-entry.ts', import.meta.url);

export const CLOCK_METHOD =
  'process.hrtime.bigint() (clock_gettime(CLOCK_MONOTONIC), one system-wide clock on Linux) in the server at creation and in the subscriber at the socket read; ' +
  'performance.timeOrigin + now() was not used: its origin is a per-process CLOCK_REALTIME reading (1-2 us apart between processes here)';

export interface FanoutRunSpec {
  transport: FanoutTransport;
  subscribers: number;
  eventRate: number;
  /** Short polling only. */
  pollIntervalMs: number | null;
}

/** Every run of a fanout invocation, by K, then rate, then transport (interleaved), then poll interval. Pure. */
export function fanoutPlan(
  transports: readonly FanoutTransport[],
  subscribers: readonly number[],
  rates: readonly number[],
  polls: readonly number[],
): FanoutRunSpec[] {
  const out: FanoutRunSpec[] = [];
  for (const k of subscribers) {
    for (const rate of rates) {
      for (const t of transports) {
        if (TRANSPORTS[t].polling === 'short')
          for (const p of polls) out.push({ transport: t, subscribers: k, eventRate: rate, pollIntervalMs: p });
        else out.push({ transport: t, subscribers: k, eventRate: rate, pollIntervalMs: null });
      }
    }
  }
  return out;
}

export function fanoutSettings(cfg: ResolvedConfig): {
  subscribers: number[];
  eventRates: number[];
  pollIntervals: number[];
  options: FanoutOptions;
} {
  // Parsed again for its type: the resolved config holds every scenario's options untyped.
  const { subscribers, eventRate, pollIntervalMs, ...options } = fanoutScenarioOptions.schema.parse(cfg.scenarios.fanout ?? {});
  return { subscribers: listOf(subscribers), eventRates: listOf(eventRate), pollIntervals: listOf(pollIntervalMs), options };
}

/** The transports a fanout run covers: those asked for (--protocols), all by default. */
export function fanoutTransports(cfg: ResolvedConfig): FanoutTransport[] {
  const wanted = cfg.protocols ?? [...FANOUT_TRANSPORTS];
  const bad = wanted.filter((p) => !isFanoutTransport(p));
  if (bad.length) throw new UsageError(`scenario fanout runs on ${FANOUT_TRANSPORTS.join(', ')}; not on ${bad.join(', ')}`);
  return wanted as FanoutTransport[];
}

/** The fanout workload (workloads/types.ts): events pushed by one server to K subscribers per row. */
export const fanout: Workload<FanoutRunSpec> = {
  name: 'fanout',
  plan: (cfg) => {
    const transports = fanoutTransports(cfg);
    const { subscribers, eventRates, pollIntervals } = fanoutSettings(cfg);
    return fanoutPlan(transports, subscribers, eventRates, pollIntervals);
  },
  describePlan: (cfg, plan, pinning) => {
    const transports = fanoutTransports(cfg);
    const { subscribers, eventRates, pollIntervals, options } = fanoutSettings(cfg);
    const perRun = cfg.warmup + cfg.duration + options.drainMs / 1000 + 4;
    const polls = transports.includes('poll') ? `; poll every ${pollIntervals.join(', ')} ms` : '';
    return (
      `scenario fanout: ${plan.length} run(s) (${transports.join(', ')}; K ${subscribers.join(', ')}; ` +
      `${eventRates.join(', ')} events/s${polls}), ~${Math.ceil(plan.length * perRun)} s plus connection time; ` +
      describePinning(pinning, 'subscribers')
    );
  },
  async *run(spec, { cfg, pinning, signal, index, progress }) {
    const hooks = {
      onProgress: (line: string) => progress({ protocol: spec.transport, phase: 'note', message: line }),
      signal,
      runIndex: index,
      // Issue 17: the window's opening and each closed interval, as request/response rows send them.
      onMeasure: (e: Omit<ProgressEvent, 'protocol' | 'phase'>) => progress({ protocol: spec.transport, phase: 'measure', ...e }),
    };
    yield await runFanout(spec, cfg, fanoutSettings(cfg).options, pinning, hooks);
  },
};

export function variantName(s: FanoutRunSpec): string {
  return `subscribers=${s.subscribers},rate=${s.eventRate}${s.pollIntervalMs !== null ? `,poll=${s.pollIntervalMs}ms` : ''}`;
}

/** Raise a child's open-file limit (soft and hard) with prlimit; returns the soft limit it has after. */
export function raiseFdLimit(pid: number | undefined, want: number): number | null {
  if (pid === undefined) return null;
  spawnSync('prlimit', [`--pid=${pid}`, `--nofile=${want}:${want}`], { stdio: 'ignore' });
  // Not root (or no prlimit): at least lift the soft limit to the hard one.
  const r = spawnSync('prlimit', [`--pid=${pid}`, '--nofile', '--raw', '--noheadings', '--output=SOFT,HARD'], {
    encoding: 'utf8',
  });
  const [soft, hard] = (r.stdout ?? '').trim().split(/\s+/).map(Number);
  if (soft !== undefined && hard !== undefined && Number.isFinite(soft) && soft < want && Number.isFinite(hard) && hard > soft) {
    spawnSync('prlimit', [`--pid=${pid}`, `--nofile=${Math.min(want, hard)}:${hard}`], { stdio: 'ignore' });
    return Math.min(want, hard);
  }
  return Number.isFinite(soft) ? (soft as number) : null;
}

/**
 * Payload of one event as the transport carries it (JSON event, protobuf UserEvent, GraphQL result),
 * mean over the first users.
 */
export function eventPayloadBytes(transport: FanoutTransport, dataset: { users: number; seed: number }): number {
  const n = Math.min(100, dataset.users);
  let total = 0;
  const createdUs = 1_234_567_890_123;
  for (let id = 1; id <= n; id++) {
    const u = generateUser(dataset, id);
    if (transport === 'grpc') total += encodeUserEvent(id, createdUs, u).length;
    else if (transport === 'graphql-sse' || transport === 'graphql-ws')
      total += Buffer.byteLength(
        JSON.stringify({ data: { userUpdated: { eventId: id, createdUs, user: { ...u, id: String(u.id) } } } }),
      );
    else total += Buffer.byteLength(eventJson(id, createdUs, u));
  }
  return Math.round((total / n) * 10) / 10;
}

export interface FanoutHooks {
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /** Index of this run in the invocation: rotates the source addresses so TIME_WAIT of one run never starves the next. */
  runIndex?: number;
  /** Issue 17: the measured window opened (elapsedMs 0) or closed an interval (with `interval`). */
  onMeasure?: (e: Omit<ProgressEvent, 'protocol' | 'phase'>) => void;
}

let memSeq = 0;
function sampleMem(child: ChildProcess): Promise<MemSample> {
  const seq = ++memSeq;
  const reply = waitForMessage<Extract<FanoutServerToRunner, { type: 'mem' }>>(
    child,
    (m): m is Extract<FanoutServerToRunner, { type: 'mem' }> => hasType('mem')(m) && (m as { seq: number }).seq === seq,
    30_000,
    'push server memory sample',
  );
  child.send({ type: 'mem', seq } satisfies RunnerToFanoutServer);
  return reply.then((m) => m.sample);
}

export interface FanoutInputs {
  spec: FanoutRunSpec;
  options: FanoutOptions;
  durationS: number;
  emit: EmitReport;
  subs: SubscriberResult[];
  connected: { ok: number; failed: number; connectMs: number; setupBytes: ByteCount | null; firstError?: string };
  memBase: MemSample;
  memConnected: MemSample;
  generatorCapacity: number;
  payloadBytes: number;
  workers: number;
  /** CPU over the window of the push server and of every subscriber process (metrics/cpu.ts); null: not read. */
  cpuUs: { server: number | null; client: number | null };
}

/**
 * What the schedule says when the server could not report (saturated past the deadline):
 * the window's events are known from the schedule; CPU, memory and loop delay are not.
 */
export function scheduledEmitReport(schedule: EmissionSchedule, fromUs: number, toUs: number, missing: string): EmitReport {
  const { first, count } = schedule.countIn(fromUs, toUs);
  return {
    inWindow: count,
    firstId: first + 1,
    lastId: first + count,
    total: first + count,
    end: null,
    loopDelayUs: null,
    emitLateUs: null,
    missing,
  };
}

/** Pure: the run record of one fanout run from what the processes reported. */
export function buildFanoutRecord(
  base: Pick<RunRecord, 'protocol' | 'server' | 'driver' | 'repeat' | 'variant'>,
  x: FanoutInputs,
): RunRecord {
  const { spec, emit, subs } = x;
  const windowUs = Math.max(1, x.durationS * 1e6);
  const sum = (f: (r: SubscriberResult) => number): number => subs.reduce((s, r) => s + f(r), 0);
  const delivered = sum((r) => r.delivered);
  const duplicated = sum((r) => r.duplicated);
  const expected = emit.inWindow * spec.subscribers;
  const lost = Math.max(0, expected - delivered);
  const receipts = sum((r) => r.windowReceipts);
  const bytes = { out: sum((r) => r.windowBytes.out), in: sum((r) => r.windowBytes.in) };
  const hist = mergeEncoded(subs.map((r) => r.histogram));
  const latency = hist.totalCount > 0 ? summarize(hist) : null;
  const resumeHist = mergeEncoded(subs.map((r) => r.resumeHistogram));
  const { server: serverCpuUs, client: clientCpuUs } = x.cpuUs;
  const serverCores = serverCpuUs === null ? null : serverCpuUs / windowUs;
  const clientCores = clientCpuUs === null ? null : clientCpuUs / windowUs;
  const bound = classifyBound(serverCores, clientCores, x.generatorCapacity);
  const emptyPolls = sum((r) => r.windowEmptyPolls);
  const emptyBytes = { out: sum((r) => r.windowEmptyPollBytes.out), in: sum((r) => r.windowEmptyPollBytes.in) };
  const limitUs = (x.options.p99LimitMs + (spec.pollIntervalMs ?? 0)) * 1000;
  const reasons: string[] = [];
  if (x.connected.failed > 0)
    reasons.push(
      `${x.connected.failed} of ${spec.subscribers} subscribers could not connect${x.connected.firstError ? ` (${x.connected.firstError})` : ''}`,
    );
  if (lost > 0) reasons.push(`${lost.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} events lost`);
  if (latency && latency.p99 > limitUs)
    reasons.push(`delivery p99 ${(latency.p99 / 1000).toFixed(0)} ms over the ${limitUs / 1000} ms limit`);
  if (delivered === 0 && expected > 0) reasons.push('nothing delivered');
  if (emit.missing) reasons.push(emit.missing);
  const late = emit.emitLateUs;
  // A diagnosis, not a criterion (lateness is already inside the latency: events carry their due time).
  if (reasons.length && late && late.max > limitUs / 2) {
    reasons.push(
      `the server created events up to ${(late.max / 1e6).toFixed(1)} s late: its event loop was blocked (saturated, or starved of CPU by other processes)`,
    );
  }
  // Said with the reasons: when the subscribers ran out of CPU, part of the delay is theirs.
  if (reasons.length && limitedByGenerator(bound))
    reasons.push('generator-bound: the subscriber processes used their CPUs up, so this is partly their limit');
  const mismatch = subs.find((r) => r.mismatch)?.mismatch;
  const verified = sum((r) => r.verified);
  const byKind: Record<string, number> = {};
  if (x.connected.failed > 0) byKind.connect_failed = x.connected.failed;
  if (mismatch) byKind.protocol_error = 1;
  const perConn =
    x.connected.ok > 0
      ? {
          rss: round((x.memConnected.rssBytes - x.memBase.rssBytes) / x.connected.ok, 0),
          heap: round((x.memConnected.heapUsedBytes - x.memBase.heapUsedBytes) / x.connected.ok, 0),
        }
      : null;
  const record: RunRecord = {
    ...base,
    state: mismatch || x.connected.ok === 0 ? 'failed' : 'ok',
    ...(mismatch && { error: `delivered events differ from the data set: ${mismatch}` }),
    ...(!mismatch && x.connected.ok === 0 && { error: `no subscriber could connect: ${x.connected.firstError ?? 'unknown'}` }),
    opsPerSec: round(delivered / x.durationS, 1),
    ops: delivered,
    measuredSeconds: x.durationS,
    latencyUs: latency,
    cpuUsPerOp: {
      server: round(perOp(serverCpuUs, delivered), 2),
      client: round(perOp(clientCpuUs, delivered), 2),
    },
    cpuCores: { server: round(serverCores, 3), client: round(clientCores, 3) },
    bytesPerOp: receipts > 0 ? { out: round(bytes.out / receipts, 1), in: round(bytes.in / receipts, 1) } : null,
    setupBytes: x.connected.setupBytes && {
      out: round(x.connected.setupBytes.out, 1),
      in: round(x.connected.setupBytes.in, 1),
    },
    payloadBytes: { request: 0, response: x.payloadBytes },
    errors: { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind },
    generatorBound: limitedByGenerator(bound),
    bound,
    serverRssBytes: emit.end?.rssBytes ?? null,
    verified,
    load: { model: 'closed', connections: spec.subscribers, inflight: 1 },
    workers: x.workers,
    delivery: {
      subscribers: spec.subscribers,
      connected: x.connected.ok,
      eventRate: spec.eventRate,
      pollIntervalMs: spec.pollIntervalMs,
      latencyUs: latency,
      clock: CLOCK_METHOD,
      emitted: emit.inWindow,
      expected,
      delivered,
      lost,
      duplicated,
      bytesPerEvent: receipts > 0 ? { out: round(bytes.out / receipts, 1), in: round(bytes.in / receipts, 1) } : null,
      serverCpuUsPerEvent: round(perOp(serverCpuUs, delivered), 2),
      polls: TRANSPORTS[spec.transport].polling
        ? {
            empty: emptyPolls,
            emptyBytes: emptyBytes,
            emptyBytesPerEvent: delivered > 0 ? round((emptyBytes.out + emptyBytes.in) / delivered, 1) : null,
          }
        : null,
      connectMs: round(x.connected.connectMs, 1),
      serverLoopDelayUs: roundTrio(emit.loopDelayUs),
      serverEmitLateUs: roundTrio(emit.emitLateUs),
      resume: {
        lostConnections: sum((r) => r.lostConnections),
        resumed: sum((r) => r.resumed),
        resumeUs: resumeHist.totalCount > 0 ? summarize(resumeHist) : null,
      },
      keepingUp: reasons.length === 0,
      limitReason: reasons.length ? reasons.join('; ') : null,
    },
    memoryPerConnectionBytes: perConn,
  };
  return record;
}

function failedRecord(
  base: Pick<RunRecord, 'protocol' | 'server' | 'driver' | 'repeat' | 'variant'>,
  spec: FanoutRunSpec,
  state: 'failed' | 'aborted',
  error: string,
): RunRecord {
  return unmeasuredRecord({ ...base, load: { model: 'closed', connections: spec.subscribers, inflight: 1 } }, state, error);
}

/** One fanout run: see the file comment. Never throws: a failure is a failed record. */
export async function runFanout(
  spec: FanoutRunSpec,
  cfg: ResolvedConfig,
  options: FanoutOptions,
  pinning: Pinning,
  hooks: FanoutHooks = {},
): Promise<RunRecord> {
  const info = TRANSPORTS[spec.transport];
  const label = `[${spec.transport} K=${spec.subscribers} rate=${spec.eventRate}/s${spec.pollIntervalMs !== null ? ` poll=${spec.pollIntervalMs}ms` : ''}]`;
  const say = (s: string): void => hooks.onProgress?.(`${label} ${s}`);
  const base = {
    protocol: spec.transport,
    server: `push-${info.server}`,
    driver: info.driver,
    repeat: 0,
    variant: variantName(spec),
  };
  let server: ChildProcess | undefined;
  let subscribers: ChildProcess[] = [];
  let edges: EdgeSampler | undefined;
  try {
    const job: FanoutServerJob = {
      transport: spec.transport,
      host: cfg.host,
      dataset: cfg.dataset,
      heartbeatMs: options.heartbeatMs,
      retryMs: options.retryMs,
      longPollTimeoutMs: options.longPollTimeoutMs,
      bufferSize: options.bufferSize,
    };
    say('starting push server and subscriber processes');
    server = spawnNode(SERVER_ENTRY, [JSON.stringify(job)], pinning.server);
    const srv = server;
    const fdLimit = raiseFdLimit(srv.pid, options.fdLimit);

    // Subscriber processes, each with its share and its source addresses, started alongside
    // the server (they learn its port when told to connect).
    const processes = Math.max(1, Math.ceil(spec.subscribers / options.subscribersPerProcess));
    const addressCount = Math.max(1, Math.ceil(spec.subscribers / options.subscribersPerAddress));
    const firstAddress = 2 + (((hooks.runIndex ?? 0) * addressCount) % Math.max(1, 250 - addressCount));
    const localAddresses = Array.from({ length: addressCount }, (_, i) => `127.0.0.${firstAddress + i}`);
    let firstIndex = 0;
    const jobs: FanoutSubscriberJob[] = Array.from({ length: processes }, (_, p) => {
      const count = Math.floor(spec.subscribers / processes) + (p < spec.subscribers % processes ? 1 : 0);
      const j: FanoutSubscriberJob = {
        transport: spec.transport,
        host: cfg.host,
        count,
        firstIndex,
        localAddresses: cfg.host === '127.0.0.1' ? localAddresses : [],
        perAddress: options.subscribersPerAddress,
        heartbeatMs: info.heartbeat ? options.heartbeatMs : 0,
        pollIntervalMs: spec.pollIntervalMs ?? 1000,
        backoff: { initialMs: options.backoffInitialMs, maxMs: options.backoffMaxMs },
        connectTimeoutMs: options.connectTimeoutMs,
        connectConcurrency: options.connectConcurrency,
        verify: p === 0,
        dataset: cfg.dataset,
        intervalMs: cfg.intervalMs,
      };
      firstIndex += count;
      return j;
    });
    subscribers = jobs.map((j) => spawnNode(SUBSCRIBER_ENTRY, [JSON.stringify(j)], pinning.generator));
    for (const s of subscribers) raiseFdLimit(s.pid, options.fdLimit);
    const [ready] = await Promise.all([
      waitForMessage<Extract<FanoutServerToRunner, { type: 'ready' }>>(
        srv,
        hasType('ready'),
        30_000,
        `${spec.transport} push server`,
      ),
      ...subscribers.map((s) => waitForMessage(s, hasType('ready'), 30_000, `${spec.transport} subscriber process`)),
    ]);
    const memBase = await sampleMem(srv);
    if (hooks.signal?.aborted) return failedRecord(base, spec, 'aborted', 'interrupted before subscribing');

    say(
      `opening ${spec.subscribers.toLocaleString('en-US')} subscriptions from ${processes} process(es), ${addressCount} source address(es) (${localAddresses[0]}..); open-file limit ${fdLimit ?? 'unknown'}`,
    );
    if (fdLimit !== null && fdLimit < spec.subscribers + 100)
      say(`WARNING: the server may run out of file descriptors (limit ${fdLimit}); run as root or raise the hard limit`);
    const t0 = monoUs();
    const connectTimeout = 60_000 + spec.subscribers * 5 + options.connectTimeoutMs;
    const connectedMsgs = Promise.all(
      subscribers.map((s) =>
        waitForMessage<Extract<SubscriberToRunner, { type: 'connected' }>>(
          s,
          hasType('connected'),
          connectTimeout,
          `${spec.transport} subscribers`,
        ),
      ),
    );
    for (const s of subscribers) s.send({ type: 'connect', port: ready.port } satisfies RunnerToSubscriber);
    const conn = await connectedMsgs;
    const connectMs = (monoUs() - t0) / 1000;
    const ok = conn.reduce((a, c) => a + c.ok, 0);
    const failed = conn.reduce((a, c) => a + c.failed, 0);
    const setupOk = conn.filter((c) => c.ok > 0);
    const setupBytes = setupOk.every((c) => c.setupBytes)
      ? {
          out: setupOk.reduce((a, c) => a + c.setupBytes!.out * c.ok, 0) / Math.max(1, ok),
          in: setupOk.reduce((a, c) => a + c.setupBytes!.in * c.ok, 0) / Math.max(1, ok),
        }
      : null;
    const firstError = conn.find((c) => c.firstError)?.firstError;
    const memConnected = await sampleMem(srv);
    const perConnKb = ok > 0 ? ((memConnected.rssBytes - memBase.rssBytes) / ok / 1024).toFixed(1) : 'n/a';
    say(
      `${ok.toLocaleString('en-US')} open${failed ? `, ${failed} failed (${firstError})` : ''} in ${(connectMs / 1000).toFixed(1)} s; server holds ${memConnected.subscribers}; RSS +${perConnKb} KiB per connection`,
    );

    // The schedule, on the host's one monotonic clock.
    const startUs = monoUs() + 300_000;
    const fromUs = startUs + cfg.warmup * 1e6;
    const toUs = fromUs + cfg.duration * 1e6;
    const drainMs = options.drainMs + (spec.pollIntervalMs ?? 0);
    const reportAtUs = toUs + drainMs * 1000;
    const windowDeadline = (reportAtUs - monoUs()) / 1000 + 30_000;
    // A saturated server reports late (its event loop is behind): wait a while, then take the
    // window's events from the schedule and call the protocol not keeping up, rather than fail.
    const serverGraceMs = 15_000;
    const emitted = waitForMessage<Extract<FanoutServerToRunner, { type: 'emitted' }>>(
      srv,
      hasType('emitted'),
      (reportAtUs - monoUs()) / 1000 + serverGraceMs,
      `${spec.transport} push server`,
    ).then(
      (m) => m.report,
      (err: Error) => {
        if (srv.exitCode !== null || srv.signalCode !== null) throw err;
        return scheduledEmitReport(
          new EmissionSchedule(options.arrivals, spec.eventRate, startUs, cfg.dataset.seed),
          fromUs,
          toUs,
          `server still busy ${serverGraceMs / 1000} s after the drain (saturated)`,
        );
      },
    );
    const results = Promise.all(
      subscribers.map((s) =>
        waitForMessage<Extract<SubscriberToRunner, { type: 'result' }>>(
          s,
          hasType('result'),
          windowDeadline,
          `${spec.transport} subscribers`,
        ),
      ),
    );
    // Keep the rejections observed until awaited (a child dying early rejects both).
    emitted.catch(() => undefined);
    results.catch(() => undefined);
    for (const s of subscribers) s.send({ type: 'window', fromUs, toUs, reportAtUs } satisfies RunnerToSubscriber);
    srv.send({
      type: 'emit',
      rate: spec.eventRate,
      arrivals: options.arrivals,
      seed: cfg.dataset.seed,
      startUs,
      fromUs,
      toUs,
    } satisfies RunnerToFanoutServer);
    say(
      `emitting ${spec.eventRate}/s (${options.arrivals}): ${cfg.warmup} s warm-up, ${cfg.duration} s measured, ${(drainMs / 1000).toFixed(1)} s drain`,
    );

    const timers: NodeJS.Timeout[] = [];
    // CPU of the server and of every subscriber process at the window's edges (metrics/cpu.ts).
    const cpuAt: { server: number | null; subs: number | null }[] = [];
    const sampleCpu = (): void => {
      const subs = subscribers.map((c) => procCpuUs(c.pid));
      cpuAt.push({
        server: procCpuUs(srv.pid),
        subs: subs.every((x) => x !== null) ? subs.reduce((a, b) => a + (b as number), 0) : null,
      });
    };
    // Issue 17: CPU and steal at every interval edge too; each subscriber process's closed
    // intervals, merged once all have closed one, go to the live outputs.
    const windowMs = cfg.duration * 1000;
    let windowStartMs: number | undefined;
    const readEdge = (atMs: number): EdgeReading => {
      const subs = subscribers.map((c) => procCpuUs(c.pid));
      return {
        atMs,
        serverCpuUs: procCpuUs(srv.pid),
        clientCpuUs: subs.every((x) => x !== null) ? subs.reduce((a: number, b) => a + b!, 0) : null,
        stat: readProcStat(),
      };
    };
    const live = liveIntervals(processes, (i) => hooks.onMeasure?.(intervalEvent(i, windowMs)));
    subscribers.forEach((s, p) =>
      s.on('message', (m: SubscriberToRunner) => {
        if (m.type === 'interval') live.add(p, m.interval);
      }),
    );
    const openWindow = (): void => {
      sampleCpu();
      // The window's epoch start, from the monotonic edge every process acts on.
      windowStartMs = nowMs() + (fromUs - monoUs()) / 1000;
      edges = sampleAtEdges(
        readEdge,
        { startMs: windowStartMs, endMs: windowStartMs + windowMs, intervalMs: cfg.intervalMs },
        nowMs,
      );
      hooks.onMeasure?.({ elapsedMs: 0, totalMs: windowMs });
    };
    timers.push(setTimeout(openWindow, Math.max(0, (fromUs - monoUs()) / 1000)));
    timers.push(setTimeout(sampleCpu, Math.max(0, (toUs - monoUs()) / 1000)));
    const dropCount = Math.round(spec.subscribers * options.drop.fraction);
    if (dropCount > 0) {
      const midMs = ((fromUs + toUs) / 2 - monoUs()) / 1000;
      const side = options.drop.side;
      const serverShare = side === 'server' ? dropCount : side === 'both' ? Math.ceil(dropCount / 2) : 0;
      const clientShare = dropCount - serverShare;
      timers.push(
        setTimeout(
          () => {
            if (serverShare > 0) srv.send({ type: 'drop', count: serverShare } satisfies RunnerToFanoutServer);
            if (clientShare > 0) {
              jobs.forEach((j, p) => {
                const n = Math.round((clientShare * j.count) / spec.subscribers);
                if (n > 0) subscribers[p]!.send({ type: 'cut', count: n } satisfies RunnerToSubscriber);
              });
            }
            say(`mid-window: ${serverShare} closed by the server, ${clientShare} cut by the clients`);
          },
          Math.max(0, midMs),
        ),
      );
    }
    const onAbort = (): void => {
      for (const t of timers) clearTimeout(t);
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const serverDied = exitedDuringRun(srv, 'the push server');
    const aborted = new Promise<never>((_, reject) =>
      hooks.signal?.addEventListener('abort', () => reject(new Error('interrupted')), { once: true }),
    );
    aborted.catch(() => undefined);
    const [emitReport, subResults] = await Promise.race([Promise.all([emitted, results]), serverDied, aborted]);
    hooks.signal?.removeEventListener('abort', onAbort);
    edges?.stop();
    const [c0, c1] = cpuAt;
    const record = buildFanoutRecord(base, {
      spec,
      options,
      durationS: cfg.duration,
      emit: emitReport,
      cpuUs: { server: cpuBetween(c0?.server, c1?.server), client: cpuBetween(c0?.subs, c1?.subs) },
      subs: subResults.map((m) => m.result),
      connected: { ok, failed, connectMs, setupBytes, ...(firstError !== undefined && { firstError }) },
      memBase,
      memConnected,
      generatorCapacity: generatorCores(pinning, processes),
      payloadBytes: eventPayloadBytes(spec.transport, cfg.dataset),
      workers: processes,
    });
    const subSeries = subResults.map((m) => m.result.series);
    if (windowStartMs !== undefined && subSeries.every((s) => s !== undefined)) {
      const counts = mergeIntervalCounts(subSeries);
      // Events per interval from the schedule the server emits on (its report counts the window only).
      const schedule = new EmissionSchedule(options.arrivals, spec.eventRate, startUs, cfg.dataset.seed);
      const events = counts.map((c) => schedule.countIn(fromUs + c.tMs * 1000, fromUs + (c.tMs + c.durationMs) * 1000).count);
      record.startedAtMs = Math.round(windowStartMs);
      record.intervalMs = cfg.intervalMs;
      record.series = withEvents(buildSeries(counts, edges?.readings ?? []), events);
    }
    const d = record.delivery!;
    const l = d.latencyUs;
    say(
      `delivered ${d.delivered.toLocaleString('en-US')}/${d.expected.toLocaleString('en-US')}, lost ${d.lost}, dup ${d.duplicated}, p50 ${l ? (l.p50 / 1000).toFixed(1) : 'n/a'} ms p99 ${l ? (l.p99 / 1000).toFixed(1) : 'n/a'} ms` +
        `${d.keepingUp ? '' : `; NOT keeping up: ${d.limitReason}`}`,
    );
    return record;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    say(`FAILED: ${message}`);
    return failedRecord(base, spec, hooks.signal?.aborted ? 'aborted' : 'failed', message);
  } finally {
    edges?.stop();
    // The server goes first: its side then holds the TIME_WAIT sockets (on its one port),
    // not the subscribers' ephemeral ports the next run needs.
    if (server) await stopChild(server);
    await Promise.all(subscribers.map((s) => stopChild(s)));
  }
}
