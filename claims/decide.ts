// The verdict logic, pure: a claim's decision rule applied to what was observed (one sample
// per repeat, or one exact value), with every reason a verdict cannot be given spelled out.
import { median } from '../harness/metrics/stats.ts';

export type Verdict = 'confirmed' | 'refuted' | 'inconclusive' | 'untestable';

/**
 * How a claim is decided. Thresholds are in the observation's unit.
 *  - '>=' / '<=' (and strict '>' / '<'): the figure must reach / stay under `value`.
 *  - 'between': lo <= figure <= hi (the guide gives a range).
 *  - 'approx': the guide says "~value"; within value/factor .. value*factor counts as that.
 *  - '==': an exact figure (computed sizes, counts).
 *  - 'holds': a behaviour; samples are 1 (held) or 0 (did not).
 */
export type Rule =
  | { op: '>='; value: number }
  | { op: '<='; value: number }
  | { op: '>'; value: number }
  | { op: '<'; value: number }
  | { op: 'between'; lo: number; hi: number }
  | { op: 'approx'; value: number; factor: number }
  | { op: '=='; value: number }
  | { op: 'holds' };

export interface Observation {
  /** One figure per repeat (noisy measurements) or a single exact value. */
  samples: number[];
  unit: string;
  /** Exact: computed or counted, so no spread and no margin apply. */
  exact?: boolean;
  /**
   * Deciding runs that were generator-bound (labels). Any makes the verdict inconclusive, unless
   * `bound` says which side the figure still bounds: a saturated generator queues calls, so it
   * can only inflate a latency (an upper bound) or hold back a throughput (a lower bound).
   */
  generatorBound?: string[];
  /**
   * Deciding runs that ran on a busy machine: a saturated run whose server did not get a full
   * core (others were using it), or a run the CPU probe found slowed. Any makes it inconclusive.
   */
  disturbed?: string[];
  /**
   * What a disturbed sample still says: a capacity measured on a busy machine is a lower bound
   * of the server's (it can do at least that), a latency an upper bound (it is at most that).
   * Ratios of two disturbed runs bound nothing: leave this unset.
   */
  bound?: 'lower' | 'upper';
  /**
   * Per sample, the range the true figure lies in given the clock's resolution (a CPU time read
   * in 10 ms ticks): a sample counts for or against the claim only when its whole range does.
   */
  intervals?: [number, number][];
  /**
   * Per sample, the condition it was measured under ("0.1 event/s", "typical API client") when a
   * claim names no condition and the harness measures several: the claim must hold under each.
   */
  labels?: string[];
  /** Conditions the claim must also hold under that produced no figure: a confirmation then waits for them. */
  missingConditions?: string[];
  /** What `intervals` come from, for the reason ("server CPU read in 10 ms ticks: ..."). */
  resolution?: string;
  /** Why nothing could be observed (scenario not built, server feature missing, ...). */
  unavailable?: string;
  /** A condition the claim needs that this machine cannot provide (WAN RTT, 16 cores, ...). */
  needs?: string;
  /** Extra figures for the reader: other sizes, other sides, the parts not decided on. */
  detail?: string;
  /** The server implementations the figure was measured on, `rest on node-http, grpc on grpc-js` (issue 14.3). */
  implementations?: string;
}

export interface Decision {
  verdict: Verdict;
  /** One line: why this verdict. */
  reason: string;
  /** Median and min-max of the samples; null when none. */
  figure: { median: number; min: number; max: number; n: number } | null;
}

export interface DecideOptions {
  /**
   * Relative margin a noisy figure must clear the threshold by, in every sample, to be
   * decided: keeps a verdict from flipping between runs when it sits on the threshold.
   * Default 0.05. Ignored for exact observations.
   */
  margin?: number;
}

/** A figure with its unit; 'share' is a fraction shown as a percentage (a saving, a reduction). */
export function show(x: number, unit: string): string {
  if (unit === 'share') return `${Number((x * 100).toPrecision(3))}%`;
  if (unit === 'x') return `${fmt(x)}x`;
  return `${fmt(x)}${unit ? ` ${unit}` : ''}`;
}

