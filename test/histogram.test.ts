import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram, decodeHistogram, encodeHistogram, mergeEncoded, summarize } from '../harness/metrics/histogram.ts';

test('percentiles of a known uniform distribution, in microseconds', () => {
  const h = createHistogram();
  for (let v = 1; v <= 10_000; v++) h.recordValue(v);
  const s = summarize(h);
  assert.equal(s.count, 10_000);
  // 3 significant digits: within 0.1% of the exact percentile.
  assert.ok(Math.abs(s.p50 - 5000) <= 5, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.p99 - 9900) <= 10, `p99 ${s.p99}`);
  assert.ok(Math.abs(s.p999 - 9990) <= 10, `p999 ${s.p999}`);
  assert.ok(Math.abs(s.max - 10_000) <= 10, `max ${s.max}`);
  assert.equal(s.min, 1);
});

test('encode/decode round-trips every count', () => {
  const h = createHistogram();
  for (const v of [1, 2, 2, 3, 100, 1000, 1000, 123_456, 9_999_999]) h.recordValue(v);
  const back = decodeHistogram(encodeHistogram(h));
  assert.equal(back.totalCount, h.totalCount);
  for (const p of [10, 50, 90, 99, 100]) assert.equal(back.getValueAtPercentile(p), h.getValueAtPercentile(p));
});

test('merging encoded histograms is lossless: same as recording everything in one', () => {
  const parts = [createHistogram(), createHistogram(), createHistogram()];
  const all = createHistogram();
  let x = 7;
  for (let i = 0; i < 30_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const v = 1 + (x % 50_000);
    parts[i % 3]!.recordValue(v);
    all.recordValue(v);
  }
  const merged = mergeEncoded(parts.map(encodeHistogram));
  assert.equal(merged.totalCount, all.totalCount);
  for (const p of [1, 25, 50, 75, 90, 99, 99.9, 99.99, 100])
    assert.equal(merged.getValueAtPercentile(p), all.getValueAtPercentile(p));
});

test('an empty histogram summarizes to zeros, not NaN', () => {
  const s = summarize(createHistogram());
  assert.deepEqual([s.count, s.min, s.mean, s.p50, s.max], [0, 0, 0, 0, 0]);
});
