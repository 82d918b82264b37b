// The fanout scenario's pure parts: delivery accounting, lean event reads, the event log's
// resume buffer, the emission schedule, the run plan, the run record and its report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryRecorder } from '../clients/push/delivery.ts';
import { intField, scanEvents } from '../clients/push/extract.ts';
import { readEventHead } from '../clients/push/grpc.ts';
import { backoffDelay } from '../clients/push/base.ts';
import { encodeUserEvent, eventsType } from '../proto/events.ts';
import { EmissionSchedule, EventLog, eventJson } from '../servers/push/events.ts';
import { createMemoryStore } from '../servers/store.ts';
import { generateUser } from '../servers/dataset.ts';
import {
  buildFanoutRecord,
  fanoutPlan,
  scheduledEmitReport,
  variantName,
  type FanoutInputs,
} from '../harness/workloads/fanout.ts';
import { fanoutOptionsSchema } from '../scenarios/fanout.ts';
import { renderFanoutReport } from '../harness/output/fanout-markdown.ts';
import { runRecordSchema } from '../harness/results/schema.ts';
import { createHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';
import type { SubscriberResult, EmitReport } from '../harness/procs/fanout-ipc.ts';
import type { BenchResult } from '../harness/results/types.ts';

describe('DeliveryRecorder', () => {
  it('counts first receipts of window events, duplicates, and latency from creation', () => {
    const r = new DeliveryRecorder(2);
    r.setWindow(1000, 2000);
    r.event(0, 1, 900, 950); // created before the window: not counted
    r.event(0, 2, 1000, 1100);
    r.event(0, 3, 1500, 1700);
    r.event(0, 3, 1500, 1800); // again: a duplicate
    r.event(1, 2, 1000, 1300);
    r.event(1, 4, 2000, 2100); // created at the window's end: not counted
    assert.equal(r.counts.delivered, 3);
    assert.equal(r.counts.duplicated, 1);
    assert.equal(r.latency.totalCount, 3);
    assert.equal(r.latency.maxValue, 300);
    // Every receipt, duplicates included: the subscriber process takes window deltas of it.
    assert.equal(r.counts.receipts, 6);
  });

  it('takes an out-of-order event as filling its gap, not as a duplicate', () => {
    const r = new DeliveryRecorder(1);
    r.setWindow(0, 1e9);
    r.event(0, 1, 10, 20);
    r.event(0, 4, 10, 20); // 2 and 3 skipped
    r.event(0, 3, 10, 20);
    r.event(0, 2, 10, 20);
    r.event(0, 2, 10, 20); // now a duplicate
    assert.equal(r.counts.delivered, 4);
    assert.equal(r.counts.duplicated, 1);
  });

  it('times a resume from the loss to the re-opened subscription, and counts empty polls', () => {
    const r = new DeliveryRecorder(1);
    r.setWindow(0, 1000);
    r.open(0, 5, false);
    r.lost(0, 100);
    r.open(0, 350, true);
    assert.equal(r.counts.lostConnections, 1);
    assert.equal(r.counts.resumed, 1);
    assert.equal(r.resume.maxValue, 250);
    r.emptyPoll(500, 40, 90);
    r.emptyPoll(1500, 40, 90);
    assert.deepEqual([r.counts.emptyPolls, r.counts.emptyPollBytes.out, r.counts.emptyPollBytes.in], [2, 80, 180]);
  });
});

describe('lean reads', () => {
  it('scanEvents finds every id and creation time in an event, a poll answer and a GraphQL result', () => {
    const u = generateUser({ users: 10, seed: 1 }, 3);
    const seen: [number, number][] = [];
    scanEvents(eventJson(7, 123456789, u), (id, t) => seen.push([id, t]));
    scanEvents(`{"last":9,"events":[${eventJson(8, 5, u)},${eventJson(9, 6, u)}]}`, (id, t) => seen.push([id, t]));
    scanEvents(
      JSON.stringify({ id: '1', type: 'next', payload: { data: { userUpdated: { eventId: 10, createdUs: 77, user: u } } } }),
      (id, t) => seen.push([id, t]),
    );
    assert.deepEqual(seen, [
      [7, 123456789],
      [8, 5],
      [9, 6],
      [10, 77],
    ]);
    assert.equal(intField('{"last":42,"events":[]}', 'last'), 42);
    assert.ok(Number.isNaN(intField('{}', 'last')));
  });

  it('readEventHead reads what protobufjs encodes', () => {
    const u = generateUser({ users: 10, seed: 1 }, 5);
    for (const [id, t] of [
      [1, 0],
      [300, 1.5e12],
      [2 ** 40, 987654321],
    ] as const) {
      const b = encodeUserEvent(id, t, u);
      assert.deepEqual(readEventHead(b), { eventId: id, createdUs: t });
      const o = eventsType('UserEvent').toObject(eventsType('UserEvent').decode(b), { longs: Number }) as {
        user: { username: string };
      };
      assert.equal(o.user.username, u.username);
    }
  });

  it('backoff doubles from the base up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((f) => backoffDelay(f, 1000, 30_000)),
      [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
    );
  });
});