export function describeRule(rule: Rule, unit: string): string {
  const s = (x: number): string => show(x, unit);
  switch (rule.op) {
    case '>=':
      return `>= ${s(rule.value)}`;
    case '<=':
      return `<= ${s(rule.value)}`;
    case '>':
      return `> ${s(rule.value)}`;
    case '<':
      return `< ${s(rule.value)}`;
    case 'between':
      return unit === 'share' ? `${s(rule.lo)}-${s(rule.hi)}` : `${fmt(rule.lo)}-${s(rule.hi)}`;
    case 'approx':
      return `~${s(rule.value)} (within x${rule.factor})`;
    case '==':
      return `== ${s(rule.value)}`;
    case 'holds':
      return 'behaviour holds';
  }
}

/** Where one sample falls: clearly on the claim's side, clearly against it, or too close to call. */
type Side = 'for' | 'against' | 'close';

function side(rule: Rule, x: number, margin: number): Side {
  const above = (t: number): Side => (x >= t * (1 + margin) ? 'for' : x < t * (1 - margin) ? 'against' : 'close');
  const below = (t: number): Side => (x <= t * (1 - margin) ? 'for' : x > t * (1 + margin) ? 'against' : 'close');
  switch (rule.op) {
    case '>=':
      return rule.value === 0 ? (x >= 0 ? 'for' : 'against') : above(rule.value);
    case '<=':
      return rule.value === 0 ? (x <= 0 ? 'for' : 'against') : below(rule.value);
    // Strict: with no margin (exact figures) the threshold itself is against the claim.
    case '>':
      return margin === 0 ? (x > rule.value ? 'for' : 'against') : above(rule.value);
    case '<':
      return margin === 0 ? (x < rule.value ? 'for' : 'against') : below(rule.value);
    case 'between':
    case 'approx': {
      const [lo, hi] = rule.op === 'between' ? [rule.lo, rule.hi] : [rule.value / rule.factor, rule.value * rule.factor];
      const lower = above(lo);
      const upper = below(hi);
      if (lower === 'for' && upper === 'for') return 'for';
      if (lower === 'against' || upper === 'against') return 'against';
      return 'close';
    }
    case '==':
      return x === rule.value ? 'for' : 'against';
    case 'holds':
      return x === 1 ? 'for' : x === 0 ? 'against' : 'close';
  }
}

/** Where the true figure falls when a sample only bounds it from one side. */
function boundSide(rule: Rule, x: number, b: 'lower' | 'upper', m: number): Side {
  const lo =
    rule.op === 'between'
      ? rule.lo
      : rule.op === 'approx'
        ? rule.value / rule.factor
        : rule.op === '>=' || rule.op === '>'
          ? rule.value
          : -Infinity;
  const hi =
    rule.op === 'between'
      ? rule.hi
      : rule.op === 'approx'
        ? rule.value * rule.factor
        : rule.op === '<=' || rule.op === '<'
          ? rule.value
          : Infinity;
  if (rule.op === '==' || rule.op === 'holds') return 'close';
  if (b === 'lower') {
    // True >= x: past the upper end means outside; reaching the lower end with no upper end means inside.
    if (x > hi * (1 + m)) return 'against';
    if (hi === Infinity && x >= lo * (1 + m)) return 'for';
    return 'close';
  }
  if (x < lo * (1 - m)) return 'against';
  if (lo === -Infinity && x <= hi * (1 - m)) return 'for';
  return 'close';
}

