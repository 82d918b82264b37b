// Merging generator shards (issue 16, item 2): exact (histograms merged, ops and rates summed,
// connections added), one row per protocol with its shard rows under shards[], a missing or
// repeated shard refused with its index named (exit 2 from the CLI), and little overlap warned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeResults } from '../harness/results/merge.ts';
import { windowOverlap } from '../harness/results/merge-shards.ts';
import { createHistogram, decodeHistogram, encodeHistogram, summarize } from '../harness/metrics/histogram.ts';
import { writeResult, readResult } from '../harness/results/io.ts';
import { resolveConfig } from '../harness/config.ts';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';
import { MergeError } from '../harness/errors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const T0 = 1_800_000_000_000;

function latency(values: readonly number[]): NonNullable<RunRecord['latencyUs']> {
  const h = createHistogram();
  for (const v of values) h.recordValue(v);
  return summarize(decodeHistogram(encodeHistogram(h)));
}

/** Shard `index` of `count`: `n` calls over [lo, hi) us in a 2 s window starting `offsetMs` after T0. */
function shardRow(index: number, count: number, n: number, lo: number, hi: number, offsetMs = 0, protocol = 'rest'): RunRecord {
  const values = Array.from({ length: n }, (_, i) => Math.round(lo + ((hi - lo) * i) / n));
  return {
    protocol,
    server: protocol,
    driver: 'd',
    state: 'ok',
    repeat: 0,
    opsPerSec: n / 2,
    ops: n,
    measuredSeconds: 2,
    latencyUs: latency(values),
    cpuUsPerOp: { server: null, client: 10 },
    cpuCores: { server: null, client: 0.1 },
    bytesPerOp: { out: 100, in: 200 },
    setupBytes: null,
    payloadBytes: null,
    errors: { total: 0, byKind: {} },
    generatorBound: false,
    bound: 'unknown',
    serverRssBytes: null,
    verified: 5,
    load: { model: 'rate', rate: 100 / count, connections: 2, inflight: 1, maxInflight: 500 },
    layout: { connections: 2, inflightPerConnection: 1 },
    shard: { index, count, host: `node-${index}`, startAtMs: T0 - 1000, lateMs: 0 },
    window: { startMs: T0 + offsetMs, endMs: T0 + offsetMs + 2000 },
  };
}

function shardResult(index: number, count: number, runs: RunRecord[]): BenchResult {
  return {
    schemaVersion: 1,
    tool: 'protocol-bench',
    state: 'complete',
    scenario: 'getUser',
    description: 'd',
    startedAt: '2027-01-15T08:00:00.000Z', // the same on every shard: they started together
    finishedAt: '2027-01-15T08:00:10.000Z',
    config: resolveConfig({ shard: { index, count }, startAt: T0 - 1000, protocols: ['rest'], targets: { rest: 'http://s:1' } }),
    environment: {
      cpuModel: 'cpu',
      cpus: 2,
      memoryBytes: 1,
      os: 'linux',
      node: 'v24',
      packages: {},
      commit: null,
      commitDirty: null,
      hostname: `node-${index}`,
      loadAverage: [0, 0, 0],
      pinning: { method: 'none', server: null, generator: null, reason: 'test' },
    },
    notes: [],
    runs,
  };
}

const four = (offsets: number[] = [0, 0, 0, 0]): { name: string; result: BenchResult }[] =>
  [0, 1, 2, 3].map((i) => ({
    name: `shard-${i}.json`,
    // Different shapes per shard: averaging their percentiles would be wrong.
    result: shardResult(i, 4, [shardRow(i, 4, 100 * (i + 1), 1000 * (i + 1), 5000 * (i + 1), offsets[i])]),
  }));

