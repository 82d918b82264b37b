// Generator scale-out: split one run's load over several worker processes and merge what
// they report. Histograms merge losslessly (bucket counts add); counts and bytes add up.
import type { GeneratorResult } from '../procs/ipc.ts';
import type { ResolvedLoad } from '../config.ts';
import type { Pinning } from '../results/schema.ts';
import { encodeHistogram, mergeEncoded } from '../metrics/histogram.ts';
import { mergeIntervalCounts } from '../load/intervals.ts';

/** Each worker's share of the load: connections are split by the caller, rates here. */
export function splitLoad(model: ResolvedLoad, workers: number): ResolvedLoad {
  switch (model.model) {
    case 'closed':
      return model;
    case 'rate':
    case 'poisson':
      return { ...model, rate: model.rate / workers };
    case 'stages':
      return { ...model, stages: model.stages.map((s) => ({ ...s, rate: s.rate / workers })) };
  }
}

/** How many cores the generator workers can use: at most one each, at most the CPUs given them. */
export function generatorCores(pinning: Pinning, workers: number): number {
  if (!pinning.generator) return workers;
  const cpus = pinning.generator.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : (b as number) - (a as number) + 1);
  }, 0);
  return Math.min(workers, cpus);
}

export function mergeGeneratorResults(rs: readonly GeneratorResult[]): GeneratorResult {
  if (rs.length === 1) return rs[0]!;
  const sum = (f: (r: GeneratorResult) => number | undefined): number => rs.reduce((s, r) => s + (f(r) ?? 0), 0);
  const ops = sum((r) => r.ops);
  const byKind: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.errors.byKind)) byKind[k] = (byKind[k] ?? 0) + v;
  const allBytes = rs.every((r) => r.windowBytes);
  const allSetup = rs.every((r) => r.setupBytes);
  const withPayload = rs.filter((r) => r.payload && r.ops > 0);
  const open = rs.every((r) => r.rawHistogram !== undefined);
  return {
    histogram: encodeHistogram(mergeEncoded(rs.map((r) => r.histogram))),
    aborted: rs.some((r) => r.aborted),
    ...(open && {
      rawHistogram: encodeHistogram(mergeEncoded(rs.map((r) => r.rawHistogram!))),
      dropped: sum((r) => r.dropped),
      requestedRate: sum((r) => r.requestedRate),
      achievedRate: sum((r) => r.achievedRate),
    }),
    ops,
    // Workers run side by side: the window is the longest of theirs, not the sum.
    measuredMs: Math.max(...rs.map((r) => r.measuredMs)),
    errors: { total: sum((r) => r.errors.total), byKind },
    windowBytes: allBytes ? { out: sum((r) => r.windowBytes!.out), in: sum((r) => r.windowBytes!.in) } : null,
    windowCompletions: sum((r) => r.windowCompletions),
    // Per connection: every worker reports a per-connection figure; average them.
    setupBytes: allSetup
      ? { out: sum((r) => r.setupBytes!.out) / rs.length, in: sum((r) => r.setupBytes!.in) / rs.length }
      : null,
    payload:
      withPayload.length > 0
        ? {
            request: withPayload.reduce((s, r) => s + r.payload!.request * r.ops, 0) / sum((r) => (r.payload ? r.ops : 0)),
            response: withPayload.reduce((s, r) => s + r.payload!.response * r.ops, 0) / sum((r) => (r.payload ? r.ops : 0)),
          }
        : null,
    // Multi-item operations: items add up, time-to-first-item histograms merge like latency.
    ...(rs.some((r) => r.items !== undefined) && { items: sum((r) => r.items) }),
    ...(rs.every((r) => r.firstItemHistogram !== undefined) && {
      firstItemHistogram: encodeHistogram(mergeEncoded(rs.map((r) => r.firstItemHistogram!))),
    }),
    // Issue 17: intervals merge by index, exactly (histograms add bucket by bucket).
    ...(rs.every((r) => r.series) && { series: mergeIntervalCounts(rs.map((r) => r.series!)) }),
    ...(rs.every((r) => r.autocannon) && {
      // autocannon's own percentiles cannot be merged without its histograms: keep the worst worker's.
      autocannon: {
        ...rs[0]!.autocannon!,
        requestsPerSec: sum((r) => r.autocannon!.requestsPerSec),
        latencyMs: worst(rs.map((r) => r.autocannon!.latencyMs)),
      },
    }),
  };
}

function worst<T extends Record<string, number>>(xs: readonly T[]): T {
  const out = { ...xs[0]! };
  for (const x of xs)
    for (const k of Object.keys(out) as (keyof T)[]) out[k] = Math.max(out[k] as number, x[k] as number) as T[keyof T];
  return out;
}
