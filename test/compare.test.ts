import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareResults, comparisonJson, judge, renderComparisonMarkdown } from '../harness/results/compare.ts';
import { repeated, result, run } from './compare-fixtures.ts';
import { CompareInputError } from '../harness/errors.ts';

const PROTOS = ['rest', 'grpc', 'websocket'];

test('a result compared with itself: exit 0, nothing regressed or improved', () => {
  for (const repeats of [1, 3, 5]) {
    const r = repeated(PROTOS, repeats);
    const c = compareResults(r, r);
    assert.equal(c.status, 0, `${repeats} repeats`);
    assert.deepEqual(c.regressions, []);
    assert.deepEqual(c.improvements, []);
    assert.deepEqual(c.warnings, []);
    assert.equal(c.rows.length, PROTOS.length * 7, 'seven figures per protocol');
    assert.match(renderComparisonMarkdown(c), /\*\*No regression\*\*/);
  }
});

test("one protocol's throughput halved (5 repeats): exit 1, named, judged by Mann-Whitney", () => {
  const base = repeated(PROTOS, 5);
  const cand = repeated(PROTOS, 5, (p, _i, k) => (p === 'grpc' ? { opsPerSec: 5_000 * k } : {}));
  const c = compareResults(base, cand);
  assert.equal(c.status, 1);
  assert.deepEqual(
    c.regressions.map((r) => `${r.protocol} ${r.figure}`),
    ['grpc opsPerSec'],
  );
  const row = c.regressions[0]!;
  assert.equal(row.judgement, 'mann-whitney');
  assert.ok(Math.abs((row.p ?? 1) - 2 / 252) < 1e-12, `p = ${row.p}`);
  assert.ok(Math.abs((row.change ?? 0) + 0.5) < 1e-9, `change = ${row.change}`);
  const md = renderComparisonMarkdown(c);
  assert.match(md, /\*\*1 regression\*\*/);
  assert.match(md, /\*\*grpc opsPerSec\*\*: 10,000 -> 5,000 \(-50\.0%\)/);
  assert.match(
    md,
    /\| grpc \| ops\/s \(higher is better\) \| 10,000 \| 5,000 \| -50\.0% \| yes \(p=0\.008, 5 vs 5 repeats\) \| \*\*regressed\*\* \|/,
  );
});

test('3 vs 3 repeats: the exact test cannot reach 0.05, so complete separation decides', () => {
  const base = repeated(PROTOS, 3);
  const halved = compareResults(
    base,
    repeated(PROTOS, 3, (p, _i, k) => (p === 'rest' ? { opsPerSec: 5_000 * k } : {})),
  );
  assert.deepEqual(
    halved.regressions.map((r) => `${r.protocol} ${r.figure} ${r.judgement}`),
    ['rest opsPerSec separation'],
  );
  assert.match(renderComparisonMarkdown(halved), /cannot go below p = 0\.10/);
  // A big median change whose repeats overlap is noise, not a regression.
  const noisy = compareResults(
    result([run('rest', 0, { opsPerSec: 10_000 }), run('rest', 1, { opsPerSec: 9_000 }), run('rest', 2, { opsPerSec: 11_000 })]),
    result([run('rest', 0, { opsPerSec: 8_000 }), run('rest', 1, { opsPerSec: 9_500 }), run('rest', 2, { opsPerSec: 7_000 })]),
  );
  const ops = noisy.rows.find((r) => r.figure === 'opsPerSec')!;
  assert.equal(ops.beyondMinEffect, true);
  assert.equal(ops.beyondNoise, false);
  assert.equal(ops.verdict, 'unchanged');
  assert.equal(noisy.status, 0);
  assert.match(renderComparisonMarkdown(noisy), /same \(within noise\)/);
});

test('without repeats a change beyond the minimum effect is flagged, and the output says the noise is unknown', () => {
  const c = compareResults(
    repeated(PROTOS, 1),
    repeated(PROTOS, 1, (p) => (p === 'websocket' ? { p99: 3000 } : {})),
  );
  assert.equal(c.status, 1);
  assert.deepEqual(
    c.regressions.map((r) => `${r.protocol} ${r.figure} ${r.judgement}`),
    ['websocket latencyUs.p99 no-repeats'],
  );
  assert.equal(c.regressions[0]!.beyondNoise, null);
  const md = renderComparisonMarkdown(c);
  assert.match(md, /No repeats to judge the noise/);
  assert.match(md, /unknown: no repeats \(1 vs 1 runs\)/);
  // Under the minimum effect: not a regression, even without repeats.
  const small = compareResults(
    repeated(PROTOS, 1),
    repeated(PROTOS, 1, (p) => (p === 'rest' ? { opsPerSec: 9_700 } : {})),
  );
  assert.equal(small.status, 0);
});

