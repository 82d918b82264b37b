// JUnit XML for CI (`--junit FILE` on bench, compare and bench:ci): one test case per run (passed
// or failed, thresholds or not), one per threshold and protocol, one per compare verdict (protocol
// and figure). Pure: results in, XML text out; the CLIs write the file.
//
// The XML is written here rather than with junit-report-builder: that builder's <skipped/> takes no
// message, and a skipped case here always says why (an inconclusive threshold on a disturbed
// machine, a figure one side did not measure); the format needs a few dozen lines, no timestamps.
import type { BenchResult, RunRecord } from '../results/types.ts';
import { nameKey, nameLabel, rowKey, rowLabel, type RowName } from '../results/row-identity.ts';
import { checkThresholds, formatBroken, type BrokenThreshold } from '../results/thresholds.ts';
import type { Comparison, ComparisonRow } from '../results/compare.ts';

export interface JunitCase {
  classname: string;
  name: string;
  timeS?: number;
  failure?: { message: string; type: string; details?: string };
  /** Not judged, and why. */
  skipped?: string;
}

export interface JunitSuite {
  name: string;
  cases: JunitCase[];
}

// Rows named as every report names them (harness/results/row-identity.ts), implementation included.
const who = (r: RunRecord): string => rowLabel(r);
const whoRow = (r: RowName): string => nameLabel(r);

/** One case per run record; an attempt superseded by a rerun (disturbed machine) is skipped, not failed. */
/** A broken threshold's row key, as rowKey gives it for the row's runs. */
const rowKeyOf = (b: BrokenThreshold): string => nameKey(b);

export function runCases(result: BenchResult): JunitSuite {
  const classname = `bench.${result.scenario}.runs`;
  const n = result.runs.length;
  const cases = result.runs.map((run: RunRecord, i): JunitCase => {
    const c: JunitCase = { classname, name: `${who(run)}: run ${i + 1}/${n} (repeat ${run.repeat + 1})` };
    c.timeS = run.measuredSeconds;
    if (run.superseded === true)
      c.skipped = 'superseded: the machine was disturbed during this attempt and the run was made again';
    else if (run.state !== 'ok')
      c.failure = { type: `run ${run.state}`, message: `${who(run)} ${run.state}: ${run.error ?? 'no reason recorded'}` };
    return c;
  });
  return { name: `${result.scenario}: runs`, cases };
}

/**
 * One case per threshold and protocol row the result's config declares. Verdicts come from
 * checkThresholds itself (what sets the exit status); this only lists what was checked beside
 * what broke, so a passing threshold shows as a passed case.
 */
export function thresholdCases(result: BenchResult): JunitSuite {
  const table = result.config.thresholds?.[result.scenario];
  const classname = `bench.${result.scenario}.thresholds`;
  const cases: JunitCase[] = [];
  if (table) {
    const broken = checkThresholds(result.config.thresholds, result.scenario, result.runs);
    const rows = new Map<string, RunRecord[]>();
    for (const r of result.runs.filter((x) => x.superseded !== true)) {
      const key = rowKey(r);
      rows.set(key, [...(rows.get(key) ?? []), r]);
    }
    for (const runs of rows.values()) {
      const first = runs[0] as RunRecord;
      const anyOk = runs.some((r) => r.state === 'ok');
      for (const expr of [...(table['*'] ?? []), ...(table[first.protocol] ?? [])]) {
        const c: JunitCase = { classname, name: `${who(first)}: ${expr.trim()}` };
        const b = broken.find((x: BrokenThreshold) => rowKeyOf(x) === rowKey(first) && x.expr === expr.trim());
        if (!anyOk) c.skipped = `not checked: every run of ${who(first)} failed (the runs' own cases fail)`;
        else if (b?.inconclusive) c.skipped = formatBroken(b);
        else if (b) c.failure = { type: 'threshold broken', message: formatBroken(b) };
        cases.push(c);
      }
    }
  }
  return { name: `${result.scenario}: thresholds`, cases };
}

/** A bench result as JUnit suites: its runs, and its thresholds when the config declares any. */
export function benchSuites(result: BenchResult): JunitSuite[] {
  const thresholds = thresholdCases(result);
  return thresholds.cases.length ? [runCases(result), thresholds] : [runCases(result)];
}

const num = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4))));

function figures(r: ComparisonRow): string {
  const total = r.figure === 'errors.total' || r.figure === 'failedRuns';
  const side = (v: ComparisonRow['base']): string => (v ? num(total ? v.total : v.median) : 'n/a');
  const change = r.change === null ? '' : ` (${r.change > 0 ? '+' : ''}${(r.change * 100).toFixed(1)}%)`;
  const noise = r.p !== null ? `, p=${r.p < 0.001 ? '<0.001' : r.p.toFixed(3)}` : '';
  const n = r.base && r.candidate ? `, ${r.base.n} vs ${r.candidate.n} runs` : '';
  return `${side(r.base)} -> ${side(r.candidate)}${change}; judged by ${r.judgement}${noise}${n}`;
}

/** One case per compare row (protocol and figure): a regression fails, an unjudged row is skipped with its reason. */
export function compareSuite(c: Comparison): JunitSuite {
  const classname = `compare.${c.scenario}`;
  const cases = c.rows.map((r): JunitCase => {
    const kase: JunitCase = { classname, name: `${whoRow(r)}: ${r.figure}` };
    const what = `${whoRow(r)} ${r.label}: ${figures(r)}`;
    if (r.verdict === 'regressed')
      kase.failure = {
        type: 'regression',
        message: `regressed beyond ${(c.minEffect * 100).toFixed(0)}% and the noise: ${what}`,
        details: `${c.base.label} -> ${c.candidate.label}; Mann-Whitney alpha ${c.alpha}`,
      };
    else if (r.verdict === 'inconclusive') kase.skipped = `inconclusive, the machine was disturbed: ${what}`;
    else if (r.verdict === 'not compared') kase.skipped = `not compared, a side did not measure it: ${what}`;
    return kase;
  });
  return { name: `${c.scenario}: compare ${c.base.label} -> ${c.candidate.label}`, cases };
}

// ---- XML --------------------------------------------------------------------------------------

// Characters XML 1.0 cannot carry at all (a stray control byte in an error message).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(s: string): string {
  return s
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;');
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

function caseXml(c: JunitCase): string {
  const time = c.timeS === undefined ? undefined : Number(c.timeS.toFixed(3));
  const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time })}`;
  if (c.failure) {
    const body = c.failure.details !== undefined ? escapeXml(c.failure.details) : '';
    return `${open}>\n      <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${body}</failure>\n    </testcase>`;
  }
  if (c.skipped !== undefined) return `${open}>\n      <skipped${attrs({ message: c.skipped })}/>\n    </testcase>`;
  return `${open}/>`;
}

function counts(cases: readonly JunitCase[]): { tests: number; failures: number; errors: number; skipped: number } {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: 0,
    skipped: cases.filter((c) => !c.failure && c.skipped !== undefined).length,
  };
}

export function renderJunit(suites: readonly JunitSuite[]): string {
  const all = suites.flatMap((s) => s.cases);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: 'protocol-bench', ...counts(all) })}>`];
  for (const s of suites) {
    const time = s.cases.reduce((t, c) => t + (c.timeS ?? 0), 0);
    lines.push(`  <testsuite${attrs({ name: s.name, ...counts(s.cases), time: Number(time.toFixed(3)) })}>`);
    lines.push(...s.cases.map(caseXml));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
