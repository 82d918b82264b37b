// Runs one scenario: for each protocol row, start its server (pinned), verify equivalence,
// start the load generator (pinned elsewhere), sample CPU on both sides at the measured
// window's edges, and turn the numbers into a run record.
import type { ChildProcess } from 'node:child_process';
import { driverRow, isProtocolName, type DriverName } from './protocols.ts';
import { resolveLoad, type ResolvedConfig } from './config.ts';
import { isOpenLoop } from './load-model.ts';
import { measuredMs } from './schedule.ts';
import { classifyBound, perOp } from './bound.ts';
import { decodeHistogram, summarize } from './histogram.ts';
import { hasType, spawnNode, stopChild, waitForMessage, type Pinning } from './process-control.ts';
import { verifyEquivalence } from './verify.ts';
import type { CpuSample, GeneratorJob, GeneratorResult, GeneratorToRunner, ServerJob, ServerToRunner } from './ipc.ts';
import type { RunRecord } from './result-types.ts';

const SERVER_ENTRY = new URL('./server-process.ts', import.meta.url);
const GENERATOR_ENTRY = new URL('./generator-process.ts', import.meta.url);

export interface ProgressEvent {
  protocol: string;
  phase: 'start' | 'verify' | 'warmup' | 'measure' | 'done' | 'failed';
  elapsedMs?: number;
  totalMs?: number;
  opsPerSec?: number;
  message?: string;
}

export interface RunHooks {
  onProgress?: (e: ProgressEvent) => void;
  /** Index among repeats of this protocol. */
  repeat?: number;
}

export async function startServerProcess(job: ServerJob, cpus: string | null): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnNode(SERVER_ENTRY, [JSON.stringify(job)], cpus);
  const ready = await waitForMessage<Extract<ServerToRunner, { type: 'ready' }>>(child, hasType('ready'), 30_000, `${job.server} server`);
  return { child, port: ready.port };
}

let cpuSeq = 0;
export async function sampleCpu(child: ChildProcess): Promise<CpuSample> {
  const seq = ++cpuSeq;
  const reply = waitForMessage<Extract<ServerToRunner, { type: 'cpu' }>>(
    child,
    (m): m is Extract<ServerToRunner, { type: 'cpu' }> => hasType('cpu')(m) && (m as { seq: number }).seq === seq,
    5_000,
    'server CPU sample',
  );
  child.send({ type: 'cpu', seq });
  return (await reply).sample;
}

