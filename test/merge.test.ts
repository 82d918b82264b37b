// Merging results of several load-generator machines that drove one target at the same time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeResults } from '../harness/results/merge.ts';
import { createHistogram, decodeHistogram, encodeHistogram, summarize } from '../harness/metrics/histogram.ts';
import { readResult, writeResult } from '../harness/results/io.ts';
import { resolveConfig } from '../harness/config.ts';
import type { BenchResult, LatencySummary, RunRecord } from '../harness/results/types.ts';
import { MergeError } from '../harness/errors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

// A local fixture rather than results-io.test.ts's sampleResult(): importing a test file would
// run its tests again inside this one.
function result(hostname: string, runs: RunRecord[], over: Partial<BenchResult> = {}): BenchResult {
  return {
    schemaVersion: 1,
    tool: 'protocol-bench',
    state: 'complete',
    scenario: 'getUser',
    description: 'd',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    config: resolveConfig({}),
    environment: {
      cpuModel: 'cpu',
      cpus: 2,
      memoryBytes: 1,
      os: 'linux',
      node: 'v20',
      packages: {},
      commit: null,
      commitDirty: null,
      hostname,
      loadAverage: [0, 0, 0],
      pinning: { method: 'none', server: null, generator: null, reason: 'test' },
    },
    notes: [],
    runs,
    ...over,
  };
}

/** As a generator reports it: the histogram crosses the process boundary encoded, and
 *  decoding keeps bucket precision only (a max of 250,000 reads back as its bucket's top). */
function latency(values: readonly number[]): LatencySummary {
  const h = createHistogram();
  for (const v of values) h.recordValue(v);
  return summarize(decodeHistogram(encodeHistogram(h)));
}

/** `n` values spread over [lo, hi): different shapes per generator make averaging percentiles wrong. */
function spread(n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(lo + ((hi - lo) * i) / n));
}

function run(over: Partial<RunRecord> & { values: number[] }): RunRecord {
  const { values, ...rest } = over;
  const ops = values.length;
  return {
    protocol: 'rest',
    server: 'rest',
    driver: 'autocannon',
    state: 'ok',
    repeat: 0,
    opsPerSec: ops / 10,
    ops,
    measuredSeconds: 10,
    latencyUs: latency(values),
    cpuUsPerOp: { server: null, client: 20 },
    cpuCores: { server: null, client: 0.5 },
    bytesPerOp: { out: 100, in: 200 },
    setupBytes: { out: 1, in: 2 },
    payloadBytes: { request: 0, response: 150 },
    errors: { total: 0, byKind: {} },
    generatorBound: false,
    bound: 'neither',
    serverRssBytes: null,
    verified: 50,
    load: { model: 'closed', connections: 4, inflight: 1 },
    ...rest,
  };
}

test('histograms merge losslessly: percentiles equal those of one histogram holding every value', () => {
  const a = spread(3000, 100, 400);
  const b = [...spread(1000, 2000, 9000), 250_000];
  const { result: m } = mergeResults([
    { name: 'a.json', result: result('gen-a', [run({ values: a })]) },
    { name: 'b.json', result: result('gen-b', [run({ values: b })]) },
  ]);
  const all = latency([...a, ...b]);
  const merged = m.runs[0]!.latencyUs!;
  for (const k of ['count', 'min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'] as const) assert.equal(merged[k], all[k], k);
  assert.equal(decodeHistogram(merged.histogram).totalCount, a.length + b.length);
  // The wrong way, for contrast: the mean of the two p99s is far from the merged p99.
  assert.notEqual((latency(a).p99 + latency(b).p99) / 2, merged.p99);
});

