// From the registry, bench results and check observations to one verdict per claim: pure, so
// the whole table can be rebuilt from saved inputs and tested on fixed ones.
import { decide, describeRule, formatFigure, type Decision, type Observation, type Verdict } from './decide.ts';
import type { BenchContext } from './figures.ts';
import { median } from '../harness/metrics/stats.ts';
import type { CheckId, ClaimEntry } from './registry.ts';
import type { CheckResult } from './observe.ts';

export interface ClaimVerdict {
  // The fields harness/results/claims.ts reads (npm run report -- r.json --claims claims.json).
  ref: string;
  claim: string;
  guide: string;
  measured: string | null;
  verdict: Verdict;
  // Ours.
  line: number;
  section: string;
  testable: ClaimEntry['testable'];
  part?: string;
  /** scenario:NAME or check:NAME, and the figure read. */
  source: string;
  metric: string;
  rule: string | null;
  reason: string;
  detail?: string;
  figure: Decision['figure'];
  unit: string;
}

export type CheckResults = Partial<Record<CheckId, CheckResult>>;

export function observe(entry: ClaimEntry, bench: BenchContext, checks: CheckResults): Observation | null {
  const m = entry.measure;
  if (m.kind === 'untestable') return null;
  if (m.kind === 'bench') return m.extract(bench);
  const result = checks[m.check];
  if (!result) return { samples: [], unit: '', unavailable: `check ${m.check} did not run` };
  return result[m.key] ?? { samples: [], unit: '', unavailable: `check ${m.check} reported nothing for ${m.key}` };
}

/** "label: median (min-max, n)" per condition, for an observation measured under several (decide() labels). */
function byCondition(obs: Observation): string {
  const labels = [...new Set(obs.labels)];
  return labels
    .map((l) => {
      const xs = obs.samples.filter((x, i) => obs.labels![i] === l && Number.isFinite(x));
      if (!xs.length) return `${l}: n/a`;
      const f = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
      return `${l}: ${formatFigure({ verdict: 'inconclusive', reason: '', figure: f }, obs.unit)}`;
    })
    .join('; ');
}

export function evaluate(entry: ClaimEntry, bench: BenchContext, checks: CheckResults): ClaimVerdict {
  const m = entry.measure;
  const base = {
    ref: entry.ref,
    claim: entry.claim,
    guide: entry.guide,
    line: entry.line,
    section: entry.section,
    testable: entry.testable,
    ...(entry.part && { part: entry.part }),
  };
  if (m.kind === 'untestable') {
    // Claims the reference file marks untestable on loopback are listed as such; the others
    // that lack a scenario or a server feature are inconclusive, with what they need.
    const verdict: Verdict = entry.testable === 'no' ? 'untestable' : 'inconclusive';
    const reason = entry.testable === 'no' ? m.reason : entry.needs ? `needs ${entry.needs}: ${m.reason}` : m.reason;
    return { ...base, measured: null, verdict, source: 'none', metric: 'n/a', rule: null, reason, figure: null, unit: '' };
  }
  const obs = observe(entry, bench, checks)!;
  const withNeeds: Observation = entry.needs && !obs.unavailable ? { ...obs, needs: entry.needs } : obs;
  const d = decide(entry.rule ?? { op: 'holds' }, withNeeds);
  const source = m.kind === 'bench' ? `scenario ${m.runs.join(' + ')}` : `check ${m.check}`;
  const measured = d.figure
    ? entry.rule?.op === 'holds'
      ? d.figure.median === 1
        ? 'held'
        : d.figure.max === 0
          ? 'did not hold'
          : formatFigure(d, '')
      : obs.labels
        ? byCondition(obs)
        : formatFigure(d, obs.unit)
    : null;
  // A behaviour the harness configured itself: say what it shows, and label the figure so the
  // verdict does not read as the protocol's (issue 15.10).
  const own = entry.ownSetting && d.verdict !== 'inconclusive';
  // The sizes check encodes in process and sends nothing: its verdicts are computed from the specs (issue 15.9).
  const computed = m.kind === 'check' && m.check === 'sizes' && 'Computed from the specs (encoded in process, not sent)';
  const detail =
    [own && `Shows a harness setting: ${entry.ownSetting}`, computed, obs.detail].filter(Boolean).join('; ') || undefined;
  // The table names the implementations behind a verdict (issue 14.3), when the run records name them.
  const on = measured && obs.implementations ? `${measured}; ${obs.implementations}` : measured;
  return {
    ...base,
    measured: own && on ? `${on} (harness setting)` : on,
    verdict: d.verdict,
    source,
    metric: m.metric,
    rule: entry.rule ? describeRule(entry.rule, obs.unit) : null,
    reason: d.reason,
    ...(detail && { detail }),
    figure: d.figure,
    unit: obs.unit,
  };
}

export function evaluateAll(entries: readonly ClaimEntry[], bench: BenchContext, checks: CheckResults): ClaimVerdict[] {
  return [...entries].sort((a, b) => a.line - b.line).map((e) => evaluate(e, bench, checks));
}

export function countVerdicts(vs: readonly ClaimVerdict[]): Record<Verdict, number> {
  const c: Record<Verdict, number> = { confirmed: 0, refuted: 0, inconclusive: 0, untestable: 0 };
  for (const v of vs) c[v.verdict]++;
  return c;
}
