// The verdict logic on fixed inputs: each way a claim is confirmed, refuted or left
// inconclusive, and the same rules applied through registry entries to synthetic results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decide, formatFigure, type Observation } from '../claims/decide.ts';
import { evaluate, evaluateAll } from '../claims/evaluate.ts';
import { BY_REF, REGISTRY } from '../claims/registry.ts';
import type { BenchContext, BenchRunId } from '../claims/figures.ts';
import { readClaims } from '../harness/results/claims.ts';
import { resolveConfig } from '../harness/config.ts';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';

const noisy = (samples: number[], extra: Partial<Observation> = {}): Observation => ({ samples, unit: 'x', ...extra });
const exactly = (x: number): Observation => ({ samples: [x], unit: 'B', exact: true });

test('>= : confirmed when every repeat clears the threshold, refuted when none does', () => {
  assert.equal(decide({ op: '>=', value: 5 }, noisy([6, 7, 8])).verdict, 'confirmed');
  assert.equal(decide({ op: '>=', value: 5 }, noisy([0.4, 0.42, 0.45])).verdict, 'refuted');
  assert.equal(decide({ op: '<=', value: 0.6 }, noisy([1.5, 1.6, 1.7])).verdict, 'refuted');
  assert.equal(decide({ op: '<=', value: 100_000 }, noisy([2000, 2700, 3100])).verdict, 'confirmed');
});

test('inconclusive when the spread over repeats crosses the threshold', () => {
  const d = decide({ op: '>=', value: 5 }, noisy([4, 6, 7]));
  assert.equal(d.verdict, 'inconclusive');
  assert.match(d.reason, /spread over repeats crosses the threshold/);
  assert.deepEqual(d.figure, { median: 6, min: 4, max: 7, n: 3 });
});

test('inconclusive when a noisy figure sits within the margin of the threshold', () => {
  // 5.1 is above 5 but within 5%: a verdict that could flip on the next run is not given.
  const d = decide({ op: '>=', value: 5 }, noisy([5.1, 5.6, 6]));
  assert.equal(d.verdict, 'inconclusive');
  assert.match(d.reason, /too close to call/);
  // The same value, exact (computed), is decided: there is no noise to allow for.
  assert.equal(decide({ op: '>=', value: 5 }, { samples: [5.1], unit: 'x', exact: true }).verdict, 'confirmed');
  assert.equal(decide({ op: '>=', value: 5 }, noisy([5.1]), { margin: 0 }).verdict, 'confirmed');
});

test('inconclusive when a deciding run was generator-bound, however clear the figure', () => {
  const d = decide({ op: '>=', value: 5 }, noisy([0.4, 0.4, 0.4], { generatorBound: ['grpc-js repeat 2'] }));
  assert.equal(d.verdict, 'inconclusive');
  assert.match(d.reason, /generator-bound \(grpc-js repeat 2\)/);
});

test('inconclusive when the machine was busy during a deciding run', () => {
  const d = decide(
    { op: 'between', lo: 10_000, hi: 20_000 },
    noisy([12_000, 13_000, 14_000], { disturbed: ['rest repeat 1: server 0.41 cores, bound neither'] }),
  );
  assert.equal(d.verdict, 'inconclusive');
  assert.match(d.reason, /machine was busy.*rest repeat 1/);
});

test('a busy machine still bounds a single run: capacity from below, latency from above', () => {
  const busy = ['rest repeat 1: server 0.74 cores, bound neither'];
  // 46k ops/s on a shared core: the server does at least that, so "10-20K" is refuted...
  assert.equal(
    decide({ op: 'between', lo: 10_000, hi: 20_000 }, noisy([46_000, 28_000, 57_000], { disturbed: busy, bound: 'lower' }))
      .verdict,
    'refuted',
  );
  // ...but 11k cannot refute ">= 100K": the server might do more on a quiet machine.
  assert.equal(
    decide({ op: '>=', value: 100_000 }, noisy([11_000, 8_000, 12_000], { disturbed: busy, bound: 'lower' })).verdict,
    'inconclusive',
  );
  // A p99 of 32 ms measured while busy is at most 32 ms: "<= 100 ms" holds, ">= 10 ms" cannot be refuted by it.
  assert.equal(
    decide({ op: '<=', value: 100_000 }, noisy([32_000, 20_000, 40_000], { disturbed: busy, bound: 'upper' })).verdict,
    'confirmed',
  );
  assert.equal(
    decide({ op: '>=', value: 10_000 }, noisy([5_000, 1_600, 7_300], { disturbed: busy, bound: 'upper' })).verdict,
    'refuted',
  );
  assert.equal(decide({ op: '>=', value: 10_000 }, noisy([12_000], { disturbed: busy, bound: 'upper' })).verdict, 'inconclusive');
  // A ratio of two disturbed runs bounds nothing.
  assert.equal(decide({ op: '>=', value: 5 }, noisy([0.4, 0.4, 0.4], { disturbed: busy })).verdict, 'inconclusive');
});

