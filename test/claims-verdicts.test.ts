// Issue 15 and issue 13 item 2 on fixed inputs: verdicts that follow from their figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../claims/decide.ts';
import { evaluate } from '../claims/evaluate.ts';
import { BY_REF } from '../claims/registry.ts';
import { FANOUT, FANOUT_LOAD, tickRange } from '../claims/figures.ts';
import { wireObservations } from '../claims/figures-wire.ts';
import type { WireFigures } from '../claims/checks-wire.ts';
import { timedHeld } from '../claims/observe.ts';
import { inconclusiveByReason, replaceSummaryBlock, SUMMARY_END, SUMMARY_START, type ClaimsRun } from '../claims/report.ts';
import { ctx, fanoutRun, getUser, resultOf, runOf } from './claims-fixtures.ts';

test('a generator-bound latency still decides an upper-bound claim (15.8), a ratio of such runs does not', () => {
  const r = getUser();
  r.runs = r.runs.map((x) => (x.protocol === 'websocket' ? { ...x, generatorBound: true, bound: 'generator' } : x));
  const v = evaluate(BY_REF.get('ws-realtime-under-100ms')!, ctx({ getUser: r }), {});
  assert.equal(v.verdict, 'confirmed');
  assert.match(v.reason, /generator-bound .* but the true figure is at most what was measured/);
  assert.match(v.detail ?? '', /can only inflate latency/);
  assert.equal(decide({ op: '>=', value: 5 }, { samples: [9, 9], unit: 'x', generatorBound: ['a'] }).verdict, 'inconclusive');
});

test('a run marked machine.disturbed makes a timed verdict inconclusive with its reasons (issue 13 item 2)', () => {
  const r = getUser();
  const machine = {
    stealPct: 40,
    stealPctByCpu: {},
    hiccupUs: { p99: 30_000, max: 40_000 },
    hiccupUsByCpu: {},
    probe: null,
    cpuPressurePct: null,
    disturbed: true,
    reasons: ['steal 40% > 10%'],
  };
  r.runs = r.runs.map((x) => (x.protocol === 'grpc' && x.repeat > 0 ? { ...x, machine } : x));
  const v = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: r }), {});
  assert.equal(v.verdict, 'inconclusive');
  assert.match(v.reason, /busy .*grpc repeat 2: machine disturbed: steal 40% > 10%/);
  // One disturbed repeat of three is set aside: two clean ones still decide.
  const one = getUser();
  one.runs = one.runs.map((x) => (x.protocol === 'grpc' && x.repeat === 2 ? { ...x, machine } : x));
  const w = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: one }), {});
  assert.equal(w.verdict, 'refuted');
  assert.match(w.detail ?? '', /1 of 3 repeats set aside/);
  // A capacity measured on a disturbed machine still bounds from below: 40k ops/s refutes "10-20K".
  assert.equal(evaluate(BY_REF.get('rest-node-10-20k-rps')!, ctx({ getUser: r }), {}).verdict, 'refuted');
});

test('a run record naming its implementation puts it in the detail (issue 14.3)', () => {
  const r = getUser();
  r.runs = r.runs.map((x) => ({ ...x, implementation: { name: x.protocol === 'grpc' ? 'grpc-js' : 'fastify', version: '1' } }));
  const v = evaluate(BY_REF.get('grpc-10x-higher-throughput')!, ctx({ getUser: r }), {});
  assert.match(v.detail ?? '', /implementation: rest on fastify; grpc on grpc-js/);
});

test('the last attempt of a repeat stands for it; a superseded one only when nothing later succeeded', () => {
  const r = resultOf([runOf('rest', 0, { ops: 1_000 }), runOf('rest', 1, { ops: 30_000 }), runOf('rest', 2, { ops: 31_000 })]);
  r.runs[0] = { ...r.runs[0]!, superseded: true, attempt: 1 };
  r.runs.push({ ...runOf('rest', 0, { ops: 32_000 }), attempt: 2 });
  const v = evaluate(BY_REF.get('intro-rest-10k-rps')!, ctx({ getUser: r }), {});
  assert.equal(v.figure?.min, 30_000, 'the superseded 1,000 ops/s attempt is not a sample');
  const only = resultOf([runOf('rest', 0, { ops: 9_000 }), runOf('rest', 1, { ops: 9_500 })]);
  only.runs = only.runs.map((x) => ({ ...x, superseded: true }));
  const u = evaluate(BY_REF.get('rest-node-10-20k-rps')!, ctx({ getUser: only }), {});
  assert.equal(u.verdict, 'inconclusive');
  assert.match(u.reason, /only a superseded \(disturbed\) attempt succeeded/);
});

