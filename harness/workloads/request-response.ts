// The request/response workload: for each planned protocol row (request-response-plan.ts), start
// its server (pinned), verify equivalence, start the load generators (pinned elsewhere), read CPU
// on both sides at the measured window's edges, and turn the numbers into a run record.
import type { ChildProcess } from 'node:child_process';
import { driverRow, isProtocolName, type DriverName, type ProtocolName } from '../protocols.ts';
import { resolveLoad, scenarioOptions, type ResolvedConfig } from '../config.ts';
import { isOpenLoop } from '../load/model.ts';
import { measuredMs } from '../load/schedule.ts';
import { generatorCores, mergeGeneratorResults, splitLoad } from './generator-merge.ts';
import { packageVersions } from '../metrics/environment.ts';
import { classifyBound, limitedByGenerator, perOp } from '../metrics/bound.ts';
import { decodeHistogram, summarize } from '../metrics/histogram.ts';
import { exitedDuringRun, hasType, spawnNode, stopChild, waitForMessage, type Pinning } from '../procs/control.ts';
import { cpuBetween, procCpuTimes, procCpuUs } from '../metrics/cpu.ts';
import { statsUrlSampler } from '../procs/stats-reader.ts';
import { round, unmeasuredRecord } from './figures.ts';
import type { ScenarioContext } from '../../scenarios/types.ts';
import type { ProgressEvent, RowContext, Workload } from './types.ts';
import {
  describeRequestResponsePlan,
  planRequestResponse,
  rowTransport,
  type RequestResponseRow,
} from './request-response-plan.ts';
import { variantWithLayout } from '../load/layout.ts';
import { DEFAULT_SWEEP_FRACTIONS, sweepRates, sweepVariant } from '../run/sweep.ts';
import { verifyEquivalence } from '../run/verify.ts';
import { describeNetwork, startDelayProxy, type DelayProxy, type NetworkInfo } from '../run/delay-proxy.ts';
import { SCENARIOS } from '../../scenarios/registry.ts';
import { rowStartAt, shardIdentity, shardShare, ShardWindow, workerSeed } from '../run/shard.ts';
import type { CpuSample, GeneratorJob, GeneratorResult, GeneratorToRunner, ServerJob, ServerToRunner } from '../procs/ipc.ts';
import type { RunRecord } from '../results/types.ts';
import { implementationOf, referenceImplementation, type ServerName } from '../../servers/registry.ts';
import { implementationRecord, parseTargetImplementation, type ImplementationRecord } from '../run/implementations.ts';
import { sampleAtEdges, type EdgeSampler } from '../metrics/edge-sampler.ts';
import { readProcStat } from '../metrics/steal.ts';
import { intervalEvent, liveIntervals } from '../load/intervals.ts';
import { buildSeries, type EdgeReading } from '../results/series.ts';
import { nowMs } from '../procs/ipc.ts';

const AUTOCANNON_VERSION = packageVersions(['autocannon']).autocannon;
const SERVER_ENTRY = new URL('../procs/server-entry.ts', import.meta.url);
const GENERATOR_ENTRY = new URL('../procs/generator-entry.ts', import.meta.url);

export interface RunHooks {
  onProgress?: (e: ProgressEvent) => void;
  /** Index among repeats of this protocol. */
  repeat?: number;
  /** Interrupt: the generator ends its window now and reports what it measured. */
  signal?: AbortSignal;
  /** autocannon instead of the harness's client (HTTP/1.1 cross-check row, variant 'autocannon'). */
  driver?: 'harness' | 'autocannon';
  /** The scenario's variant of this protocol row (REST 'offset' / 'cursor', ...). */
  variant?: string;
  /** The record's variant in place of the scenario's (a sweep step), before the layout's label. */
  label?: string;
  /** The server implementation (`--impl`) when not the server's reference (issue 14). */
  implementation?: string;
  /** Issue 16: the shared start of this row's warm-up, epoch ms (run/shard.ts). */
  startAt?: number | undefined;
}

/** The request/response workload (workloads/types.ts): calls from load generators to one server per row. */
export const requestResponse: Workload<RequestResponseRow> = {
  name: 'request-response',
  plan: planRequestResponse,
  describePlan: describeRequestResponsePlan,
  run: runRow,
};

