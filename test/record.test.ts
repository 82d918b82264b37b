import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecord } from '../harness/workloads/request-response.ts';
import { classifyBound } from '../harness/metrics/bound.ts';
import { createHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';
import { firstDifference } from '../harness/run/verify.ts';
import type { MeasuredRun } from '../harness/workloads/request-response.ts';

const base = {
  protocol: 'rest',
  server: 'rest',
  driver: 'test',
  repeat: 0,
  load: { model: 'closed' as const, connections: 1, inflight: 1 },
};

function result(over: Partial<MeasuredRun> = {}): MeasuredRun {
  const h = createHistogram();
  for (let i = 0; i < 1000; i++) h.recordValue(100 + (i % 100));
  return {
    histogram: encodeHistogram(h),
    ops: 20_000,
    measuredMs: 2_000,
    errors: { total: 0, byKind: {} },
    windowBytes: { out: 1_600_000, in: 8_400_000 },
    windowCompletions: 20_000,
    setupBytes: { out: 48, in: 18 },
    payload: { request: 5, response: 236 },
    clientCpuUs: 1_000_000,
    ...over,
  };
}
const cpu = (us: number) => ({ userUs: us, systemUs: 0, rssBytes: 50e6, heapUsedBytes: 1, atMs: 0 });

test('CPU per op and bytes per op are window totals divided by calls', () => {
  const r = buildRecord(base, result(), cpu(1_000_000), cpu(2_900_000), 50);
  assert.equal(r.opsPerSec, 10_000);
  assert.equal(r.cpuUsPerOp.server, 95); // 1.9 s of server CPU over 20k calls
  assert.equal(r.cpuUsPerOp.client, 50);
  assert.equal(r.cpuCores.server, 0.95);
  assert.equal(r.cpuCores.client, 0.5);
  assert.deepEqual(r.bytesPerOp, { out: 80, in: 420 });
  assert.deepEqual(r.setupBytes, { out: 48, in: 18 });
  assert.equal(r.bound, 'server');
  assert.equal(r.generatorBound, false);
  assert.equal(r.latencyUs?.count, 1000);
});

test('a saturated generator beside an idle-ish server is labelled generator-bound', () => {
  const r = buildRecord(base, result({ clientCpuUs: 1_960_000 }), cpu(0), cpu(800_000), 50);
  assert.equal(r.bound, 'generator');
  assert.equal(r.generatorBound, true);
});

test('unknown server CPU is null, never zero', () => {
  const r = buildRecord(base, result(), null, null, 50);
  assert.equal(r.cpuUsPerOp.server, null);
  assert.equal(r.cpuCores.server, null);
});

test('classifyBound', () => {
  assert.equal(classifyBound(0.99, 0.5), 'server');
  // Each pinned side near its core: not attributable to the server alone.
  assert.equal(classifyBound(0.93, 0.99), 'both');
  assert.equal(classifyBound(0.5, 0.95), 'generator');
  assert.equal(classifyBound(0.5, 0.5), 'neither');
  assert.equal(classifyBound(null, 0.5), 'unknown');
});

test('firstDifference names the path of the first mismatch', () => {
  assert.equal(firstDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }), null);
  assert.equal(firstDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }), '$.b.c[1]: expected 2, got 3');
  assert.match(firstDifference({ a: 1 }, { a: 1, extra: true }) ?? '', /\$\.extra/);
});
