// The cluster simulation end to end (issue 16, item 5): `npm run cluster:sim` starts a server whose
// every answer waits SERVICE_MS and N bench shards sharing one start, then merges their results.
// Checked: counts (exact: an open-loop schedule fixes the calls of each window), the merge against
// the shard files, p50 against the known service time with a generous bound, the overlap warning
// for a shard 1 s late, and exit 2 naming a missing or copied shard. Latency and overlap are
// asserted when the machine kept up (see machineKeptUp). Each run loads for 3 s (1 s
// warm-up, 2 s measured); most of its time is idle, the shards starting up before the shared start.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import readline from 'node:readline';
import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResult } from '../harness/results/io.ts';
import { netnsUnavailable } from '../harness/run/shard-netns.ts';
import type { RunRecord } from '../harness/results/types.ts';
import { pressurePct, readPsiSomeTotalUs } from '../harness/metrics/psi.ts';
import { resolveConfig } from '../harness/config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const SERVICE_MS = 20;
const RATE = 200;
const DURATION_S = 2;
/**
 * p50 may exceed the service time by this much: the server's timer firing late plus a loopback or
 * veth round trip, about 1 ms when quiet. A broken merge (averaged percentiles, a unit mix-up) or a
 * schedule gone wrong lands far outside; a busy machine (timer overshoot p99 3-6 ms here) stays in.
 */
const P50_SLACK_US = 10_000;
/**
 * The shared start is set this long after launch. Each shard is two Node processes to start plus
 * a verify step; on this 2-vCPU VM that took 3-5 s when quiet and up to 27 s at load average 20
 * (other suites running). The wait is idle: it costs test time, not CPU.
 */
const leadMs = (shards: number): number => 10_000 + 2_500 * shards;

function node(script: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
}

interface Simulation {
  dir: string;
  stderr: string;
  stdout: string;
  /** CPU pressure stall totals (/proc/pressure/cpu, us) sampled while it ran, with their epoch ms. */
  psi: { atMs: number; totalUs: number }[];
}

/** Runs `npm run cluster:sim`, sampling CPU pressure meanwhile (asynchronously: the samples need this loop free). */
async function simulate(shards: number, extra: string[] = []): Promise<Simulation> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-sim-'));
  const args = ['--shards', String(shards), '--service-ms', String(SERVICE_MS), '--rate', String(RATE)];
  const timing = ['--duration', String(DURATION_S), '--lead-ms', String(leadMs(shards))];
  const sim = spawn(
    process.execPath,
    ['--import', TSX, path.join(ROOT, 'scripts/cluster-sim.ts'), ...args, ...timing, '--out', dir, ...extra],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = { stdout: '', stderr: '' };
  sim.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  sim.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const psi: Simulation['psi'] = [];
  const sample = (): void => {
    const totalUs = readPsiSomeTotalUs();
    if (totalUs !== null) psi.push({ atMs: Date.now(), totalUs });
  };
  sample();
  const timer = setInterval(sample, 250);
  const code = await new Promise<number | null>((resolve) => sim.once('exit', resolve));
  clearInterval(timer);
  assert.equal(code, 0, `cluster:sim exited ${code}\n${out.stdout}\n${out.stderr}`);
  return { dir, ...out, psi };
}

/** CPU pressure (percent of wall time some task waited for a CPU) over the merged measured window; null without PSI. */
function pressureOver(sim: Simulation, window: { startMs: number; endMs: number }): number | null {
  const before = sim.psi.filter((p) => p.atMs <= window.startMs).at(-1);
  const after = sim.psi.find((p) => p.atMs >= window.endMs);
  if (!before || !after) return null;
  return pressurePct(before.totalUs, after.totalUs, (after.atMs - before.atMs) * 1000);
}

/**
 * Whether the machine kept up, by two readings of its own: every shard was ready for the shared
 * start (lateMs 0; starting two Node processes took longer than the lead otherwise), and CPU
 * pressure over the measured window stayed under the harness's disturbance limit (config
 * machine.cpuPressurePct, 50%). When not, latency and overlap say more about the machine than the
 * harness: they are reported, not asserted (a disturbed run is no finding). Counts are asserted always.
 */
function machineKeptUp(t: TestContext, sim: Simulation, shards: readonly RunRecord[], window: RunRecord['window']): boolean {
  const late = shards.filter((r) => (r.shard?.lateMs ?? 0) > 0);
  if (late.length)
    t.diagnostic(`machine too slow: shards ${late.map((r) => `${r.shard!.index} (${r.shard!.lateMs} ms)`).join(', ')} late`);
  const pressure = window ? pressureOver(sim, window) : null;
  const limit = resolveConfig({}).machine.cpuPressurePct;
  t.diagnostic(`CPU pressure over the window: ${pressure === null ? 'unknown (no PSI)' : `${pressure}%`} (limit ${limit}%)`);
  return late.length === 0 && (pressure === null || pressure < limit);
}

