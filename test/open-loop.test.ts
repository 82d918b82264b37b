// The open-loop engine on virtual time against a modelled server, so coordinated omission
// can be checked against queueing arithmetic exactly, without a network or a noisy clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOpenLoop } from '../harness/load/open.ts';
import type { CallOutcome, Connection, Operation } from '../clients/types.ts';
import { VirtualClock } from './support/virtual-clock.ts';

interface ServerModel {
  serviceMs: number;
  /** Stop-the-world stall of stallMs at the start of every periodMs (a GC pause, say). */
  stallMs?: number;
  periodMs?: number;
}

/** A connection to the modelled server: answer at max(arrival, end of stall) + service time. */
function modelConnection(clock: VirtualClock, m: ServerModel): Connection {
  let out = 0;
  let inn = 0;
  return {
    setupBytes: { out: 0, in: 0 },
    wireBytes: () => ({ out, in: inn }),
    call(): Promise<CallOutcome> {
      out += 10;
      const a = clock.now();
      let start = a;
      if (m.stallMs && m.periodMs) {
        const intoPeriod = a % m.periodMs;
        if (intoPeriod < m.stallMs) start = a - intoPeriod + m.stallMs;
      }
      return new Promise((resolve) =>
        clock.setTimer(
          () => {
            inn += 100;
            resolve({ ok: true, payload: { request: 1, response: 2 } });
          },
          start - a + m.serviceMs,
        ),
      );
    },
    close: async () => undefined,
  };
}

const ops = (): (() => Operation) => () => ({ op: 'getUser', id: 1 });

async function run(
  m: ServerModel,
  o: { rate: number; connections: number; perConnection: number; maxInflight: number; durationMs: number; warmupMs?: number },
) {
  const clock = new VirtualClock();
  const conns = Array.from({ length: o.connections }, () => modelConnection(clock, m));
  return clock.runUntil(
    runOpenLoop({
      connections: conns,
      perConnection: o.perConnection,
      maxInflight: o.maxInflight,
      model: { model: 'rate', rate: o.rate },
      warmupMs: o.warmupMs ?? 0,
      durationMs: o.durationMs,
      timeoutMs: 10_000,
      nextOp: ops(),
      clock,
    }),
  );
}

test('fixed service time: p50 is the service time, achieved rate is the requested rate', async () => {
  const r = await run(
    { serviceMs: 5 },
    { rate: 1000, connections: 8, perConnection: 1, maxInflight: 1000, durationMs: 10_000, warmupMs: 1_000 },
  );
  assert.equal(r.ops, 10_000);
  assert.equal(r.dropped, 0);
  // Exact up to the histogram's 3 significant digits (a bucket is 0.1% wide).
  const close = (v: number) => Math.abs(v - 5_000) <= 5;
  assert.ok(close(r.histogram.getValueAtPercentile(50)), `p50 ${r.histogram.getValueAtPercentile(50)}`);
  assert.ok(close(r.histogram.maxValue), `max ${r.histogram.maxValue}`);
  assert.ok(Math.abs(r.achievedRate - 1000) <= 10, `achieved ${r.achievedRate}`);
  assert.equal(r.requestedRate, 1000);
});

test('stalls under open loop: corrected p99 and max show the queue behind each stall; raw does not', async () => {
  // 1000 calls/s; a 100 ms stall every 1000 ms; 4 connections with one call each (wrk2).
  const S = 100;
  const P = 1000;
  const r = await run(
    { serviceMs: 1, stallMs: S, periodMs: P },
    { rate: 1000, connections: 4, perConnection: 1, maxInflight: 10_000, durationMs: 20_000 },
  );
  const p = (h: typeof r.histogram, q: number) => h.getValueAtPercentile(q) / 1000;
  // Queueing arithmetic. Calls arrive at lambda = 1/ms; after a stall the 4 connections serve
  // c = 4 calls/ms (1 ms each). A call due x ms into a stall waits for the stall (S - x), then
  // for the lambda*x calls queued ahead of it at rate c, then its own service s:
  //   wait(x) = S - x + lambda*x/c + s, longest at x = 0 (S + s).
  // The slowest fraction f of all calls are those due in the first x = f*P ms of a stall, so
  //   quantile(1 - f) = S + s - f*P*(1 - lambda/c).
  const predicted = (f: number) => S + 1 - f * P * (1 - 1 / 4);
  for (const [q, f] of [
    [99, 0.01],
    [95, 0.05],
    [92, 0.08],
  ] as const) {
    assert.ok(
      Math.abs(p(r.histogram, q) - predicted(f)) <= 3,
      `corrected p${q} ${p(r.histogram, q)} ms, predicted ${predicted(f)}`,
    );
  }
  assert.ok(Math.abs(r.histogram.maxValue / 1000 - (S + 1)) <= 2, `corrected max ${r.histogram.maxValue / 1000} ms`);
  // Raw latency starts when the call finally leaves: only the 4 calls caught on the wire
  // see the stall, 0.4% of calls, so raw p99 looks healthy while the users waited 90 ms.
  assert.ok(p(r.rawHistogram, 99) <= 3, `raw p99 ${p(r.rawHistogram, 99)} ms`);
  assert.ok(r.rawHistogram.maxValue / 1000 >= S - 5, 'raw max still sees the calls on the wire');
  assert.equal(r.dropped, 0);
  assert.equal(r.ops, 20_000);
});

test('a call due while the in-flight limit is reached is dropped and counted', async () => {
  const r = await run(
    { serviceMs: 1, stallMs: 100, periodMs: 1000 },
    { rate: 1000, connections: 4, perConnection: 1, maxInflight: 10, durationMs: 5_000 },
  );
  // Per stall: 10 calls fit (4 outstanding + 6 queued), the other ~90 due in the stall drop.
  assert.ok(r.dropped >= 5 * 85 && r.dropped <= 5 * 95, `dropped ${r.dropped}`);
  assert.equal(r.ops + r.dropped, 5_000, 'every scheduled call is either measured or dropped');
});

test('warm-up calls are scheduled but not measured', async () => {
  const r = await run(
    { serviceMs: 2 },
    { rate: 500, connections: 2, perConnection: 4, maxInflight: 100, durationMs: 2_000, warmupMs: 3_000 },
  );
  assert.equal(r.ops, 1_000);
  assert.equal(r.histogram.totalCount, 1_000);
  assert.ok(r.windowBytes && r.windowBytes.in / r.windowCompletions === 100);
});