async function* runRow(
  row: RequestResponseRow,
  { cfg, pinning, signal, progress, index }: RowContext,
): AsyncGenerator<RunRecord> {
  if (row.firstOfRound && cfg.repeat > 1)
    progress({ protocol: '', phase: 'note', message: `round ${row.repeat + 1}/${cfg.repeat}` });
  const startAt = rowStartAt(cfg, resolveLoad(cfg, 'http1').load, index); // issue 16: row k's slot on the shared clock
  const hooks: RunHooks = {
    onProgress: progress,
    repeat: row.repeat,
    signal,
    startAt,
    ...(row.implementation !== undefined && { implementation: row.implementation }),
  };
  if (row.kind === 'autocannon') {
    yield await runProtocol(row.protocol, cfg, pinning, { ...hooks, driver: 'autocannon' });
    return;
  }
  if (row.kind === 'sweep') {
    // A sweep is many runs: each step carries its own machine block; it is not rerun as a whole.
    yield* runSweep(row.protocol, cfg, pinning, hooks);
    return;
  }
  // A disturbed run is rerun by the session (run/attempts.ts), the same for every workload.
  yield await runProtocol(row.protocol, cfg, pinning, { ...hooks, ...(row.variant !== undefined && { variant: row.variant }) });
}

/** One protocol's sweep: the closed-loop maximum, then open-loop steps at fractions of it. */
async function* runSweep(p: ProtocolName, cfg: ResolvedConfig, pinning: Pinning, hooks: RunHooks): AsyncGenerator<RunRecord> {
  const max = await runProtocol(p, { ...cfg, load: undefined }, pinning, { ...hooks, label: sweepVariant('max') });
  yield max;
  if (max.state !== 'ok' || max.opsPerSec <= 0) return;
  const fractions = Array.isArray(cfg.sweep) ? cfg.sweep : DEFAULT_SWEEP_FRACTIONS;
  for (const { fraction, rate } of sweepRates(max.opsPerSec, fractions)) {
    if (hooks.signal?.aborted) break;
    const message = `sweep step ${Math.round(fraction * 100)}%: ${rate.toLocaleString('en-US')} calls/s`;
    hooks.onProgress?.({ protocol: p, phase: 'note', message: `${implementationPrefix(hooks)}${message}` });
    const step = await runProtocol(p, { ...cfg, load: { model: 'rate', rate } }, pinning, {
      ...hooks,
      label: sweepVariant(fraction),
    });
    step.sweep = { fraction, maxOpsPerSec: max.opsPerSec };
    yield step;
  }
}

export async function startServerProcess(job: ServerJob, cpus: string | null): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnNode(SERVER_ENTRY, [JSON.stringify(job)], cpus);
  const ready = await waitForMessage<Extract<ServerToRunner, { type: 'ready' }>>(
    child,
    hasType('ready'),
    30_000,
    `${job.server} server`,
  );
  return { child, port: ready.port };
}

let statsSeq = 0;
/**
 * A server sample: CPU read from /proc now (on time however busy the server is), then its
 * memory and store counters over IPC. Throws when /proc cannot be read (the server is gone).
 */
export async function sampleCpu(child: ChildProcess): Promise<CpuSample> {
  const cpu = procCpuTimes(child.pid);
  const seq = ++statsSeq;
  const reply = waitForMessage<Extract<ServerToRunner, { type: 'stats' }>>(
    child,
    (m): m is Extract<ServerToRunner, { type: 'stats' }> => hasType('stats')(m) && (m as { seq: number }).seq === seq,
    5_000,
    'server stats sample',
  );
  child.send({ type: 'stats', seq });
  const stats = (await reply).sample;
  if (!cpu) throw new Error(`cannot read /proc/${child.pid}/stat for the server's CPU time`);
  return { ...stats, ...cpu };
}

/** What the scenario's hooks (server tuning, verify) see of the run: the one place it is built. */
export function scenarioContext(cfg: ResolvedConfig, variant: string | undefined): ScenarioContext {
  return {
    users: cfg.dataset.users,
    seed: cfg.dataset.seed,
    variant,
    options: scenarioOptions(cfg),
    store: cfg.store,
  };
}