test('ops, ops/s, errors, dropped and rates add up; client CPU is ops-weighted, its cores summed', () => {
  const open = { model: 'rate', rate: 1000, connections: 4, inflight: 1, maxInflight: 100 } as const;
  const a = run({
    values: spread(1000, 100, 200),
    measuredSeconds: 10,
    cpuUsPerOp: { server: null, client: 30 },
    cpuCores: { server: null, client: 0.3 },
    bytesPerOp: { out: 100, in: 300 },
    errors: { total: 3, byKind: { timeout: 2, reset: 1 } },
    rawLatencyUs: latency(spread(1000, 90, 190)),
    requestedRate: 1000,
    achievedRate: 99.5,
    dropped: 4,
    load: open,
  });
  const b = run({
    values: spread(3000, 100, 200),
    measuredSeconds: 10.5,
    cpuUsPerOp: { server: null, client: 10 },
    cpuCores: { server: null, client: 0.4 },
    bytesPerOp: { out: 200, in: 100 },
    errors: { total: 5, byKind: { timeout: 5 } },
    generatorBound: true,
    bound: 'generator',
    rawLatencyUs: latency(spread(3000, 80, 180)),
    requestedRate: 3000,
    achievedRate: 298.2,
    dropped: 1,
    load: { ...open, rate: 3000 },
  });
  const { result: m, warnings } = mergeResults([
    { name: 'a.json', result: result('gen-a', [a]) },
    { name: 'b.json', result: result('gen-b', [b]) },
  ]);
  assert.deepEqual(warnings, [], 'windows within 10%: no warning');
  const r = m.runs[0]!;
  assert.equal(r.ops, 4000);
  assert.equal(r.measuredSeconds, 10.5, 'the longest window');
  assert.equal(r.opsPerSec, Math.round((4000 / 10.5) * 10) / 10);
  assert.deepEqual(r.errors, { total: 8, byKind: { timeout: 7, reset: 1 } });
  assert.equal(r.dropped, 5);
  assert.equal(r.requestedRate, 4000);
  assert.equal(r.achievedRate, 397.7);
  assert.equal(r.rawLatencyUs!.count, 4000);
  assert.equal(r.cpuUsPerOp.client, 15, '(30*1000 + 10*3000) / 4000');
  assert.equal(r.cpuCores.client, 0.7);
  assert.deepEqual(r.bytesPerOp, { out: 175, in: 150 });
  assert.equal(r.generatorBound, true);
  assert.equal(r.bound, 'generator');
  assert.deepEqual(r.load, { ...open, rate: 4000, connections: 8, maxInflight: 200 }, 'the load all generators offered together');
  assert.equal(m.state, 'complete');
  assert.match(m.notes.join('\n'), /merged from 2 result files: a\.json, b\.json/);
  assert.match(m.notes.join('\n'), /gen-b/, 'names the other generator host');
  assert.equal(m.environment.hostname, 'gen-a');
  assert.equal(m.summary![0]!.figures.opsPerSec!.median, r.opsPerSec, 'summary recomputed from the merged runs');
});

test('measured windows more than 10% apart are merged with a warning', () => {
  const { warnings, result: m } = mergeResults([
    { name: 'a.json', result: result('a', [run({ values: [100], measuredSeconds: 10 })]) },
    { name: 'b.json', result: result('b', [run({ values: [100], measuredSeconds: 12 })]) },
  ]);
  assert.equal(m.runs[0]!.measuredSeconds, 12);
  assert.ok(
    warnings.some((w) => /measured windows differ by more than 10%/.test(w)),
    warnings.join('\n'),
  );
  assert.ok(
    m.notes.some((n) => /^merge warning: .*measured windows/.test(n)),
    'the warning is kept in the result',
  );
});