test('shards merge exactly into one row per protocol, their rows under shards[] by index', () => {
  const inputs = four();
  const { result: m, warnings } = mergeResults([...inputs].reverse());
  assert.deepEqual(warnings, []);
  assert.equal(m.runs.length, 1);
  const row = m.runs[0]!;
  const shards = inputs.map((x) => x.result.runs[0]!);
  assert.equal(row.ops, 100 + 200 + 300 + 400, "ops are the sum of the shards'");
  assert.equal(row.opsPerSec, 500, 'rates summed');
  assert.equal(decodeHistogram(row.latencyUs!.histogram).totalCount, 1000);
  const all = latency(
    shards.flatMap((_, i) =>
      Array.from({ length: 100 * (i + 1) }, (__, k) => Math.round(1000 * (i + 1) + (4000 * (i + 1) * k) / (100 * (i + 1)))),
    ),
  );
  for (const k of ['count', 'min', 'p50', 'p90', 'p99', 'max'] as const) assert.equal(row.latencyUs![k], all[k], k);
  assert.deepEqual(row.layout, { connections: 8, inflightPerConnection: 1 }, 'connections add up');
  assert.equal(row.load.connections, 8);
  assert.equal(row.load.model === 'rate' && row.load.rate, 100);
  assert.equal(row.shard, undefined, 'the merged row is no one shard');
  assert.deepEqual(
    row.shards!.map((s) => [s.shard!.index, s.ops]),
    [
      [0, 100],
      [1, 200],
      [2, 300],
      [3, 400],
    ],
  );
  assert.deepEqual(row.window, { startMs: T0, endMs: T0 + 2000 });
  assert.equal(m.config.shard, undefined);
  assert.match(m.notes.join('\n'), /generator shards 0\.\.3 of 4/);
  assert.equal(m.summary![0]!.figures.opsPerSec!.median, 500);
});

test('a missing shard and a shard given twice (a copied file) are refused, naming the index', () => {
  const inputs = four();
  assert.throws(
    () => mergeResults([inputs[0]!, inputs[1]!, inputs[3]!]),
    (e: unknown) => e instanceof MergeError && /shard index 2 of 4 is missing/.test(e.message),
  );
  assert.throws(
    () => mergeResults([...inputs, { name: 'copy-of-1.json', result: structuredClone(inputs[1]!.result) }]),
    (e: unknown) =>
      e instanceof MergeError && /shard index 1 of 4 appears twice: shard-1\.json and copy-of-1\.json/.test(e.message),
  );
  assert.throws(
    () => mergeResults([inputs[0]!]),
    (e: unknown) => e instanceof MergeError && /shard index 1, 2, 3 of 4 are missing/.test(e.message),
  );
  const twoOfTwo = { name: 'other.json', result: shardResult(1, 2, [shardRow(1, 2, 10, 1, 2)]) };
  assert.throws(() => mergeResults([inputs[0]!, twoOfTwo]), /other\.json is shard 1 of 2 but shard-0\.json is of 4/);
  const { shard: _drop, ...plainRun } = inputs[0]!.result.runs[0]!;
  const plain = { name: 'plain.json', result: { ...inputs[0]!.result, runs: [plainRun] } };
  assert.throws(() => mergeResults([plain, ...inputs.slice(1)]), /plain\.json is not a shard result/);
});

test('windows overlapping less than 90% warn (a shard 1 s late in a 2 s window); close ones do not', () => {
  assert.equal(windowOverlap([{ startMs: 0, endMs: 2000 }]), 1);
  assert.equal(
    windowOverlap([
      { startMs: 0, endMs: 2000 },
      { startMs: 1000, endMs: 3000 },
    ]),
    1 / 3,
  );
  assert.equal(
    windowOverlap([
      { startMs: 0, endMs: 1000 },
      { startMs: 2000, endMs: 3000 },
    ]),
    0,
  );
  const late = mergeResults(four([0, 1000, 0, 0]));
  const warning = late.warnings.find((w) => /overlap 33\.3% of their span \(under 90%\)/.test(w));
  assert.ok(warning, late.warnings.join('\n'));
  assert.match(warning, /shard 1 from \+1000 ms/);
  assert.ok(
    late.result.notes.some((n) => /^merge warning: .*overlap 33\.3%/.test(n)),
    'kept in the result',
  );
  assert.deepEqual(late.result.runs[0]!.window, { startMs: T0, endMs: T0 + 3000 });
  assert.deepEqual(mergeResults(four([0, 30, 60, 90])).warnings, [], 'skew of 90 ms in 2 s: 95.7% overlap, no warning');
});

test('merge CLI: a complete set exits 0; a missing or repeated shard exits 2 naming it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'merge-shards-'));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/merge.ts'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
  try {
    const files = four().map((x) => writeResult(path.join(dir, x.name), x.result));
    const out = path.join(dir, 'merged.json');
    const ok = cli([...files, '--out', out]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(readResult(out).runs[0]!.shards!.length, 4, 'shard rows survive the schema on write and read');
    const missing = cli([files[0]!, files[1]!, files[3]!, '--out', path.join(dir, 'x.json')]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /shard index 2 of 4 is missing/);
    const copy = writeResult(path.join(dir, 'copy.json'), readResult(files[3]!)); // a copied file
    const twice = cli([...files, copy, '--out', path.join(dir, 'x.json')]);
    assert.equal(twice.status, 2, twice.stderr);
    assert.match(twice.stderr, /shard index 3 of 4 appears twice: .*shard-3\.json and .*copy\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
