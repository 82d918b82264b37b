// The paired judgement of bench:ci --base (harness/results/paired.ts) on synthetic sides whose
// values swing with the machine's phase, as server CPU per call does on a shared VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgePaired, pairRuns, type Pair } from '../harness/results/paired.ts';
import { compareResults } from '../harness/results/compare.ts';
import { concatRepeats } from '../harness/results/concat.ts';
import { result, run } from './compare-fixtures.ts';
import type { RunRecord } from '../harness/results/types.ts';

/** Server CPU per call of 8 pairs: the phase moves it 14-46 us, as measured on this VM; each pair shares its phase. */
const PHASES = [14, 31, 18, 46, 22, 15, 38, 27];
/** Small per-run jitter within a pair, of both signs (+-1.5%). */
const JITTER = [0.01, -0.015, 0.005, 0.012, -0.008, 0.015, -0.004, 0.009];

function side(values: readonly number[], disturbed: readonly boolean[] = []): ReturnType<typeof result> {
  return concatRepeats(
    values.map((v, i) => {
      const r: RunRecord = run('rest', 0, { cpuServer: v });
      if (disturbed[i])
        r.machine = {
          stealPct: 30,
          stealPctByCpu: { '0': 30, '1': 12 },
          hiccupUs: { p99: 40_000, max: 90_000 },
          hiccupUsByCpu: {},
          probe: null,
          cpuPressurePct: null,
          disturbed: true,
          reasons: ['steal 30%'],
        };
      return result([r]);
    }),
  );
}

const server = (c: ReturnType<typeof compareResults>) => c.rows.find((r) => r.figure === 'cpuUsPerOp.server')!;

test('+10% server CPU under a 3x phase swing: the pairs catch it, the unpaired test cannot', () => {
  const base = side(PHASES.map((v, i) => v * (1 + JITTER[i]!)));
  const cand = side(PHASES.map((v, i) => v * 1.1 * (1 - JITTER[(i + 3) % 8]!)));
  const paired = server(compareResults(base, cand, { minEffect: 0.05, paired: true }));
  assert.equal(paired.verdict, 'regressed');
  assert.equal(paired.judgement, 'paired-wilcoxon');
  assert.ok(paired.p !== null && paired.p < 0.01, String(paired.p));
  assert.ok(paired.change !== null && Math.abs(paired.change - 0.1) < 0.04, String(paired.change));
  const unpaired = server(compareResults(base, cand, { minEffect: 0.05 }));
  assert.equal(unpaired.verdict, 'unchanged', 'the phases swamp a 10% change for the rank-sum test');
});

test('A against A under the same swing: no alarm', () => {
  const base = side(PHASES.map((v, i) => v * (1 + JITTER[i]!)));
  const cand = side(PHASES.map((v, i) => v * (1 - JITTER[(i + 3) % 8]!)));
  const c = compareResults(base, cand, { minEffect: 0.05, paired: true });
  assert.deepEqual(c.regressions, []);
  assert.equal(server(c).verdict, 'unchanged');
});

test('one pair of eight moving the other way by a little still counts; five pairs must all agree', () => {
  const pairs = (n: number, against: number[]): Pair[] =>
    Array.from({ length: n }, (_, i) => ({
      repeat: i,
      base: PHASES[i % 8]!,
      candidate: PHASES[i % 8]! * (against.includes(i) ? 0.99 : 1.1 + i / 100),
      disturbed: false,
    }));
  const opts = { minEffect: 0.05, alpha: 0.05 };
  const eight = judgePaired(pairs(8, [3]), 'lower', opts);
  assert.equal(eight.judgement, 'paired-wilcoxon');
  assert.equal(eight.beyondNoise, true);
  assert.equal(eight.direction, 'worse');
  const five = judgePaired(pairs(5, []), 'lower', opts);
  assert.equal(five.judgement, 'paired-signs');
  assert.equal(five.beyondNoise, true);
  assert.equal(judgePaired(pairs(5, [2]), 'lower', opts).beyondNoise, false);
  // Throughput: higher is better, so a rise is an improvement.
  assert.equal(judgePaired(pairs(8, []), 'higher', opts).direction, 'better');
});

test('disturbed pairs: judged on the clean ones when there are enough, otherwise a change is inconclusive', () => {
  const base = PHASES.map((v, i) => v * (1 + JITTER[i]!));
  const cand = PHASES.map((v, i) => v * 1.1 * (1 - JITTER[(i + 3) % 8]!));
  // Two disturbed pairs (one side each): six clean pairs remain, enough to judge on.
  const two = server(compareResults(side(base, [true]), side(cand, [false, true]), { minEffect: 0.05, paired: true }));
  assert.equal(two.verdict, 'regressed');
  assert.deepEqual(two.pairs, { used: 6, disturbed: 0 });
  // Three disturbed: five clean pairs are too few, all eight are used and the change is noise.
  const three = server(compareResults(side(base, [true, true, true]), side(cand), { minEffect: 0.05, paired: true }));
  assert.equal(three.verdict, 'inconclusive');
  assert.deepEqual(three.pairs, { used: 8, disturbed: 3 });
});

test('pairRuns matches by repeat and skips failed, superseded and missing runs', () => {
  const b = [run('rest', 0, { cpuServer: 10 }), run('rest', 1, { state: 'failed' }), run('rest', 2, { cpuServer: 12 })];
  const c = [run('rest', 0, { cpuServer: 11 }), run('rest', 1, { cpuServer: 11 }), { ...run('rest', 2), superseded: true }];
  assert.deepEqual(
    pairRuns(b, c, (r) => r.cpuUsPerOp.server),
    [{ repeat: 0, base: 10, candidate: 11, disturbed: false }],
  );
});

test('concatRepeats numbers repeats by file, so a rerun attempt keeps its pair', () => {
  const rerun = result([
    { ...run('rest', 0, { cpuServer: 50 }), attempt: 1, superseded: true },
    { ...run('rest', 0, { cpuServer: 20 }), attempt: 2 },
  ]);
  const joined = concatRepeats([result([run('rest', 0)]), rerun, result([run('rest', 0)])]);
  assert.deepEqual(
    joined.runs.map((r) => `${r.repeat}${r.superseded ? 's' : ''}`),
    ['0', '1s', '1', '2'],
  );
});
