import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSchedule } from '../harness/load/schedule.ts';
import { parseLoadSpec, requestedRate } from '../harness/load/model.ts';
import { LoadSpecError } from '../harness/errors.ts';

function drain(s: () => number): number[] {
  const out: number[] = [];
  for (let t = s(); t !== Infinity; t = s()) out.push(t);
  return out;
}

test('constant rate: every call placed from the start, evenly, without drift', () => {
  const offsets = drain(makeSchedule({ model: 'rate', rate: 2000 }, 0, 5_000));
  assert.equal(offsets.length, 10_000);
  offsets.forEach((t, k) => assert.equal(t, k * 0.5));
});

test('warm-up runs at the first rate before the measured part', () => {
  const offsets = drain(makeSchedule({ model: 'rate', rate: 100 }, 1_000, 2_000));
  assert.equal(offsets.filter((t) => t < 1_000).length, 100);
  assert.equal(offsets.filter((t) => t >= 1_000).length, 200);
  assert.equal(offsets.at(-1)! < 3_000, true);
});

test('Poisson: mean gap 1/rate, exponential spread, reproducible from the seed', () => {
  const a = drain(makeSchedule({ model: 'poisson', rate: 1000 }, 0, 60_000, 7));
  const b = drain(makeSchedule({ model: 'poisson', rate: 1000 }, 0, 60_000, 7));
  assert.deepEqual(a, b);
  assert.ok(Math.abs(a.length - 60_000) < 60_000 * 0.02, `count ${a.length}`);
  const gaps = a.slice(1).map((t, i) => t - a[i]!);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(mean - 1) < 0.02, `mean gap ${mean}`);
  assert.ok(Math.abs(sd / mean - 1) < 0.05, `exponential gaps have CV 1, got ${sd / mean}`);
  assert.notDeepEqual(a.slice(0, 10), drain(makeSchedule({ model: 'poisson', rate: 1000 }, 0, 100, 8)).slice(0, 10));
});

test('stages: each stage runs its own rate for its own duration', () => {
  const offsets = drain(
    makeSchedule(
      {
        model: 'stages',
        stages: [
          { rate: 100, durationS: 2 },
          { rate: 1000, durationS: 1 },
        ],
      },
      0,
      0,
    ),
  );
  assert.equal(offsets.filter((t) => t < 2_000).length, 200);
  assert.equal(offsets.filter((t) => t >= 2_000).length, 1_000);
  assert.equal(
    requestedRate({
      model: 'stages',
      stages: [
        { rate: 100, durationS: 2 },
        { rate: 1000, durationS: 1 },
      ],
    }),
    400,
  );
});

test('--load forms parse, and malformed ones name the valid forms', () => {
  assert.deepEqual(parseLoadSpec('closed:4x8'), { model: 'closed', connections: 4, inflight: 8 });
  assert.deepEqual(parseLoadSpec('closed:16'), { model: 'closed', connections: 16 });
  assert.deepEqual(parseLoadSpec('rate:2000'), { model: 'rate', rate: 2000 });
  assert.deepEqual(parseLoadSpec('poisson:150.5'), { model: 'poisson', rate: 150.5 });
  assert.deepEqual(parseLoadSpec('stages:1000@5,2000@2.5s'), {
    model: 'stages',
    stages: [
      { rate: 1000, durationS: 5 },
      { rate: 2000, durationS: 2.5 },
    ],
  });
  for (const bad of ['rate', 'rate:-1', 'rate:abc', 'closed:0', 'closed:2.5', 'stages:100', 'fast:9', 'stages:100@']) {
    assert.throws(
      () => parseLoadSpec(bad),
      (e: unknown) => e instanceof LoadSpecError && /rate:OPS_PER_S/.test(e.message),
      bad,
    );
  }
});
