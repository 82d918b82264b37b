// The run pipeline's pure parts: which workload a scenario runs on, how each workload plans its
// rows, the plan lines, the progress lines, and the CPU and percentile helpers both workloads use
// (the runs themselves: test/e2e.test.ts, test/fanout-e2e.test.ts, test/reliability.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../harness/config.ts';
import { SCENARIOS } from '../scenarios/registry.ts';
import { WORKLOADS, workloadOf } from '../harness/workloads/registry.ts';
import { planRequestResponse } from '../harness/workloads/request-response-plan.ts';
import { progressLine } from '../harness/output/progress.ts';
import { cpuBetween, procCpuTimes, procCpuUs } from '../harness/metrics/cpu.ts';
import { percentileTrio, round, roundTrio } from '../harness/workloads/figures.ts';
import { PINNING_DISABLED } from '../harness/procs/control.ts';
import { scenarioNamed } from '../harness/run/session.ts';
import { InputError } from '../harness/errors.ts';

describe('workload registry', () => {
  it('a scenario picks its workload by data: fanout by its field, every other scenario request/response', () => {
    assert.equal(workloadOf(SCENARIOS.fanout!).name, 'fanout');
    for (const s of Object.values(SCENARIOS).filter((x) => x.name !== 'fanout'))
      assert.equal(workloadOf(s).name, 'request-response', s.name);
    for (const [name, w] of Object.entries(WORKLOADS)) assert.equal(w.name, name);
  });

  it('an unknown scenario is the caller to fix (exit 2), naming the valid ones', () => {
    assert.throws(
      () => scenarioNamed('nope'),
      (e: Error) => e instanceof InputError && /valid: getUser/.test(e.message),
    );
  });
});

describe('request/response plan', () => {
  it('interleaves repeats A B C A B C, one row per variant, and announces each round once', () => {
    const cfg = resolveConfig({ scenario: 'listUsers', protocols: ['rest', 'graphql'], repeat: 2 });
    const rows = planRequestResponse(cfg);
    assert.deepEqual(
      rows.map((r) => `${r.repeat}:${r.protocol}${r.variant ? `/${r.variant}` : ''}:${r.kind}`),
      [0, 1].flatMap((k) =>
        ['rest/offset', 'rest/cursor', 'rest/offset-deep', 'rest/cursor-deep', 'graphql/connection'].map(
          (x) => `${k}:${x}:measure`,
        ),
      ),
    );
    assert.deepEqual(
      rows.map((r) => r.firstOfRound),
      [true, false, false, false, false, true, false, false, false, false],
    );
    assert.match(
      WORKLOADS['request-response'].describePlan(cfg, rows, PINNING_DISABLED),
      /^scenario listUsers: 5 protocol\(s\) x 2 repeats, ~\d+ s; no CPU pinning \(disabled in config\)$/,
    );
  });

  it('a sweep replaces the single run; autocannon adds its cross-check row after each HTTP/1.1 row', () => {
    const sweep = planRequestResponse(resolveConfig({ protocols: ['rest', 'grpc'], sweep: true }));
    assert.deepEqual(
      sweep.map((r) => r.kind),
      ['sweep', 'sweep'],
    );
    const ac = planRequestResponse(resolveConfig({ protocols: ['rest', 'grpc'], driver: 'autocannon' }));
    assert.deepEqual(
      ac.map((r) => `${r.protocol}:${r.kind}`),
      ['rest:measure', 'rest:autocannon', 'grpc:measure'],
    );
  });

  it('refuses a protocol the scenario cannot express before anything starts', () => {
    assert.throws(() => planRequestResponse(resolveConfig({ scenario: 'nPlusOne', protocols: ['rest'] })), InputError);
  });

  it('prints progress as one line per event', () => {
    assert.equal(
      progressLine({ protocol: 'rest', phase: 'measure', elapsedMs: 500, totalMs: 1000, opsPerSec: 1234 }),
      '[rest] measure 0.5/1.0 s  1,234 ops/s',
    );
    assert.equal(progressLine({ protocol: 'grpc', phase: 'failed', message: 'boom' }), '[grpc] FAILED: boom');
    // A workload's own line (fanout steps, a round marker) is printed as it is.
    assert.equal(
      progressLine({ protocol: 'sse', phase: 'note', message: '[sse K=10] connected 10/10' }),
      '[sse K=10] connected 10/10',
    );
  });
});

describe('fanout plan', () => {
  it('plans transport x K x rate from the config and refuses a request/response protocol', () => {
    const cfg = resolveConfig({ scenario: 'fanout', protocols: ['sse', 'websocket'], subscribers: [10, 20], eventRate: 5 });
    const rows = WORKLOADS.fanout.plan(cfg);
    assert.equal(rows.length, 4);
    assert.match(
      WORKLOADS.fanout.describePlan(cfg, rows, PINNING_DISABLED),
      /^scenario fanout: 4 run\(s\) \(sse, websocket; K 10, 20; 5 events\/s\)/,
    );
    assert.throws(() => WORKLOADS.fanout.plan(resolveConfig({ scenario: 'fanout', protocols: ['rest'] })), InputError);
  });
});

describe('shared figures', () => {
  it(
    'reads user and system CPU time from /proc; a missing edge makes the figure unknown, not zero',
    { skip: process.platform !== 'linux' },
    () => {
      const t = procCpuTimes(process.pid)!;
      assert.ok(t.userUs >= 0 && t.systemUs >= 0);
      const before = procCpuUs(process.pid)!;
      // Spin until the kernel's 10 ms tick has charged us some CPU: on a busy machine 60 ms of wall
      // time may hold little CPU, so spin in slices and re-read; 10 s of spinning without any CPU
      // charged means the reading is broken, not the machine slow.
      let after = before;
      for (const end = performance.now() + 10_000; after <= before && performance.now() < end;) {
        const slice = performance.now() + 20;
        while (performance.now() < slice);
        after = procCpuUs(process.pid)!;
      }
      assert.ok(after > before, `${before} -> ${after}`);
      assert.equal(procCpuTimes(2 ** 22 + 7), null);
      assert.equal(cpuBetween(10_000, 30_000), 20_000);
      assert.equal(cpuBetween(null, 30_000), null);
      assert.equal(cpuBetween(10_000, undefined), null);
    },
  );

  it('rounds and summarises the same way for every workload', () => {
    assert.equal(round(1.23456, 2), 1.23);
    assert.equal(round(null, 2), null);
    assert.deepEqual(percentileTrio([5, 1, 3, 2, 4]), { p50: 3, p99: 5, max: 5 });
    assert.equal(percentileTrio([]), null);
    assert.deepEqual(roundTrio({ p50: 1.4, p99: 2.6, max: 3.5 }), { p50: 1, p99: 3, max: 4 });
    assert.equal(roundTrio({ p50: NaN, p99: NaN, max: NaN }), null);
  });
});