describe('EventLog', () => {
  it('replays what is after an id, from what the buffer still holds', () => {
    const log = new EventLog(createMemoryStore({ users: 5, seed: 1 }), { bufferSize: 4 });
    assert.deepEqual(log.since(0), []);
    for (let i = 0; i < 6; i++) log.emit(1000 + i);
    assert.equal(log.lastId, 6);
    assert.deepEqual(
      log.since(4).map((e) => e.eventId),
      [5, 6],
    );
    // 1 and 2 left the 4-event buffer: a subscriber that far behind gets 3.. and counts the gap lost.
    assert.deepEqual(
      log.since(0).map((e) => e.eventId),
      [3, 4, 5, 6],
    );
    assert.deepEqual(log.since(6), []);
    assert.deepEqual(log.since(99), []);
    const e = log.get(6)!;
    assert.equal(e.createdUs, 1005);
    assert.equal(e.user.id, 1, 'users go round the data set');
    assert.deepEqual(JSON.parse(e.json), { eventId: 6, createdUs: 1005, user: e.user });
  });

  it('schedules events uniformly or with Poisson gaps, the same way every time', () => {
    const start = 1_000_000;
    const u = new EmissionSchedule('uniform', 4, start);
    assert.deepEqual(
      [0, 1, 2].map((k) => u.due(k)),
      [start, start + 250_000, start + 500_000],
    );
    assert.deepEqual(u.countIn(start + 100_000, start + 1_100_000), { first: 1, count: 4 });
    const p = new EmissionSchedule('poisson', 10, start, 42);
    const again = new EmissionSchedule('poisson', 10, start, 42);
    const n = 20_000;
    assert.equal(p.due(n), again.due(n), 'seeded: the runner can recount what the server emitted');
    const meanGapUs = (p.due(n) - start) / (n + 1);
    assert.ok(Math.abs(meanGapUs - 100_000) < 3000, `mean gap ${meanGapUs.toFixed(0)} us, want 100 ms`);
    // A fifth of the gaps exceed 1.6x the mean for exponential gaps (e^-1.6 = 0.20); none would for uniform ones.
    let long = 0;
    for (let k = 1; k <= n; k++) if (p.due(k) - p.due(k - 1) > 160_000) long++;
    assert.ok(Math.abs(long / n - Math.exp(-1.6)) < 0.02, `${long / n}`);
    const { first, count } = p.countIn(start + 1e6, start + 3e6);
    assert.ok(
      p.due(first) >= start + 1e6 &&
        p.due(first - 1) < start + 1e6 &&
        p.due(first + count) >= start + 3e6 &&
        p.due(first + count - 1) < start + 3e6,
    );
  });
});