test('server CPU is one shared process: kept when the inputs agree within 10%, null with a warning otherwise', () => {
  // Each generator divides the same server CPU time by its own ops: 10 us x 1000 = 5 us x 2000.
  const agreeing = mergeResults([
    {
      name: 'a.json',
      result: result('a', [
        run({ values: spread(1000, 100, 200), cpuUsPerOp: { server: 10, client: 20 }, cpuCores: { server: 0.8, client: 0.5 } }),
      ]),
    },
    {
      name: 'b.json',
      result: result('b', [
        run({ values: spread(2000, 100, 200), cpuUsPerOp: { server: 5.2, client: 20 }, cpuCores: { server: 0.84, client: 0.5 } }),
      ]),
    },
  ]);
  assert.deepEqual(agreeing.warnings, []);
  const r = agreeing.result.runs[0]!;
  assert.equal(r.cpuCores.server, 0.82, 'the mean of two readings of the same server');
  // Server CPU time (10,000 and 10,400 us) over all 3,000 ops, not either generator's per-op figure.
  assert.equal(r.cpuUsPerOp.server, Math.round((10_200 / 3000) * 100) / 100);

  const disagreeing = mergeResults([
    {
      name: 'a.json',
      result: result('a', [
        run({ values: spread(1000, 100, 200), cpuUsPerOp: { server: 10, client: 20 }, cpuCores: { server: 0.8, client: 0.5 } }),
      ]),
    },
    {
      name: 'b.json',
      result: result('b', [
        run({ values: spread(1000, 100, 200), cpuUsPerOp: { server: 14, client: 20 }, cpuCores: { server: 0.3, client: 0.5 } }),
      ]),
    },
  ]);
  const d = disagreeing.result.runs[0]!;
  assert.equal(d.cpuUsPerOp.server, null);
  assert.equal(d.cpuCores.server, null);
  assert.equal(
    disagreeing.warnings.filter((w) => /server CPU disagrees by more than 10%/.test(w)).length,
    1,
    disagreeing.warnings.join('\n'),
  );
});

test('a run missing from some files is kept as it is, with a warning; a failed input fails the run', () => {
  const only = run({ values: [500, 600], protocol: 'grpc', server: 'grpc', driver: 'grpc-js' });
  const failed: RunRecord = {
    ...run({ values: [] }),
    state: 'failed',
    error: 'refused',
    latencyUs: null,
    ops: 0,
    opsPerSec: 0,
    measuredSeconds: 0,
  };
  const { result: m, warnings } = mergeResults([
    { name: 'a.json', result: result('a', [run({ values: [100, 200] }), only]) },
    { name: 'b.json', result: result('b', [failed]) },
  ]);
  assert.equal(m.runs.length, 2);
  assert.deepEqual(m.runs[1], only);
  assert.ok(
    warnings.some((w) => /grpc repeat 0 is only in a\.json \(missing from b\.json\): kept as it is/.test(w)),
    warnings.join('\n'),
  );
  const rest = m.runs[0]!;
  assert.equal(rest.state, 'failed');
  assert.equal(rest.error, 'b.json: refused');
  assert.equal(rest.ops, 2);
  assert.equal(m.state, 'partial');
  assert.deepEqual(
    m.summary!.map((s) => s.protocol),
    ['grpc'],
    'a failed run is left out of the summary',
  );
});

test('two inputs from the same host and start time are flagged as likely copies', () => {
  const x = result('gen-a', [run({ values: [100] })]);
  const { warnings } = mergeResults([
    { name: 'a.json', result: x },
    { name: 'copy.json', result: structuredClone(x) },
  ]);
  assert.ok(
    warnings.some((w) => /copy\.json and a\.json both started on gen-a/.test(w)),
    warnings.join('\n'),
  );
});

test('runs are matched by protocol, variant and repeat', () => {
  const mk = (variant: string, repeat: number, v: number): RunRecord => run({ values: [v], variant, repeat });
  const { result: m } = mergeResults([
    { name: 'a.json', result: result('a', [mk('naive', 0, 100), mk('dataloader', 0, 200), mk('naive', 1, 300)]) },
    { name: 'b.json', result: result('b', [mk('naive', 1, 300), mk('dataloader', 0, 200), mk('naive', 0, 100)]) },
  ]);
  assert.deepEqual(
    m.runs.map((r) => [r.variant, r.repeat, r.ops, r.latencyUs!.max]),
    [
      ['naive', 0, 2, 100],
      ['dataloader', 0, 2, 200],
      ['naive', 1, 2, 300],
    ],
  );
});

