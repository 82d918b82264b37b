// Compare two results of the same scenario: per row (protocol, variant, implementation) and figure, the change
// of the median over the repeats, whether it is beyond the noise, and a verdict. Pure: two
// results in, rows and an exit status out; the Markdown rendering is here too, printing is
// compare-cli.ts's and bench-ci.ts's business.
//
// How a change is judged (the README says the same for users):
//  - Samples are the per-repeat values of the runs that finished ok, grouped by row (row-identity.ts):
//    protocol, variant and the implementation when not the reference (old files read as the reference).
//  - A change counts only when the medians differ by more than the minimum effect (default 5%)
//    AND the difference is beyond the noise:
//    - >= 3 repeats on both sides: two-sided Mann-Whitney U test at alpha (default 0.05), exact.
//      With 3 vs 3 (or 3 vs 4) repeats the exact test cannot go below p = 0.10 (0.057): every
//      one of the 20 (35) ways to split the values is equally likely under no change, so even
//      complete separation is not "significant". There the rule is complete separation instead:
//      every candidate repeat is beyond every base repeat, in the direction of the change.
//    - fewer repeats: the noise is unknown; a change beyond the minimum effect is flagged and the
//      output says that there were no repeats to judge the noise.
//  - errors.total: any error where the base had none is a regression, whatever the statistics.
//  - A protocol whose candidate runs failed more often than its base runs is a regression.
import { mannWhitneyU, minAchievableP } from '../metrics/mann-whitney.ts';
import { median } from '../metrics/stats.ts';
import { groupKey } from './summary.ts';
import { nameLabel, rowName, type RowName } from './row-identity.ts';
import type { BenchResult, RunRecord } from './types.ts';
import { CompareInputError } from '../errors.ts';
import { MIN_CLEAN_PAIRS, judgePaired, pairRuns } from './paired.ts';

export const DEFAULT_MIN_EFFECT = 0.05;
export const DEFAULT_ALPHA = 0.05;
/** Repeats on each side from which the Mann-Whitney test is used. */
export const MIN_REPEATS_FOR_TEST = 3;

type Better = 'higher' | 'lower';
type Kind = 'throughput' | 'latency' | 'cpu' | 'bytes' | 'errors';

interface FigureDef {
  name: string;
  label: string;
  better: Better;
  kind: Kind;
  read: (r: RunRecord) => number | null | undefined;
}

export const COMPARE_FIGURES: readonly FigureDef[] = [
  { name: 'opsPerSec', label: 'ops/s', better: 'higher', kind: 'throughput', read: (r) => r.opsPerSec },
  { name: 'latencyUs.p50', label: 'p50 us', better: 'lower', kind: 'latency', read: (r) => r.latencyUs?.p50 },
  { name: 'latencyUs.p99', label: 'p99 us', better: 'lower', kind: 'latency', read: (r) => r.latencyUs?.p99 },
  { name: 'cpuUsPerOp.server', label: 'server CPU us/op', better: 'lower', kind: 'cpu', read: (r) => r.cpuUsPerOp.server },
  { name: 'cpuUsPerOp.client', label: 'client CPU us/op', better: 'lower', kind: 'cpu', read: (r) => r.cpuUsPerOp.client },
  {
    name: 'bytesPerOp',
    label: 'wire B/op (out+in)',
    better: 'lower',
    kind: 'bytes',
    read: (r) => (r.bytesPerOp ? r.bytesPerOp.out + r.bytesPerOp.in : null),
  },
  { name: 'errors.total', label: 'errors (total over repeats)', better: 'lower', kind: 'errors', read: (r) => r.errors.total },
];

export interface CompareOptions {
  /** Fraction, 0.05 = 5%. */
  minEffect: number;
  alpha: number;
  baseLabel: string;
  candidateLabel: string;
  /**
   * Repeat i of each side ran next to the other's (bench:ci --base): judge each pair's ratio
   * (harness/results/paired.ts) instead of the two sides' spreads. Default false.
   */
  paired?: boolean;
}

