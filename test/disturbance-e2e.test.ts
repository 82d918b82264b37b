// One real short run: every run record carries the machine block, with sane types. The machine
// this runs on may well be disturbed (then the run is rerun and still exits 0): no figure here
// is held to a value, only to its type and range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchResultSchema } from '../harness/results/schema.ts';
import { calibrationPath } from '../harness/metrics/calibration.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

test('a short REST run carries machine: steal, hiccups, the loopback probe, disturbed and reasons', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-machine-'));
  try {
    const out = path.join(dir, 'r.json');
    const args = ['--protocols', 'rest', '--duration', '1', '--warmup', '0.3', '--connections', '2', '--out', out];
    // A home of its own: the first use writes the probe's calibration there, not in the user's.
    const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, HOME: dir },
    });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    const result = benchResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.ok(result.runs.length >= 1);
    for (const [i, run] of result.runs.entries()) {
      const m = run.machine!;
      assert.ok(m, `machine block present\n${r.stderr}`);
      assert.equal(run.attempt, i + 1);
      assert.equal(run.superseded === true, i < result.runs.length - 1, 'all but the last attempt superseded');
      assert.equal(typeof m.disturbed, 'boolean');
      assert.ok(Array.isArray(m.reasons) && m.reasons.every((x) => typeof x === 'string'));
      assert.equal(m.disturbed, m.reasons.length > 0);
      if (m.disturbed) assert.match(r.stderr, /machine disturbed/);
      if (m.stealPct !== null) assert.ok(m.stealPct >= 0 && m.stealPct <= 100);
      assert.ok(m.hiccupUs && m.hiccupUs.p99 > 0 && m.hiccupUs.max >= m.hiccupUs.p99);
      assert.ok(m.probe && m.probe.roundTrips > 0 && m.probe.p50Us > 0 && m.probe.p99Us >= m.probe.p50Us);
      if (m.cpuPressurePct !== null) assert.ok(m.cpuPressurePct >= 0 && m.cpuPressurePct <= 100);
    }
    assert.ok(existsSync(calibrationPath(dir)), 'first use calibrated the probe on this machine');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
