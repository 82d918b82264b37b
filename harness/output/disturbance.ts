// What every report says about disturbed runs (issue 13): which runs ran on a disturbed machine,
// why, and which attempts were superseded by a rerun. Pure: runs in, rows of text out.
import type { RunRecord } from '../results/types.ts';
import { rowLabel } from '../results/row-identity.ts';

export interface DisturbedRow {
  run: string;
  attempt: number;
  outcome: 'superseded (run again)' | 'kept (reruns exhausted)' | 'kept (not rerun)';
  reasons: string;
}

/** Every run that ran on a disturbed machine, each attempt, in run order. */
export function disturbedRows(runs: readonly RunRecord[]): DisturbedRow[] {
  return runs
    .filter((r) => r.machine?.disturbed)
    .map((r) => ({
      run: `${rowLabel(r)} #${r.repeat + 1}`,
      attempt: r.attempt ?? 1,
      outcome: r.superseded ? 'superseded (run again)' : r.sweep ? 'kept (not rerun)' : 'kept (reruns exhausted)',
      reasons: r.machine!.reasons.join('; '),
    }));
}

/** The Markdown section; empty when no run was disturbed. */
export function renderDisturbedMarkdown(runs: readonly RunRecord[]): string {
  const rows = disturbedRows(runs);
  if (rows.length === 0) return '';
  const kept = rows.filter((r) => !r.outcome.startsWith('superseded')).length;
  const out = [
    `Disturbed runs (machine readings over the config's \`machine\` thresholds; ${kept} kept as the last attempt, figures ` +
      'on them are noise, not findings; superseded attempts are left out of summaries and comparisons):',
    '',
    '| run | attempt | outcome | reasons |',
    '| --- | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.run} | ${r.attempt} | ${r.outcome} | ${r.reasons} |`),
    '',
  ];
  return out.join('\n');
}