export async function runProtocol(
  name: DriverName,
  cfg: ResolvedConfig,
  pinning: Pinning,
  hooks: RunHooks = {},
): Promise<RunRecord> {
  const row = driverRow(name);
  const progress = (e: Omit<ProgressEvent, 'protocol'>): void =>
    hooks.onProgress?.({
      protocol: name,
      ...(hooks.implementation !== undefined && { implementation: hooks.implementation }),
      ...e,
    });
  const viaAutocannon = hooks.driver === 'autocannon';
  // The row's layout on connections: HTTP/1.1 32 x 1, multiplexed 4 x 8, unless the caller said.
  // Issue 16: a generator shard takes its share of the connections, rate and in-flight limit.
  const rowLoad = resolveLoad(cfg, rowTransport(cfg.scenario, name, hooks.variant, hooks.driver));
  const { load: model, layout, pipelined, maxInflight } = shardShare(rowLoad, cfg.maxInflight, cfg.shard);
  if (viaAutocannon && model.model !== 'closed') throw new Error('autocannon rows run closed loop only');
  const { connections, inflightPerConnection: inflight } = layout;
  // More than one call per HTTP/1.1 connection is pipelining: the record's variant says so.
  const variant = variantWithLayout(hooks.label ?? hooks.variant ?? (viaAutocannon ? 'autocannon' : undefined), pipelined);
  const externalUrl = isProtocolName(name) ? cfg.targets?.[name] : undefined;
  const base = {
    protocol: name,
    server: row.server,
    implementation: rowImplementation(cfg, name, row.server, externalUrl, hooks.implementation),
    driver: viaAutocannon
      ? `autocannon ${AUTOCANNON_VERSION} (closed loop, connections x pipelining; latency from its per-response hrtime)`
      : driverText(row.driver, row.server, hooks.implementation),
    ...(variant !== undefined && { variant }),
    repeat: hooks.repeat ?? 0,
    load: isOpenLoop(model)
      ? { ...model, connections, inflight, maxInflight }
      : { model: 'closed' as const, connections, inflight },
    layout,
    ...shardIdentity(cfg, hooks.startAt), // issue 16: a failed row of a shard says which shard it was
  };
  let server: ChildProcess | undefined;
  const scenarioDef = SCENARIOS[cfg.scenario];
  const scenarioCtx = scenarioContext(cfg, hooks.variant);
  let proxy: DelayProxy | undefined;
  let network: NetworkInfo | undefined;
  let generators: ChildProcess[] = [];
  let edges: EdgeSampler | undefined;
  const withTarget = <T extends object>(r: T): T => (externalUrl ? { ...r, target: { url: externalUrl, external: true } } : r);
  try {
    progress({ phase: 'start' });
    let target: { host: string; port: number };
    if (externalUrl) {
      // Someone else's server: start nothing, but verify it like our own.
      target = parseTargetUrl(externalUrl);
    } else {
      const { store, ...scenarioTuning } = scenarioDef?.server?.(scenarioCtx) ?? {};
      const tuning = cfg.injectServerCpuUs ? { ...scenarioTuning, injectCpuUs: cfg.injectServerCpuUs } : scenarioTuning;
      const started = await startServerProcess(
        {
          server: row.server,
          ...(hooks.implementation !== undefined && { implementation: hooks.implementation }),
          host: cfg.host,
          port: 0,
          dataset: cfg.dataset,
          store: store ?? cfg.store,
          tuning,
        },
        pinning.server,
      );
      server = started.child;
      target = { host: cfg.host, port: started.port };
    }

    if (cfg.delayMs !== undefined) {
      // --delay: every byte between generator (and verifier) and server goes through the
      // delaying proxy in this process, so each protocol row sees the same one-way delay.
      network = await describeNetwork(cfg.delayMs);
      proxy = await startDelayProxy(target, cfg.delayMs);
      target = { host: proxy.host, port: proxy.port };
    }

    // Issue 16: a shard started long before the shared start connects only shortly before it.
    const shardWindow = new ShardWindow(cfg, hooks.startAt);
    await shardWindow.prepare(hooks.signal);
    progress({ phase: 'verify' });
    // Calibration drivers hit routes outside the contract: nothing to compare.
    const verify = scenarioDef?.verify ?? verifyEquivalence;
    const scenarioClient = isProtocolName(name) ? await scenarioDef?.client?.(name, hooks.variant) : undefined;
    // A scenario's own client is what drove the row: name it, not the getUser driver.
    if (scenarioClient?.description && !viaAutocannon)
      base.driver = driverText(scenarioClient.description, row.server, hooks.implementation);
    const client = isProtocolName(name) ? (scenarioClient ?? (await row.client())) : undefined;
    const verified = client ? await verify(client, target, cfg.dataset, cfg.verifySample, scenarioCtx) : { checked: 0 };

    // Generator scale-out: each worker takes a share of the connections and of the rate, keeps
    // its own histograms, and the runner merges them losslessly.
    const workers = Math.max(1, Math.min(cfg.workers, connections));
    const jobs: GeneratorJob[] = Array.from({ length: workers }, (_, w) => ({
      scenario: cfg.scenario,
      protocol: name,
      host: target.host,
      port: target.port,
      connections: Math.floor(connections / workers) + (w < connections % workers ? 1 : 0),
      inflight,
      load: splitLoad(model, workers),
      maxInflight: Math.max(1, Math.round(maxInflight / workers)),
      warmupMs: cfg.warmup * 1000,
      durationMs: cfg.duration * 1000,
      timeoutMs: cfg.timeoutMs,
      users: cfg.dataset.users,
      // Distinct id streams (and Poisson arrivals) per worker, the same for every protocol.
      idSeed: workerSeed(cfg.dataset.seed, cfg.shard, w, workers),
      driver: hooks.driver ?? 'harness',
      ...(hooks.variant !== undefined && { variant: hooks.variant }),
      options: scenarioOptions(cfg),
      intervalMs: cfg.intervalMs,
    }));
    const job = jobs[0]!;
    generators = jobs.map((j) => spawnNode(GENERATOR_ENTRY, [JSON.stringify(j)], pinning.generator));
    await Promise.all(generators.map((g) => waitForMessage(g, hasType('connected'), 30_000, `${name} load generator`)));
    // Issue 16: connected, the shard waits for the shared start (before the result timeout starts counting).
    await shardWindow.waitForStart(hooks.signal, (message) => progress({ phase: 'note', message }));

    // Server CPU is sampled when the first generator enters the measured window and when the
    // last one leaves it (an external server's CPU is unknown: null, never zero).
    let cpuAtStart: Promise<CpuSample | null> | undefined;
    let cpuAtEnd: Promise<CpuSample | null> | undefined;
    let ended = 0;
    const srv = server;
    // Issue 16, item 3: a --target server with a --server-stats URL is read there, at the same edges.
    const statsUrl = externalUrl && isProtocolName(name) ? cfg.serverStats?.[name] : undefined;
    const remote = statsUrl ? statsUrlSampler(statsUrl, (message) => progress({ phase: 'note', message })) : undefined;
    const sample = (): Promise<CpuSample | null> =>
      srv ? sampleCpu(srv).catch(() => null) : (remote?.() ?? Promise.resolve(null));
    const rates = new Array<number>(workers).fill(0);
    // Issue 17: the series. Each worker's closed intervals, merged once every worker has closed
    // one, go to the live outputs; CPU and steal are read here at the interval edges.
    const windowMs = isOpenLoop(model) ? measuredMs(model, job.durationMs) : job.durationMs;
    const live = liveIntervals(workers, (i) => progress({ phase: 'measure', ...intervalEvent(i, windowMs) }));
    let windowStartMs: number | undefined;
    const readEdge = (atMs: number): EdgeReading => {
      const gens = generators.map((g) => procCpuUs(g.pid));
      return {
        atMs,
        serverCpuUs: srv ? procCpuUs(srv.pid) : null,
        clientCpuUs: gens.every((x) => x !== null) ? gens.reduce((a: number, b) => a + b!, 0) : null,
        stat: readProcStat(),
      };
    };
    // Each worker's own CPU over its own window, read from /proc as it enters and leaves it.
    const genCpu = generators.map(() => ({ from: null as number | null, to: null as number | null }));
    generators.forEach((g, w) =>
      g.on('message', (m: GeneratorToRunner) => {
        if (m.type === 'phase' && m.phase === 'measure') {
          genCpu[w]!.from = procCpuUs(g.pid);
          shardWindow.measureStarted(m.atMs);
          cpuAtStart ??= sample();
          if (windowStartMs === undefined) {
            windowStartMs = m.atMs;
            edges = sampleAtEdges(readEdge, { startMs: m.atMs, endMs: m.atMs + windowMs, intervalMs: cfg.intervalMs }, nowMs);
            // The window is open now: say so at once (the machine watch opens its window on it).
            progress({ phase: 'measure', elapsedMs: 0, totalMs: windowMs });
          }
        } else if (m.type === 'phase' && m.phase === 'end') {
          genCpu[w]!.to = procCpuUs(g.pid);
          shardWindow.measureEnded(m.atMs);
          if (++ended === workers) cpuAtEnd = sample();
        } else if (m.type === 'result' && genCpu[w]!.to === null) {
          genCpu[w]!.to = procCpuUs(g.pid); // interrupted before its window ended: up to its report
        } else if (m.type === 'interval') {
          live.add(w, m.interval);
        } else if (m.type === 'progress') {
          rates[w] = m.opsPerSec;
          // In the window the closed intervals say it (autocannon rows have none: their own progress does).
          if (w === 0 && (m.phase === 'warmup' || viaAutocannon))
            progress({ phase: m.phase, elapsedMs: m.elapsedMs, totalMs: m.totalMs, opsPerSec: rates.reduce((x, y) => x + y, 0) });
        }
      }),
    );
    const results = Promise.all(
      generators.map((g) =>
        waitForMessage<Extract<GeneratorToRunner, { type: 'result' }>>(
          g,
          hasType('result'),
          job.warmupMs + (isOpenLoop(model) ? measuredMs(model, job.durationMs) : job.durationMs) + job.timeoutMs + 30_000,
          `${name} load generator`,
        ),
      ),
    );
    const gens = generators;
    const onAbort = (): void => {
      for (const g of gens) if (g.connected) g.send({ type: 'stop' }, () => undefined);
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    if (hooks.signal?.aborted) throw new Error('interrupted before the load started');
    for (const g of generators) g.send({ type: 'start' });
    const serverDied = srv ? exitedDuringRun(srv, `the ${row.server} server process`) : new Promise<never>(() => undefined);
    const merged = mergeGeneratorResults((await Promise.race([results, serverDied])).map((m) => m.result));
    const result: MeasuredRun = { ...merged, clientCpuUs: generatorCpuUs(genCpu) };
    if (!result.aborted && (!cpuAtStart || !cpuAtEnd)) throw new Error('the generator never reported its measured window');
    const [s0, s1] = await Promise.all([cpuAtStart, cpuAtEnd]);
    hooks.signal?.removeEventListener('abort', onAbort);
    edges?.stop();
    const record = withTarget(
      buildRecord(
        { ...base, ...(workers > 1 && { workers }) },
        result,
        s0 ?? null,
        s1 ?? null,
        verified.checked,
        generatorCores(pinning, workers),
      ),
    );
    // Scenario figures the verify step found (nestedProfile: requestsPerOp) ride on the record.
    if ('figures' in verified && verified.figures) Object.assign(record, verified.figures);
    // Issue 16, item 3: where the server CPU figure came from (null: nowhere, an external target without stats).
    record.serverCpuSource = s0 && s1 ? (srv ? 'child' : 'stats-url') : null;
    if (result.autocannon) record.autocannon = result.autocannon;
    if (result.series && windowStartMs !== undefined) {
      record.startedAtMs = Math.round(windowStartMs);
      record.intervalMs = cfg.intervalMs;
      record.series = buildSeries(result.series, edges?.readings ?? []);
    }
    Object.assign(record, itemFigures(result, record.ops, s0 ?? null, s1 ?? null));
    if (network) record.network = network;
    Object.assign(record, shardWindow.fields());
    if (result.aborted) {
      record.state = 'aborted';
      record.error = `interrupted after ${record.measuredSeconds} s of the measured window`;
      return record;
    }
    const attempted = record.ops + record.errors.total;
    const errorRatio = attempted > 0 ? record.errors.total / attempted : 0;
    const timeouts = record.errors.byKind.timeout ?? 0;
    const kinds = Object.entries(record.errors.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    if (timeouts > cfg.maxTimeouts) {
      record.state = 'failed';
      record.error = `the server stopped answering: ${timeouts} call(s) got no answer within ${cfg.timeoutMs} ms (maxTimeouts ${cfg.maxTimeouts}); errors: ${kinds}`;
      progress({ phase: 'failed', message: record.error });
    } else if (errorRatio > cfg.maxErrorRatio) {
      record.state = 'failed';
      record.error = `${record.errors.total} of ${attempted} calls failed (${(errorRatio * 100).toFixed(2)}%), above maxErrorRatio ${cfg.maxErrorRatio}: ${kinds}`;
      progress({ phase: 'failed', message: record.error });
    } else {
      progress({ phase: 'done', opsPerSec: record.opsPerSec });
    }
    return record;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    progress({ phase: 'failed', message });
    return withTarget(unmeasuredRecord(base, hooks.signal?.aborted ? 'aborted' : 'failed', message));
  } finally {
    edges?.stop(); // a failed row's sampler stops too
    await Promise.all([...generators.map((g) => stopChild(g)), server && stopChild(server), proxy?.close()]);
  }
}

/** Issue 14: the server's library; an external target's is whatever the caller told, else unknown (null). */
function rowImplementation(
  cfg: ResolvedConfig,
  name: DriverName,
  server: ServerName,
  externalUrl: string | undefined,
  implementation: string | undefined,
): ImplementationRecord | null {
  if (!externalUrl) return implementationRecord(implementationOf(server, implementation));
  const told = isProtocolName(name) ? cfg.targetImplementations?.[name] : undefined;
  return told === undefined ? null : parseTargetImplementation(told);
}

/** `mercurius-jit: ` before a sweep step's note, so the step names its row; '' on the reference. */
function implementationPrefix(hooks: RunHooks): string {
  return hooks.implementation === undefined ? '' : `${hooks.implementation}: `;
}

/**
 * The driver line of a row on a non-reference implementation: the protocol rows' texts name
 * the reference server they were written for (harness/protocols.ts), so say which one ran.
 */
function driverText(driver: string, server: ServerName, implementation: string | undefined): string {
  if (implementation === undefined) return driver;
  return `${driver} (server here: ${implementation}, not the reference ${referenceImplementation(server).name})`;
}

/** What the generators reported, with their CPU over the window as the runner read it (null: unreadable). */
export type MeasuredRun = GeneratorResult & { clientCpuUs: number | null };

/** The generator workers' CPU over their own windows, summed; null when any reading is missing. */
function generatorCpuUs(edges: readonly { from: number | null; to: number | null }[]): number | null {
  const used = edges.map((e) => cpuBetween(e.from, e.to));
  return used.some((u) => u === null) ? null : used.reduce((a: number, b) => a + b!, 0);
}

/**
 * Figures of multi-item operations (pages, streams, batches) and of the SQLite store: items/s,
 * bytes per item, time to first and last item, SQL statements per request. Empty otherwise.
 */
export function itemFigures(r: MeasuredRun, ops: number, s0: CpuSample | null, s1: CpuSample | null): Partial<RunRecord> {
  const out: Record<string, unknown> = {};
  const seconds = r.measuredMs / 1000;
  if (r.items !== undefined && r.items > 0 && seconds > 0) {
    out.items = r.items;
    out.itemsPerSec = round(r.items / seconds, 1);
    out.itemsPerOp = round(r.items / Math.max(1, ops), 2);
    // Window bytes cover every completion; scale to the items of successful calls.
    if (r.windowBytes && r.windowCompletions > 0) {
      const perCompletion = (r.windowBytes.out + r.windowBytes.in) / r.windowCompletions;
      out.bytesPerItem = round((perCompletion * Math.max(1, ops)) / r.items, 1);
    }
    if (s0 && s1) out.serverCpuUsPerItem = round((s1.userUs + s1.systemUs - s0.userUs - s0.systemUs) / r.items, 2);
    if (r.clientCpuUs !== null) out.clientCpuUsPerItem = round(r.clientCpuUs / r.items, 2);
    if (ops > 0) out.lastItemUs = summarize(decodeHistogram(r.histogram));
  }
  if (r.firstItemHistogram !== undefined && ops > 0) out.firstItemUs = summarize(decodeHistogram(r.firstItemHistogram));
  // Read after sqlStatements in the server, so the count(*) behind it is not in the figure.
  if (s0?.users !== undefined && s1?.users !== undefined && s1.users !== s0.users)
    out.storedUsers = { atStart: s0.users, atEnd: s1.users, added: s1.users - s0.users };
  // Exact: the server's own tally of the requests it completed and the statements each of them
  // ran, whole, even for a request in flight at an edge (servers/request-scope.ts).
  const [r0, r1] = [s0?.sqlRequests, s1?.sqlRequests];
  if (r0 && r1 && r1.completed > r0.completed) {
    out.sqlStatementsPerRequest = round((r1.statements - r0.statements) / (r1.completed - r0.completed), 2);
  } else if (s0?.sqlStatements !== undefined && s1?.sqlStatements !== undefined && ops > 0) {
    // A server that does not scope its requests: statements at the window's edges over the calls
    // completed in it, off by the statements of calls in flight at the edges.
    out.sqlStatementsPerRequest = round((s1.sqlStatements - s0.sqlStatements) / ops, 2);
  }
  return out as Partial<RunRecord>;
}

/** host and port of an external target URL (http://, https://, ws://, grpc://). */
export function parseTargetUrl(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--target: "${url}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  const defaults: Record<string, number> = { 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443, 'grpc:': 80 };
  const port = u.port ? Number(u.port) : defaults[u.protocol];
  if (!port) throw new Error(`--target: "${url}" has no port and no default for ${u.protocol}`);
  // URL keeps IPv6 brackets in hostname; net.connect wants them off.
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Pure: turn the generator's report and two server CPU samples into the run record. */
export function buildRecord(
  base: Pick<RunRecord, 'protocol' | 'server' | 'driver' | 'load' | 'repeat' | 'workers' | 'layout'>,
  r: MeasuredRun,
  serverStart: CpuSample | null,
  serverEnd: CpuSample | null,
  verified: number,
  /** Cores the generator workers could use at most (generator-bound is judged against it). */
  generatorCapacity = 1,
): RunRecord {
  // An interrupted run may have measured nothing: keep every rate finite.
  const windowUs = Math.max(1, r.measuredMs * 1000);
  const serverCpuUs =
    serverStart && serverEnd ? serverEnd.userUs + serverEnd.systemUs - (serverStart.userUs + serverStart.systemUs) : null;
  const serverCores = serverCpuUs === null ? null : serverCpuUs / windowUs;
  const clientCores = r.clientCpuUs === null ? null : r.clientCpuUs / windowUs;
  const bound = classifyBound(serverCores, clientCores, generatorCapacity);
  const h = decodeHistogram(r.histogram);
  return {
    ...base,
    state: 'ok',
    opsPerSec: round(r.measuredMs > 0 ? r.ops / (r.measuredMs / 1000) : 0, 1),
    ops: r.ops,
    measuredSeconds: r.measuredMs / 1000,
    latencyUs: r.ops > 0 ? summarize(h) : null,
    ...(r.rawHistogram !== undefined && {
      rawLatencyUs: r.ops > 0 ? summarize(decodeHistogram(r.rawHistogram)) : null,
      requestedRate: r.requestedRate ?? null,
      achievedRate: r.achievedRate === undefined ? null : round(r.achievedRate, 1),
      dropped: r.dropped ?? 0,
    }),
    cpuUsPerOp: { server: round(perOp(serverCpuUs, r.ops), 2), client: round(perOp(r.clientCpuUs, r.ops), 2) },
    cpuCores: { server: round(serverCores, 3), client: round(clientCores, 3) },
    bytesPerOp:
      r.windowBytes && r.windowCompletions > 0
        ? { out: round(r.windowBytes.out / r.windowCompletions, 1), in: round(r.windowBytes.in / r.windowCompletions, 1) }
        : null,
    setupBytes: r.setupBytes && { out: round(r.setupBytes.out, 1), in: round(r.setupBytes.in, 1) },
    payloadBytes: r.payload && { request: round(r.payload.request, 1), response: round(r.payload.response, 1) },
    errors: r.errors,
    generatorBound: limitedByGenerator(bound),
    bound,
    serverRssBytes: serverEnd?.rssBytes ?? null,
    verified,
  };
}