export type Judgement =
  | 'mann-whitney' // p-value of the test
  | 'separation' // too few repeats for the test to reach alpha: complete separation instead
  | 'no-repeats' // fewer than MIN_REPEATS_FOR_TEST on a side: noise unknown
  | 'errors-appeared'
  | 'failed-runs'
  | 'missing' // a side has no value for this figure
  | 'paired-wilcoxon' // paired repeats (bench:ci --base): signed-rank test on the pairs' log ratios
  | 'paired-signs'; // paired, too few pairs for the test to reach alpha: every pair must move one way

// inconclusive: a change judged on runs of a disturbed machine (issue 13) is noise, not a finding.
export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'not compared' | 'inconclusive';

export interface SideValue {
  median: number;
  /** Sum over the repeats: what errors are shown as, since a median hides one bad repeat. */
  total: number;
  n: number;
  values: number[];
}

export interface ComparisonRow {
  protocol: string;
  variant?: string;
  /** The row's implementation when it is not its server's reference (issue 14). */
  implementation?: string;
  figure: string;
  label: string;
  better: Better;
  base: SideValue | null;
  candidate: SideValue | null;
  /** Relative change of the medians, (candidate - base) / base; null when the base median is 0 or a side is missing. */
  change: number | null;
  judgement: Judgement;
  /** Paired judgements: the pairs used and how many of them were disturbed. */
  pairs?: { used: number; disturbed: number };
  /** null when it could not be judged (no repeats, or a side missing). */
  beyondNoise: boolean | null;
  p: number | null;
  beyondMinEffect: boolean;
  verdict: Verdict;
  /** At least one run of this protocol, on either side, was bound by the load generator. */
  generatorBound: boolean;
}

export interface SideInfo {
  label: string;
  commit: string | null;
  commitDirty: boolean | null;
  startedAt: string;
  state: BenchResult['state'];
  /** Largest number of ok repeats of any protocol. */
  repeats: number;
}

export interface Comparison {
  scenario: string;
  minEffect: number;
  alpha: number;
  base: SideInfo;
  candidate: SideInfo;
  rows: ComparisonRow[];
  regressions: ComparisonRow[];
  improvements: ComparisonRow[];
  /** Environment or configuration differences: the comparison stands but should be read with care. */
  warnings: string[];
  /** Protocols present on one side only, partial results, and the like. */
  notes: string[];
  /** 0: nothing regressed; 1: something regressed beyond the thresholds. */
  status: 0 | 1;
}

interface Group {
  name: RowName;
  runs: RunRecord[];
}

function groups(result: BenchResult): Map<string, Group> {
  const out = new Map<string, Group>();
  // Superseded attempts (a disturbed run that was run again) are not compared; the last one is.
  for (const r of result.runs.filter((x) => x.superseded !== true)) {
    const k = groupKey(r);
    const g = out.get(k) ?? { name: rowName(r), runs: [] };
    g.runs.push(r);
    out.set(k, g);
  }
  return out;
}

function side(values: number[]): SideValue | null {
  return values.length ? { median: median(values), total: values.reduce((s, x) => s + x, 0), n: values.length, values } : null;
}

const samples = (runs: readonly RunRecord[], f: FigureDef): number[] =>
  runs
    .filter((r) => r.state === 'ok')
    .map(f.read)
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));

