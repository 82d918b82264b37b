// The fanout scenario end to end, as a user runs it: the CLI in its own process, a short run
// of four transports (the others share their clients' code paths and are covered in-process
// by fanout-resume.test.ts) with a few subscribers, a quarter of whose connections are dropped
// mid-window (half by the server, half cut by the client); the result file is read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRANSPORTS } from '../harness/workloads/fanout-transports.ts';
import { benchResultSchema } from '../harness/results/schema.ts';
import { lastAttemptsOf } from '../harness/run/attempts.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

const ROWS = ['sse', 'websocket', 'grpc', 'poll'];

test('a short fanout run reports delivery, loss, bytes and memory per connection', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-fanout-'));
  try {
    const out = path.join(dir, 'r.json');
    const config = path.join(dir, 'c.mjs');
    writeFileSync(
      config,
      `export default { fanout: { drainMs: 600, retryMs: 50, backoffInitialMs: 50, drop: { fraction: 0.25, side: 'both' } } };\n`,
    );
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        TSX,
        path.join(ROOT, 'harness/cli/bench.ts'),
        '--scenario',
        'fanout',
        '--protocols',
        ROWS.join(','),
        '--subscribers',
        '8',
        '--event-rate',
        '20',
        '--poll-interval',
        '200',
        '--duration',
        '1',
        '--warmup',
        '0.3',
        '--config',
        config,
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 150_000 },
    );
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr.slice(-3000)}\n${r.stdout}`);
    assert.match(r.stdout, /\| protocol \| K \| events\/s \| delivered \/ expected \|/);
    assert.match(r.stderr, /\[websocket K=8 rate=20\/s\] mid-window: 1 closed by the server, 1 cut by the clients/);
    const result = lastAttemptsOf(benchResultSchema.parse(JSON.parse(readFileSync(out, 'utf8'))));
    assert.equal(result.scenario, 'fanout');
    assert.deepEqual(
      result.runs.map((x) => x.protocol),
      ROWS,
    );
    for (const run of result.runs) {
      const d = run.delivery!;
      const what = `${run.protocol}: ${JSON.stringify(d).slice(0, 600)}`;
      assert.equal(run.state, 'ok', `${what} ${run.error ?? ''}`);
      assert.equal(d.connected, 8, what);
      assert.ok(d.emitted >= 5 && d.emitted <= 40, what); // Poisson arrivals at 20/s for 1 s
      assert.equal(d.expected, d.emitted * 8, what);
      assert.ok(d.latencyUs && d.latencyUs.count > 0 && d.latencyUs.histogram.length > 0, what);
      assert.ok(d.bytesPerEvent && d.bytesPerEvent.in > 100, what);
      assert.ok(run.memoryPerConnectionBytes !== undefined && run.memoryPerConnectionBytes !== null, what);
      assert.ok(run.verified > 0, `${what}: the first subscriber's events were checked against the data set`);
      assert.equal(run.load.model, 'closed');
      assert.ok(d.resume.lostConnections >= 2, what);
      if (TRANSPORTS[run.protocol as keyof typeof TRANSPORTS].resume) {
        assert.equal(d.lost, 0, what);
        assert.equal(d.duplicated, 0, what);
        assert.equal(d.resume.resumed, d.resume.lostConnections, what);
      }
      if (run.protocol === 'poll') assert.ok(d.polls && d.polls.empty >= 0 && d.pollIntervalMs === 200, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