describe('fanout plan and record', () => {
  it('plans K, then rate, then transport; poll intervals only multiply short polling', () => {
    const plan = fanoutPlan(['websocket', 'poll', 'long-poll'], [10, 100], [1], [500, 5000]);
    assert.deepEqual(plan.map(variantName).slice(0, 4), [
      'subscribers=10,rate=1',
      'subscribers=10,rate=1,poll=500ms',
      'subscribers=10,rate=1,poll=5000ms',
      'subscribers=10,rate=1',
    ]);
    assert.equal(plan.length, 8);
  });

  const h = (values: number[]): string => {
    const x = createHistogram();
    for (const v of values) x.recordValue(v);
    return encodeHistogram(x);
  };
  const sub = (delivered: number, latencies: number[], extra: Partial<SubscriberResult> = {}): SubscriberResult => ({
    delivered,
    duplicated: 0,
    receipts: delivered,
    emptyPolls: 0,
    emptyPollBytes: { out: 0, in: 0 },
    windowReceipts: delivered,
    windowEmptyPolls: 0,
    windowEmptyPollBytes: { out: 0, in: 0 },
    lostConnections: 0,
    resumed: 0,
    histogram: h(latencies),
    resumeHistogram: h([]),
    windowBytes: { out: 0, in: delivered * 300 },
    verified: 3,
    openAtEnd: 2,
    reconnects: 0,
    ...extra,
  });
  const emit: EmitReport = {
    inWindow: 10,
    firstId: 5,
    lastId: 14,
    total: 20,
    end: { rssBytes: 9e7, heapUsedBytes: 5e7, subscribers: 4 },
    loopDelayUs: { p50: 10, p99: 20, max: 30 },
    emitLateUs: null,
  };
  const inputs = (over: Partial<FanoutInputs> = {}): FanoutInputs => ({
    spec: { transport: 'sse', subscribers: 4, eventRate: 5, pollIntervalMs: null },
    options: fanoutOptionsSchema.parse({}),
    durationS: 2,
    emit,
    subs: [sub(20, [1000, 2000]), sub(20, [3000])],
    connected: { ok: 4, failed: 0, connectMs: 12, setupBytes: { out: 100, in: 200 } },
    memBase: { rssBytes: 5e7, heapUsedBytes: 1e7, subscribers: 0 },
    memConnected: { rssBytes: 5e7 + 4 * 8192, heapUsedBytes: 1e7 + 4 * 4096, subscribers: 4 },
    generatorCapacity: 1,
    payloadBytes: 280,
    workers: 2,
    cpuUs: { server: 20_000, client: 2000 },
    ...over,
  });
  const base = { protocol: 'sse', server: 'push-sse', driver: 'd', repeat: 0, variant: 'subscribers=4,rate=5' };

  it('builds a schema-valid record: delivered, lost, bytes and memory per connection', () => {
    const r = buildFanoutRecord(base, inputs());
    runRecordSchema.parse(r);
    const d = r.delivery!;
    assert.equal(d.expected, 40);
    assert.equal(d.delivered, 40);
    assert.equal(d.lost, 0);
    assert.deepEqual(d.bytesPerEvent, { out: 0, in: 300 });
    assert.equal(d.serverCpuUsPerEvent, 500);
    assert.deepEqual(r.memoryPerConnectionBytes, { rss: 8192, heap: 4096 });
    assert.equal(r.opsPerSec, 20);
    assert.equal(r.latencyUs!.count, 3);
    assert.equal(d.keepingUp, true);
    assert.equal(r.verified, 6);
  });

  it('says why a protocol is not keeping up: loss, a failed connect, p99 over the limit, a silent server', () => {
    const slow = buildFanoutRecord(
      base,
      inputs({
        subs: [sub(20, [2_000_000]), sub(15, [10])],
        connected: { ok: 3, failed: 1, connectMs: 1, setupBytes: null, firstError: 'ECONNREFUSED' },
      }),
    );
    runRecordSchema.parse(slow);
    assert.equal(slow.delivery!.lost, 5);
    assert.equal(slow.delivery!.keepingUp, false);
    assert.match(
      slow.delivery!.limitReason!,
      /1 of 4 subscribers could not connect \(ECONNREFUSED\); 5 of 40 events lost; delivery p99 \d+ ms over the 1000 ms limit/,
    );
    // Short polling's limit includes its interval: a 900 ms p99 at a 1 s interval keeps up.
    const poll = buildFanoutRecord(
      base,
      inputs({
        spec: { transport: 'poll', subscribers: 4, eventRate: 5, pollIntervalMs: 1000 },
        subs: [sub(20, [1_900_000]), sub(20, [10])],
      }),
    );
    assert.equal(poll.delivery!.keepingUp, true);
    assert.deepEqual(poll.delivery!.polls, { empty: 0, emptyBytes: { out: 0, in: 0 }, emptyBytesPerEvent: 0 });
    const silent = buildFanoutRecord(
      base,
      inputs({
        emit: scheduledEmitReport(new EmissionSchedule('uniform', 5, 0), 1e6, 3e6, 'server still busy'),
        cpuUs: { server: null, client: 2000 },
      }),
    );
    runRecordSchema.parse(silent);
    assert.equal(silent.delivery!.emitted, 10);
    assert.equal(silent.cpuUsPerOp.server, null);
    assert.equal(silent.delivery!.keepingUp, false);
  });

  it('renders the table and where each protocol stopped keeping up', () => {
    const ok = buildFanoutRecord(base, inputs());
    const bad = buildFanoutRecord(
      { ...base, variant: 'subscribers=8,rate=5' },
      inputs({ spec: { transport: 'sse', subscribers: 8, eventRate: 5, pollIntervalMs: null } }),
    );
    const result = { description: 'd', notes: [], runs: [ok, bad] } as unknown as BenchResult;
    const md = renderFanoutReport(result, 'x.json');
    assert.match(md, /\| sse \| 4 \| 5\.0 \| 40 \/ 40 \| 0 \| 0 \|/);
    assert.match(md, /\| sse @ 5\/s \| 4 \| 8 \| 40 of 80 events lost \|/);
    assert.match(md, /CLOCK_MONOTONIC/);
  });
});