test('minimum effect: a significant change under it is not a regression; the option moves the bar', () => {
  // 3% slower in every repeat: beyond the noise (p = 0.008) but under 5%.
  const c = compareResults(
    repeated(PROTOS, 5),
    repeated(PROTOS, 5, (p, _i, k) => (p === 'rest' ? { opsPerSec: 9_700 * k } : {})),
  );
  const row = c.rows.find((r) => r.protocol === 'rest' && r.figure === 'opsPerSec')!;
  assert.equal(row.beyondNoise, true);
  assert.equal(row.verdict, 'unchanged');
  assert.equal(c.status, 0);
  assert.match(renderComparisonMarkdown(c), /same \(under 5%\)/);
  assert.equal(
    compareResults(
      repeated(PROTOS, 5),
      repeated(PROTOS, 5, (p, _i, k) => (p === 'rest' ? { opsPerSec: 9_700 * k } : {})),
      { minEffect: 0.01 },
    ).status,
    1,
  );
  const halved = repeated(PROTOS, 5, (p, _i, k) => (p === 'rest' ? { opsPerSec: 5_000 * k } : {}));
  assert.equal(compareResults(repeated(PROTOS, 5), halved, { minEffect: 0.6 }).status, 0);
});

test('direction: lower latency and CPU are improvements, higher are regressions', () => {
  const base = repeated(['rest'], 5);
  const better = compareResults(
    base,
    repeated(['rest'], 5, (_p, _i, k) => ({ p50: 600 * k, cpuServer: 20 })),
  );
  assert.equal(better.status, 0);
  assert.deepEqual(better.improvements.map((r) => r.figure).sort(), ['cpuUsPerOp.server', 'latencyUs.p50']);
  const worse = compareResults(
    base,
    repeated(['rest'], 5, () => ({ cpuClient: 45, bytes: { out: 150, in: 200 } })),
  );
  assert.deepEqual(worse.regressions.map((r) => r.figure).sort(), ['bytesPerOp', 'cpuUsPerOp.client']);
});

test('errors: any error where the base had none is a regression, whatever the minimum effect', () => {
  const c = compareResults(
    repeated(PROTOS, 5),
    repeated(PROTOS, 5, (p, i) => (p === 'rest' && i === 2 ? { errors: 1 } : {})),
    { minEffect: 10 },
  );
  assert.deepEqual(
    c.regressions.map((r) => `${r.protocol} ${r.figure} ${r.judgement}`),
    ['rest errors.total errors-appeared'],
  );
  assert.match(renderComparisonMarkdown(c), /errors where there were none/);
  // Fewer errors than before is not a regression.
  assert.equal(
    compareResults(
      repeated(PROTOS, 5, () => ({ errors: 3 })),
      repeated(PROTOS, 5),
    ).status,
    0,
  );
});

test('failed runs in the candidate are a regression; a protocol on one side only is a note', () => {
  const base = repeated(PROTOS, 3);
  const failing = repeated(PROTOS, 3, (p, i) => (p === 'grpc' && i === 1 ? { state: 'failed' } : {}));
  const c = compareResults(base, failing);
  assert.ok(c.regressions.some((r) => r.protocol === 'grpc' && r.figure === 'failedRuns'));
  const onlyBase = compareResults(repeated(['rest', 'sse'], 3), repeated(['rest', 'graphql'], 3));
  assert.equal(onlyBase.status, 0);
  assert.deepEqual(onlyBase.notes, ['sse: only in base; not compared.', 'graphql: only in candidate; not compared.']);
  assert.ok(onlyBase.rows.every((r) => r.protocol === 'rest'));
  assert.match(renderComparisonMarkdown(onlyBase), /- sse: only in base; not compared\./);
});

test('variants are compared separately', () => {
  const mk = (naiveOps: number): ReturnType<typeof result> =>
    result(
      [0, 1, 2, 3].flatMap((i) => [
        run('graphql', i, { variant: 'dataloader', opsPerSec: 10_000 + i }),
        run('graphql', i, { variant: 'naive', opsPerSec: naiveOps + i }),
      ]),
    );
  const c = compareResults(mk(5_000), mk(2_000));
  assert.deepEqual(
    c.regressions.map((r) => `${r.protocol}/${r.variant} ${r.figure}`),
    ['graphql/naive opsPerSec'],
  );
  assert.match(renderComparisonMarkdown(c), /graphql \(naive\) opsPerSec/);
});

