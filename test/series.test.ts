// Per-interval series (issue 17): the interval recorder, both load loops' series (open loop on
// virtual time, closed loop on fake connections), merging across workers and shards, the
// record's series from edge readings, and the schema. Counts only: no test times anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntervalRecorder, liveIntervals, mergeIntervalCounts, type IntervalCounts } from '../harness/load/intervals.ts';
import { runOpenLoop } from '../harness/load/open.ts';
import { runClosedLoop } from '../harness/load/closed.ts';
import { createHistogram, decodeHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';
import {
  buildSeries,
  mergeSeries,
  offsetsFrom,
  withEvents,
  type EdgeReading,
  type SeriesInterval,
} from '../harness/results/series.ts';
import { runRecordSchema } from '../harness/results/schema.ts';
import { resolveConfig } from '../harness/config.ts';
import { parseCli } from '../harness/run/args.ts';
import { ConfigError } from '../harness/errors.ts';
import type { CallOutcome, Connection } from '../clients/types.ts';
import { VirtualClock } from './support/virtual-clock.ts';
import { progressLine, progressOutput, shortLatency } from '../harness/output/progress.ts';
import type { ProgressEvent } from '../harness/workloads/types.ts';
import { SampleRing } from '../harness/metrics/sample-ring.ts';
import { sampleAtEdges } from '../harness/metrics/edge-sampler.ts';
import { mergeMeterIntervals } from '../harness/metrics/machine-meters.ts';
import { runWithReruns, type MachineWatch } from '../harness/run/attempts.ts';
import type { RunRecord } from '../harness/results/types.ts';
import { exampleResult } from './report-fixture.ts';

const exampleRun = (): RunRecord => exampleResult().runs[0]!;

const hist = (...us: number[]): string => {
  const h = createHistogram();
  for (const v of us) h.recordValue(v);
  return encodeHistogram(h);
};
const count = (encoded: string): number => decodeHistogram(encoded).totalCount;

test('recorder: a call counts in the interval it completed in; late ones in the last; ops add up', () => {
  const r = new IntervalRecorder(100, 300);
  r.start({ out: 0, in: 0 });
  r.ok(0, 10);
  r.ok(99.9, 20);
  r.ok(100, 30);
  r.error(150);
  r.sent(5);
  assert.equal(r.closeDue(150, () => ({ out: 10, in: 20 })).length, 1, 'interval 0 closes once its end passed');
  r.ok(250, 40);
  r.ok(420, 50); // completed in the drain, after the window: the last interval
  assert.equal(r.closeDue(10_000, () => ({ out: 30, in: 60 })).length, 1, 'the last interval waits for finish');
  const s = r.finish(300, { out: 40, in: 80 });
  assert.deepEqual(
    s.map((x) => [x.tMs, x.durationMs, x.ops, x.errors, count(x.histogram)]),
    [
      [0, 100, 2, 0, 2],
      [100, 100, 1, 1, 1],
      [200, 100, 2, 0, 2],
    ],
  );
  assert.deepEqual(
    s.map((x) => x.bytes),
    [
      { out: 10, in: 20 },
      { out: 20, in: 40 },
      { out: 10, in: 20 },
    ],
  );
  assert.equal(s[0]!.sent, 1);
});

test('recorder: an interrupted window keeps its intervals up to the interrupt, the last one short', () => {
  const r = new IntervalRecorder(1000, 5000);
  r.start(null);
  for (let t = 0; t < 4000; t += 10) r.ok(t, 100);
  const s = r.finish(2500, null);
  assert.deepEqual(
    s.map((x) => [x.tMs, x.durationMs]),
    [
      [0, 1000],
      [1000, 1000],
      [2000, 500],
    ],
  );
  assert.equal(
    s.reduce((a, x) => a + x.ops, 0),
    400,
    'counts past the interrupt fold into the last interval',
  );
  assert.ok(s.every((x) => x.bytes === null));
});

/** A connection to a modelled server on virtual time: fixed service time, stalls of stallMs every periodMs. */
function modelConnection(clock: VirtualClock, serviceMs: number, stall?: { ms: number; periodMs: number }): Connection {
  let out = 0;
  let inn = 0;
  return {
    setupBytes: { out: 0, in: 0 },
    wireBytes: () => ({ out, in: inn }),
    call(): Promise<CallOutcome> {
      out += 10;
      const a = clock.now();
      const into = stall ? a % stall.periodMs : Infinity;
      const start = stall && into < stall.ms ? a - into + stall.ms : a;
      return new Promise((resolve) =>
        clock.setTimer(
          () => {
            inn += 100;
            resolve({ ok: true, payload: { request: 1, response: 2 } });
          },
          start - a + serviceMs,
        ),
      );
    },
    close: async () => undefined,
  };
}

test('open loop: intervals sent live in order, ops adding up to the run; a stall shows in its interval', async () => {
  const clock = new VirtualClock();
  const live: IntervalCounts[] = [];
  // The server stalls 300 ms at the start of every 4 s: intervals 0 and 4 of the window (warm-up 1 s... 6 s).
  const conns = Array.from({ length: 8 }, () => modelConnection(clock, 2, { ms: 300, periodMs: 4000 }));
  const r = await clock.runUntil(
    runOpenLoop({
      connections: conns,
      perConnection: 1,
      maxInflight: 10_000,
      model: { model: 'rate', rate: 500 },
      warmupMs: 1000,
      durationMs: 5000,
      timeoutMs: 10_000,
      nextOp: () => ({ op: 'getUser', id: 1 }),
      clock,
      intervalMs: 1000,
      onInterval: (i) => live.push(i),
    }),
  );
  assert.equal(r.series.length, 5);
  assert.deepEqual(live, r.series, 'every interval was sent live, once, in order');
  assert.deepEqual(
    r.series.map((x) => x.tMs),
    [0, 1000, 2000, 3000, 4000],
  );
  assert.equal(
    r.series.reduce((a, x) => a + x.ops, 0),
    r.ops,
  );
  assert.equal(
    r.series.reduce((a, x) => a + count(x.histogram), 0),
    r.histogram.totalCount,
  );
  assert.equal(
    r.series.reduce((a, x) => a + x.sent, 0),
    Math.round((r.achievedRate * r.measuredMs) / 1000),
  );
  const p99 = r.series.map((x) => decodeHistogram(x.histogram).getValueAtPercentile(99));
  // Window time 3000 is server time 4000: the stall lands in interval 3, and only there.
  const stalled = p99.indexOf(Math.max(...p99));
  assert.equal(stalled, 3, `p99 by interval ${p99.join(', ')}`);
  assert.ok(p99[3]! > 100_000 && p99.filter((_, i) => i !== 3).every((v) => v < 10_000), p99.join(', '));
  const bytesIn = r.series.reduce((a, x) => a + x.bytes!.in, 0);
  assert.equal(bytesIn, r.windowBytes!.in, 'interval bytes add up to the window');
});

test('open loop: an interrupt keeps the intervals measured so far, ops still adding up', async () => {
  const clock = new VirtualClock();
  const stop = new AbortController();
  clock.setTimer(() => stop.abort(), 2500);
  const r = await clock.runUntil(
    runOpenLoop({
      connections: [modelConnection(clock, 1)],
      perConnection: 4,
      maxInflight: 1000,
      model: { model: 'rate', rate: 200 },
      warmupMs: 0,
      durationMs: 10_000,
      timeoutMs: 10_000,
      nextOp: () => ({ op: 'getUser', id: 1 }),
      clock,
      stop: stop.signal,
    }),
  );
  assert.equal(r.aborted, true);
  assert.deepEqual(
    r.series.map((x) => x.durationMs),
    [1000, 1000, 500],
  );
  assert.equal(
    r.series.reduce((a, x) => a + x.ops, 0),
    r.ops,
  );
});

test('closed loop: intervals by completion add up to the run, errors too', async () => {
  let n = 0;
  const conn: Connection = {
    setupBytes: null,
    wireBytes: () => null,
    call: () =>
      new Promise<CallOutcome>((resolve) =>
        setTimeout(
          () =>
            resolve(
              ++n % 5 === 0 ? { ok: false, kind: 'not_found', code: '404' } : { ok: true, payload: { request: 1, response: 1 } },
            ),
          2,
        ),
      ),
    close: async () => undefined,
  };
  const live: IntervalCounts[] = [];
  const r = await runClosedLoop({
    connections: [conn],
    inflight: 2,
    warmupMs: 20,
    durationMs: 300,
    timeoutMs: 5000,
    nextOp: () => ({ op: 'getUser', id: 1 }),
    intervalMs: 100,
    onInterval: (i) => live.push(i),
  });
  assert.equal(r.series.length, 3);
  assert.deepEqual(live, r.series);
  assert.equal(
    r.series.reduce((a, x) => a + x.ops, 0),
    r.ops,
  );
  assert.equal(
    r.series.reduce((a, x) => a + x.errors, 0),
    r.errors.total,
  );
  assert.ok(r.series.every((x) => count(x.histogram) === x.ops));
});

const interval = (tMs: number, ops: number, over: Partial<SeriesInterval> = {}): SeriesInterval => ({
  tMs,
  durationMs: 1000,
  ops,
  errors: 0,
  latencyUs: null,
  achievedRate: ops,
  cpu: { server: 0.5, client: null },
  bytes: { out: ops, in: 2 * ops },
  histogram: hist(...Array.from({ length: ops }, (_, i) => 100 + i)),
  ...over,
});

test('workers merge by interval index, exactly', () => {
  const w = (ops: number[]): IntervalCounts[] =>
    ops.map((o, i) => ({
      tMs: i * 1000,
      durationMs: 1000,
      ops: o,
      errors: 1,
      sent: o,
      bytes: null,
      histogram: hist(...Array(o).fill(50)),
    }));
  const m = mergeIntervalCounts([w([3, 4]), w([5, 6])]);
  assert.deepEqual(
    m.map((x) => [x.ops, x.errors, x.sent, count(x.histogram)]),
    [
      [8, 2, 8, 8],
      [10, 2, 10, 10],
    ],
  );
});

test('live intervals of several workers go out merged, in order, once all have closed one', () => {
  const out: IntervalCounts[] = [];
  const live = liveIntervals(2, (i) => out.push(i));
  const at = (tMs: number, ops: number): IntervalCounts => ({
    tMs,
    durationMs: 1000,
    ops,
    errors: 0,
    sent: ops,
    bytes: null,
    histogram: hist(...Array(ops).fill(10)),
  });
  live.add(0, at(0, 1));
  live.add(0, at(1000, 2));
  assert.equal(out.length, 0, 'worker 1 has not closed interval 0 yet');
  live.add(1, at(0, 3));
  live.add(1, at(1000, 4));
  assert.deepEqual(
    out.map((x) => [x.tMs, x.ops]),
    [
      [0, 4],
      [1000, 6],
    ],
  );
});

test('shards merge by interval after their offsets; counts and histograms exact, cores add, steal is the worst', () => {
  const a = [interval(0, 3, { stealPct: 1 }), interval(1000, 4, { stealPct: 30 }), interval(2000, 5)];
  const b = [interval(0, 6, { stealPct: 2, cpu: { server: 0.25, client: 0.1 } }), interval(1000, 7), interval(2000, 8)];
  // Shard b opened 1003 ms later: its intervals land one later, to the nearest interval.
  const m = mergeSeries([a, b], offsetsFrom([5_000, 6_003]));
  assert.deepEqual(
    m.map((x) => [x.tMs, x.ops, count(x.histogram)]),
    [
      [0, 3, 3],
      [1000, 10, 10],
      [2000, 12, 12],
      [3000, 8, 8],
    ],
  );
  assert.equal(
    m.reduce((s, x) => s + x.ops, 0),
    33,
  );
  assert.deepEqual(m[1]!.cpu, { server: 0.75, client: 0.1 });
  assert.equal(m[1]!.stealPct, 30);
  assert.deepEqual(m[1]!.bytes, { out: 10, in: 20 });
  assert.equal(m[1]!.latencyUs!.max, decodeHistogram(m[1]!.histogram).maxValue);
  assert.throws(() => mergeSeries([a], [0, 1]), /offsets/);
});

test('the record series takes CPU cores and steal from the readings at the interval edges', () => {
  const stat = (steal: number, total: number) => [{ cpu: 0, total, steal }];
  const edges: EdgeReading[] = [
    { atMs: 1000, serverCpuUs: 0, clientCpuUs: 0, stat: stat(0, 0) },
    { atMs: 2000, serverCpuUs: 500_000, clientCpuUs: 250_000, stat: stat(10, 100) },
    // A late timer: 1.25 s later, the rate is over the real span.
    { atMs: 3250, serverCpuUs: 1_750_000, clientCpuUs: null, stat: stat(10, 200) },
  ];
  const counts: IntervalCounts[] = [0, 1, 2].map((i) => ({
    tMs: i * 1000,
    durationMs: 1000,
    ops: 2,
    errors: 0,
    sent: 3,
    bytes: null,
    histogram: hist(100, 300),
  }));
  const s = buildSeries(counts, edges);
  assert.deepEqual(
    s.map((x) => x.cpu),
    [
      { server: 0.5, client: 0.25 },
      { server: 1, client: null },
      { server: null, client: null },
    ],
  );
  assert.deepEqual(
    s.map((x) => x.stealPct),
    [10, 0, undefined],
  );
  assert.equal(s[0]!.achievedRate, 3);
  assert.deepEqual(s[0]!.latencyUs, { p50: 100, p90: 300, p99: 300, max: 300 });
  assert.ok(runRecordSchema.shape.series.safeParse(s).success);
});

test('intervalMs: default 1 s, --interval-ms sets it, a value out of range is a config error that says the range', () => {
  assert.equal(resolveConfig({}).intervalMs, 1000);
  assert.equal(parseCli(['--interval-ms', '250']).layer.intervalMs, 250);
  assert.throws(
    () => resolveConfig({ intervalMs: 20, duration: -1 }),
    (err: unknown) =>
      err instanceof ConfigError && /intervalMs/.test(err.message) && /100/.test(err.message) && /duration/.test(err.message),
  );
});

test('live line: a TTY rewrites the row line with the last interval ops/s, p99 and errors; plain lines elsewhere', () => {
  const interval = { tMs: 2000, durationMs: 1000, ops: 12_345, errors: 2, histogram: hist(...Array(99).fill(900), 2500) };
  const events: ProgressEvent[] = [
    { protocol: 'rest', phase: 'measure', elapsedMs: 0, totalMs: 10_000 },
    { protocol: 'rest', phase: 'measure', elapsedMs: 3000, totalMs: 10_000, opsPerSec: 12_345, interval },
    {
      protocol: 'graphql',
      implementation: 'mercurius',
      phase: 'measure',
      elapsedMs: 1000,
      totalMs: 10_000,
      opsPerSec: 7,
      interval: { ...interval, errors: 1, histogram: hist(1_500_000) },
    },
    {
      protocol: 'rest',
      phase: 'measure',
      elapsedMs: 1000,
      totalMs: 10_000,
      opsPerSec: 0,
      interval: { ...interval, ops: 0, errors: 0, histogram: hist() },
    },
    { protocol: 'rest', phase: 'done', opsPerSec: 12_000 },
  ];
  const lines = [
    '[rest] measure 0.0/10.0 s',
    '[rest] measure 3.0/10.0 s  12,345 ops/s  p99 900 us  2 errors',
    '[graphql · mercurius] measure 1.0/10.0 s  7 ops/s  p99 1.5 s  1 error',
    '[rest] measure 1.0/10.0 s  0 ops/s  p99 n/a  0 errors',
    '[rest] done: 12,000 ops/s',
  ];
  assert.deepEqual(events.map(progressLine), lines);
  const tty = progressOutput({ tty: true });
  assert.deepEqual(
    events.map((e) => tty.progress(e)),
    lines.map((l, i) => `\r\x1b[K${l}${i === 4 ? '\n' : ''}`),
    'one line per row, rewritten in place until the row is done',
  );
  const plain = progressOutput({ tty: false });
  assert.deepEqual(
    events.map((e) => plain.progress(e)),
    lines.map((l) => `${l}\n`),
  );
  assert.equal(shortLatency(1234), '1.23 ms');
});

test('hiccup meters: a ring of timed wake-ups cut into intervals; intervals it no longer holds are null', () => {
  const ring = new SampleRing(8);
  for (let t = 0; t < 6; t++) ring.push(1000 + t * 250, 100 * (t + 1)); // 1000 .. 2250 ms
  const h = ring.perInterval(1000, 500, 3).map((e) => e && decodeHistogram(e));
  assert.deepEqual(
    h.map((x) => x && [x.totalCount, x.maxValue]),
    [
      [2, 200],
      [2, 400],
      [2, 600],
    ],
  );
  for (let t = 6; t < 12; t++) ring.push(1000 + t * 250, 1); // overwrites the first four
  assert.equal(ring.oldestMs(), 2000);
  assert.deepEqual(
    ring.perInterval(1000, 500, 4).map((e) => e && decodeHistogram(e).totalCount),
    [null, null, 2, 2],
  );
  // Meters merged exactly per interval; one meter lacking an interval leaves it unknown.
  assert.deepEqual(
    mergeMeterIntervals(
      [
        [hist(100, 200), hist(5)],
        [hist(300), null],
      ],
      2,
    ),
    [{ p99: 300, max: 300 }, null],
  );
});

test('the rerun policy gives each interval of a record its hiccups from the machine watch', async () => {
  const asked: number[][] = [];
  const watch: MachineWatch = {
    beforeRun: async () => undefined,
    windowOpened: () => undefined,
    judge: async () => ({
      stealPct: 0,
      stealPctByCpu: {},
      hiccupUs: null,
      hiccupUsByCpu: {},
      probe: null,
      cpuPressurePct: null,
      disturbed: false,
      reasons: [],
    }),
    intervalHiccups: async (startMs, intervalMs, n) => {
      asked.push([startMs, intervalMs, n]);
      return [{ p99: 1, max: 2 }, null];
    },
  };
  const record = {
    ...(JSON.parse(JSON.stringify(exampleRun())) as RunRecord),
    startedAtMs: 5000,
    intervalMs: 1000,
    series: [interval(0, 1), interval(1000, 2)],
  };
  const out: RunRecord[] = [];
  const run = async function* (): AsyncGenerator<RunRecord> {
    yield record;
  };
  for await (const r of runWithReruns(run, () => undefined, watch, {
    reruns: 0,
    signal: new AbortController().signal,
    note: () => undefined,
  }))
    out.push(r);
  assert.deepEqual(asked, [[5000, 1000, 2]]);
  assert.deepEqual(
    out[0]!.series!.map((x) => x.hiccupUs),
    [{ p99: 1, max: 2 }, null],
  );
});

test('fanout intervals carry the events the schedule created in them, and their rate', () => {
  const s = withEvents([interval(0, 10), interval(1000, 20, { durationMs: 500 })], [5, 7]);
  assert.deepEqual(
    s.map((x) => [x.events, x.achievedRate, x.ops]),
    [
      [5, 5, 10],
      [7, 14, 20],
    ],
  );
});

test('edge sampler: a reading at the window start, one per interval end, and one at an early stop', async () => {
  const read = (atMs: number): EdgeReading => ({ atMs, serverCpuUs: atMs, clientCpuUs: null, stat: null });
  const t0 = Date.now();
  const full = sampleAtEdges(read, { startMs: t0, endMs: t0 + 50, intervalMs: 20 }, Date.now);
  // Edges at 0, 20, 40 and the window end 50: polled, never a fixed sleep (timers may run late here).
  for (let waited = 0; full.readings.length < 4 && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  assert.equal(full.readings.length, 4);
  full.stop();
  full.stop();
  assert.equal(full.readings.length, 4, 'a sampler that read every edge takes nothing more at stop, however often');
  let tick = 0; // a clock that always moves on
  const early = sampleAtEdges(read, { startMs: 0, endMs: 60_000, intervalMs: 1000 }, () => ++tick);
  early.stop();
  assert.equal(early.readings.length, 2, 'interrupted: the start and the moment it stopped');
});
