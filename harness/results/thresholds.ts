// Pass/fail thresholds declared in bench.config.ts, k6-style: `p99 < 2ms`, `opsPerSec > 20000`,
// `errors == 0`. Pure: parse expressions, measure a figure over a protocol's runs, list the
// thresholds a result breaks. Printing and exit codes are the CLI's business.
import type { RunRecord } from './types.ts';
import { median } from '../metrics/stats.ts';
import { ThresholdError } from '../errors.ts';
import { nameLabel, rowKey, rowName, type RowName } from './row-identity.ts';

/** thresholds[scenario][protocol or '*'] = expressions; '*' applies to every protocol. */
export type ThresholdTable = Record<string, Record<string, string[]>>;

const LATENCY = ['p50', 'p90', 'p99', 'p999', 'mean', 'max'] as const;
type LatencyFigure = (typeof LATENCY)[number];

const OTHER = [
  'opsPerSec',
  'errors',
  'dropped',
  'cpuUsPerOp.server',
  'cpuUsPerOp.client',
  'bytesPerOp',
  'bytesPerOp.out',
  'bytesPerOp.in',
  'serverRssBytes',
] as const;

export type ThresholdFigure = LatencyFigure | (typeof OTHER)[number];
export const THRESHOLD_FIGURES: readonly ThresholdFigure[] = [...OTHER, ...LATENCY];

/** Latency figures take a unit; the value is kept in microseconds like the result file. */
const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1_000, s: 1_000_000 };

type Op = '<=' | '>=' | '==' | '!=' | '<' | '>';

export interface Threshold {
  expr: string;
  figure: ThresholdFigure;
  op: Op;
  /** In the figure's own unit (microseconds for latency). */
  value: number;
  /** The unit written in the expression, used to print the measured value the same way. */
  unit: string | null;
}

const isLatency = (f: ThresholdFigure): f is LatencyFigure => (LATENCY as readonly string[]).includes(f);

