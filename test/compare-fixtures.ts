// Synthetic results for the compare, thresholds and summary-format tests (not a test file
// itself). Figures are round numbers so expected values can be written by hand.
import { resolveConfig } from '../harness/config.ts';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';

export interface RunFigures {
  opsPerSec?: number;
  p50?: number;
  p99?: number;
  cpuServer?: number | null;
  cpuClient?: number | null;
  bytes?: { out: number; in: number } | null;
  errors?: number;
  dropped?: number;
  generatorBound?: boolean;
  state?: RunRecord['state'];
  variant?: string;
}

export function run(protocol: string, repeat: number, f: RunFigures = {}): RunRecord {
  const state = f.state ?? 'ok';
  const ops = f.opsPerSec ?? 10_000;
  const p50 = f.p50 ?? 800;
  const p99 = f.p99 ?? 2000;
  return {
    protocol,
    server: protocol,
    driver: 'synthetic',
    state,
    ...(state !== 'ok' ? { error: 'synthetic failure' } : {}),
    repeat,
    ...(f.variant !== undefined ? { variant: f.variant } : {}),
    opsPerSec: state === 'ok' ? ops : 0,
    ops: state === 'ok' ? Math.round(ops * 2) : 0,
    measuredSeconds: 2,
    latencyUs:
      state === 'ok'
        ? {
            count: Math.round(ops * 2),
            min: 100,
            mean: p50,
            p50,
            p90: (p50 + p99) / 2,
            p99,
            p999: p99 * 2,
            max: p99 * 4,
            histogram: '',
          }
        : null,
    ...(f.dropped !== undefined ? { dropped: f.dropped } : {}),
    cpuUsPerOp: { server: f.cpuServer === undefined ? 40 : f.cpuServer, client: f.cpuClient === undefined ? 30 : f.cpuClient },
    cpuCores: { server: 0.4, client: 0.3 },
    bytesPerOp: f.bytes === undefined ? { out: 100, in: 200 } : f.bytes,
    setupBytes: { out: 10, in: 10 },
    payloadBytes: { request: 10, response: 100 },
    errors: { total: f.errors ?? 0, byKind: f.errors ? { timeout: f.errors } : {} },
    generatorBound: f.generatorBound ?? false,
    bound: f.generatorBound ? 'generator' : 'server',
    serverRssBytes: 50_000_000,
    verified: 50,
    load: { model: 'closed', connections: 4, inflight: 8 },
  };
}

export function result(runs: RunRecord[], over: Partial<BenchResult> = {}): BenchResult {
  return {
    schemaVersion: 1,
    tool: 'protocol-bench',
    state: 'complete',
    scenario: 'getUser',
    description: 'one user by id',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    config: resolveConfig({ duration: 2, warmup: 1 }),
    environment: {
      cpuModel: 'Test CPU',
      cpus: 2,
      memoryBytes: 1,
      os: 'linux',
      node: 'v20.20.2',
      packages: { fastify: '5.12.8' },
      commit: 'abcdef1234567890',
      commitDirty: false,
      hostname: 'h',
      loadAverage: [0, 0, 0],
      pinning: { method: 'none', server: null, generator: null, reason: 'test' },
    },
    notes: [],
    runs,
    ...over,
  };
}

// Small spread around 1, the same for every protocol: a realistic few-percent noise.
const JITTER = [1, 1.01, 0.99, 1.02, 0.98, 1.015, 0.985];

/** `repeats` interleaved repeats of each protocol; `figures` overrides any figure (k: that repeat's jitter). */
export function repeated(
  protocols: readonly string[],
  repeats: number,
  figures: (protocol: string, repeat: number, k: number) => RunFigures = () => ({}),
): BenchResult {
  const runs: RunRecord[] = [];
  for (let i = 0; i < repeats; i++) {
    const k = JITTER[i % JITTER.length] as number;
    for (const p of protocols) {
      const f = figures(p, i, k);
      runs.push(run(p, i, { opsPerSec: 10_000 * k, p50: 800 * k, p99: 2000 * k, ...f }));
    }
  }
  return result(runs);
}
