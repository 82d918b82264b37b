// Do the verdicts hold when the claims are run again? (issue 15: three full runs must change no
// confirmed or refuted verdict.) Pure: several claims runs' verdicts side by side, the claims whose
// verdict moved, and how disturbed each run's machine was; scripts/claims-stability.ts reads the
// saved runs and prints this.
import type { Verdict } from './decide.ts';
import type { ClaimVerdict } from './evaluate.ts';

export interface StabilityRun {
  /** How the report names the run (its directory). */
  label: string;
  generatedAt: string;
  mode: 'full' | 'quick';
  claims: readonly ClaimVerdict[];
  /** Bench run records that counted (last attempts), how many of them were disturbed, and how many reruns it took. */
  rows: { counted: number; disturbed: number; superseded: number };
}

export interface StabilityRow {
  ref: string;
  line: number;
  verdicts: (Verdict | null)[];
  measured: (string | null)[];
  /** Confirmed in one run and refuted in another: the change the issue forbids. */
  flip: boolean;
  /** Any difference, to or from inconclusive included. */
  changed: boolean;
}

export interface Stability {
  runs: { label: string; generatedAt: string; mode: string; counts: Record<Verdict, number>; rows: StabilityRun['rows'] }[];
  rows: StabilityRow[];
  flips: StabilityRow[];
  changes: StabilityRow[];
}

const count = (cs: readonly ClaimVerdict[]): Record<Verdict, number> => {
  const c: Record<Verdict, number> = { confirmed: 0, refuted: 0, inconclusive: 0, untestable: 0 };
  for (const v of cs) c[v.verdict]++;
  return c;
};

export function compareRuns(runs: readonly StabilityRun[]): Stability {
  const refs: { ref: string; line: number }[] = [];
  const seen = new Set<string>();
  for (const r of runs)
    for (const c of r.claims)
      if (!seen.has(c.ref)) {
        seen.add(c.ref);
        refs.push({ ref: c.ref, line: c.line });
      }
  refs.sort((a, b) => a.line - b.line || a.ref.localeCompare(b.ref));
  const rows = refs.map(({ ref, line }): StabilityRow => {
    const found = runs.map((r) => r.claims.find((c) => c.ref === ref) ?? null);
    const verdicts = found.map((c) => c?.verdict ?? null);
    const present = verdicts.filter((v): v is Verdict => v !== null);
    return {
      ref,
      line,
      verdicts,
      measured: found.map((c) => c?.measured ?? null),
      flip: present.includes('confirmed') && present.includes('refuted'),
      changed: new Set(present).size > 1,
    };
  });
  return {
    runs: runs.map((r) => ({ label: r.label, generatedAt: r.generatedAt, mode: r.mode, counts: count(r.claims), rows: r.rows })),
    rows,
    flips: rows.filter((r) => r.flip),
    changes: rows.filter((r) => r.changed),
  };
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderStability(s: Stability): string {
  const lines = [
    '| run | generated | mode | confirmed | refuted | inconclusive | bench rows | disturbed | reruns |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...s.runs.map(
      (r) =>
        `| ${cell(r.label)} | ${r.generatedAt} | ${r.mode} | ${r.counts.confirmed} | ${r.counts.refuted} | ${r.counts.inconclusive} | ` +
        `${r.rows.counted} | ${r.rows.disturbed} | ${r.rows.superseded} |`,
    ),
    '',
    `${s.flips.length} claim(s) confirmed in one run and refuted in another; ${s.changes.length} changed verdict at all` +
      (s.changes.length ? ':' : '.'),
  ];
  if (s.changes.length) {
    lines.push(
      '',
      `| line | claim | ${s.runs.map((r) => cell(r.label)).join(' | ')} |`,
      `| ---: | --- |${' --- |'.repeat(s.runs.length)}`,
    );
    for (const r of s.changes)
      lines.push(
        `| ${r.line} | \`${r.ref}\`${r.flip ? ' **flip**' : ''} | ` +
          r.verdicts.map((v, i) => `${v ?? 'absent'}${r.measured[i] ? `: ${cell(r.measured[i]!)}` : ''}`).join(' | ') +
          ' |',
      );
  }
  return lines.join('\n');
}