test('environment or settings mismatch is a warning, not an error; different scenarios are refused', () => {
  const base = repeated(PROTOS, 3);
  const other = { ...repeated(PROTOS, 3) };
  other.environment = {
    ...other.environment,
    cpuModel: 'Other CPU',
    cpus: 8,
    node: 'v22.1.0',
    packages: { fastify: '5.0.0', ws: '8.0.0' },
  };
  other.config = { ...other.config, connections: 16 };
  const c = compareResults(base, other);
  assert.equal(c.status, 0);
  assert.equal(c.warnings.length, 2);
  assert.match(
    c.warnings[0]!,
    /cpuModel "Test CPU" vs "Other CPU"; cpus 2 vs 8; node "v20\.20\.2" vs "v22\.1\.0".*package fastify "5\.12\.8" vs "5\.0\.0"; package ws "absent" vs "8\.0\.0"/,
  );
  assert.match(c.warnings[1]!, /connections unset vs 16/); // unset: each row its own layout (harness/load/layout.ts)
  assert.match(renderComparisonMarkdown(c), /> \*\*Warning:\*\* environments differ/);
  assert.throws(
    () => compareResults(base, { ...base, scenario: 'listUsers' }),
    (e: unknown) => e instanceof CompareInputError && /different scenarios.*getUser.*listUsers/.test(e.message),
  );
  assert.throws(
    () => compareResults(repeated(['rest'], 1), repeated(['sse'], 1)),
    (e: unknown) => e instanceof CompareInputError && /no protocol in common/.test(e.message),
  );
});

test('generator-bound rows are marked and explained', () => {
  const c = compareResults(
    repeated(PROTOS, 5, (p) => ({ generatorBound: p === 'rest' })),
    repeated(PROTOS, 5, (p, _i, k) => (p === 'rest' ? { generatorBound: true, p99: 4000 * k } : {})),
  );
  assert.equal(c.status, 1);
  const md = renderComparisonMarkdown(c);
  assert.match(md, /\*\*regressed\*\* \(generator-bound\)/);
  assert.match(md, /Generator-bound \(rest\).*read changes there with care/);
});

test('judge: zero base medians and missing figures', () => {
  assert.equal(judge([0, 0, 0], [0, 0, 0], 'lower', { minEffect: 0.05, alpha: 0.05 }).verdict, 'unchanged');
  const fromZero = judge([0, 0, 0, 0], [5, 6, 7, 8], 'lower', { minEffect: 0.05, alpha: 0.05 });
  assert.equal(fromZero.change, null);
  assert.equal(fromZero.verdict, 'regressed');
  assert.equal(judge([], [1], 'lower', { minEffect: 0.05, alpha: 0.05 }).verdict, 'not compared');
  // CPU not observable (external server) on both sides: not compared, not a regression.
  const c = compareResults(
    repeated(['rest'], 3, () => ({ cpuServer: null })),
    repeated(['rest'], 3, () => ({ cpuServer: null })),
  );
  assert.equal(c.rows.find((r) => r.figure === 'cpuUsPerOp.server')!.verdict, 'not compared');
  assert.equal(c.status, 0);
});

test('JSON output is plain data', () => {
  const c = compareResults(
    repeated(PROTOS, 3),
    repeated(PROTOS, 3, (p) => (p === 'rest' ? { errors: 2 } : {})),
  );
  const parsed = JSON.parse(comparisonJson(c)) as { status: number; regressions: { protocol: string; figure: string }[] };
  assert.equal(parsed.status, 1);
  assert.deepEqual(
    parsed.regressions.map((r) => `${r.protocol} ${r.figure}`),
    ['rest errors.total'],
  );
});

test('machine conditions: a slower CPU probe, a busy machine or slowed runs are warnings', () => {
  const withProbe = (ms: number, slowed: boolean) => {
    const r = repeated(['rest'], 3);
    for (const x of r.runs) x.probe = { ms, baselineMs: 10, slowed, reruns: 0 };
    return r;
  };
  const quiet = withProbe(10, false);
  const busy = withProbe(15, true);
  busy.environment = { ...busy.environment, loadAverage: [6.3, 4.8, 3.3] };
  const c = compareResults(quiet, busy, { baseLabel: 'base.json', candidateLabel: 'cand.json' });
  assert.equal(c.status, 0, 'warnings never change the status');
  assert.deepEqual(c.warnings, [
    'the machine was 50% slower during cand.json (fixed-work CPU probe, median 10 ms vs 15 ms): changes may come from the machine',
    'cand.json started on a busy machine (load average 6.3 on 2 CPUs)',
    'cand.json: 3 of 3 runs started while the CPU probe said the machine was slowed',
  ]);
  assert.deepEqual(compareResults(quiet, withProbe(11, false)).warnings, [], 'a 10% probe difference is ordinary');
});
