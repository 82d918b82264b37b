// Per-interval series of a run (issue 17), pure: a load generator's interval counts plus the
// runner's readings at the interval edges (CPU, /proc/stat) become the record's `series`; series
// of several shards merge by interval, exactly (their histograms add bucket by bucket).
import type { IntervalCounts } from '../load/intervals.ts';
import { decodeHistogram, encodeHistogram, mergeEncoded, type Histogram } from '../metrics/histogram.ts';
import { stealPctBetween, worstSteal, type CpuJiffies } from '../metrics/steal.ts';
import type { SeriesInterval } from './schema.ts';

export type { SeriesInterval };

/** What the runner read at one interval edge (metrics/edge-sampler.ts). */
export interface EdgeReading {
  /** Unix epoch ms of the reading. */
  atMs: number;
  /** CPU time so far of the server and of the load-generator processes, microseconds; null: unreadable. */
  serverCpuUs: number | null;
  clientCpuUs: number | null;
  /** /proc/stat per CPU (steal), null off Linux. */
  stat: CpuJiffies[] | null;
}

/** The latency figures an interval shows beside its histogram; null when it holds nothing. */
export function intervalLatency(h: Histogram): SeriesInterval['latencyUs'] {
  if (h.totalCount === 0) return null;
  return { p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99), max: h.maxValue };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Cores used between two readings of a cumulative CPU time; null when either is missing or no time passed. */
function cores(a: number | null, b: number | null, ms: number): number | null {
  return a === null || b === null || ms <= 0 ? null : round3((b - a) / (ms * 1000));
}

/**
 * The record's series: interval i takes its CPU and steal from edge readings i and i+1 (the
 * runner reads at the window's start and at every interval end; an interrupted run may lack
 * the last ones: those intervals say null).
 */
export function buildSeries(counts: readonly IntervalCounts[], edges: readonly EdgeReading[]): SeriesInterval[] {
  return counts.map((c, i) => {
    const [a, b] = [edges[i], edges[i + 1]];
    const ms = a && b ? b.atMs - a.atMs : 0;
    const steal = a?.stat && b?.stat ? worstSteal(stealPctBetween(a.stat, b.stat)) : undefined;
    return {
      tMs: c.tMs,
      durationMs: c.durationMs,
      ops: c.ops,
      errors: c.errors,
      latencyUs: intervalLatency(decodeHistogram(c.histogram)),
      achievedRate: c.durationMs > 0 ? round1((c.sent * 1000) / c.durationMs) : 0,
      cpu: {
        server: a && b ? cores(a.serverCpuUs, b.serverCpuUs, ms) : null,
        client: a && b ? cores(a.clientCpuUs, b.clientCpuUs, ms) : null,
      },
      bytes: c.bytes,
      histogram: c.histogram,
      ...(steal !== undefined && { stealPct: steal }),
    };
  });
}

/**
 * Fanout: each interval's events (created by the server on its schedule in the interval) and
 * their rate; its ops are deliveries, by receipt.
 */
export function withEvents(series: readonly SeriesInterval[], events: readonly number[]): SeriesInterval[] {
  return series.map((x, i) => {
    const n = events[i] ?? 0;
    return { ...x, events: n, achievedRate: x.durationMs > 0 ? round1((n * 1000) / x.durationMs) : 0 };
  });
}

const sumNullable = (xs: readonly (number | null)[]): number | null => {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? round3(known.reduce((a, b) => a + b, 0)) : null;
};

const maxNullable = (xs: readonly (number | null | undefined)[]): number | null | undefined => {
  if (xs.every((x) => x === undefined)) return undefined;
  const known = xs.filter((x): x is number => typeof x === 'number');
  return known.length ? Math.max(...known) : null;
};

/** Intervals that fell in one merged interval, merged: counts, bytes, rates and cores add, histograms merge. */
function mergeIntervals(tMs: number, xs: readonly SeriesInterval[]): SeriesInterval {
  const sum = (f: (x: SeriesInterval) => number): number => xs.reduce((a, x) => a + f(x), 0);
  const merged = mergeEncoded(xs.map((x) => x.histogram));
  const allBytes = xs.every((x) => x.bytes);
  const steal = maxNullable(xs.map((x) => x.stealPct));
  const hiccups = xs.map((x) => x.hiccupUs).filter((h) => h !== undefined);
  const knownHiccups = hiccups.filter((h): h is { p99: number; max: number } => h !== null);
  const withEvents = xs.filter((x) => x.events !== undefined);
  return {
    tMs,
    durationMs: Math.max(...xs.map((x) => x.durationMs)),
    ops: sum((x) => x.ops),
    errors: sum((x) => x.errors),
    latencyUs: intervalLatency(merged),
    achievedRate: round1(sum((x) => x.achievedRate)),
    // Shards (or workers) run side by side: their cores add up. Unknown on every side stays unknown.
    cpu: { server: sumNullable(xs.map((x) => x.cpu.server)), client: sumNullable(xs.map((x) => x.cpu.client)) },
    bytes: allBytes ? { out: sum((x) => x.bytes!.out), in: sum((x) => x.bytes!.in) } : null,
    histogram: encodeHistogram(merged),
    ...(withEvents.length > 0 && { events: withEvents.reduce((a, x) => a + x.events!, 0) }),
    // The same machine (or the worst of several): the worst reading stands for the interval.
    ...(steal !== undefined && { stealPct: steal }),
    ...(hiccups.length > 0 && {
      hiccupUs: knownHiccups.length
        ? { p99: Math.max(...knownHiccups.map((h) => h.p99)), max: Math.max(...knownHiccups.map((h) => h.max)) }
        : null,
    }),
  };
}

/**
 * Series of several shards (or runs) merged by interval. `offsetsMs[i]` is how much later shard
 * i's window opened than the earliest one's (startedAtMs differences): each interval is moved by
 * it and lands in the merged interval nearest its shifted start, so shards that opened a few ms
 * apart line up. `intervalMs` defaults to the longest interval found. Exact for counts and
 * histograms; an interval of one shard is never split between two merged intervals.
 */
export function mergeSeries(
  seriesPerShard: readonly (readonly SeriesInterval[])[],
  offsetsMs: readonly number[],
  intervalMs?: number,
): SeriesInterval[] {
  if (offsetsMs.length !== seriesPerShard.length)
    throw new Error(`mergeSeries: ${seriesPerShard.length} series but ${offsetsMs.length} offsets`);
  const step = intervalMs ?? Math.max(0, ...seriesPerShard.flat().map((x) => x.durationMs));
  if (!(step > 0)) return seriesPerShard.flat().length ? [mergeIntervals(0, seriesPerShard.flat())] : [];
  const base = Math.min(0, ...offsetsMs);
  const buckets = new Map<number, SeriesInterval[]>();
  seriesPerShard.forEach((series, s) => {
    for (const x of series) {
      const index = Math.max(0, Math.round((x.tMs + offsetsMs[s]! - base) / step));
      const list = buckets.get(index) ?? [];
      list.push(x);
      buckets.set(index, list);
    }
  });
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([index, xs]) => mergeIntervals(index * step, xs));
}

/** Offsets for mergeSeries from each run's startedAtMs (0 where a run lacks it). */
export function offsetsFrom(startedAtMs: readonly (number | undefined)[]): number[] {
  const known = startedAtMs.filter((x): x is number => x !== undefined);
  const first = known.length ? Math.min(...known) : 0;
  return startedAtMs.map((x) => (x === undefined ? 0 : x - first));
}
