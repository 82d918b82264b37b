// Latency-throughput curve: open-loop rates from well below to past the closed-loop maximum,
// p50/p99 against the achieved rate, and the knee where the server stops keeping up.
import type { RunRecord } from '../results/types.ts';
import { rowLabel } from '../results/row-identity.ts';

export const DEFAULT_SWEEP_FRACTIONS = [0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.2];

export function sweepVariant(fraction: number | 'max'): string {
  return fraction === 'max' ? 'sweep max' : `sweep ${Math.round(fraction * 100)}%`;
}

/** Requested rates for each fraction of the measured maximum (at least 1 call/s). */
export function sweepRates(
  maxOpsPerSec: number,
  fractions: readonly number[] = DEFAULT_SWEEP_FRACTIONS,
): { fraction: number; rate: number }[] {
  return fractions.map((fraction) => ({ fraction, rate: Math.max(1, Math.round(maxOpsPerSec * fraction)) }));
}

export interface SweepPoint {
  fraction: number;
  requested: number;
  achieved: number;
  dropped: number;
  p50: number | null;
  p99: number | null;
  /** The step ran on a disturbed machine (issue 13): a failure to keep up there is noise, not the knee. */
  disturbed?: boolean;
}

/** A sweep's steps share protocol and implementation; their variants are the steps (`sweep 10%`). */
const sweepRow = (r: RunRecord): string => rowLabel({ ...r, variant: undefined });

/** The steps of one sweep: `row` is a protocol, or `protocol · implementation` off the reference (issue 14). */
export function sweepPoints(runs: readonly RunRecord[], row: string): SweepPoint[] {
  return runs
    .filter(
      (r) => sweepRow(r) === row && typeof r.sweep === 'object' && r.sweep !== null && r.state === 'ok' && r.superseded !== true,
    )
    .map((r) => {
      const s = r.sweep as { fraction: number };
      return {
        fraction: s.fraction,
        requested: r.requestedRate ?? 0,
        achieved: r.achievedRate ?? 0,
        dropped: r.dropped ?? 0,
        p50: r.latencyUs?.p50 ?? null,
        p99: r.latencyUs?.p99 ?? null,
        ...(r.machine?.disturbed && { disturbed: true }),
      };
    })
    .sort((a, b) => a.requested - b.requested);
}

/**
 * The knee: the highest requested rate the server still kept up with, i.e. achieved within
 * 3% of requested, nothing dropped, and p99 no more than 10x the lowest step's p99. Past it,
 * queues grow and latency climbs. A step on a disturbed machine that did not keep up is noise,
 * not the knee: it is passed over (one that kept up did so in spite of the machine, and counts).
 */
export function findKnee(points: readonly SweepPoint[]): SweepPoint | null {
  const base = points[0]?.p99 ?? null;
  let knee: SweepPoint | null = null;
  for (const p of points) {
    const keepsUp =
      p.achieved >= 0.97 * p.requested && p.dropped === 0 && (base === null || p.p99 === null || p.p99 <= 10 * base);
    if (!keepsUp && p.disturbed) continue;
    if (!keepsUp) break;
    knee = p;
  }
  return knee;
}

export function renderSweepTable(runs: readonly RunRecord[]): string {
  const protocols = [...new Set(runs.filter((r) => r.sweep).map(sweepRow))];
  if (protocols.length === 0) return '';
  const out: string[] = [];
  const fmt = (x: number | null): string => (x === null ? 'n/a' : Math.round(x).toLocaleString('en-US'));
  for (const protocol of protocols) {
    const points = sweepPoints(runs, protocol);
    // A pipelined sweep's variant is `sweep max,pipelined-N` (harness/load/layout.ts).
    const max = runs.find((r) => sweepRow(r) === protocol && r.variant?.split(',')[0] === sweepVariant('max'));
    const knee = findKnee(points);
    out.push(
      `**${protocol}**: closed-loop maximum ${fmt(max?.opsPerSec ?? null)} ops/s; knee at ${knee ? `${fmt(knee.requested)} calls/s (${Math.round(knee.fraction * 100)}% of the maximum)` : 'none: it did not keep up even at the lowest rate'}.`,
    );
    out.push('');
    out.push('| % of max | requested/s | achieved/s | dropped | p50 us | p99 us |');
    out.push('| ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const p of points)
      out.push(
        `| ${Math.round(p.fraction * 100)}%${p.disturbed ? ' (disturbed)' : ''} | ${fmt(p.requested)} | ${fmt(p.achieved)} | ${fmt(p.dropped)} | ${fmt(p.p50)} | ${fmt(p.p99)} |`,
      );
    out.push('');
  }
  return out.join('\n');
}