/** The merged result against the shard files: exact counts, and p50 near the known service time. */
function checkMerged(t: TestContext, sim: Simulation, shards: number): void {
  const dir = sim.dir;
  const merged = readResult(path.join(dir, 'merged.json'));
  assert.equal(merged.runs.length, 1, 'one row per protocol');
  const row = merged.runs[0]!;
  const files = Array.from({ length: shards }, (_, i) => readResult(path.join(dir, `shard-${i}.json`)).runs[0]!);
  assert.deepEqual(
    row.shards!.map((s) => s.shard!.index),
    files.map((_, i) => i),
  );
  const sum = files.reduce((n, r) => n + r.ops, 0);
  assert.equal(row.ops, sum, "merged ops = the sum of the shards' ops");
  assert.equal(row.latencyUs!.count, sum, 'the merged histogram holds every call');
  assert.equal(
    row.layout!.connections,
    files.reduce((n, r) => n + r.layout!.connections, 0),
  );
  for (const [i, r] of files.entries()) {
    assert.equal(r.shard!.count, shards);
    // Each shard's schedule is exactly its share of the rate over the window: every due call is accounted for.
    assert.equal(r.ops + r.errors.total + (r.dropped ?? 0), (RATE / shards) * DURATION_S, `shard ${i}: calls in its window`);
    assert.ok(r.window && r.window.endMs > r.window.startMs, `shard ${i} recorded its window`);
  }
  const p50 = row.latencyUs!.p50;
  const detail = `merged p50 ${p50} us; shards ${files.map((r) => r.latencyUs?.p50).join(', ')} us`;
  t.diagnostic(detail);
  assert.ok(p50 >= SERVICE_MS * 1000 * 0.999, `no call can beat the service time: ${detail}`);
  if (machineKeptUp(t, sim, files, row.window)) assert.ok(p50 <= SERVICE_MS * 1000 + P50_SLACK_US, detail);
}

test('2 shards (plain processes): an exact merge; a missing or copied shard makes merge exit 2 naming it', async (t) => {
  const sim = await simulate(2);
  const { dir } = sim;
  try {
    checkMerged(t, sim, 2);
    const merge = (files: string[]) => node('harness/cli/merge.ts', [...files, '--out', path.join(dir, 'again.json')]);
    const [s0, s1] = [path.join(dir, 'shard-0.json'), path.join(dir, 'shard-1.json')];
    const copy = path.join(dir, 'shard-1-copy.json');
    copyFileSync(s1, copy);
    const twice = merge([s0, s1, copy]);
    assert.equal(twice.status, 2, twice.stderr);
    assert.match(twice.stderr, /shard index 1 of 2 appears twice/);
    unlinkSync(s1);
    const missing = merge([s0]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /shard index 1 of 2 is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('4 shards (plain processes) merge into one exact result', async (t) => {
  const sim = await simulate(4);
  const { dir } = sim;
  try {
    checkMerged(t, sim, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a shard started 1 s late: the merge warns that the windows overlap too little', async (t) => {
  const sim = await simulate(2, ['--late', '1:1000']);
  const { dir, stderr } = sim;
  try {
    const row = readResult(path.join(dir, 'merged.json')).runs[0]!;
    if (machineKeptUp(t, sim, row.shards!, row.window))
      assert.match(stderr, /measured windows overlap \d+(\.\d)?% of their span \(under 90%\)/);
    const [a, b] = row.shards!.map((s) => s.shard!.startAtMs!);
    assert.equal(b! - a!, 1000, "shard 1's start is 1 s after shard 0's");
    // No shard measures before its own start plus the 1 s warm-up (a late one starts later, never earlier).
    for (const s of row.shards!) assert.ok(s.window!.startMs >= s.shard!.startAtMs! + 1000 - 20, JSON.stringify(s.window));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const noNetns = netnsUnavailable();
test(
  '2 shards in their own network namespaces, against a server in another, merge exactly; no namespace is left',
  // Skips without root: creating namespaces, veth pairs and a bridge needs CAP_NET_ADMIN.
  { skip: noNetns ?? false },
  async (t) => {
    const sim = await simulate(2, ['--netns']);
    const { dir, stderr } = sim;
    try {
      assert.match(stderr, /shards at 10\.199\.0\.10, 10\.199\.0\.11 -> server 10\.199\.0\.1/);
      checkMerged(t, sim, 2);
      const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      assert.doesNotMatch(left, /pbsim/, 'the namespaces are deleted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'interrupted after the namespaces are built, the simulation deletes them and stops its processes',
  { skip: noNetns ?? false },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-sim-stop-'));
    const sim = spawn(
      process.execPath,
      [
        '--import',
        TSX,
        path.join(ROOT, 'scripts/cluster-sim.ts'),
        '--shards',
        '2',
        '--netns',
        '--lead-ms',
        '60000',
        '--out',
        dir,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      // The announcement comes after the network is up and the server listens, before the shards start.
      await new Promise<void>((resolve, reject) => {
        sim.once('exit', (code) => reject(new Error(`cluster:sim exited ${code} before announcing`)));
        readline.createInterface({ input: sim.stderr! }).on('line', (line) => /^cluster simulation:/.test(line) && resolve());
      });
      const ours = new RegExp(`pbsim${sim.pid}-`);
      assert.match(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, ours, 'built');
      sim.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => sim.once('exit', resolve));
      assert.equal(code, 130);
      assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, ours, 'deleted');
      // The shards (their command lines name the folder) stop within their own 2 s interrupt deadline.
      const running = (): boolean => spawnSync('pgrep', ['-f', dir]).status === 0;
      for (let i = 0; i < 100 && running(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(running(), false, 'no shard process is left');
    } finally {
      if (sim.exitCode === null) sim.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