/** Judge one figure of one protocol. Exported for tests. */
export function judge(
  base: readonly number[],
  cand: readonly number[],
  better: Better,
  opts: { minEffect: number; alpha: number; kind?: Kind },
): Pick<ComparisonRow, 'base' | 'candidate' | 'change' | 'judgement' | 'beyondNoise' | 'p' | 'beyondMinEffect' | 'verdict'> {
  const b = side([...base]);
  const c = side([...cand]);
  if (!b || !c)
    return {
      base: b,
      candidate: c,
      change: null,
      judgement: 'missing',
      beyondNoise: null,
      p: null,
      beyondMinEffect: false,
      verdict: 'not compared',
    };
  const change = b.median === 0 ? null : (c.median - b.median) / Math.abs(b.median);
  const worse = better === 'higher' ? c.median < b.median : c.median > b.median;
  const direction = (): Verdict => (c.median === b.median ? 'unchanged' : worse ? 'regressed' : 'improved');

  // "Any increase from 0 is a regression": an error where there was none is never noise.
  if (opts.kind === 'errors' && base.every((x) => x === 0) && cand.some((x) => x > 0)) {
    return {
      base: b,
      candidate: c,
      change,
      judgement: 'errors-appeared',
      beyondNoise: true,
      p: null,
      beyondMinEffect: true,
      verdict: 'regressed',
    };
  }
  // From a zero median any change is unbounded in relative terms.
  const beyondMinEffect = change === null ? c.median !== 0 : Math.abs(change) > opts.minEffect;

  if (b.n < MIN_REPEATS_FOR_TEST || c.n < MIN_REPEATS_FOR_TEST) {
    return {
      base: b,
      candidate: c,
      change,
      judgement: 'no-repeats',
      beyondNoise: null,
      p: null,
      beyondMinEffect,
      verdict: beyondMinEffect ? direction() : 'unchanged',
    };
  }
  const mw = mannWhitneyU(b.values, c.values);
  let beyondNoise: boolean;
  let judgement: Judgement;
  if (minAchievableP(b.n, c.n) >= opts.alpha) {
    // The test cannot reject at this size: ask for complete separation in the direction of
    // the medians' change (u1 counts base values above candidate values).
    judgement = 'separation';
    beyondNoise = c.median > b.median ? mw.u1 === 0 : c.median < b.median ? mw.u1 === b.n * c.n : false;
  } else {
    judgement = 'mann-whitney';
    beyondNoise = mw.p < opts.alpha;
  }
  return {
    base: b,
    candidate: c,
    change,
    judgement,
    beyondNoise,
    p: mw.p,
    beyondMinEffect,
    verdict: beyondNoise && beyondMinEffect ? direction() : 'unchanged',
  };
}

/** One figure judged pair by pair; the sides' medians (over the pairs used) are what the table shows. */
function pairedRow(
  base: readonly RunRecord[],
  cand: readonly RunRecord[],
  f: FigureDef,
  opts: CompareOptions,
): Omit<ComparisonRow, 'protocol' | 'variant' | 'figure' | 'label' | 'better' | 'generatorBound'> {
  const pairs = pairRuns(base, cand, f.read);
  const j = judgePaired(pairs, f.better, opts);
  const b = side(j.used.map((p) => p.base));
  const c = side(j.used.map((p) => p.candidate));
  if (!b || !c) {
    return {
      base: b,
      candidate: c,
      change: null,
      judgement: 'missing',
      beyondNoise: null,
      p: null,
      beyondMinEffect: false,
      verdict: 'not compared',
    };
  }
  const finding = j.beyondNoise === true && j.beyondMinEffect && j.direction !== 'same';
  const verdict: Verdict = j.inconclusive
    ? 'inconclusive'
    : finding || (j.judgement === 'no-repeats' && j.beyondMinEffect && j.direction !== 'same')
      ? j.direction === 'worse'
        ? 'regressed'
        : 'improved'
      : 'unchanged';
  return {
    base: b,
    candidate: c,
    change: j.change,
    judgement: j.judgement,
    pairs: { used: j.used.length, disturbed: j.disturbedUsed },
    beyondNoise: j.beyondNoise,
    p: j.p,
    beyondMinEffect: j.beyondMinEffect,
    verdict,
  };
}

function sideInfo(r: BenchResult, label: string): SideInfo {
  const counts = new Map<string, number>();
  for (const run of r.runs)
    if (run.state === 'ok' && run.superseded !== true) counts.set(groupKey(run), (counts.get(groupKey(run)) ?? 0) + 1);
  return {
    label,
    commit: r.environment.commit,
    commitDirty: r.environment.commitDirty,
    startedAt: r.startedAt,
    state: r.state,
    repeats: Math.max(0, ...counts.values()),
  };
}