test('different scenarios or schema versions cannot be merged; nor can fewer than 2 files', () => {
  const a = { name: 'a.json', result: result('a', [run({ values: [1] })]) };
  const b = { name: 'b.json', result: result('b', [run({ values: [1] })], { scenario: 'listUsers' }) };
  assert.throws(
    () => mergeResults([a, b]),
    (e: unknown) => e instanceof MergeError && /b\.json ran scenario "listUsers" but a\.json ran "getUser"/.test(e.message),
  );
  const v2 = { name: 'c.json', result: { ...a.result, schemaVersion: 2 } as unknown as BenchResult };
  assert.throws(
    () => mergeResults([a, v2]),
    (e: unknown) => e instanceof MergeError && /schemaVersion 2/.test(e.message),
  );
  assert.throws(() => mergeResults([a]), MergeError);
});

test('merge CLI: exit 0 writes a valid merged result and prints its path; unusable input exits 2', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'merge-cli-'));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/merge.ts'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
  try {
    const a = writeResult(path.join(dir, 'a.json'), result('gen-a', [run({ values: spread(100, 100, 200) })]));
    const b = writeResult(path.join(dir, 'b.json'), result('gen-b', [run({ values: spread(300, 100, 200) })]));
    const other = writeResult(path.join(dir, 'other.json'), result('gen-c', [], { scenario: 'listUsers' }));
    const out = path.join(dir, 'merged.json');

    const ok = cli([a, b, '--out', out]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), out);
    const merged = readResult(out);
    assert.equal(merged.runs[0]!.ops, 400);
    assert.equal(merged.runs[0]!.latencyUs!.count, 400);

    const again = cli([a, b, '--out', out]);
    assert.equal(again.status, 0, again.stderr);
    assert.notEqual(again.stdout.trim(), out, 'never overwrites an existing result');

    const usage: [string[], RegExp][] = [
      [[a, other, '--out', path.join(dir, 'x.json')], /scenario "listUsers"/],
      [[a, '--out', path.join(dir, 'x.json')], /at least 2 result files/],
      [[a, b], /--out FILE is required/],
      [[a, b, '--out', path.join(dir, 'x.json'), '--force'], /valid flags: --out, --help/],
      [[a, path.join(dir, 'missing.json'), '--out', path.join(dir, 'x.json')], /cannot read .*missing\.json/],
      [[a, a, '--out', path.join(dir, 'x.json')], /given twice/],
    ];
    for (const [args, message] of usage) {
      const r = cli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(cli(['--help']).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('per-interval series merge interval by interval, each input moved by its window start', () => {
  const interval = (tMs: number, values: number[]) => {
    const h = createHistogram();
    for (const v of values) h.recordValue(v);
    return {
      tMs,
      durationMs: 1000,
      ops: values.length,
      errors: 0,
      latencyUs: { p50: 0, p90: 0, p99: 0, max: 0 },
      achievedRate: values.length,
      cpu: { server: null, client: null },
      bytes: null,
      histogram: encodeHistogram(h),
    };
  };
  // b's window opened 1 s after a's: its first interval is a's second.
  const a = {
    ...run({ values: [100, 200, 300] }),
    startedAtMs: 10_000,
    intervalMs: 1000,
    series: [interval(0, [100, 200]), interval(1000, [300])],
  };
  const b = {
    ...run({ values: [400, 500] }),
    startedAtMs: 11_000,
    intervalMs: 1000,
    series: [interval(0, [400]), interval(1000, [500])],
  };
  const { result: m } = mergeResults([
    { name: 'a.json', result: result('gen-a', [a]) },
    { name: 'b.json', result: result('gen-b', [b]) },
  ]);
  const s = m.runs[0]!.series!;
  assert.deepEqual(
    s.map((x) => [x.tMs, x.ops]),
    [
      [0, 2],
      [1000, 2],
      [2000, 1],
    ],
  );
  assert.equal(decodeHistogram(s[1]!.histogram).totalCount, 2, 'the histograms of one interval add up');
});