test('inconclusive when the claim needs a condition the machine cannot provide, or nothing was measured', () => {
  const needs = decide({ op: '>=', value: 50 }, noisy([0.4, 0.5, 0.3], { needs: 'WAN round-trip time' }));
  assert.equal(needs.verdict, 'inconclusive');
  assert.equal(needs.reason, 'needs WAN round-trip time');
  assert.equal(needs.figure?.median, 0.4, 'the loopback figure is still shown');
  const missing = decide(
    { op: '>=', value: 2 },
    { samples: [], unit: 'x', unavailable: 'needs scenario listUsers (not built yet)' },
  );
  assert.equal(missing.verdict, 'inconclusive');
  assert.equal(missing.reason, 'needs scenario listUsers (not built yet)');
  assert.equal(missing.figure, null);
  assert.equal(decide({ op: '>=', value: 2 }, noisy([])).verdict, 'inconclusive');
  assert.equal(decide({ op: '>=', value: 2 }, noisy([NaN, NaN])).reason, 'nothing was measured');
});

test('exact figures: == and strict comparisons, no margin', () => {
  assert.equal(decide({ op: '==', value: 145 }, exactly(99)).verdict, 'refuted');
  assert.equal(decide({ op: '==', value: 2 }, exactly(2)).verdict, 'confirmed');
  assert.equal(decide({ op: '<', value: 1 }, exactly(1)).verdict, 'refuted');
  assert.equal(decide({ op: '<', value: 1 }, exactly(0.35)).verdict, 'confirmed');
  assert.equal(decide({ op: '>', value: 0 }, exactly(0)).verdict, 'refuted');
});

test('ranges: between and approx', () => {
  assert.equal(decide({ op: 'between', lo: 0.7, hi: 0.9 }, exactly(0.749)).verdict, 'confirmed');
  assert.equal(decide({ op: 'between', lo: 10_000, hi: 20_000 }, noisy([39_000, 41_000, 56_000])).verdict, 'refuted');
  // Outside on both sides is still outside every time.
  assert.equal(decide({ op: 'between', lo: 2, hi: 5 }, noisy([1, 8])).verdict, 'refuted');
  assert.equal(decide({ op: 'between', lo: 2, hi: 5 }, noisy([1, 3])).verdict, 'inconclusive');
  assert.equal(decide({ op: 'approx', value: 950, factor: 1.25 }, noisy([499, 500, 501])).verdict, 'refuted');
  assert.equal(decide({ op: 'approx', value: 3, factor: 1.25 }, noisy([3.0, 3.01])).verdict, 'confirmed');
  // A byte count exactly on an inclusive bound is inside.
  assert.equal(decide({ op: 'between', lo: 2, hi: 6 }, exactly(6)).verdict, 'confirmed');
});

test('behaviours: held, did not hold, or held only sometimes', () => {
  assert.equal(decide({ op: 'holds' }, { samples: [1], unit: '' }).verdict, 'confirmed');
  assert.equal(decide({ op: 'holds' }, { samples: [0], unit: '' }).verdict, 'refuted');
  const flaky = decide({ op: 'holds' }, { samples: [1, 0, 1], unit: '' });
  assert.equal(flaky.verdict, 'inconclusive');
  assert.equal(flaky.reason, 'held in 2 of 3 tries');
});

test('measured figures read as median (min-max, n)', () => {
  assert.equal(formatFigure(decide({ op: '>=', value: 1 }, noisy([0.41, 0.39, 0.45])), 'x'), '0.41x (0.39-0.45, n=3)');
  assert.equal(formatFigure(decide({ op: '>=', value: 1 }, { samples: [39466], unit: 'ops/s' }), 'ops/s'), '39,466 ops/s');
  assert.equal(formatFigure(decide({ op: '>=', value: 1 }, noisy([])), 'x'), 'n/a');
});

