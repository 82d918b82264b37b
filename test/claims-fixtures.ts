// Synthetic bench results and check observations for the claims tests: fixed inputs, no run.
import { resolveConfig } from '../harness/config.ts';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';
import type { BenchContext, BenchRunId } from '../claims/figures.ts';
import { fanoutVariant, fanoutLoadVariant, FANOUT, FANOUT_LOAD } from '../claims/figures.ts';

const latency = (p50: number, p99 = 2000) => ({
  count: 20_000,
  min: 50,
  mean: p50,
  p50,
  p90: p99 / 2,
  p99,
  p999: p99 * 2,
  max: p99 * 4,
  histogram: '',
});

export interface RunFigures {
  ops?: number;
  p50?: number;
  p99?: number;
  bytes?: [number, number];
  payload?: [number, number];
  cpu?: number;
  bound?: boolean;
  variant?: string;
}

export function runOf(protocol: string, repeat: number, f: RunFigures = {}): RunRecord {
  return {
    protocol,
    server: protocol,
    driver: 'synthetic',
    state: 'ok',
    repeat,
    ...(f.variant !== undefined && { variant: f.variant }),
    opsPerSec: f.ops ?? 10_000,
    ops: 20_000,
    measuredSeconds: 2,
    latencyUs: latency(f.p50 ?? 800, f.p99 ?? 2000),
    cpuUsPerOp: { server: f.cpu ?? 40, client: 30 },
    cpuCores: { server: 0.9, client: 0.3 },
    bytesPerOp: { out: f.bytes?.[0] ?? 80, in: f.bytes?.[1] ?? 419 },
    setupBytes: { out: 0, in: 0 },
    payloadBytes: { request: f.payload?.[0] ?? 0, response: f.payload?.[1] ?? 247 },
    errors: { total: 0, byKind: {} },
    generatorBound: f.bound ?? false,
    bound: f.bound ? 'generator' : 'server',
    serverRssBytes: 5e7,
    verified: 50,
    load: { model: 'closed', connections: 4, inflight: 8 },
  };
}

export function resultOf(runs: RunRecord[], scenario = 'getUser'): BenchResult {
  return {
    schemaVersion: 1,
    tool: 'protocol-bench',
    state: 'complete',
    scenario,
    description: 'synthetic',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    config: resolveConfig({ duration: 2, warmup: 1 }),
    environment: {
      cpuModel: 'Test CPU',
      cpus: 2,
      memoryBytes: 2 ** 31,
      os: 'linux',
      node: 'v24',
      packages: {},
      commit: null,
      commitDirty: null,
      hostname: 'h',
      loadAverage: [0],
      pinning: { method: 'none', server: null, generator: null, reason: 'test' },
    },
    notes: [],
    runs,
  };
}

export function ctx(results: Partial<Record<BenchRunId, BenchResult>>): BenchContext {
  return { get: (id) => results[id] ?? { missing: `needs scenario ${id} (not built yet)` } };
}

export const getUser = (boundGrpcRepeat = -1): BenchResult =>
  resultOf(
    [0, 1, 2].flatMap((i) => [
      runOf('rest', i, { ops: 40_000 + i * 1000, bytes: [80, 419], payload: [0, 247], cpu: 25 }),
      runOf('grpc', i, { ops: 16_000 + i * 500, bytes: [54, 161], payload: [3, 122], cpu: 59, bound: i === boundGrpcRepeat }),
      runOf('websocket', i, { ops: 58_000, bytes: [55, 274], payload: [49, 270] }),
    ]),
  );

/** A record of `protocol` run on the named server implementation (issue 14: `implementation` on run records). */
export const runOn = (protocol: string, impl: string, repeat: number, f: RunFigures = {}): RunRecord => ({
  ...runOf(protocol, repeat, f),
  implementation: { name: impl, version: '1.0.0' },
});

/** getUser --impl all: two implementations of REST and of gRPC, interleaved as the runner writes them. */
export const getUserTwoImpls = (): BenchResult =>
  resultOf(
    [0, 1, 2].flatMap((i) => [
      runOn('rest', 'fastify', i, { ops: 40_000 + i * 1000, cpu: 25, bytes: [80, 419] }),
      runOn('rest', 'node-http', i, { ops: 50_000 + i * 1000, cpu: 20, bytes: [80, 380] }),
      runOn('grpc', 'grpc-js', i, { ops: 16_000 + i * 500, cpu: 59, bytes: [54, 161] }),
      runOn('grpc', 'connect-node', i, { ops: 12_000 + i * 500, cpu: 45, bytes: [54, 170] }),
    ]),
  );

export interface DeliveryFigures {
  subscribers: number;
  rate: number;
  meanUs?: number;
  bytesPerEvent?: number;
  cpuUsPerEvent?: number;
  delivered?: number;
}

/** A fanout run record with its delivery section. */
export function fanoutRun(transport: string, repeat: number, d: DeliveryFigures): RunRecord {
  const variant =
    d.subscribers === FANOUT_LOAD.subscribers ? fanoutLoadVariant(transport) : fanoutVariant(transport, d.rate, d.subscribers);
  const delivered = d.delivered ?? 1000;
  return {
    ...runOf(transport, repeat, { variant }),
    delivery: {
      subscribers: d.subscribers,
      connected: d.subscribers,
      eventRate: d.rate,
      pollIntervalMs: transport === 'poll' ? FANOUT.pollMs : null,
      latencyUs: d.meanUs === undefined ? null : latency(d.meanUs, d.meanUs * 2),
      clock: 'test',
      emitted: delivered / d.subscribers,
      expected: delivered,
      delivered,
      lost: 0,
      duplicated: 0,
      bytesPerEvent: d.bytesPerEvent === undefined ? null : { out: d.bytesPerEvent / 2, in: d.bytesPerEvent / 2 },
      serverCpuUsPerEvent: d.cpuUsPerEvent ?? null,
      polls: null,
      connectMs: 1,
      serverLoopDelayUs: null,
      resume: { lostConnections: 0, resumed: 0, resumeUs: null },
      keepingUp: true,
      limitReason: null,
    },
  } as RunRecord;
}
