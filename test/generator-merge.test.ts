import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatorCores, mergeGeneratorResults, splitLoad } from '../harness/workloads/generator-merge.ts';
import { createHistogram, decodeHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';
import type { GeneratorResult } from '../harness/procs/ipc.ts';

function worker(values: number[], over: Partial<GeneratorResult> = {}): GeneratorResult {
  const h = createHistogram();
  const raw = createHistogram();
  for (const v of values) {
    h.recordValue(v);
    raw.recordValue(Math.max(1, v - 10));
  }
  return {
    histogram: encodeHistogram(h),
    rawHistogram: encodeHistogram(raw),
    dropped: 1,
    requestedRate: 500,
    achievedRate: 499,
    ops: values.length,
    measuredMs: 1000,
    errors: { total: 1, byKind: { timeout: 1 } },
    windowBytes: { out: 10 * values.length, in: 100 * values.length },
    windowCompletions: values.length,
    setupBytes: { out: 48, in: 18 },
    payload: { request: 3, response: 120 },
    aborted: false,
    ...over,
  };
}

test('worker results merge losslessly: histograms, counts and rates add up', () => {
  const a = Array.from({ length: 500 }, (_, i) => 100 + i);
  const b = Array.from({ length: 300 }, (_, i) => 5_000 + i * 3);
  const m = mergeGeneratorResults([
    worker(a),
    worker(b, { measuredMs: 1010, errors: { total: 2, byKind: { timeout: 1, connection_reset: 1 } } }),
  ]);
  const all = createHistogram();
  for (const v of [...a, ...b]) all.recordValue(v);
  const merged = decodeHistogram(m.histogram);
  for (const p of [1, 50, 90, 99, 99.9, 100]) assert.equal(merged.getValueAtPercentile(p), all.getValueAtPercentile(p));
  assert.equal(decodeHistogram(m.rawHistogram!).totalCount, 800);
  assert.equal(m.ops, 800);
  assert.equal(m.measuredMs, 1010, 'workers run side by side: the longest window');
  assert.deepEqual(m.errors, { total: 3, byKind: { timeout: 2, connection_reset: 1 } });
  assert.deepEqual([m.dropped, m.requestedRate, m.achievedRate], [2, 1000, 998]);
  assert.deepEqual(m.windowBytes, { out: 8000, in: 80000 });
  assert.deepEqual(m.setupBytes, { out: 48, in: 18 }, 'setup stays per connection');
});

test('rates are split across workers; closed loop is split by connections elsewhere', () => {
  assert.deepEqual(splitLoad({ model: 'rate', rate: 3000 }, 3), { model: 'rate', rate: 1000 });
  assert.deepEqual(splitLoad({ model: 'stages', stages: [{ rate: 100, durationS: 1 }] }, 2), {
    model: 'stages',
    stages: [{ rate: 50, durationS: 1 }],
  });
  assert.deepEqual(splitLoad({ model: 'closed', connections: 4, inflight: 2 }, 2), {
    model: 'closed',
    connections: 4,
    inflight: 2,
  });
});

test('generator capacity: one core per worker, no more than the CPUs pinned to them', () => {
  const pin = (generator: string | null) => ({ method: 'taskset' as const, server: '0', generator, reason: '' });
  assert.equal(generatorCores(pin('1'), 4), 1);
  assert.equal(generatorCores(pin('1-7'), 4), 4);
  assert.equal(generatorCores(pin('1-3,6'), 8), 4);
  assert.equal(generatorCores(pin(null), 2), 2);
});

test('multi-item figures merge too: items add up and first-item histograms merge', () => {
  const first = (vs: number[]) => {
    const h = createHistogram();
    for (const v of vs) h.recordValue(v);
    return encodeHistogram(h);
  };
  const m = mergeGeneratorResults([
    worker([100, 200], { items: 200, firstItemHistogram: first([10, 20]) }),
    worker([300], { items: 100, firstItemHistogram: first([30]) }),
  ]);
  assert.equal(m.items, 300);
  const h = decodeHistogram(m.firstItemHistogram!);
  assert.equal(h.totalCount, 3);
  assert.equal(h.maxValue, 30);
  // getUser workers carry no items: none appear.
  assert.equal(mergeGeneratorResults([worker([1]), worker([2])]).items, undefined);
});