// ------------------------------------------------------------------ through the registry

function runOf(
  protocol: string,
  repeat: number,
  f: { ops?: number; p50?: number; bytes?: [number, number]; payload?: [number, number]; cpu?: number; bound?: boolean } = {},
): RunRecord {
  return {
    protocol,
    server: protocol,
    driver: 'synthetic',
    state: 'ok',
    repeat,
    opsPerSec: f.ops ?? 10_000,
    ops: 20_000,
    measuredSeconds: 2,
    latencyUs: {
      count: 20_000,
      min: 50,
      mean: f.p50 ?? 800,
      p50: f.p50 ?? 800,
      p90: 1000,
      p99: 2000,
      p999: 4000,
      max: 8000,
      histogram: '',
    },
    cpuUsPerOp: { server: f.cpu ?? 40, client: 30 },
    cpuCores: { server: 0.9, client: 0.3 },
    bytesPerOp: { out: f.bytes?.[0] ?? 80, in: f.bytes?.[1] ?? 419 },
    setupBytes: { out: 0, in: 0 },
    payloadBytes: { request: f.payload?.[0] ?? 0, response: f.payload?.[1] ?? 247 },
    errors: { total: 0, byKind: {} },
    generatorBound: f.bound ?? false,
    bound: f.bound ? 'generator' : 'server',
    serverRssBytes: 5e7,
    verified: 50,
    load: { model: 'closed', connections: 4, inflight: 8 },
  };
}

function resultOf(runs: RunRecord[]): BenchResult {
  return {
    schemaVersion: 1,
    tool: 'protocol-bench',
    state: 'complete',
    scenario: 'getUser',
    description: 'synthetic',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    config: resolveConfig({ duration: 2, warmup: 1 }),
    environment: {
      cpuModel: 'Test CPU',
      cpus: 2,
      memoryBytes: 1,
      os: 'linux',
      node: 'v20',
      packages: {},
      commit: null,
      commitDirty: null,
      hostname: 'h',
      loadAverage: [0],
      pinning: { method: 'none', server: null, generator: null, reason: 'test' },
    },
    notes: [],
    runs,
  };
}

function ctx(results: Partial<Record<BenchRunId, BenchResult>>): BenchContext {
  return { get: (id) => results[id] ?? { missing: `needs scenario ${id} (not built yet)` } };
}

const getUser = (boundGrpcRepeat = -1): BenchResult =>
  resultOf(
    [0, 1, 2].flatMap((i) => [
      runOf('rest', i, { ops: 40_000 + i * 1000, bytes: [80, 419], payload: [0, 247], cpu: 25 }),
      runOf('grpc', i, { ops: 16_000 + i * 500, bytes: [54, 161], payload: [3, 122], cpu: 59, bound: i === boundGrpcRepeat }),
      runOf('websocket', i, { ops: 58_000, bytes: [55, 274], payload: [49, 270] }),
    ]),
  );

test('a throughput claim is refuted on server-bound runs and inconclusive when one was generator-bound', () => {
  const entry = BY_REF.get('grpc-10x-higher-throughput')!;
  const ok = evaluate(entry, ctx({ getUser: getUser() }), {});
  assert.equal(ok.verdict, 'refuted');
  assert.equal(ok.figure?.n, 3);
  const bound = evaluate(entry, ctx({ getUser: getUser(1) }), {});
  assert.equal(bound.verdict, 'inconclusive');
  assert.match(bound.reason, /generator-bound \(grpc repeat 2\)/);
});

test('a capacity claim is inconclusive when a server did not get a full core (a neighbour took it)', () => {
  const r = getUser();
  // Two of three repeats disturbed: one clean repeat is too few to decide on.
  r.runs = r.runs.map((x) =>
    x.protocol === 'rest' && x.repeat < 2
      ? { ...x, bound: 'neither', cpuCores: { server: 0.4, client: 0.3 }, opsPerSec: 12_000 }
      : x,
  );
  const v = evaluate(BY_REF.get('rest-node-10-20k-rps')!, ctx({ getUser: r }), {});
  assert.equal(v.verdict, 'inconclusive');
  assert.match(v.reason, /busy during the deciding run \(rest repeat 1: server 0\.40 cores, bound neither, rest repeat 2/);
  assert.equal(evaluate(BY_REF.get('rest-node-10-20k-rps')!, ctx({ getUser: getUser() }), {}).verdict, 'refuted');
});

test('busy repeats are set aside while two undisturbed ones remain', () => {
  const r = getUser();
  r.runs = r.runs.map((x) =>
    x.protocol === 'rest' && x.repeat === 0
      ? { ...x, bound: 'neither', cpuCores: { server: 0.4, client: 0.3 }, opsPerSec: 12_000 }
      : x,
  );
  const v = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: r }), {});
  assert.equal(v.verdict, 'refuted');
  assert.equal(v.figure?.n, 2);
  assert.match(v.detail ?? '', /1 of 3 repeats set aside: the machine was busy \(rest repeat 1/);
});