test('a figure read in coarse ticks is decided over the range the ticks allow (15.3)', () => {
  assert.deepEqual(tickRange(10, 4000), [5, 15]);
  // 2 ticks of WebSocket CPU over 1,000 events: 20 us per event, anywhere from 0 to 40.
  const clear = decide({ op: '>=', value: 10 }, { samples: [300], unit: 'x', intervals: [[150, 600]], resolution: 'ticks' });
  assert.equal(clear.verdict, 'confirmed');
  const coarse = decide(
    { op: '>=', value: 10 },
    {
      samples: [16, 16, 16],
      unit: 'x',
      intervals: [
        [5, 40],
        [5, 40],
        [5, 40],
      ],
      resolution: 'server CPU read in 10 ms ticks',
    },
  );
  assert.equal(coarse.verdict, 'inconclusive');
  assert.match(coarse.reason, /10 ms ticks: the range a repeat could lie in crosses >= 10x/);
});

test('polling server load: 1,000 subscribers at 0.1 event/s, ratio decided only when the ticks allow', () => {
  const load = (wsCpu: number, delivered: number) =>
    resultOf(
      [0, 1, 2].flatMap((i) => [
        fanoutRun('poll', i, {
          subscribers: FANOUT_LOAD.subscribers,
          rate: FANOUT_LOAD.eventRate,
          cpuUsPerEvent: 400,
          delivered,
        }),
        fanoutRun('websocket', i, {
          subscribers: FANOUT_LOAD.subscribers,
          rate: FANOUT_LOAD.eventRate,
          cpuUsPerEvent: wsCpu,
          delivered,
        }),
      ]),
      'fanout',
    );
  const entry = BY_REF.get('polling-server-load-10x')!;
  // 4,000 events: WebSocket 10 us/event is 4 ticks, +-5 us; polling 400 +-5: the ratio is 27-81, clearly >= 10.
  const decided = evaluate(entry, ctx({ 'fanout-load': load(10, 4000) }), {});
  assert.equal(decided.verdict, 'confirmed');
  assert.match(decided.detail ?? '', /WebSocket push 10 us \(4 ticks\)/);
  // 200 events: 25 us/event is half a tick, +-100 us: 16x as read, but anything from 2.4x up.
  const coarse = evaluate(entry, ctx({ 'fanout-load': load(25, 200) }), {});
  assert.equal(coarse.verdict, 'inconclusive');
  assert.match(coarse.reason, /ticks/);
});

test('polling bandwidth at each rate the reference names: holds at some, not others, says which (15.2)', () => {
  const fan = resultOf(
    [0, 1, 2].flatMap((i) =>
      FANOUT.eventRates.flatMap((rate) => [
        // Polling costs ~ (polls per event) x 300 B; WebSocket ~ 300 B per event.
        fanoutRun('poll', i, {
          subscribers: FANOUT.subscribers,
          rate,
          bytesPerEvent: Math.max(300, 400 / rate),
          meanUs: 500_000,
        }),
        fanoutRun('websocket', i, { subscribers: FANOUT.subscribers, rate, bytesPerEvent: 300, meanUs: 800 }),
      ]),
    ),
    'fanout',
  );
  const v = evaluate(BY_REF.get('polling-bandwidth-10x')!, ctx({ fanout: fan }), {});
  assert.equal(v.verdict, 'refuted');
  assert.match(v.reason, />= 10x at 0.1 event\/s, not at 1 event\/s, 10 event\/s/);
  assert.equal(v.figure?.n, 9);
  assert.equal(v.measured, '0.1 event/s: 13.3x (n=3); 1 event/s: 1.33x (n=3); 10 event/s: 1x (n=3)');
  const lat = evaluate(BY_REF.get('polling-latency-2.5s-avg')!, ctx({ fanout: fan }), {});
  assert.equal(lat.verdict, 'confirmed', 'mean 500 ms at 1 s polls is T/2 at every rate');
  // A rate that delivered nothing (0.1 event/s in a short window) leaves a confirmation open.
  const short = { ...fan, runs: fan.runs.filter((r) => !(r.protocol === 'poll' && r.variant?.includes('rate=0.1,'))) };
  const partial = evaluate(BY_REF.get('polling-latency-2.5s-avg')!, ctx({ fanout: short }), {});
  assert.equal(partial.verdict, 'inconclusive');
  assert.match(partial.reason, /under every condition measured, but not measured at 0.1 event\/s/);
});

