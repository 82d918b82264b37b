// The page-load check loads pages over HTTP/1.1 and HTTP/2 through the delay proxy; what it
// asserts here is that it does the page load it describes (its connections, its answers, one
// load per protocol, network, size and round, the figures named in the detail) and that a
// page that lost answers or a busy event loop gives no verdict; never how fast anything is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROWSER_MAX_SOCKETS,
  DECIDING_N,
  measurePageLoads,
  pageLoadObservation,
  type PageLoad,
  type PageLoadRun,
} from '../claims/checks-pageload.ts';
import { BY_REF } from '../claims/registry.ts';
import { CHECKS } from '../claims/cli.ts';
import { withHiccups } from '../claims/observe.ts';

// Small and quick: 5 ms one way, pages of 3 and 8 sub-resources (8 > 6 makes HTTP/1.1 queue), two rounds.
const SIZES = [3, 8];

test('every page loads completely, HTTP/1.1 on at most 6 connections, HTTP/2 on one', async () => {
  const run = await measurePageLoads({ rounds: 2, delayMs: 5, sizes: SIZES, decideAt: 8 });
  assert.equal(run.loads.length, 2 * SIZES.length * 2 * 2, 'rounds x sizes x networks x protocols');
  for (const l of run.loads) {
    assert.equal(l.answers, l.n + 1, `${l.proto} ${l.network} N=${l.n}: the document and every sub-resource answered`);
    assert.ok(l.bodyBytes > 0 && l.ms > 0 && Number.isFinite(l.lateMs));
    if (l.proto === 'http2') assert.equal(l.connections, 1, `HTTP/2 N=${l.n}: one connection`);
    else assert.ok(l.connections >= 1 && l.connections <= BROWSER_MAX_SOCKETS, `HTTP/1.1 N=${l.n}: ${l.connections} connections`);
  }
  // 8 sub-resources at once cannot fit in one HTTP/1.1 connection without pipelining: the pool grows.
  const h1Big = run.loads.filter((l) => l.proto === 'http1' && l.n === 8);
  assert.ok(
    h1Big.every((l) => l.connections > 1),
    h1Big.map((l) => l.connections).join(),
  );

  // Lateness is the machine's, not the check's: with no limit the observation is one ratio per round.
  const obs = pageLoadObservation(run, Infinity);
  assert.ok(!obs.unavailable, obs.unavailable);
  assert.equal(obs.samples.length, 2);
  assert.equal(obs.unit, 'x');
  for (const x of obs.samples) assert.ok(Number.isFinite(x) && x > 0, String(x));
  for (const n of SIZES) assert.match(obs.detail ?? '', new RegExp(`N=${n}: HTTP/1.1 \\d+ ms / HTTP/2 \\d+ ms = [0-9.]+x`));
  assert.match(obs.detail ?? '', /decided at N=8/);
  const asked = 2 * 2 * 2 * SIZES.reduce((s, n) => s + n + 1, 0); // rounds x networks x protocols x (document + n)
  assert.match(obs.detail ?? '', new RegExp(`answers ${asked} of ${asked}`));
});

/** A synthetic run: every load complete, HTTP/1.1 taking `h1Ms`, HTTP/2 `h2Ms`. */
function fakeRun(h1Ms: number[], h2Ms: number[], patch: (l: PageLoad) => Partial<PageLoad> = () => ({})): PageLoadRun {
  const loads: PageLoad[] = [];
  for (let round = 0; round < h1Ms.length; round++)
    for (const network of ['handshake', 'proxy'] as const)
      for (const proto of ['http1', 'http2'] as const) {
        const l: PageLoad = {
          proto,
          network,
          n: DECIDING_N,
          round,
          ms: proto === 'http1' ? h1Ms[round]! : h2Ms[round]!,
          answers: DECIDING_N + 1,
          bodyBytes: 300 * (DECIDING_N + 1),
          connections: proto === 'http1' ? 6 : 1,
          lateMs: 1,
        };
        loads.push({ ...l, ...patch(l) });
      }
  return { delayMs: 25, rounds: h1Ms.length, sizes: [DECIDING_N], decideAt: DECIDING_N, overheadUs: 40, loads };
}

test('the samples are HTTP/1.1 time / HTTP/2 time per round, on the emulated-handshake network', () => {
  const obs = pageLoadObservation(fakeRun([400, 450, 420], [150, 150, 140], (l) => (l.network === 'proxy' ? { ms: 1 } : {})));
  assert.deepEqual(
    obs.samples.map((x) => Number(x.toFixed(3))),
    [2.667, 3, 3],
  );
  assert.match(obs.detail ?? '', /delay proxy's own cost 40 us/);
});

test('a busy event loop, a lost answer or a broken connection limit give no verdict', () => {
  const late = pageLoadObservation(
    fakeRun([400, 400], [150, 150], (l) => (l.round === 1 && l.proto === 'http2' ? { lateMs: 20 } : {})),
  );
  assert.match(late.unavailable ?? '', /20 ms late.*busy machine/);
  assert.equal(late.samples.length, 0);
  const lost = pageLoadObservation(fakeRun([400, 400], [150, 150], (l) => (l.round === 0 ? { answers: DECIDING_N } : {})));
  assert.match(lost.unavailable ?? '', /requests got no right answer/);
  const wide = pageLoadObservation(fakeRun([400, 400], [150, 150], (l) => (l.proto === 'http1' ? { connections: 7 } : {})));
  assert.match(wide.unavailable ?? '', /more connections than its client allows/);
});

test('the page-load claim is decided by this check on the 3-5x range', () => {
  const e = BY_REF.get('h2-multiplexing-3-5x-page-load')!;
  assert.deepEqual(
    [e.measure.kind, 'check' in e.measure && e.measure.check, 'key' in e.measure && e.measure.key],
    ['check', 'pageload', 'pageLoad'],
  );
  assert.deepEqual(e.rule, { op: 'between', lo: 3, hi: 5 });
  assert.equal(e.needs, undefined);
  assert.ok(CHECKS.pageload);
});

test('withHiccups sees a blocked event loop (the busy-machine guard the deciding loads rely on)', async () => {
  const { lateMs } = await withHiccups(async () => {
    await new Promise((r) => setTimeout(r, 5)); // let the first tick be armed
    const until = performance.now() + 60;
    while (performance.now() < until); // block: no timer can fire meanwhile
    await new Promise((r) => setTimeout(r, 5));
  });
  assert.ok(lateMs >= 30, `blocked 60 ms, saw ${lateMs} ms`);
});
