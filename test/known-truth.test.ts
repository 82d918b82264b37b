// Known truth over a real socket: the open-loop engine with the REST driver against a target
// process whose service time and stalls are set by the test. Tolerances are those of the
// issue (10% on p50 against the server's own measurement of how long it held each call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOpenLoop } from '../harness/load/open.ts';
import { connect } from '../clients/rest.ts';
import { startDelayTarget } from './support/delay-target.ts';
import type { Operation } from '../clients/types.ts';

const op = (): Operation => ({ op: 'getUser', id: 1 + Math.floor(Math.random() * 100) });

test('fixed 20 ms service time: p50 within 10% of it; achieved rate within 1% of requested', async () => {
  const target = await startDelayTarget({ serviceMs: 20 });
  const conns = await Promise.all([1, 2, 3, 4].map(() => connect({ host: '127.0.0.1', port: target.port })));
  try {
    const r = await runOpenLoop({
      connections: conns,
      perConnection: 8,
      maxInflight: 1000,
      model: { model: 'rate', rate: 200 },
      warmupMs: 500,
      durationMs: 3_000,
      timeoutMs: 5_000,
      nextOp: op,
    });
    // The truth is what the server really did (a 20 ms timer fires late on a busy machine).
    const truthUs = (await target.heldMedianMs()) * 1000;
    const p50 = r.histogram.getValueAtPercentile(50);
    assert.ok(Math.abs(p50 - truthUs) <= Math.max(0.1 * truthUs, 50), `corrected p50 ${p50} us, truth ${Math.round(truthUs)} us`);
    assert.ok(Math.abs(r.achievedRate - 200) <= 2, `achieved ${r.achievedRate}/s for 200/s`);
    assert.equal(r.dropped, 0);
    assert.equal(r.errors.total, 0);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await target.close();
  }
});

test('stalls: corrected p99 shows the queue behind each stall, raw p99 hides it', async () => {
  // 1000 calls/s, a 100 ms stall every 1000 ms, 4 connections with one call each (no pipelining).
  const S = 100;
  const P = 1000;
  const target = await startDelayTarget({ serviceMs: 0, stallMs: S, periodMs: P });
  const conns = await Promise.all([1, 2, 3, 4].map(() => connect({ host: '127.0.0.1', port: target.port })));
  try {
    const r = await runOpenLoop({
      connections: conns,
      perConnection: 1,
      maxInflight: 10_000,
      model: { model: 'rate', rate: 1000 },
      warmupMs: 0,
      durationMs: 4_000,
      timeoutMs: 5_000,
      nextOp: op,
    });
    // Service is ~0.2 ms, so the queue behind a stall drains almost at once: a call due x ms
    // into a stall waits S - x. The slowest 1% are due in the first 0.01 * P ms of a stall:
    // p99 = S - 0.01 * P = 90 ms; the max is about S.
    const p99 = r.histogram.getValueAtPercentile(99) / 1000;
    const rawP99 = r.rawHistogram.getValueAtPercentile(99) / 1000;
    assert.ok(p99 >= 75 && p99 <= 105, `corrected p99 ${p99} ms, predicted ${S - 0.01 * P}`);
    assert.ok(r.histogram.maxValue / 1000 >= S * 0.9, `corrected max ${r.histogram.maxValue / 1000} ms`);
    // Only the 4 calls on the wire when a stall begins wait in the raw histogram (0.4% of calls).
    assert.ok(rawP99 < p99 / 3, `raw p99 ${rawP99} ms should be far below corrected ${p99} ms`);
    assert.equal(r.errors.total, 0);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await target.close();
  }
});
