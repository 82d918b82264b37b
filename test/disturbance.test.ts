// Disturbance (issue 13, items 1-2): the pure parsers, the disturbed/reasons decision on fixed
// inputs, the attempt/superseded bookkeeping with a fake workload, and what summaries, compare,
// thresholds, merge, the sweep's knee and the reports make of disturbed runs. No timing here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat, stealPctBetween, worstSteal } from '../harness/metrics/steal.ts';
import { parsePsiSomeTotalUs, pressurePct } from '../harness/metrics/psi.ts';
import { judgeMachine, type MachineBlock, type MachineThresholds } from '../harness/metrics/disturbance.ts';
import { calibrationAfter, parseCalibration } from '../harness/metrics/calibration.ts';
import type { WindowReading } from '../harness/metrics/machine-meters.ts';
import { lastAttempts, lastAttemptsOf, runWithReruns, type MachineWatch } from '../harness/run/attempts.ts';
import { resolveConfig } from '../harness/config.ts';
import { summarizeRuns } from '../harness/results/summary.ts';
import { checkThresholds, formatBroken } from '../harness/results/thresholds.ts';
import { compareResults } from '../harness/results/compare.ts';
import { mergeResults } from '../harness/results/merge.ts';
import { findKnee, type SweepPoint } from '../harness/run/sweep.ts';
import { renderMarkdown } from '../harness/output/markdown.ts';
import { benchResultSchema } from '../harness/results/schema.ts';
import type { RunRecord } from '../harness/results/types.ts';
import type { ProgressEvent } from '../harness/workloads/types.ts';
import { result, run } from './compare-fixtures.ts';
import { createHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';

const T: MachineThresholds = resolveConfig({}).machine;

const STAT_A = `cpu  100 0 100 700 0 0 0 100 0 0
cpu0 50 0 50 350 0 0 0 50 0 0
cpu1 50 0 50 350 0 0 0 50 0 0
intr 1 2 3`;
// cpu0: 200 jiffies pass, 80 of them steal (40%); cpu1: 200 pass, 2 steal (1%).
const STAT_B = `cpu  300 0 200 900 0 0 0 180 0 0
cpu0 100 0 70 400 0 0 0 130 0 0
cpu1 120 0 80 448 0 0 0 52 0 0`;

test('steal per CPU from two /proc/stat readings, the worst CPU as the figure', () => {
  const a = parseProcStat(STAT_A);
  assert.deepEqual(a, [
    { cpu: 0, total: 500, steal: 50 },
    { cpu: 1, total: 500, steal: 50 },
  ]);
  const per = stealPctBetween(a, parseProcStat(STAT_B));
  assert.deepEqual(per, { 0: 40, 1: 1 });
  assert.equal(worstSteal(per), 40);
  assert.equal(worstSteal({}), null);
  assert.deepEqual(stealPctBetween(a, a), { 0: null, 1: null }, 'no time passed: no figure');
});

test('CPU pressure from the PSI total counter, not avg10', () => {
  const text = 'some avg10=95.00 avg60=10.09 avg300=9.60 total=1279505570\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
  assert.equal(parsePsiSomeTotalUs(text), 1279505570);
  assert.equal(parsePsiSomeTotalUs('nothing'), null);
  assert.equal(pressurePct(1_000_000, 1_250_000, 500_000), 50);
  assert.equal(pressurePct(0, 2_000_000, 500_000), 100, 'capped at 100');
  assert.equal(pressurePct(null, 5, 1), null);
});

const quietWindow: WindowReading = {
  stealPctByCpu: { 0: 1, 1: 0.5 },
  hiccupUsByCpu: { 0: { p99: 1500, max: 4000 }, 1: { p99: 1400, max: 3000 } },
  hiccupUs: { p99: 1500, max: 4000 },
};
const quietProbe = { roundTrips: 2000, p50Us: 80, p99Us: 300 };
const calibration = { probeP50Us: 75, probeP99Us: 250, measuredAt: '2026-12-03T00:00:00.000Z' };

test('a quiet machine is not disturbed; the block carries every figure', () => {
  const m = judgeMachine({ window: quietWindow, probe: quietProbe, psiBefore: 2 }, T, calibration);
  assert.equal(m.disturbed, false);
  assert.deepEqual(m.reasons, []);
  assert.equal(m.stealPct, 1);
  assert.deepEqual(m.hiccupUs, { p99: 1500, max: 4000 });
  assert.equal(m.probe?.calibratedP50Us, 75);
  assert.equal(m.cpuPressurePct, 2);
});

test('each threshold crossed gives its own short reason', () => {
  const window: WindowReading = {
    ...quietWindow,
    stealPctByCpu: { 0: 38, 1: 2 },
    hiccupUs: { p99: T.hiccupP99Us + 1, max: T.hiccupMaxUs + 1 },
  };
  const m = judgeMachine(
    { window, probe: { ...quietProbe, p50Us: 75 * T.probeSlowdown + 1 }, psiBefore: T.cpuPressurePct + 1 },
    T,
    calibration,
  );
  assert.equal(m.disturbed, true);
  assert.equal(m.reasons.length, 5, m.reasons.join(' | '));
  assert.match(m.reasons[0]!, /^steal 38% > 10%$/);
  assert.match(m.reasons.join(' '), /hiccup p99/);
  assert.match(m.reasons.join(' '), /hiccup max/);
  assert.match(m.reasons.join(' '), /loopback probe p50 \d+ us > 225 us \(3x calibrated 75 us\)/);
  assert.match(m.reasons.join(' '), /cpu pressure/);
});

test('without a calibration the probe is held to the absolute limit', () => {
  const slow = { ...quietProbe, p50Us: T.probeP50Us + 1 };
  assert.match(judgeMachine({ window: quietWindow, probe: slow, psiBefore: null }, T, null).reasons[0]!, /absolute limit/);
  const ok = { ...quietProbe, p50Us: T.probeP50Us - 1 };
  assert.equal(judgeMachine({ window: quietWindow, probe: ok, psiBefore: null }, T, null).disturbed, false);
});

test('the stored calibration: parsed defensively, lowered only by a faster probe', () => {
  assert.equal(parseCalibration('not json'), null);
  assert.equal(parseCalibration('{"probeP50Us": -1, "probeP99Us": 1}'), null);
  assert.deepEqual(parseCalibration(JSON.stringify(calibration)), calibration);
  const at = new Date('2026-12-04T00:00:00.000Z');
  assert.equal(calibrationAfter(calibration, { ...quietProbe, p50Us: 90 }, at), null);
  assert.deepEqual(calibrationAfter(calibration, { ...quietProbe, p50Us: 60 }, at), {
    probeP50Us: 60,
    probeP99Us: 300,
    measuredAt: at.toISOString(),
  });
  assert.equal(calibrationAfter(null, quietProbe, at)?.probeP50Us, 80, 'first use writes one');
});

function block(disturbed: boolean): MachineBlock {
  return {
    stealPct: disturbed ? 40 : 0,
    stealPctByCpu: {},
    hiccupUs: null,
    hiccupUsByCpu: {},
    probe: null,
    cpuPressurePct: null,
    disturbed,
    reasons: disturbed ? ['steal 40% > 10%'] : [],
  };
}

/** A watch that answers the given verdicts in turn, counting its calls. */
function fakeWatch(verdicts: boolean[]): MachineWatch & { calls: string[] } {
  const calls: string[] = [];
  let i = 0;
  return {
    calls,
    beforeRun: async () => void calls.push('before'),
    windowOpened: () => void calls.push('window'),
    judge: async () => {
      calls.push('judge');
      return block(verdicts[i++] ?? false);
    },
  };
}

async function collect(it: AsyncIterable<RunRecord>): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const fakeRow =
  (records: (attempt: number) => RunRecord[]) => (): ((p: (e: ProgressEvent) => void) => AsyncIterable<RunRecord>) => {
    let attempt = 0;
    return async function* (p) {
      attempt++;
      p({ protocol: 'rest', phase: 'warmup' });
      p({ protocol: 'rest', phase: 'measure' });
      yield* records(attempt);
    };
  };

const opts = (reruns: number, notes: string[] = []) => ({
  reruns,
  signal: new AbortController().signal,
  note: (m: string) => void notes.push(m),
});

test('a disturbed run is rerun, every attempt kept, all but the last superseded', async () => {
  const watch = fakeWatch([true, true, false]);
  const notes: string[] = [];
  const runs = await collect(runWithReruns(fakeRow(() => [run('rest', 0)])(), () => undefined, watch, opts(2, notes)));
  assert.deepEqual(
    runs.map((r) => [r.attempt, r.superseded ?? false, r.machine?.disturbed]),
    [
      [1, true, true],
      [2, true, true],
      [3, false, false],
    ],
  );
  assert.deepEqual(lastAttempts(runs), [runs[2]]);
  assert.equal(watch.calls.filter((c) => c === 'before').length, 3, 'probed before each attempt');
  assert.equal(watch.calls.filter((c) => c === 'window').length, 3, 'window opened at each measure phase');
  assert.match(notes.join('\n'), /running rest again \(attempt 2 of at most 3\)/);
});

test('reruns are bounded; the last disturbed attempt is kept and stays marked', async () => {
  const runs = await collect(runWithReruns(fakeRow(() => [run('rest', 0)])(), () => undefined, fakeWatch([true, true]), opts(1)));
  assert.deepEqual(
    runs.map((r) => [r.attempt, r.superseded ?? false, r.machine?.disturbed]),
    [
      [1, true, true],
      [2, false, true],
    ],
  );
});

test('failed runs and rows of several records (a sweep) are marked, not rerun', async () => {
  const failed = await collect(
    runWithReruns(fakeRow(() => [run('rest', 0, { state: 'failed' })])(), () => undefined, fakeWatch([true]), opts(2)),
  );
  assert.equal(failed.length, 1);
  const sweep = await collect(
    runWithReruns(fakeRow(() => [run('rest', 0), run('rest', 0)])(), () => undefined, fakeWatch([true, false]), opts(2)),
  );
  assert.deepEqual(
    sweep.map((r) => [r.attempt, r.superseded, r.machine?.disturbed]),
    [
      [1, undefined, true],
      [1, undefined, false],
    ],
  );
});

test('without a watch (meters off) the row runs once, unmarked', async () => {
  const runs = await collect(runWithReruns(fakeRow(() => [run('rest', 0)])(), () => undefined, null, opts(2)));
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.machine, undefined);
  assert.equal(runs[0]!.attempt, undefined);
});

