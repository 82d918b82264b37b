// Issue 14.3 / 15.5: a claim about a protocol is decided on that protocol's fastest
// implementation in the run, with the spread between its implementations in the detail; a claim
// about a library on that library; records from before implementations decide as they did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../claims/evaluate.ts';
import { REGISTRY } from '../claims/registry.ts';
import { BENCH_RUNS } from '../claims/runs.ts';
import { BY_P50, chooseRuns, ops, perRepeat, runsByImplementation, runsOf } from '../claims/figures.ts';
import { parseCli } from '../harness/run/args.ts';
import type { RunRecord } from '../harness/results/types.ts';
import { ctx, getUser, getUserTwoImpls, resultOf, runOn } from './claims-fixtures.ts';

const BY_REF = new Map(REGISTRY.map((e) => [e.ref, e]));

const on = (name: string, r: RunRecord): RunRecord => ({ ...r, implementation: { name, version: '1.0.0' } });
const twoImpls = getUserTwoImpls;

test("one implementation's repeat never overwrites another's", () => {
  const byImpl = runsByImplementation(twoImpls(), 'grpc');
  assert.deepEqual([...byImpl.keys()], ['grpc-js', 'connect-node']);
  assert.deepEqual(
    [...byImpl.get('connect-node')!.values()].map((r) => r.opsPerSec),
    [12_000, 12_500, 13_000],
  );
  // Without a name, a protocol's runs are its fastest implementation's, all of them.
  assert.deepEqual(
    [...runsOf(twoImpls(), 'grpc').values()].map((r) => r.opsPerSec),
    [16_000, 16_500, 17_000],
  );
});

test("a protocol claim is decided on each protocol's fastest implementation, the spread named beside it", () => {
  const v = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: twoImpls() }), {});
  // grpc-js against node-http, repeat by repeat: 16,500 / 51,000 at the median.
  assert.equal(v.figure?.n, 3);
  assert.equal(v.figure?.median, 16_500 / 51_000);
  assert.equal(v.verdict, 'refuted');
  // The table's cell names what the verdict was decided on; the detail the spread.
  assert.match(v.measured ?? '', /; rest on node-http, grpc on grpc-js$/);
  assert.match(v.detail ?? '', /rest: fastify 41,000 \.\. node-http 51,000 ops\/s, node-http used/);
  assert.match(v.detail ?? '', /grpc: connect-node 12,500 \.\. grpc-js 16,500 ops\/s, grpc-js used/);
});

test('a claim comparing CPU or latency ranks implementations by that figure', () => {
  // Server CPU: connect-node (45 us) is gRPC's cheapest although grpc-js is its fastest.
  const v = evaluate(BY_REF.get('grpc-50-cores-freed')!, ctx({ getUser: twoImpls() }), {});
  assert.equal(v.figure?.median, ((20 - 45) * 10_000) / 1e6);
  assert.match(v.detail ?? '', /server CPU us\/call REST 20, gRPC 45/);
  assert.match(v.detail ?? '', /grpc: grpc-js 59 \.\. connect-node 45 us server CPU\/call, connect-node used/);
  // Latency, one call in flight: the lowest p50 decides.
  const rtt = resultOf(
    [0, 1].flatMap((i) => [
      runOn('rest', 'fastify', i, { p50: 90 }),
      runOn('rest', 'node-http', i, { p50: 70 }),
      runOn('websocket', 'ws', i, { p50: 60 }),
      runOn('websocket', 'websocket-node', i, { p50: 75 }),
    ]),
  );
  const w = evaluate(BY_REF.get('intro-ws-1ms-vs-rest-100ms')!, ctx({ 'getUser-rtt': rtt }), {});
  assert.equal(w.figure?.median, 70 / 60);
  assert.match(w.detail ?? '', /p50 REST 70 us, WebSocket 60 us/);
  assert.match(w.detail ?? '', /websocket: websocket-node 75 \.\. ws 60 us p50, ws used/);
});

