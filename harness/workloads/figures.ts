// Rounding and percentile helpers the workloads (and the push server's report) share, so a
// figure is rounded and summarised the same way whichever workload produced it, and the record
// of a row that measured nothing. Pure.
import type { RunRecord } from '../results/types.ts';

/** x rounded to `digits` decimals; null stays null. */
export function round<T extends number | null>(x: T, digits: number): T {
  if (x === null) return x;
  const f = 10 ** digits;
  return (Math.round((x as number) * f) / f) as T;
}

export interface Trio {
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of raw samples (nearest rank; few samples, no histogram needed); null when empty. */
export function percentileTrio(xs: readonly number[]): Trio | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

/** A trio in whole microseconds, or null when it is missing or not finite (a histogram with no samples). */
export function roundTrio(t: Trio | null): Trio | null {
  return t && Number.isFinite(t.p99) ? { p50: Math.round(t.p50), p99: Math.round(t.p99), max: Math.round(t.max) } : null;
}

/** The row's identity a record needs even when nothing was measured. */
export type RecordBase = Pick<RunRecord, 'protocol' | 'server' | 'driver' | 'repeat' | 'load'> & Partial<RunRecord>;

/** The record of a row that failed or was interrupted before it measured anything: every figure unknown. */
export function unmeasuredRecord(base: RecordBase, state: 'failed' | 'aborted', error: string): RunRecord {
  return {
    ...base,
    state,
    error,
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
}
