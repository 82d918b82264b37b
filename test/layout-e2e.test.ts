// Fair concurrency, end to end: short real runs of rest and grpc through the CLI, then the
// result file's records are checked for the layout each row ran (counts, never timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

function bench(extra: string[]): BenchResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-layout-'));
  try {
    const out = path.join(dir, 'r.json');
    const args = ['--protocols', 'rest,grpc', '--duration', '1', '--warmup', '0.3', '--out', out, ...extra];
    const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}\n${r.stdout}`);
    return JSON.parse(readFileSync(out, 'utf8')) as BenchResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ran = (runs: readonly RunRecord[], protocol: string): RunRecord => {
  const run = runs.find((r) => r.protocol === protocol);
  assert.ok(run, `a ${protocol} record`);
  assert.equal(run.state, 'ok', JSON.stringify(run).slice(0, 400));
  return run;
};

test('by default rest runs 32 connections x 1 call and grpc 4 x 8: 32 outstanding each, no label', () => {
  const result = bench([]);
  const rest = ran(result.runs, 'rest');
  const grpc = ran(result.runs, 'grpc');
  assert.deepEqual(rest.layout, { connections: 32, inflightPerConnection: 1 });
  assert.deepEqual(rest.load, { model: 'closed', connections: 32, inflight: 1 });
  assert.equal(rest.variant, undefined, 'one call per connection is not a variant');
  assert.deepEqual(grpc.layout, { connections: 4, inflightPerConnection: 8 });
  assert.deepEqual(grpc.load, { model: 'closed', connections: 4, inflight: 8 });
  assert.equal(grpc.variant, undefined);
  // The config records what was asked: nothing, so each row's own layout.
  assert.equal(result.config.connections, undefined);
  assert.equal(result.config.inflight, undefined);
});

test('--pipelining 8 runs rest as 4 x 8, labelled pipelined-8; grpc keeps its streams', () => {
  const result = bench(['--pipelining', '8']);
  const rest = ran(result.runs, 'rest');
  const grpc = ran(result.runs, 'grpc');
  assert.deepEqual(rest.layout, { connections: 4, inflightPerConnection: 8 });
  assert.equal(rest.variant, 'pipelined-8');
  assert.deepEqual(grpc.layout, { connections: 4, inflightPerConnection: 8 });
  assert.equal(grpc.variant, undefined, 'streams on a multiplexed connection are not pipelining');
  assert.equal(result.config.pipelining, 8);
});
