// Generator shards (issue 16, item 1): the flag grammar, each shard's share of the load, the row
// schedule on the shared clock and the wait for it (virtual time), and the config checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseShardSpec,
  parseStartAt,
  rerunsFor,
  rowStartAt,
  shardConfigProblems,
  shardShare,
  waitForStart,
  workerSeed,
  type Clock,
} from '../harness/run/shard.ts';
import { parseCli } from '../harness/run/args.ts';
import { resolveConfig, resolveLoad, type ResolvedLoad } from '../harness/config.ts';
import { ConfigError, UsageError } from '../harness/errors.ts';

test('--shard I/N is 0-based; auto/N reads JOB_COMPLETION_INDEX; bad specs name the valid forms', () => {
  assert.deepEqual(parseShardSpec('2/4', {}), { index: 2, count: 4 });
  assert.deepEqual(parseShardSpec('auto/8', { JOB_COMPLETION_INDEX: '5' }), { index: 5, count: 8 });
  for (const [spec, env, message] of [
    ['4/4', {}, /index must be 0 to 3/],
    ['x/4', {}, /expected I\/N .* or auto\/N/],
    ['1/0', {}, /N >= 1/],
    ['auto/4', {}, /JOB_COMPLETION_INDEX is not set/],
    ['auto/4', { JOB_COMPLETION_INDEX: '7' }, /index must be 0 to 3/],
  ] as const)
    assert.throws(
      () => parseShardSpec(spec, env),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      spec,
    );
  const cli = parseCli(['--shard', 'auto/3', '--start-at', '1800000000000', '--shard-gap', '4'], { JOB_COMPLETION_INDEX: '1' });
  assert.deepEqual(cli.layer.shard, { index: 1, count: 3 });
  assert.equal(cli.layer.startAt, 1_800_000_000_000);
  assert.equal(cli.layer.shardGapS, 4);
  assert.equal(parseStartAt('2027-01-01T00:00:00.000Z'), Date.parse('2027-01-01T00:00:00.000Z'));
  assert.throws(() => parseStartAt('soon'), UsageError);
});

test("each shard's share: connections add up to the row's (at least one each), rates and the in-flight limit divide", () => {
  const cfg = resolveConfig({ load: 'rate:1000' });
  const row = resolveLoad(cfg, 'http1'); // 32 connections x 1
  for (const count of [1, 3, 4, 40]) {
    const shares = Array.from({ length: count }, (_, index) => shardShare(row, 1000, { index, count }));
    const connections = shares.reduce((n, s) => n + s.layout.connections, 0);
    assert.equal(connections, Math.max(32, count), `${count} shards: connections add up (one each at least)`);
    assert.ok(shares.every((s) => s.layout.connections >= 1 && s.layout.inflightPerConnection === 1));
    const rate = shares.reduce((n, s) => n + (s.load as Extract<ResolvedLoad, { rate: number }>).rate, 0);
    assert.ok(Math.abs(rate - 1000) < 1e-9, `${count} shards: rates add up to 1000, got ${rate}`);
    assert.ok(shares.every((s) => s.maxInflight === Math.max(1, Math.round(1000 / count))));
  }
  const closed = shardShare(resolveLoad(resolveConfig({}), 'http2'), 1000, { index: 1, count: 2 });
  assert.deepEqual(closed.load, { model: 'closed', connections: 2, inflight: 8 }, 'closed loop: 4 x 8 split as 2 x 8 each');
  const stages = shardShare(resolveLoad(resolveConfig({ load: 'stages:100@1,300@2' }), 'http1'), 1000, { index: 0, count: 2 });
  assert.deepEqual(stages.load.model === 'stages' && stages.load.stages.map((s) => s.rate), [50, 150]);
  // Unsharded: unchanged.
  assert.deepEqual(shardShare(row, 1000, undefined), { ...row, maxInflight: 1000 });
});

test('every shard and worker has its own id seed; shard 0 keeps the seeds of an unsharded run', () => {
  const seeds = new Set<number>();
  for (let index = 0; index < 8; index++) for (let w = 0; w < 4; w++) seeds.add(workerSeed(42, { index, count: 8 }, w, 4));
  assert.equal(seeds.size, 32);
  for (let w = 0; w < 4; w++) assert.equal(workerSeed(42, { index: 0, count: 8 }, w, 4), workerSeed(42, undefined, w, 4));
});

test('rows start one slot apart on the shared clock: warm-up + measured window + gap', () => {
  const cfg = resolveConfig({ warmup: 2, duration: 5, shardGapS: 3, startAt: 1_000_000 });
  const closed = resolveLoad(cfg, 'http1').load;
  assert.equal(rowStartAt(cfg, closed, 0), 1_000_000);
  assert.equal(rowStartAt(cfg, closed, 2), 1_000_000 + 2 * 10_000);
  // A stages model measures the sum of its stages, whatever --duration says.
  const staged = resolveLoad(resolveConfig({ load: 'stages:10@4,20@6' }), 'http1').load;
  assert.equal(rowStartAt(cfg, staged, 1), 1_000_000 + (2 + 10 + 3) * 1000);
  assert.equal(rowStartAt(resolveConfig({}), closed, 3), undefined, 'no startAt: no schedule');
});

/** Virtual time: sleeps advance the clock at once. */
function virtualClock(t0: number): Clock & { sleeps: number[] } {
  let t = t0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

test('waiting for the start: an early shard sleeps until it (1 s steps at most), a late one starts at once', async () => {
  const early = virtualClock(10_000);
  assert.equal(await waitForStart(12_500, undefined, early), 0);
  assert.equal(early.now(), 12_500);
  assert.deepEqual(early.sleeps, [1000, 1000, 500]);
  const late = virtualClock(13_000);
  assert.equal(await waitForStart(12_000, undefined, late), 1000);
  assert.deepEqual(late.sleeps, []);
  const stopped = new AbortController();
  stopped.abort();
  const aborted = virtualClock(0);
  assert.equal(await waitForStart(60_000, stopped.signal, aborted), 0);
  assert.deepEqual(aborted.sleeps, [], 'an interrupt ends the wait');
});

test('a sharded config lists every problem at once: no start, no target, a sweep; a fanout scenario cannot be sharded', () => {
  assert.throws(
    () =>
      resolveConfig({ shard: { index: 0, count: 2 }, protocols: ['rest', 'grpc'], targets: { rest: 'http://h:1' }, sweep: true }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const text = e.problems.join('\n');
      assert.match(text, /startAt: shards must share a start/);
      assert.match(text, /none for grpc/);
      assert.match(text, /sweep/);
      return true;
    },
  );
  const ok = resolveConfig({ shard: { index: 1, count: 2 }, startAt: 1, protocols: ['rest'], targets: { rest: 'http://h:1' } });
  assert.deepEqual(ok.shard, { index: 1, count: 2 });
  assert.match(
    shardConfigProblems({ shard: { index: 0, count: 2 }, startAt: 1, sweep: false, targets: {} }, [], 'fanout').join('\n'),
    /fanout workload cannot be sharded/,
  );
  assert.throws(() => resolveConfig({ shard: { index: 2, count: 2 }, startAt: 1 }), /index 2 is not below count 2/);
});

test('a disturbed run with a shared start is marked, never rerun: a rerun cannot share the start', () => {
  assert.equal(rerunsFor(resolveConfig({})), 2, 'unsharded: the configured reruns');
  assert.equal(rerunsFor(resolveConfig({ startAt: 1_800_000_000_000 })), 0);
});
