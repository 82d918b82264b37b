// The signed-rank test against values worked by hand and by scipy.stats.wilcoxon (exact, two-sided).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minAchievableSignedRankP, signedRank } from '../harness/metrics/wilcoxon.ts';

test('all differences of one sign reach the smallest p the pair count allows', () => {
  for (const n of [5, 6, 8]) {
    const r = signedRank(Array.from({ length: n }, (_, i) => i + 1));
    assert.equal(r.wPlus, (n * (n + 1)) / 2);
    assert.equal(r.p, minAchievableSignedRankP(n));
    assert.equal(signedRank(Array.from({ length: n }, (_, i) => -(i + 1))).p, minAchievableSignedRankP(n));
  }
  // Five pairs cannot reach 0.05 two-sided (2/32); six can (2/64).
  assert.ok(minAchievableSignedRankP(5) > 0.05 && minAchievableSignedRankP(6) < 0.05);
});

test('one small negative among eight: p = 6/256, as scipy.stats.wilcoxon gives', () => {
  // Ranks 1..8 with the rank-2 difference negative: W+ = 34, W- = 2. Sign sets with W- <= 2 are
  // {}, {1} and {2}: 3 of 256, so the two-sided p is 6/256 = 0.0234.
  const r = signedRank([1, -2, 3, 4, 5, 6, 7, 8]);
  assert.equal(r.wPlus, 34);
  assert.equal(r.n, 8);
  assert.ok(Math.abs(r.p - 6 / 256) < 1e-12, String(r.p));
});

test('zeros are dropped and ties share a mid-rank', () => {
  const r = signedRank([0, 0, 1, 1, -1, 2]);
  assert.equal(r.n, 4);
  // |d| = 1, 1, 1, 2 -> ranks 2, 2, 2, 4; positives: 2 + 2 + 4 = 8.
  assert.equal(r.wPlus, 8);
  assert.ok(r.p > 0.05 && r.p <= 1);
  assert.deepEqual(signedRank([0, 0]), { wPlus: 0, n: 0, p: 1, method: 'exact' });
});

test('symmetric differences are no evidence; the normal branch agrees in direction', () => {
  assert.equal(signedRank([1, -1, 2, -2, 3, -3]).p, 1);
  const many = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? -(i + 1) : i + 1));
  const r = signedRank(many);
  assert.equal(r.method, 'normal');
  assert.ok(r.p < 0.001, String(r.p));
  assert.throws(() => signedRank([1, Number.NaN]), RangeError);
});
