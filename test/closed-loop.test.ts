import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClosedLoop } from '../harness/load/closed.ts';
import type { CallOutcome, Connection, Operation } from '../clients/types.ts';

interface FakeOptions {
  serviceMs: number;
  /** Answer with not_found when this returns true. */
  fail?: (op: Operation) => boolean;
  /** Never answer when this returns true. */
  hang?: (op: Operation) => boolean;
}

/** An in-memory connection: fixed service time, 10 bytes out and 100 in per call. */
function fakeConnection(o: FakeOptions, starts: { t: number; ok: boolean }[]): Connection {
  let out = 0;
  let inn = 0;
  return {
    setupBytes: { out: 5, in: 7 },
    wireBytes: () => ({ out, in: inn }),
    call(op) {
      const rec = { t: performance.now(), ok: !o.fail?.(op) };
      starts.push(rec);
      out += 10;
      if (o.hang?.(op)) return new Promise<CallOutcome>(() => undefined);
      return new Promise((resolve) =>
        setTimeout(() => {
          inn += 100;
          resolve(rec.ok ? { ok: true, payload: { request: 3, response: 50 } } : { ok: false, kind: 'not_found', code: '404' });
        }, o.serviceMs),
      );
    },
    close: async () => undefined,
  };
}

function ops(): () => Operation {
  let id = 0;
  return () => ({ op: 'getUser', id: ++id });
}

test('counts only calls started in the measured window; warm-up samples are discarded', async () => {
  const starts: { t: number; ok: boolean }[] = [];
  const conns = [fakeConnection({ serviceMs: 5 }, starts), fakeConnection({ serviceMs: 5 }, starts)];
  let measureAt = -1;
  const r = await runClosedLoop({
    connections: conns,
    inflight: 3,
    warmupMs: 150,
    durationMs: 300,
    timeoutMs: 5_000,
    nextOp: ops(),
    onPhase: (p) => {
      if (p === 'measure') measureAt = performance.now();
    },
  });
  const inWarmup = starts.filter((s) => s.t < measureAt).length;
  const inWindow = starts.filter((s) => s.t >= measureAt).length;
  assert.ok(inWarmup > 0, 'warm-up issued calls');
  assert.equal(r.ops, inWindow, 'every measured call, and only those, is counted');
  assert.equal(r.histogram.totalCount, r.ops);
  assert.equal(r.errors.total, 0);
  // Latency cannot be below the service time (5 ms), less libuv's 1 ms timer granularity.
  assert.ok(r.histogram.getValueAtPercentile(1) >= 3_900, `p1 ${r.histogram.getValueAtPercentile(1)}`);
  // Closed loop never has more than connections x inflight outstanding.
  assert.ok(r.ops <= Math.ceil((300 / 5) * 6) + 6, `ops ${r.ops}`);
  assert.deepEqual(r.payload, { request: 3, response: 50 });
});

test('wire bytes per call come from the socket counters over the window', async () => {
  const starts: { t: number; ok: boolean }[] = [];
  const r = await runClosedLoop({
    connections: [fakeConnection({ serviceMs: 2 }, starts)],
    inflight: 2,
    warmupMs: 50,
    durationMs: 200,
    timeoutMs: 5_000,
    nextOp: ops(),
  });
  assert.ok(r.windowBytes && r.windowCompletions > 0);
  assert.ok(Math.abs(r.windowBytes.in / r.windowCompletions - 100) < 1e-9, 'in bytes per completion');
  // Requests of calls still in flight at the window's start are the only skew: at most `inflight` of them.
  assert.ok(Math.abs(r.windowBytes.out - r.windowCompletions * 10) <= 2 * 10);
});

test('errors are counted by kind, never dropped', async () => {
  const starts: { t: number; ok: boolean }[] = [];
  const r = await runClosedLoop({
    connections: [fakeConnection({ serviceMs: 2, fail: (op) => 'id' in op && op.id % 4 === 0 }, starts)],
    inflight: 4,
    warmupMs: 0,
    durationMs: 200,
    timeoutMs: 5_000,
    nextOp: ops(),
  });
  const failedStarts = starts.filter((s) => !s.ok).length;
  assert.ok(failedStarts > 0);
  assert.equal(r.errors.byKind.not_found, failedStarts);
  assert.equal(r.errors.total, failedStarts);
  assert.equal(r.ops, starts.length - failedStarts);
});

test('a call that never answers counts as a timeout and the run still ends', async () => {
  const starts: { t: number; ok: boolean }[] = [];
  const t0 = performance.now();
  const r = await runClosedLoop({
    connections: [fakeConnection({ serviceMs: 2, hang: (op) => 'id' in op && op.id % 50 === 0 }, starts)],
    inflight: 2,
    warmupMs: 0,
    durationMs: 300,
    timeoutMs: 60,
    nextOp: ops(),
  });
  assert.ok((r.errors.byKind.timeout ?? 0) >= 1, JSON.stringify(r.errors));
  assert.ok(r.ops > 0);
  // "Ends" is the promise: a hung call held forever would never resolve. 300 ms of window plus a
  // 60 ms timeout, with 20x room so a machine in a 10x slow phase still passes.
  const ms = performance.now() - t0;
  assert.ok(ms < 20 * (300 + 60), `bounded by duration + timeout: ended after ${ms.toFixed(0)} ms`);
});