/** rest: one superseded disturbed attempt at 1,000 ops/s, then the kept quiet one at 10,000. */
function withRerun(): RunRecord[] {
  const first = { ...run('rest', 0, { opsPerSec: 1000 }), machine: block(true), attempt: 1, superseded: true };
  const last = { ...run('rest', 0), machine: block(false), attempt: 2 };
  return [first, last];
}

test('summaries and thresholds read the last attempt; thresholds on a disturbed run are inconclusive', () => {
  const runs = withRerun();
  const s = summarizeRuns(runs);
  assert.equal(s[0]!.repeats, 1);
  assert.equal(s[0]!.figures.opsPerSec!.median, 10_000);
  const table = { getUser: { rest: ['opsPerSec > 5000'] } };
  assert.deepEqual(checkThresholds(table, 'getUser', runs), [], 'the superseded slow attempt breaks nothing');
  const disturbed = [{ ...run('rest', 0, { opsPerSec: 1000 }), machine: block(true), attempt: 3 }];
  const broken = checkThresholds(table, 'getUser', disturbed);
  assert.equal(broken.length, 1);
  assert.equal(broken[0]!.inconclusive, true);
  assert.match(formatBroken(broken[0]!), /^threshold inconclusive \(machine disturbed/);
});

test('compare judges the last attempts, and a change on a disturbed run is inconclusive', () => {
  const base = result([run('rest', 0), run('rest', 1), run('rest', 2)]);
  const same = result([...withRerun(), run('rest', 1), run('rest', 2)]);
  assert.equal(compareResults(base, same).regressions.length, 0, 'the superseded 1,000 ops/s attempt is not compared');
  const slow = (i: number): RunRecord => ({ ...run('rest', i, { opsPerSec: 3000 }), machine: block(i === 0) });
  const c = compareResults(base, result([slow(0), slow(1), slow(2)]));
  assert.equal(c.status, 0);
  assert.equal(c.rows.find((r) => r.figure === 'opsPerSec')!.verdict, 'inconclusive');
  assert.match(c.warnings.join('\n'), /candidate: 1 of 3 runs ran on a disturbed machine/);
});

test('merge pairs the last attempts and keeps a disturbed reading', () => {
  const h = createHistogram();
  h.recordValue(800);
  const real = (r: RunRecord): RunRecord => ({ ...r, latencyUs: { ...r.latencyUs!, histogram: encodeHistogram(h) } });
  const a = result(withRerun().map(real), { environment: { ...result([]).environment, hostname: 'a' } });
  const b = result([real({ ...run('rest', 0), machine: block(true), attempt: 1 })], {
    environment: { ...result([]).environment, hostname: 'b' },
  });
  const m = mergeResults([
    { name: 'a.json', result: a },
    { name: 'b.json', result: b },
  ]);
  assert.equal(m.result.runs.length, 1);
  assert.equal(m.result.runs[0]!.machine?.disturbed, true);
  assert.match(m.warnings.join('\n'), /a\.json: 1 superseded attempt/);
});

test("the sweep's knee passes over a disturbed step that did not keep up", () => {
  const p = (fraction: number, keeps: boolean, disturbed = false): SweepPoint => ({
    fraction,
    requested: fraction * 1000,
    achieved: keeps ? fraction * 1000 : fraction * 500,
    dropped: 0,
    p50: 100,
    p99: 200,
    ...(disturbed && { disturbed }),
  });
  assert.equal(findKnee([p(0.1, true), p(0.5, false), p(0.9, true)])?.fraction, 0.1);
  assert.equal(findKnee([p(0.1, true), p(0.5, false, true), p(0.9, true), p(1.1, false)])?.fraction, 0.9);
});

test('the Markdown report lists disturbed runs with their reasons; old files without machine still read', () => {
  const md = renderMarkdown(result(withRerun()));
  assert.match(md, /Disturbed runs/);
  assert.match(md, /\| rest #1 \| 1 \| superseded \(run again\) \| steal 40% > 10% \|/);
  const old = result([run('rest', 0)]);
  assert.equal(benchResultSchema.parse(old).runs[0]!.machine, undefined);
  assert.doesNotMatch(renderMarkdown(old), /Disturbed runs/);
  assert.equal(lastAttemptsOf(result(withRerun())).runs.length, 1);
});

test('--wait-quiet S sets machine.waitQuietS; waiting is off by default', async () => {
  const { parseCli } = await import('../harness/run/args.ts');
  assert.equal(resolveConfig(parseCli(['--wait-quiet', '30']).layer).machine.waitQuietS, 30);
  assert.equal(resolveConfig({}).machine.waitQuietS, 0);
  assert.equal(resolveConfig({}).machine.reruns, 2);
});