test('a part that names its implementation (a claim about a library) is decided on that library', () => {
  const obs = perRepeat(ctx({ getUser: twoImpls() }), 'getUser', [{ protocol: 'rest', implementation: 'fastify' }], ops, {
    unit: 'ops/s',
    boundMatters: true,
  });
  assert.deepEqual(obs.samples, [40_000, 41_000, 42_000]);
  assert.match(obs.detail ?? '', /rest on fastify \(the claim is about this library\)/);
  const absent = perRepeat(ctx({ getUser: twoImpls() }), 'getUser', [{ protocol: 'rest', implementation: 'express' }], ops, {
    unit: 'ops/s',
    boundMatters: true,
  });
  assert.match(absent.unavailable ?? '', /no successful rest on express run/);
});

test('records without an implementation (before issue 14) decide as before, with no implementation note', () => {
  const v = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: getUser() }), {});
  assert.equal(v.verdict, 'refuted');
  assert.equal(v.figure?.median, 16_500 / 41_000);
  assert.doesNotMatch(v.detail ?? '', /implementation:/);
  assert.equal(v.measured, '0.402x (0.4-0.405, n=3)');
  // A run on one named implementation says which.
  const one = getUser();
  one.runs = one.runs.map((r) => on(r.protocol === 'rest' ? 'fastify' : r.protocol === 'grpc' ? 'grpc-js' : 'ws', r));
  const w = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: one }), {});
  assert.equal(w.figure?.median, v.figure?.median);
  assert.match(w.detail ?? '', /implementation: rest on fastify; grpc on grpc-js/);
});

test('the Go claims (15.5) are decided on this stack and say what would settle them', () => {
  const single = BY_REF.get('grpc-100k-rps-single-server')!;
  const v = evaluate(single, ctx({ getUser: twoImpls() }), {});
  assert.equal(v.verdict, 'refuted');
  assert.equal(v.figure?.median, 16_500, "gRPC's fastest implementation here");
  assert.match(v.metric, /on this stack \(Node 24, gRPC's fastest implementation here, this VM\)/);
  assert.match(v.detail ?? '', /a grpc-go server behind the same contract, measured the same way, would settle it/);
  assert.match(v.detail ?? '', /grpc-js used/);
  const ratio = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: twoImpls() }), {});
  assert.match(ratio.metric, /on this stack/);
  assert.match(ratio.detail ?? '', /gRPC in Go against REST in Node\.js; .*grpc-go server/);
  // The sibling claim stays untestable (the reference says so) and points at the measured one, in the same words.
  const go = evaluate(BY_REF.get('grpc-go-100-200k-rps')!, ctx({}), {});
  assert.equal(go.verdict, 'untestable');
  assert.match(go.reason, /grpc-100k-rps-single-server measures the same figure on this stack/);
  assert.match(go.reason, /grpc-go server behind the same contract/);
});

test('the getUser claims runs ask for every implementation; the others keep their reference', () => {
  for (const id of ['getUser', 'getUser-rtt'] as const)
    for (const args of [BENCH_RUNS[id].args, BENCH_RUNS[id].quick]) {
      const { layer } = parseCli(['--scenario', 'getUser', ...args], {});
      assert.equal(layer.implementations, 'all', `${id}: ${args.join(' ')}`);
    }
  for (const [id, spec] of Object.entries(BENCH_RUNS))
    if (spec.scenario !== 'getUser') assert.ok(!spec.args.includes('--impl') && !spec.quick.includes('--impl'), id);
});

test('an implementation with no figure to rank by is not chosen over one with a figure', () => {
  const r = resultOf([0, 1].flatMap((i) => [runOn('rest', 'fastify', i, { p50: 90 }), runOn('rest', 'node-http', i)]));
  r.runs = r.runs.map((x) => (x.implementation?.name === 'node-http' ? { ...x, latencyUs: null } : x));
  const c = chooseRuns(r, { protocol: 'rest' }, BY_P50);
  assert.equal(c.used, 'rest on fastify');
  assert.match(c.note ?? '', /rest: node-http n\/a \.\. fastify 90 us p50, fastify used/);
});
