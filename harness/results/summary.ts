// Per protocol, every figure over its repeats: median, min-max, 95% CI and CV. Pure.
import { figureSpread } from '../metrics/stats.ts';
import type { ProtocolSummary, RunRecord } from './types.ts';
import { rowKey, rowName } from './row-identity.ts';

/** The figures summarised, by name, with how to read each from a run. */
export const SUMMARY_FIGURES: Record<string, (r: RunRecord) => number | null | undefined> = {
  opsPerSec: (r) => r.opsPerSec,
  'latencyUs.p50': (r) => r.latencyUs?.p50,
  'latencyUs.p90': (r) => r.latencyUs?.p90,
  'latencyUs.p99': (r) => r.latencyUs?.p99,
  'latencyUs.p999': (r) => r.latencyUs?.p999,
  'latencyUs.max': (r) => r.latencyUs?.max,
  'cpuUsPerOp.server': (r) => r.cpuUsPerOp.server,
  'cpuUsPerOp.client': (r) => r.cpuUsPerOp.client,
  'bytesPerOp.out': (r) => r.bytesPerOp?.out,
  'bytesPerOp.in': (r) => r.bytesPerOp?.in,
  'errors.total': (r) => r.errors.total,
  achievedRate: (r) => r.achievedRate,
  dropped: (r) => r.dropped,
};

/** The row a run belongs to (harness/results/row-identity.ts): its repeats share it. */
export const groupKey = rowKey;

export function summarizeRuns(runs: readonly RunRecord[]): ProtocolSummary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    // Superseded attempts (a disturbed run that was run again) stay in runs[] but are not summarised.
    if (r.state !== 'ok' || r.superseded === true) continue;
    const k = groupKey(r);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: ProtocolSummary[] = [];
  for (const rs of groups.values()) {
    const first = rs[0]!;
    const { implementation } = rowName(first);
    const figures: ProtocolSummary['figures'] = {};
    for (const [name, read] of Object.entries(SUMMARY_FIGURES)) {
      const xs = rs.map(read).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (xs.length === rs.length) figures[name] = figureSpread(xs);
    }
    out.push({
      protocol: first.protocol,
      ...(first.variant !== undefined && { variant: first.variant }),
      ...(implementation !== undefined && { implementation }),
      repeats: rs.length,
      figures,
    });
  }
  return out;
}