export function parseThreshold(expr: string): Threshold {
  // figure, operator, number (underscores allowed as in TS literals), optional unit.
  const m = /^\s*([A-Za-z][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(-?[\d_]*\.?\d+(?:[eE][+-]?\d+)?)\s*([a-zA-Zµ]*)\s*$/.exec(expr);
  if (!m)
    throw new ThresholdError(
      `"${expr}" is not a threshold; write FIGURE OP NUMBER[unit], e.g. "p99 < 2ms", "opsPerSec > 20000", "errors == 0"`,
    );
  const [, name = '', op = '', num = '', unit = ''] = m;
  const figure = name.startsWith('latencyUs.') ? name.slice('latencyUs.'.length) : name; // latencyUs.p99 as in the result file
  if (!(THRESHOLD_FIGURES as readonly string[]).includes(figure)) {
    throw new ThresholdError(`"${expr}": unknown figure "${name}"; valid: ${THRESHOLD_FIGURES.join(', ')}`);
  }
  const f = figure as ThresholdFigure;
  const raw = Number(num.replace(/_/g, ''));
  if (!Number.isFinite(raw)) throw new ThresholdError(`"${expr}": "${num}" is not a number`);
  if (isLatency(f)) {
    if (!unit)
      throw new ThresholdError(`"${expr}": ${name} is a latency; give a unit: us, ms or s (e.g. "${name} ${op} ${num}ms")`);
    const scale = UNIT_US[unit];
    if (scale === undefined) throw new ThresholdError(`"${expr}": unknown unit "${unit}"; latency units: us, ms, s`);
    return { expr: expr.trim(), figure: f, op: op as Op, value: raw * scale, unit };
  }
  if (unit) throw new ThresholdError(`"${expr}": ${name} takes no unit (only latency figures do: ${LATENCY.join(', ')})`);
  return { expr: expr.trim(), figure: f, op: op as Op, value: raw, unit: null };
}

/** null when the expression is valid, else what is wrong with it (for config validation). */
export function thresholdProblem(expr: string): string | null {
  try {
    parseThreshold(expr);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function figureOf(figure: ThresholdFigure, r: RunRecord): number | null {
  if (isLatency(figure)) return r.latencyUs ? r.latencyUs[figure] : null;
  switch (figure) {
    case 'opsPerSec':
      return r.opsPerSec;
    case 'errors':
      return r.errors.total;
    case 'dropped':
      return r.dropped ?? 0; // closed-loop runs never drop a call, so they carry no field
    case 'cpuUsPerOp.server':
      return r.cpuUsPerOp.server;
    case 'cpuUsPerOp.client':
      return r.cpuUsPerOp.client;
    case 'bytesPerOp':
      return r.bytesPerOp ? r.bytesPerOp.out + r.bytesPerOp.in : null;
    case 'bytesPerOp.out':
      return r.bytesPerOp?.out ?? null;
    case 'bytesPerOp.in':
      return r.bytesPerOp?.in ?? null;
    case 'serverRssBytes':
      return r.serverRssBytes;
  }
}

/**
 * The figure over one protocol's repeats: counts (errors, dropped) are summed so a single bad
 * repeat still breaks `errors == 0`; everything else is the median, so one noisy repeat does
 * not. null when no run measured it (a threshold that cannot be checked counts as broken).
 */
export function measureFigure(figure: ThresholdFigure, runs: readonly RunRecord[]): number | null {
  const xs = runs.map((r) => figureOf(figure, r)).filter((x): x is number => x !== null);
  if (xs.length === 0) return null;
  if (figure === 'errors' || figure === 'dropped') return xs.reduce((s, x) => s + x, 0);
  return median(xs);
}

export function holds(t: Threshold, measured: number): boolean {
  switch (t.op) {
    case '<':
      return measured < t.value;
    case '<=':
      return measured <= t.value;
    case '>':
      return measured > t.value;
    case '>=':
      return measured >= t.value;
    case '==':
      return measured === t.value;
    case '!=':
      return measured !== t.value;
  }
}

export interface BrokenThreshold {
  protocol: string;
  variant?: string;
  /** The row's implementation when it is not its server's reference (issue 14). */
  implementation?: string;
  expr: string;
  measured: number | null;
  /** The measured value in the expression's unit, e.g. "2.4ms", or "n/a". */
  measuredText: string;
  /** How many ok runs (repeats) the figure was taken over, and how they were combined. */
  runs: number;
  aggregate: 'median' | 'total';
  /** Some of those runs ran on a disturbed machine: noise, not a finding (it warns, it does not fail). */
  inconclusive?: boolean;
}

function formatMeasured(t: Threshold, x: number | null): string {
  if (x === null) return 'n/a';
  if (t.unit) {
    const v = x / (UNIT_US[t.unit] ?? 1);
    return `${Number(v.toPrecision(4))}${t.unit}`;
  }
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(2)));
}

/** Thresholds of one protocol's runs (its repeats); failed runs are left out. */
export function evaluateThresholds(exprs: readonly string[], runs: readonly RunRecord[]): Omit<BrokenThreshold, keyof RowName>[] {
  const ok = runs.filter((r) => r.state === 'ok');
  const broken: Omit<BrokenThreshold, keyof RowName>[] = [];
  for (const expr of exprs) {
    const t = parseThreshold(expr);
    const measured = measureFigure(t.figure, ok);
    if (measured === null || !holds(t, measured)) {
      const aggregate = t.figure === 'errors' || t.figure === 'dropped' ? 'total' : 'median';
      broken.push({ expr: t.expr, measured, measuredText: formatMeasured(t, measured), runs: ok.length, aggregate });
    }
  }
  return broken;
}

/**
 * Every threshold of `scenario` that the runs break, per row (protocol, variant, implementation).
 * A row whose runs all failed is skipped: the failure itself already fails the run. Thresholds
 * are keyed on the bare protocol: they apply to every implementation of it.
 */
export function checkThresholds(
  table: ThresholdTable | undefined,
  scenario: string,
  runs: readonly RunRecord[],
): BrokenThreshold[] {
  const forScenario = table?.[scenario];
  if (!forScenario) return [];
  const groups = new Map<string, RunRecord[]>();
  // Superseded attempts (a disturbed run that was run again) do not count.
  for (const r of runs.filter((x) => x.superseded !== true)) {
    const key = rowKey(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: BrokenThreshold[] = [];
  for (const group of groups.values()) {
    const first = group[0] as RunRecord;
    if (!group.some((r) => r.state === 'ok')) continue;
    const exprs = [...(forScenario['*'] ?? []), ...(forScenario[first.protocol] ?? [])];
    const inconclusive = group.some((r) => r.state === 'ok' && r.machine?.disturbed === true);
    for (const b of evaluateThresholds(exprs, group))
      out.push({
        ...rowName(first),
        ...b,
        ...(inconclusive && { inconclusive }),
      });
  }
  return out;
}

/** `threshold broken: rest p99 < 2ms (measured 2.4ms)` */
export function formatBroken(b: BrokenThreshold): string {
  const who = nameLabel(b);
  const over = b.runs > 1 ? `, ${b.aggregate} of ${b.runs} repeats` : '';
  const what = b.inconclusive ? 'threshold inconclusive (machine disturbed, not a finding)' : 'threshold broken';
  return `${what}: ${who} ${b.expr} (measured ${b.measuredText}${over})`;
}
