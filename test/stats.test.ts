import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ci95, cv, figureSpread, median, stdev } from '../harness/metrics/stats.ts';
import { summarizeRuns } from '../harness/results/summary.ts';
import type { RunRecord } from '../harness/results/types.ts';

test('median, stdev, CI and CV on textbook values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Math.abs(stdev([2, 4, 4, 4, 5, 5, 7, 9]) - 2.138) < 0.001);
  // mean 10, s = 1, n = 4: half-width t(3) * 1 / 2 = 3.182 / 2
  const ci = ci95([9, 9.5, 10.5, 11].map((x) => x))!;
  const s = stdev([9, 9.5, 10.5, 11]);
  assert.ok(Math.abs(ci[1] - ci[0] - (2 * 3.182 * s) / 2) < 1e-9);
  assert.equal(ci95([5]), null);
  assert.ok(Math.abs(cv([9, 11])! - Math.SQRT2 / 10) < 1e-9);
  assert.deepEqual(figureSpread([1, 2, 3]).median, 2);
});

function run(protocol: string, repeat: number, opsPerSec: number): RunRecord {
  return {
    protocol,
    server: protocol,
    driver: 'd',
    state: 'ok',
    repeat,
    opsPerSec,
    ops: opsPerSec,
    measuredSeconds: 1,
    latencyUs: { count: 1, min: 1, mean: 1, p50: 100 * (repeat + 1), p90: 1, p99: 1, p999: 1, max: 1, histogram: '' },
    cpuUsPerOp: { server: 10, client: 5 },
    cpuCores: { server: 1, client: 0.5 },
    bytesPerOp: null,
    setupBytes: null,
    payloadBytes: null,
    errors: { total: 0, byKind: {} },
    generatorBound: false,
    bound: 'server',
    serverRssBytes: null,
    verified: 1,
    load: { model: 'closed', connections: 1, inflight: 1 },
  };
}

test('repeats are summarised per protocol, failed runs left out', () => {
  const runs = [
    run('rest', 0, 100),
    run('grpc', 0, 50),
    run('rest', 1, 120),
    run('grpc', 1, 70),
    run('rest', 2, 110),
    { ...run('grpc', 2, 0), state: 'failed' as const },
  ];
  const s = summarizeRuns(runs);
  const rest = s.find((x) => x.protocol === 'rest')!;
  assert.equal(rest.repeats, 3);
  assert.deepEqual([rest.figures.opsPerSec!.median, rest.figures.opsPerSec!.min, rest.figures.opsPerSec!.max], [110, 100, 120]);
  assert.equal(rest.figures['latencyUs.p50']!.median, 200);
  assert.equal(rest.figures['bytesPerOp.out'], undefined, 'figures missing in a run are not invented');
  assert.equal(s.find((x) => x.protocol === 'grpc')!.repeats, 2);
});