/** Environment differences that make a comparison suspect (compared across machines). */
export function environmentWarnings(base: BenchResult, cand: BenchResult): string[] {
  const a = base.environment;
  const b = cand.environment;
  const diffs: string[] = [];
  const field = (name: string, x: unknown, y: unknown): void => {
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${name} ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  field('cpuModel', a.cpuModel, b.cpuModel);
  field('cpus', a.cpus, b.cpus);
  field('node', a.node, b.node);
  field('pinning', a.pinning.method, b.pinning.method);
  for (const name of [...new Set([...Object.keys(a.packages), ...Object.keys(b.packages)])].sort()) {
    field(`package ${name}`, a.packages[name] ?? 'absent', b.packages[name] ?? 'absent');
  }
  const out: string[] = [];
  if (diffs.length)
    out.push(
      `environments differ (${diffs.join('; ')}): differences may come from the machine or the dependencies, not the change under test`,
    );
  // Settings that change what is measured, short of a different scenario.
  const cfgDiffs: string[] = [];
  for (const k of [
    'duration',
    'warmup',
    'connections',
    'inflight',
    'load',
    'maxInflight',
    'workers',
    'driver',
    'targets',
    'dataset',
    'pin',
    'timeoutMs',
    'injectServerCpuUs',
  ] as const) {
    const x = (base.config as Record<string, unknown>)[k];
    const y = (cand.config as Record<string, unknown>)[k];
    if (JSON.stringify(x) !== JSON.stringify(y))
      cfgDiffs.push(`${k} ${JSON.stringify(x) ?? 'unset'} vs ${JSON.stringify(y) ?? 'unset'}`);
  }
  if (cfgDiffs.length) out.push(`run settings differ (${cfgDiffs.join('; ')}): the two results did not measure the same load`);
  return out;
}

/** Probe slowdown between the two results beyond which a warning is given. */
const PROBE_WARN_RATIO = 1.2;

/**
 * Machine conditions during each run: a busy machine (load average above its CPU count) or a
 * CPU probe slower on one side moves every figure without any change in the code.
 */
export function conditionWarnings(base: BenchResult, cand: BenchResult, labels: [string, string]): string[] {
  const out: string[] = [];
  const probeMs = (r: BenchResult): number | null => {
    const xs = r.runs.map((x) => x.probe?.ms).filter((x): x is number => typeof x === 'number');
    return xs.length ? median(xs) : null;
  };
  const [pb, pc] = [probeMs(base), probeMs(cand)];
  if (pb !== null && pc !== null && pb > 0 && pc > 0 && Math.max(pb / pc, pc / pb) > PROBE_WARN_RATIO) {
    const slower = pc > pb ? labels[1] : labels[0];
    out.push(
      `the machine was ${((Math.max(pb / pc, pc / pb) - 1) * 100).toFixed(0)}% slower during ${slower} (fixed-work CPU probe, median ${pb} ms vs ${pc} ms): changes may come from the machine`,
    );
  }
  for (const [label, r] of [
    [labels[0], base],
    [labels[1], cand],
  ] as const) {
    const load = r.environment.loadAverage[0];
    if (load !== undefined && load > r.environment.cpus)
      out.push(`${label} started on a busy machine (load average ${load} on ${r.environment.cpus} CPUs)`);
    const counted = r.runs.filter((x) => x.superseded !== true);
    const disturbed = counted.filter((x) => x.machine?.disturbed);
    if (disturbed.length) {
      const why = [...new Set(disturbed.flatMap((x) => x.machine?.reasons ?? []).map((x) => x.replace(/[\d.]+/g, 'N')))];
      out.push(
        `${label}: ${disturbed.length} of ${counted.length} runs ran on a disturbed machine (${why.join('; ')}): changes on them are inconclusive`,
      );
    }
    const slowed = r.runs.filter((x) => x.probe?.slowed).length;
    if (slowed) out.push(`${label}: ${slowed} of ${r.runs.length} runs started while the CPU probe said the machine was slowed`);
  }
  return out;
}

export function compareResults(base: BenchResult, cand: BenchResult, options: Partial<CompareOptions> = {}): Comparison {
  const opts: CompareOptions = {
    minEffect: DEFAULT_MIN_EFFECT,
    alpha: DEFAULT_ALPHA,
    baseLabel: 'base',
    candidateLabel: 'candidate',
    ...options,
  };
  if (!(opts.minEffect >= 0) || !Number.isFinite(opts.minEffect))
    throw new RangeError(`minEffect must be a non-negative fraction, got ${opts.minEffect}`);
  if (base.scenario !== cand.scenario) {
    throw new CompareInputError(
      `different scenarios: ${opts.baseLabel} is "${base.scenario}", ${opts.candidateLabel} is "${cand.scenario}"; only results of the same scenario can be compared`,
    );
  }
  const bg = groups(base);
  const cg = groups(cand);
  const notes: string[] = [];
  for (const [label, r] of [
    [opts.baseLabel, base],
    [opts.candidateLabel, cand],
  ] as const) {
    if (r.state !== 'complete') notes.push(`${label} is ${r.state}: some protocols did not finish.`);
  }
  for (const [k, g] of bg) if (!cg.has(k)) notes.push(`${nameLabel(g.name)}: only in ${opts.baseLabel}; not compared.`);
  for (const [k, g] of cg) if (!bg.has(k)) notes.push(`${nameLabel(g.name)}: only in ${opts.candidateLabel}; not compared.`);
  const common = [...bg.keys()].filter((k) => cg.has(k));
  if (common.length === 0) {
    throw new CompareInputError(
      `no protocol in common: ${opts.baseLabel} has ${[...bg.keys()].join(', ') || 'no runs'}, ${opts.candidateLabel} has ${[...cg.keys()].join(', ') || 'no runs'}`,
    );
  }

  const rows: ComparisonRow[] = [];
  for (const k of common) {
    const b = bg.get(k) as Group;
    const c = cg.get(k) as Group;
    const generatorBound = [...b.runs, ...c.runs].some((r) => r.state === 'ok' && r.generatorBound);
    const id = b.name;
    const failedB = b.runs.filter((r) => r.state !== 'ok').length;
    const failedC = c.runs.filter((r) => r.state !== 'ok').length;
    if (failedB || failedC) {
      const fb = failedB / b.runs.length;
      const fc = failedC / c.runs.length;
      rows.push({
        ...id,
        figure: 'failedRuns',
        label: 'failed runs',
        better: 'lower',
        base: { median: failedB, total: failedB, n: b.runs.length, values: [failedB] },
        candidate: { median: failedC, total: failedC, n: c.runs.length, values: [failedC] },
        change: null,
        judgement: 'failed-runs',
        beyondNoise: fc !== fb ? true : null,
        p: null,
        beyondMinEffect: fc !== fb,
        verdict: fc > fb ? 'regressed' : fc < fb ? 'improved' : 'unchanged',
        generatorBound: false,
      });
    }
    const disturbed = [...b.runs, ...c.runs].some((r) => r.state === 'ok' && r.machine?.disturbed === true);
    for (const f of COMPARE_FIGURES) {
      if (opts.paired && f.kind !== 'errors') {
        rows.push({
          ...id,
          figure: f.name,
          label: f.label,
          better: f.better,
          ...pairedRow(b.runs, c.runs, f, opts),
          generatorBound,
        });
        continue;
      }
      const j = judge(samples(b.runs, f), samples(c.runs, f), f.better, {
        minEffect: opts.minEffect,
        alpha: opts.alpha,
        kind: f.kind,
      });
      if (disturbed && (j.verdict === 'regressed' || j.verdict === 'improved')) j.verdict = 'inconclusive';
      rows.push({ ...id, figure: f.name, label: f.label, better: f.better, ...j, generatorBound });
    }
  }
  const regressions = rows.filter((r) => r.verdict === 'regressed');
  return {
    scenario: base.scenario,
    minEffect: opts.minEffect,
    alpha: opts.alpha,
    base: sideInfo(base, opts.baseLabel),
    candidate: sideInfo(cand, opts.candidateLabel),
    rows,
    regressions,
    improvements: rows.filter((r) => r.verdict === 'improved'),
    warnings: [...environmentWarnings(base, cand), ...conditionWarnings(base, cand, [opts.baseLabel, opts.candidateLabel])],
    notes,
    status: regressions.length ? 1 : 0,
  };
}

// ---- Markdown -------------------------------------------------------------------------------

const fmtNum = (x: number): string =>
  Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Number.isInteger(x) ? String(x) : x.toFixed(1);
const pct = (x: number): string => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const fmtP = (p: number): string => (p < 0.001 ? '<0.001' : p.toFixed(3));
const who = (r: RowName): string => nameLabel(r);

/** The value shown for a side: the median, except counts (errors, failed runs), shown as totals. */
const shown = (r: ComparisonRow, v: SideValue): number =>
  r.figure === 'errors.total' || r.figure === 'failedRuns' ? v.total : v.median;

function changeText(r: ComparisonRow): string {
  if (!r.base || !r.candidate) return 'n/a';
  if (r.figure === 'failedRuns') return `${r.base.total}/${r.base.n} -> ${r.candidate.total}/${r.candidate.n}`;
  if (r.judgement === 'errors-appeared') return `+${r.candidate.total}`;
  if (r.change === null) return r.candidate.median === 0 ? '0' : `from 0`;
  return pct(r.change);
}

function noiseText(r: ComparisonRow): string {
  const n = r.base && r.candidate ? `${r.base.n} vs ${r.candidate.n}` : '';
  switch (r.judgement) {
    case 'mann-whitney':
      return `${r.beyondNoise ? 'yes' : 'no'} (p=${fmtP(r.p ?? 1)}, ${n} repeats)`;
    case 'separation':
      return r.beyondNoise ? `yes: repeats do not overlap (${n})` : `no: repeats overlap (${n})`;
    case 'no-repeats':
      return `unknown: no repeats (${n} runs)`;
    case 'errors-appeared':
      return 'yes: errors where there were none';
    case 'failed-runs':
      return r.beyondNoise ? 'yes' : 'no';
    case 'missing':
      return `n/a (not measured in ${!r.base && !r.candidate ? 'either' : !r.base ? 'base' : 'candidate'})`;
    case 'paired-wilcoxon':
    case 'paired-signs': {
      const pairs = `${r.pairs?.used ?? r.base?.n ?? 0} pairs${r.pairs?.disturbed ? `, ${r.pairs.disturbed} disturbed` : ''}`;
      if (r.judgement === 'paired-wilcoxon') return `${r.beyondNoise ? 'yes' : 'no'} (paired p=${fmtP(r.p ?? 1)}, ${pairs})`;
      return r.beyondNoise ? `yes: every pair moved this way (${pairs})` : `no: the pairs disagree (${pairs})`;
    }
  }
}

function verdictText(r: ComparisonRow, minEffect: number): string {
  const gen =
    r.generatorBound && r.verdict !== 'not compared' && r.figure !== 'errors.total' && r.figure !== 'failedRuns'
      ? ' (generator-bound)'
      : '';
  switch (r.verdict) {
    case 'regressed':
      return `**regressed**${gen}`;
    case 'improved':
      return `improved${gen}`;
    case 'not compared':
      return 'not compared';
    case 'inconclusive':
      return 'inconclusive (machine disturbed)';
    case 'unchanged':
      if (r.beyondMinEffect && r.beyondNoise === false) return 'same (within noise)';
      return r.beyondMinEffect || r.change === null ? 'same' : `same (under ${(minEffect * 100).toFixed(0)}%)`;
  }
}

function sideLine(s: SideInfo): string {
  const commit = s.commit ? `commit ${s.commit.slice(0, 12)}${s.commitDirty ? ' (dirty)' : ''}` : 'commit unknown';
  return `\`${s.label}\` (${commit}, ${s.startedAt}, ${s.repeats > 1 ? `${s.repeats} repeats` : 'no repeats'}${s.state !== 'complete' ? `, ${s.state}` : ''})`;
}

export function renderComparisonMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push(`### Benchmark comparison: ${c.scenario}`);
  out.push('');
  out.push(`${sideLine(c.base)} -> ${sideLine(c.candidate)}`);
  out.push('');
  const paired = c.rows.some((r) => r.judgement === 'paired-wilcoxon' || r.judgement === 'paired-signs');
  const rule = `minimum effect ${(c.minEffect * 100).toFixed(c.minEffect * 100 < 1 ? 1 : 0)}%, ${paired ? 'paired signed-rank' : 'Mann-Whitney'} alpha ${c.alpha}`;
  if (c.regressions.length) {
    out.push(`**${c.regressions.length} regression${c.regressions.length > 1 ? 's' : ''}** beyond the thresholds (${rule}):`);
    for (const r of c.regressions) {
      const values = r.base && r.candidate ? `${fmtNum(shown(r, r.base))} -> ${fmtNum(shown(r, r.candidate))}` : '';
      out.push(
        `- **${who(r)} ${r.figure}**: ${values} (${changeText(r)}); beyond noise: ${noiseText(r)}${r.generatorBound && r.figure !== 'errors.total' && r.figure !== 'failedRuns' ? '; generator-bound, see below' : ''}`,
      );
    }
  } else {
    out.push(`**No regression** beyond the thresholds (${rule}).`);
  }
  if (c.improvements.length)
    out.push(`\nImproved: ${c.improvements.map((r) => `${who(r)} ${r.figure} (${changeText(r)})`).join(', ')}.`);
  out.push('');
  for (const w of c.warnings) out.push(`> **Warning:** ${w}.`);
  if (c.warnings.length) out.push('');

  const header = ['protocol', 'figure', 'base', 'candidate', 'change', 'beyond noise?', 'verdict'];
  out.push(`| ${header.join(' | ')} |`);
  out.push('| --- | --- | ---: | ---: | ---: | --- | --- |');
  for (const r of c.rows) {
    const arrow = r.better === 'higher' ? ' (higher is better)' : '';
    out.push(
      `| ${[who(r), `${r.label}${arrow}`, r.base ? fmtNum(shown(r, r.base)) : 'n/a', r.candidate ? fmtNum(shown(r, r.candidate)) : 'n/a', changeText(r), noiseText(r), verdictText(r, c.minEffect)].join(' | ')} |`,
    );
  }
  out.push('');
  for (const n of c.notes) out.push(`- ${n}`);
  out.push(
    `- Values are medians over the repeats that finished ok (errors: totals). A change counts when the medians differ by more than ${(c.minEffect * 100).toFixed(c.minEffect * 100 < 1 ? 1 : 0)}% and the difference is beyond the noise.`,
  );
  if (c.rows.some((r) => r.judgement === 'mann-whitney'))
    out.push(
      `- Beyond noise, with enough repeats: two-sided Mann-Whitney U test on the per-repeat values, exact, p < ${c.alpha}.`,
    );
  if (paired)
    out.push(
      `- Paired (base and candidate ran as adjacent pairs): values are medians over the pairs used; the change is the median of each pair's candidate / base; beyond noise: two-sided Wilcoxon signed-rank test on the pairs' log ratios, exact, p < ${c.alpha} (with 5 pairs or fewer, every pair must move the same way). Pairs with a disturbed run are left out when ${MIN_CLEAN_PAIRS} clean ones remain; otherwise a change on them is inconclusive.`,
    );
  if (c.rows.some((r) => r.judgement === 'separation')) {
    out.push(
      `- With 3 vs 3 or 3 vs 4 repeats the exact test cannot go below p = 0.10 / 0.057, so beyond noise means every candidate repeat is beyond every base repeat. More repeats (4 or more on each side) give the test its say.`,
    );
  }
  if (c.rows.some((r) => r.judgement === 'no-repeats')) {
    out.push(
      `- **No repeats to judge the noise** (fewer than ${MIN_REPEATS_FOR_TEST} runs on a side): every change beyond the minimum effect is reported as if real. Run with \`--repeat 3\` or more for a judgement.`,
    );
  }
  if (c.rows.some((r) => r.generatorBound)) {
    const bound = [...new Set(c.rows.filter((r) => r.generatorBound).map(who))];
    out.push(
      `- Generator-bound (${bound.join(', ')}): in at least one run the load generator, not the server, was the limit. Their ops/s, latency and CPU figures then describe the client as much as the server, and move with the generator's share of the machine: read changes there with care.`,
    );
  }
  out.push(
    '- errors: any error where the base had none is a regression. A protocol whose candidate runs failed more often than its base runs is a regression.',
  );
  return out.join('\n');
}

/** The comparison as JSON-safe data (no Infinity or NaN). */
export function comparisonJson(c: Comparison): string {
  return JSON.stringify(c, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
