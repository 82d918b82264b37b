// End to end, as a user runs it: the CLI in its own process, a short run of every protocol,
// then the result file is read back and checked field by field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_NAMES } from '../harness/protocols.ts';
import { decodeHistogram } from '../harness/metrics/histogram.ts';
import type { BenchResult } from '../harness/results/types.ts';
import { lastAttemptsOf } from '../harness/run/attempts.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

function bench(args: string[], timeoutMs = 180_000) {
  return spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

test('a 1 s run of every protocol writes a complete, self-describing result', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-'));
  try {
    const out = path.join(dir, 'r.json');
    const r = bench([
      '--scenario',
      'getUser',
      '--duration',
      '1',
      '--warmup',
      '0.5',
      '--connections',
      '2',
      '--inflight',
      '2',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /\| protocol \| ops\/s \|/, 'prints the Markdown table');
    assert.match(r.stdout, new RegExp(`Result file: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(r.stderr, /\[rest\] measure/, 'live progress on stderr');

    const result = lastAttemptsOf(JSON.parse(readFileSync(out, 'utf8')) as BenchResult);
    assert.equal(result.schemaVersion, 1);
    assert.equal(result.state, 'complete');
    assert.equal(result.scenario, 'getUser');
    assert.equal(result.config.duration, 1);
    assert.ok(result.environment.cpus >= 1 && result.environment.node.startsWith('v'));
    assert.ok(result.environment.packages.fastify && result.environment.packages['@grpc/grpc-js']);
    assert.deepEqual(
      result.runs.map((x) => x.protocol),
      PROTOCOL_NAMES,
    );
    for (const run of result.runs) {
      const what = `${run.protocol}: ${JSON.stringify(run).slice(0, 400)}`;
      assert.equal(run.state, 'ok', what);
      assert.ok(run.opsPerSec > 0, what);
      assert.ok(
        run.latencyUs &&
          run.latencyUs.p50 > 0 &&
          run.latencyUs.p50 <= run.latencyUs.p99 &&
          run.latencyUs.p99 <= run.latencyUs.max,
        what,
      );
      assert.equal(
        decodeHistogram(run.latencyUs.histogram).totalCount,
        run.ops,
        `${run.protocol}: histogram holds every measured call`,
      );
      assert.ok((run.cpuUsPerOp.server ?? 0) > 0 && (run.cpuUsPerOp.client ?? 0) > 0, what);
      assert.ok(run.payloadBytes && run.payloadBytes.response > 0, what);
      if (run.protocol !== 'grpc-js' || run.bytesPerOp) {
        assert.ok(run.bytesPerOp && run.bytesPerOp.out > 0 && run.bytesPerOp.in > 0, what);
        assert.ok(run.setupBytes, what);
      }
      assert.equal(run.errors.total, 0, what);
      assert.equal(typeof run.generatorBound, 'boolean');
    }
    const ws = result.runs.find((x) => x.protocol === 'websocket')!;
    assert.ok(ws.setupBytes && ws.setupBytes.out > 100, 'WebSocket upgrade counted as setup');
    const grpc = result.runs.find((x) => x.protocol === 'grpc')!;
    assert.ok(grpc.setupBytes && grpc.setupBytes.out >= 24, 'HTTP/2 preface counted as setup');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown scenario, protocol or flag exits 2 and names the valid choices', () => {
  const a = bench(['--scenario', 'nope']);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /valid: getUser/);
  const b = bench(['--protocols', 'rest,soap']);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /"soap".*valid: rest, grpc, grpc-js, websocket, graphql, sse/);
  const c = bench(['--bogus']);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /valid flags: .*--scenario/);
});

test('--list prints every scenario with its protocols', () => {
  const r = bench(['--list']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /getUser .*\n.*protocols: rest, grpc, grpc-js, websocket, graphql, sse/);
});

test('open loop: every protocol records corrected and raw histograms, requested and achieved rate, drops', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-open-'));
  try {
    const out = path.join(dir, 'r.json');
    const r = bench(['--load', 'rate:300', '--duration', '1', '--warmup', '0.3', '--out', out]);
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    assert.match(r.stdout, /requested\/s \| achieved\/s \| dropped/);
    const result = lastAttemptsOf(JSON.parse(readFileSync(out, 'utf8')) as BenchResult);
    assert.deepEqual(
      result.runs.map((x) => x.protocol),
      PROTOCOL_NAMES,
    );
    for (const run of result.runs) {
      const what = `${run.protocol}: ${JSON.stringify({ ...run, latencyUs: undefined, rawLatencyUs: undefined })}`;
      assert.equal(run.state, 'ok', what);
      assert.equal(run.load.model, 'rate');
      assert.equal(run.requestedRate, 300, what);
      assert.ok(typeof run.achievedRate === 'number' && run.achievedRate > 0, what);
      assert.equal(typeof run.dropped, 'number', what);
      assert.ok(run.latencyUs && run.rawLatencyUs, what);
      assert.equal(decodeHistogram(run.rawLatencyUs.histogram).totalCount, run.ops);
      // Latency from the intended start can only be longer than from the actual send.
      assert.ok(run.latencyUs.max >= run.rawLatencyUs.max, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--repeat interleaves protocols and summarises each figure over the repeats; --workers merges generators', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-repeat-'));
  try {
    const out = path.join(dir, 'r.json');
    const r = bench([
      '--protocols',
      'rest,websocket',
      '--repeat',
      '2',
      '--workers',
      '2',
      '--duration',
      '0.5',
      '--warmup',
      '0.2',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    const result = lastAttemptsOf(JSON.parse(readFileSync(out, 'utf8')) as BenchResult);
    assert.deepEqual(
      result.runs.map((x) => `${x.protocol}#${x.repeat}`),
      ['rest#0', 'websocket#0', 'rest#1', 'websocket#1'],
    );
    for (const s of result.summary ?? []) {
      assert.equal(s.repeats, 2);
      const ops = s.figures.opsPerSec!;
      assert.ok(ops.min <= ops.median && ops.median <= ops.max && ops.ci95 && ops.cv !== undefined);
    }
    assert.equal(result.summary?.length, 2);
    assert.ok(result.runs.every((x) => x.machine?.probe && x.machine.probe.p50Us > 0));
    assert.ok(
      result.runs.every((x) => x.workers === 2 && x.ops > 0 && decodeHistogram(x.latencyUs!.histogram).totalCount === x.ops),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--target measures a server the harness did not start, and refuses one that answers differently', async () => {
  const { start } = await import('../servers/rest.ts');
  const { createMemoryStore } = await import('../servers/store.ts');
  const same = await start({ host: '127.0.0.1', port: 0, store: createMemoryStore({ users: 10_000, seed: 42 }) });
  const other = await start({ host: '127.0.0.1', port: 0, store: createMemoryStore({ users: 10_000, seed: 7 }) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-target-'));
  try {
    const out = path.join(dir, 'r.json');
    const url = `http://127.0.0.1:${same.port}`;
    // The CLI runs in a child process, so this process's event loop must stay free to serve it.
    const ok = await benchAsync([
      '--protocols',
      'rest',
      '--target',
      `rest=${url}`,
      '--duration',
      '0.5',
      '--warmup',
      '0.2',
      '--out',
      out,
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    const run = lastAttemptsOf(JSON.parse(readFileSync(out, 'utf8')) as BenchResult).runs[0]!;
    assert.deepEqual(run.target, { url, external: true });
    assert.equal(run.cpuUsPerOp.server, null, 'server CPU is unknown, not zero');
    assert.ok(run.opsPerSec > 0 && run.verified > 0);

    const bad = await benchAsync([
      '--protocols',
      'rest',
      '--target',
      `rest=http://127.0.0.1:${other.port}`,
      '--duration',
      '0.5',
      '--warmup',
      '0.2',
      '--out',
      path.join(dir, 'bad.json'),
    ]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /differs from the store: \$\.\w+: expected/);
  } finally {
    await same.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function benchAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (status) => resolve({ status, stderr }));
  });
}
