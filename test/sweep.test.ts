import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKnee, sweepRates, type SweepPoint } from '../harness/run/sweep.ts';

const pt = (fraction: number, requested: number, achieved: number, dropped: number, p99: number): SweepPoint => ({
  fraction,
  requested,
  achieved,
  dropped,
  p50: p99 / 4,
  p99,
});

test('sweep rates are fractions of the measured maximum', () => {
  assert.deepEqual(sweepRates(20_000, [0.1, 0.5, 1.2]), [
    { fraction: 0.1, rate: 2_000 },
    { fraction: 0.5, rate: 10_000 },
    { fraction: 1.2, rate: 24_000 },
  ]);
  assert.equal(sweepRates(3, [0.1])[0]!.rate, 1, 'never below one call per second');
});

test('the knee is the last rate kept up with: achieved on target, nothing dropped, p99 not exploding', () => {
  const points = [
    pt(0.1, 1000, 1000, 0, 500),
    pt(0.5, 5000, 4990, 0, 900),
    pt(0.9, 9000, 8950, 0, 3000),
    pt(1.0, 10_000, 9_200, 40, 90_000),
    pt(1.2, 12_000, 9_100, 900, 400_000),
  ];
  assert.equal(findKnee(points)?.requested, 9000);
  assert.equal(
    findKnee([pt(0.1, 1000, 1000, 0, 500), pt(0.5, 5000, 5000, 0, 6000)])?.requested,
    1000,
    'p99 over 10x the lowest step ends it',
  );
  assert.equal(findKnee([pt(0.1, 1000, 800, 0, 500)]), null, 'behind already at the lowest rate');
});
