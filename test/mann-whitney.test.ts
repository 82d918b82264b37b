// Mann-Whitney U against textbook values. Reference p-values were computed with
// scipy.stats.mannwhitneyu (method='exact' without ties, PermutationMethod with ties,
// 'asymptotic' for the large sample).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mannWhitneyU, midRanks, minAchievableP, normalUpperTail } from '../harness/metrics/mann-whitney.ts';

const close = (actual: number, expected: number, tol = 1e-9, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);

test('scipy documentation example (Conover): U = 17, exact two-sided p = 1/9', () => {
  const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
  assert.equal(r.u1, 17);
  assert.equal(r.u2, 3);
  assert.equal(r.method, 'exact');
  close(r.p, 0.1111111111111111);
});

test('complete separation: p = 2 / C(n1 + n2, n1), the smallest an exact test can give', () => {
  close(mannWhitneyU([1, 2, 3], [4, 5, 6]).p, 0.1); // 2/20: 3 vs 3 repeats can never reach 0.05
  close(mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8]).p, 2 / 70);
  close(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p, 2 / 252);
  close(minAchievableP(3, 3), 0.1);
  close(minAchievableP(3, 4), 2 / 35);
  close(minAchievableP(4, 4), 2 / 70);
  assert.equal(mannWhitneyU([1, 2, 3], [4, 5, 6]).u1, 0);
  assert.equal(mannWhitneyU([4, 5, 6], [1, 2, 3]).u1, 9);
});

test('ties: mid-ranks, exact permutation p-values', () => {
  assert.deepEqual(midRanks([3, 1, 3, 2, 3]), [4, 1, 4, 2, 4]);
  const a = mannWhitneyU([1, 2, 2, 3, 5], [2, 3, 4, 6, 6, 7]);
  assert.equal(a.u1, 5.5);
  close(a.p, 0.09523809523809523);
  const b = mannWhitneyU([3, 3, 4, 9, 9, 9], [3, 9, 12, 12, 15, 15, 15]);
  assert.equal(b.u1, 6.5);
  close(b.p, 0.03496503496503497);
  // Identical deterministic figures (wire bytes often are): no evidence of a difference.
  assert.equal(mannWhitneyU([5, 5, 5], [5, 5, 5]).p, 1);
  close(mannWhitneyU([200, 200, 200], [210, 210, 210]).p, 0.1);
});

test('large samples: normal approximation with continuity correction', () => {
  const a = [
    1.1, 2.5, 3.3, 0.2, 9, 4, 7, 8, 1.5, 2.2, 3.1, 5.5, 6.6, 7.7, 8.8, 9.9, 1.0, 0.5, 0.3, 2.0, 3.0, 4.4, 5.1, 6.2, 7.3, 8.4,
  ];
  const b = [
    1.4, 2.6, 3.5, 0.9, 9.2, 4.1, 7.1, 8.2, 1.9, 2.9, 3.9, 5.9, 6.9, 7.9, 8.9, 9.95, 1.2, 0.7, 0.4, 2.1, 3.2, 4.5, 5.2, 6.3, 7.4,
    8.5, 10, 11,
  ];
  const r = mannWhitneyU(a, b);
  assert.equal(r.method, 'normal');
  assert.equal(r.u1, 319);
  close(r.p, 0.4410759861951786, 1e-6); // erfc approximation: relative error ~1e-7
  close(normalUpperTail(1.959964), 0.025, 1e-6);
  close(normalUpperTail(0), 0.5, 1e-7);
});

test('symmetric in its arguments; U1 + U2 = n1 n2; empty input refused', () => {
  const a = [12, 15, 11, 19, 14];
  const b = [18, 21, 17, 16, 22, 20];
  const ab = mannWhitneyU(a, b);
  const ba = mannWhitneyU(b, a);
  close(ab.p, ba.p);
  assert.equal(ab.u1, ba.u2);
  assert.equal(ab.u1 + ab.u2, a.length * b.length);
  assert.throws(() => mannWhitneyU([], [1]), RangeError);
  assert.throws(() => mannWhitneyU([Number.NaN], [1]), RangeError);
});