export async function runProtocol(name: DriverName, cfg: ResolvedConfig, pinning: Pinning, hooks: RunHooks = {}): Promise<RunRecord> {
  const row = driverRow(name);
  const progress = (e: Omit<ProgressEvent, 'protocol'>): void => hooks.onProgress?.({ protocol: name, ...e });
  const model = resolveLoad(cfg);
  const connections = model.model === 'closed' ? model.connections : cfg.connections;
  const inflight = model.model === 'closed' ? model.inflight : cfg.inflight;
  const base = {
    protocol: name,
    server: row.server,
    driver: row.driver,
    repeat: hooks.repeat ?? 0,
    load: isOpenLoop(model)
      ? { ...model, connections, inflight, maxInflight: cfg.maxInflight }
      : { model: 'closed' as const, connections, inflight },
  };
  let server: ChildProcess | undefined;
  let generator: ChildProcess | undefined;
  try {
    progress({ phase: 'start' });
    const started = await startServerProcess({ server: row.server, host: cfg.host, port: 0, dataset: cfg.dataset }, pinning.server);
    server = started.child;
    const target = { host: cfg.host, port: started.port };

    progress({ phase: 'verify' });
    // Calibration drivers hit routes outside the contract: nothing to compare.
    const verified = isProtocolName(name) ? await verifyEquivalence(await row.client(), target, cfg.dataset, cfg.verifySample) : { checked: 0 };

    const job: GeneratorJob = {
      protocol: name,
      host: target.host,
      port: target.port,
      connections,
      inflight,
      load: model,
      maxInflight: cfg.maxInflight,
      warmupMs: cfg.warmup * 1000,
      durationMs: cfg.duration * 1000,
      timeoutMs: cfg.timeoutMs,
      users: cfg.dataset.users,
      idSeed: cfg.dataset.seed,
    };
    generator = spawnNode(GENERATOR_ENTRY, [JSON.stringify(job)], pinning.generator);
    await waitForMessage(generator, hasType('connected'), 30_000, `${name} load generator`);

    // Server CPU is sampled when the generator crosses into and out of the measured window.
    let cpuAtStart: Promise<CpuSample> | undefined;
    let cpuAtEnd: Promise<CpuSample> | undefined;
    const srv = server;
    generator.on('message', (m: GeneratorToRunner) => {
      if (m.type === 'phase' && m.phase === 'measure') cpuAtStart = sampleCpu(srv);
      else if (m.type === 'phase' && m.phase === 'end') cpuAtEnd = sampleCpu(srv);
      else if (m.type === 'progress') progress({ phase: m.phase, elapsedMs: m.elapsedMs, totalMs: m.totalMs, opsPerSec: m.opsPerSec });
    });
    const resultPromise = waitForMessage<Extract<GeneratorToRunner, { type: 'result' }>>(
      generator,
      hasType('result'),
      job.warmupMs + (isOpenLoop(model) ? measuredMs(model, job.durationMs) : job.durationMs) + job.timeoutMs + 30_000,
      `${name} load generator`,
    );
    generator.send({ type: 'start' });
    const { result } = await resultPromise;
    if (!cpuAtStart || !cpuAtEnd) throw new Error('the generator never reported its measured window');
    const [s0, s1] = await Promise.all([cpuAtStart, cpuAtEnd]);
    const record = buildRecord(base, result, s0, s1, verified.checked);
    progress({ phase: 'done', opsPerSec: record.opsPerSec });
    return record;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    progress({ phase: 'failed', message });
    return {
      ...base,
      state: 'failed',
      error: message,
      opsPerSec: 0,
      ops: 0,
      measuredSeconds: 0,
      latencyUs: null,
      cpuUsPerOp: { server: null, client: null },
      cpuCores: { server: null, client: null },
      bytesPerOp: null,
      setupBytes: null,
      payloadBytes: null,
      errors: { total: 0, byKind: {} },
      generatorBound: false,
      bound: 'unknown',
      serverRssBytes: null,
      verified: 0,
    };
  } finally {
    await Promise.all([generator && stopChild(generator), server && stopChild(server)]);
  }
}

/** Pure: turn the generator's report and two server CPU samples into the run record. */
export function buildRecord(
  base: Pick<RunRecord, 'protocol' | 'server' | 'driver' | 'load' | 'repeat'>,
  r: GeneratorResult,
  serverStart: CpuSample | null,
  serverEnd: CpuSample | null,
  verified: number,
): RunRecord {
  const windowUs = r.measuredMs * 1000;
  const serverCpuUs = serverStart && serverEnd ? serverEnd.userUs + serverEnd.systemUs - (serverStart.userUs + serverStart.systemUs) : null;
  const serverCores = serverCpuUs === null ? null : serverCpuUs / windowUs;
  const clientCores = r.clientCpuUs / windowUs;
  const bound = classifyBound(serverCores, clientCores);
  const h = decodeHistogram(r.histogram);
  return {
    ...base,
    state: 'ok',
    opsPerSec: round(r.ops / (r.measuredMs / 1000), 1),
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
    generatorBound: bound === 'generator',
    bound,
    serverRssBytes: serverEnd?.rssBytes ?? null,
    verified,
  };
}

function round<T extends number | null>(x: T, digits: number): T {
  if (x === null) return x;
  const f = 10 ** digits;
  return (Math.round((x as number) * f) / f) as T;
}