export function decide(rule: Rule, obs: Observation, opts: DecideOptions = {}): Decision {
  // Samples, their ranges and labels stay aligned when a non-finite sample is dropped.
  const keep = obs.samples.flatMap((x, i) => (Number.isFinite(x) ? [i] : []));
  const xs = keep.map((i) => obs.samples[i]!);
  const intervals = obs.intervals && keep.map((i) => obs.intervals![i]);
  const labels = obs.labels && keep.map((i) => obs.labels![i] ?? '');
  const figure = xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null;
  const inconclusive = (reason: string): Decision => ({ verdict: 'inconclusive', reason, figure });
  if (obs.unavailable) return inconclusive(obs.unavailable);
  if (!figure) return inconclusive('nothing was measured');
  // Checked before the figure: a verdict under conditions the claim is not about would mislead.
  if (obs.needs) return inconclusive(`needs ${obs.needs}`);
  const reasons = [
    ...(obs.generatorBound?.length ? [`the deciding run was generator-bound (${obs.generatorBound.join(', ')})`] : []),
    ...(obs.disturbed?.length ? [`the machine was busy during the deciding run (${obs.disturbed.join(', ')})`] : []),
  ];
  if (reasons.length) {
    const why = reasons.join('; ');
    const b = obs.bound;
    if (b) {
      const sides = xs.map((x) => boundSide(rule, x, b, opts.margin ?? 0.05));
      const as = b === 'lower' ? 'at least' : 'at most';
      if (sides.every((x) => x === 'for'))
        return {
          verdict: 'confirmed',
          reason: `${why}, but the true figure is ${as} what was measured, which already meets ${describeRule(rule, obs.unit)}`,
          figure,
        };
      if (sides.every((x) => x === 'against'))
        return {
          verdict: 'refuted',
          reason: `${why}, but the true figure is ${as} what was measured, which already misses ${describeRule(rule, obs.unit)}`,
          figure,
        };
    }
    const whose = obs.generatorBound?.length && !obs.disturbed?.length ? "the load generator's limit" : "not the server's";
    return inconclusive(`${why}: the figure is ${whose}`);
  }
  const exact = obs.exact === true || rule.op === '==' || rule.op === 'holds';
  const margin = exact ? 0 : (opts.margin ?? 0.05);
  // With a resolution, a sample is on one side only when both ends of its range are.
  const sides = xs.map((x, i) => {
    const range = intervals?.[i];
    if (!range) return side(rule, x, margin);
    const [a, b] = [side(rule, range[0], margin), side(rule, range[1], margin)];
    return a === b ? a : 'close';
  });
  const target = describeRule(rule, obs.unit);
  if (sides.every((s) => s === 'for') && obs.missingConditions?.length)
    return inconclusive(`${target} under every condition measured, but not measured at ${obs.missingConditions.join(', ')}`);
  if (sides.every((s) => s === 'for'))
    return { verdict: 'confirmed', reason: xs.length > 1 ? `every repeat ${target}` : `${target}`, figure };
  if (sides.every((s) => s === 'against'))
    return { verdict: 'refuted', reason: xs.length > 1 ? `no repeat ${target}` : `not ${target}`, figure };
  if (rule.op === 'holds') return inconclusive(`held in ${sides.filter((s) => s === 'for').length} of ${xs.length} tries`);
  if (labels) {
    // A claim that names no condition must hold under each: one condition missed in every repeat
    // refutes it, however close another condition came (polling bandwidth near 10x at 0.1 event/s
    // does not save it at 1 event/s, where it is 1.7x).
    const conditions = [...new Set(labels)];
    const all = (l: string, s: string): boolean => sides.every((x, i) => labels[i] !== l || x === s);
    const missed = conditions.filter((l) => all(l, 'against'));
    const held = conditions.filter((l) => all(l, 'for'));
    if (missed.length)
      return {
        verdict: 'refuted',
        reason: `${held.length ? `${target} at ${held.join(', ')}, ` : ''}not at ${missed.join(', ')}`,
        figure,
      };
  }
  if (sides.includes('for') && sides.includes('against'))
    return inconclusive(`the spread over repeats crosses the threshold (${target})`);
  if (intervals && xs.every((x) => side(rule, x, margin) !== 'close'))
    return inconclusive(`${obs.resolution ?? 'the clock is too coarse'}: the range a repeat could lie in crosses ${target}`);
  return inconclusive(`within ${Math.round(margin * 100)}% of the threshold (${target}): too close to call on this machine`);
}

/** A number for a table: integers with separators, others with 3 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) || Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

/** "median (min-max, n=3) unit", or the single value when there is no spread. */
export function formatFigure(d: Decision, unit: string): string {
  const f = d.figure;
  if (!f) return 'n/a';
  const bare = (x: number): string => (unit === 'share' ? show(x, unit) : fmt(x));
  // A spread too small to show at this precision is no spread to the reader.
  if (f.n === 1 || bare(f.min) === bare(f.max)) return `${show(f.median, unit)}${f.n > 1 ? ` (n=${f.n})` : ''}`;
  // "-0.5 to -0.4" reads better than "-0.5--0.4".
  return `${show(f.median, unit)} (${bare(f.min)}${f.min < 0 ? ' to ' : '-'}${bare(f.max)}, n=${f.n})`;
}