const WIRE: WireFigures = {
  minimal: { rest: { out: 78, in: 413, payload: 240 }, grpc: { out: 53, in: 154, payload: 117 } },
  api: { rest: { out: 384, in: 413, payload: 240 }, grpc: { out: 234, in: 154, payload: 117 } },
  browser: { rest: { out: 657, in: 413, payload: 240 }, grpc: null },
};

test('header-dependent claims: ~950 B decided on the typical API client, the others under each client (15.1)', () => {
  const obs = wireObservations(WIRE);
  assert.deepEqual(obs.rest950!.samples, [797]);
  assert.match(obs.rest950!.detail ?? '', /typical API client \(Authorization, Accept, Content-Type, User-Agent\)/);
  assert.match(obs.rest950!.detail ?? '', /browser-like request: REST 1,070 B/);
  assert.deepEqual(obs.grpcSaving!.labels, ['minimal client', 'typical API client']);
  const v = evaluate(BY_REF.get('intro-grpc-70pct-bandwidth')!, ctx({}), { wire: obs });
  assert.equal(v.verdict, 'refuted');
  assert.equal(v.figure?.n, 2);
  assert.equal(evaluate(BY_REF.get('rest-user-with-headers-950-bytes')!, ctx({}), { wire: obs }).verdict, 'confirmed');
});

test('a timing check that misses on a stalled process is inconclusive, on a quiet one refuted (15.7)', () => {
  assert.deepEqual(timedHeld(true, 'd', 500, 100).samples, [1]);
  assert.deepEqual(timedHeld(false, 'd', 10, 100).samples, [0]);
  const stalled = timedHeld(false, 'dropped after 1900 ms', 400, 250);
  assert.equal(decide({ op: 'holds' }, stalled).verdict, 'inconclusive');
  assert.match(stalled.unavailable ?? '', /stalled this process by up to 400 ms/);
});

test("verdicts on the harness's own settings say so (15.10); computed sizes are labelled (15.9)", () => {
  const obs = { status413: { samples: [1], unit: '', exact: true, detail: 'REST 413, GraphQL 413' } };
  const v = evaluate(BY_REF.get('status-413-body-limit')!, ctx({}), { http: obs });
  assert.equal(v.verdict, 'confirmed');
  assert.equal(v.measured, 'held (harness setting)');
  assert.match(v.detail ?? '', /^Shows a harness setting: .*1 MiB body limit/);
  const s = evaluate(BY_REF.get('json-user-145-bytes')!, ctx({}), {
    sizes: { guideUserJson: { samples: [99], unit: 'B', exact: true } },
  });
  assert.match(s.detail ?? '', /^Computed from the specs/);
});

test('inconclusive claims are counted by reason, and the README block is replaced between its markers (15.13)', () => {
  const claims = [
    'not built yet',
    'needs WAN round-trip time',
    'the deciding run was generator-bound (x)',
    'needs a cluster',
  ].map((reason, i) => ({
    ...evaluate(BY_REF.get('polling-battery')!, ctx({}), {}),
    ref: `c${i}`,
    verdict: 'inconclusive' as const,
    reason,
  }));
  const groups = inconclusiveByReason(claims);
  assert.deepEqual(
    groups.map((g) => [g.refs.length, g.refs.join(',')]),
    [
      [1, 'c0'],
      [2, 'c1,c3'],
      [1, 'c2'],
    ],
  );
  const run = { generatedAt: 'T', mode: 'full', claims } as unknown as ClaimsRun;
  const readme = `a\n${SUMMARY_START}\nold text\n${SUMMARY_END}\nb\n`;
  const out = replaceSummaryBlock(readme, run)!;
  assert.match(
    out,
    /^a\n<!-- generated[^\n]*-->\nFrom `results\/claims.json` of T \(full run\): 0 confirmed, 0 refuted, 4 inconclusive/,
  );
  assert.ok(out.endsWith(`${SUMMARY_END}\nb\n`));
  assert.ok(!out.includes('old text'));
  assert.equal(replaceSummaryBlock(out, run), out, 'idempotent');
  assert.equal(replaceSummaryBlock('no markers', run), null);
});
