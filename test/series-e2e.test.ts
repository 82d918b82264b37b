// Issue 17 end to end: a short getUser run from the CLI has a series per run, one interval per
// measured second, whose ops add up to the run's, and the live lines carry each interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHistogram } from '../harness/metrics/histogram.ts';
import { readResult } from '../harness/results/io.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

test('a 2 s getUser run has 2 intervals per run whose ops add up to the run, and live interval lines', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-series-'));
  try {
    const out = path.join(dir, 'r.json');
    const config = path.join(dir, 'bench.config.ts');
    // No reruns: a disturbed attempt is fine here, only the counts are checked.
    writeFileSync(config, 'export default { machine: { reruns: 0 } };\n');
    const args = ['--scenario', 'getUser', '--protocols', 'rest,grpc', '--duration', '2', '--warmup', '0.5'];
    const r = spawnSync(
      process.execPath,
      ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args, '--workers', '2', '--config', config, '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
    );
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /\[rest\] measure 1\.0\/2\.0 s {2}[\d,]+ ops\/s {2}p99 \S+ (us|ms|s) {2}\d+ errors?/);
    const result = readResult(out);
    assert.equal(result.config.intervalMs, 1000);
    for (const run of result.runs) {
      assert.equal(run.state, 'ok', run.error);
      const series = run.series!;
      assert.equal(series.length, 2, `${run.protocol}: one interval per measured second`);
      assert.deepEqual(
        series.map((x) => x.tMs),
        [0, 1000],
      );
      assert.equal(
        series.reduce((a, x) => a + x.ops, 0),
        run.ops,
        `${run.protocol}: interval ops add up to the run`,
      );
      assert.equal(
        series.reduce((a, x) => a + decodeHistogram(x.histogram).totalCount, 0),
        run.latencyUs!.count,
      );
      assert.ok(run.startedAtMs! > Date.parse(result.startedAt) && run.startedAtMs! < Date.parse(result.finishedAt));
      assert.equal(run.intervalMs, 1000);
      for (const x of series) {
        assert.ok(x.cpu.server === null || x.cpu.server >= 0);
        assert.ok(x.cpu.client === null || x.cpu.client >= 0);
        assert.ok(x.bytes && x.bytes.in > 0, 'bytes counted per interval');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a 2 s fanout run has deliveries and events by interval adding up to the run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-series-fanout-'));
  try {
    const out = path.join(dir, 'r.json');
    const config = path.join(dir, 'bench.config.ts');
    writeFileSync(config, 'export default { machine: { reruns: 0 } };\n');
    const args = ['--scenario', 'fanout', '--protocols', 'sse', '--subscribers', '6', '--event-rate', '50'];
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        TSX,
        path.join(ROOT, 'harness/cli/bench.ts'),
        ...args,
        '--duration',
        '2',
        '--warmup',
        '0.5',
        '--config',
        config,
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
    );
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /\[sse\] measure 1\.0\/2\.0 s {2}[\d,]+ ops\/s {2}p99 /);
    const [run] = readResult(out).runs;
    const series = run!.series!;
    assert.equal(series.length, 2);
    assert.equal(
      series.reduce((a, x) => a + x.ops, 0),
      run!.delivery!.delivered,
      'deliveries by interval add up',
    );
    assert.equal(
      series.reduce((a, x) => a + x.events!, 0),
      run!.delivery!.emitted,
      'events by interval add up',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