test('a byte claim does not depend on who was saturated', () => {
  // (The header-dependent byte claims are decided on the wire check since issue 15.1: test/claims-verdicts.test.ts.)
  const v = evaluate(BY_REF.get('grpc-1m-req-day-10x-servers')!, ctx({ getUser: getUser(1) }), {});
  assert.equal(v.verdict, 'refuted');
  assert.equal(v.figure?.median, 499 / 215);
  const frames = evaluate(BY_REF.get('ws-frame-overhead-2-6-bytes')!, ctx({ getUser: getUser() }), {});
  assert.equal(frames.verdict, 'confirmed');
  assert.equal(frames.measured, '6 B (n=3)');
});

test('a claim whose scenario is not built yet is inconclusive and says which scenario', () => {
  const v = evaluate(BY_REF.get('compression-cpu-minimal')!, ctx({}), {});
  assert.equal(v.verdict, 'inconclusive');
  assert.equal(v.reason, 'needs scenario compression (not built yet)');
  const rtt = evaluate(BY_REF.get('intro-ws-1ms-vs-rest-100ms')!, ctx({ getUser: getUser() }), {});
  assert.equal(rtt.verdict, 'inconclusive');
  assert.match(rtt.reason, /getUser-rtt/);
});

test('a check that did not run leaves its claims inconclusive; untestable claims say why', () => {
  const v = evaluate(BY_REF.get('depth-limit-rejects-depth-6')!, ctx({}), {});
  assert.equal(v.verdict, 'inconclusive');
  assert.match(v.reason, /check gql did not run/);
  const u = evaluate(BY_REF.get('polling-battery')!, ctx({}), {});
  assert.equal(u.verdict, 'untestable');
  assert.equal(u.measured, null);
  assert.match(u.reason, /battery/);
});

test('claims.json written from the verdicts reads back with harness/results/claims.ts (npm run report -- --claims)', () => {
  const verdicts = evaluateAll(REGISTRY, ctx({ getUser: getUser() }), {});
  assert.equal(verdicts.length, REGISTRY.length);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'claims-')), 'claims.json');
  writeFileSync(file, JSON.stringify({ generatedAt: 'now', claims: verdicts }));
  const read = readClaims(file);
  assert.equal(read.length, REGISTRY.length);
  assert.ok(read.every((c) => ['confirmed', 'refuted', 'inconclusive', 'untestable'].includes(c.verdict)));
});

test('several result files of one run merge as further repeats', async () => {
  const { mergeAsRepeats } = await import('../claims/cli.ts');
  const a = resultOf([runOf('websocket', 0), runOf('websocket', 1)]);
  const b = resultOf([runOf('websocket', 0)]);
  assert.deepEqual(
    mergeAsRepeats([a, b]).runs.map((r) => r.repeat),
    [0, 1, 2],
  );
  assert.equal(mergeAsRepeats([a]), a);
});

test('a claim that must hold under each condition is refuted by one condition missed in every repeat, however close another came', () => {
  const obs = {
    samples: [9.7, 9.2, 9.9, 1.7, 1.69, 1.68],
    unit: 'x',
    labels: ['0.1 event/s', '0.1 event/s', '0.1 event/s', '1 event/s', '1 event/s', '1 event/s'],
  };
  const d = decide({ op: '>=', value: 10 }, obs);
  assert.equal(d.verdict, 'refuted');
  assert.equal(d.reason, 'not at 1 event/s');
  // A condition on both sides of the threshold refutes nothing by itself.
  const split = decide({ op: '>=', value: 10 }, { ...obs, samples: [12, 13, 12, 9, 11, 12] });
  assert.equal(split.verdict, 'inconclusive');
});
