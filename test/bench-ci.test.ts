// bench:ci --base: the interleaving plan, the worktree and bench commands, the bench CLI's
// location in old and new checkouts, the runs of a side put together for compare (all pure);
// then the CLI itself: input errors exit 2 before anything runs, and an interrupt removes the
// temporary worktree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchCommand,
  benchEntry,
  installPlan,
  interleavedPlan,
  splitArgs,
  worktreeAddCommand,
  worktreeRemoveCommands,
} from '../harness/run/ab-plan.ts';
import { concatRepeats } from '../harness/results/concat.ts';
import { CI_BENCH_ARGS, CI_SET, ciBenchArgs } from '../harness/cli/bench-ci.ts';
import { compareResults } from '../harness/results/compare.ts';
import { result, run } from './compare-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const ENTRY = path.join(ROOT, 'harness/cli/bench-ci.ts');

test('interleavedPlan: pairs in alternating order, A B, B A, A B, each side once per repeat', () => {
  const plan = interleavedPlan(3).map((r) => `${r.side[0]}${r.repeat}`);
  assert.deepEqual(plan, ['b0', 'c0', 'c1', 'b1', 'b2', 'c2']);
  for (const n of [1, 2, 5, 8]) {
    const p = interleavedPlan(n);
    assert.equal(p.length, 2 * n);
    for (const side of ['base', 'candidate'] as const)
      assert.deepEqual(
        p.filter((r) => r.side === side).map((r) => r.repeat),
        [...Array(n).keys()],
      );
    // Every pair is adjacent: no side ever runs twice in a row within a pair.
    for (let i = 0; i < p.length; i += 2) assert.notEqual(p[i]!.side, p[i + 1]!.side);
  }
  assert.throws(() => interleavedPlan(0), RangeError);
  assert.throws(() => interleavedPlan(1.5), RangeError);
});

test('worktree commands: a detached checkout of the commit, removed with --force, then pruned', () => {
  assert.deepEqual(worktreeAddCommand('/repo', '/tmp/x/checkout', 'abc123'), {
    command: 'git',
    args: ['-C', '/repo', 'worktree', 'add', '--detach', '--force', '/tmp/x/checkout', 'abc123'],
    cwd: '/repo',
  });
  assert.deepEqual(
    worktreeRemoveCommands('/repo', '/tmp/x/checkout').map((c) => c.args),
    [
      ['-C', '/repo', 'worktree', 'remove', '--force', '/tmp/x/checkout'],
      ['-C', '/repo', 'worktree', 'prune'],
    ],
  );
});

test('installPlan: same lock file links our node_modules, another runs npm ci in the checkout', () => {
  assert.deepEqual(installPlan(true, '/tmp/c', '/repo/node_modules'), {
    kind: 'symlink',
    from: '/tmp/c/node_modules',
    to: '/repo/node_modules',
  });
  const ci = installPlan(false, '/tmp/c', '/repo/node_modules');
  assert.equal(ci.kind, 'npm-ci');
  if (ci.kind === 'npm-ci') {
    assert.equal(ci.command.command, 'npm');
    assert.equal(ci.command.args[0], 'ci');
    assert.equal(ci.command.cwd, '/tmp/c');
  }
});

test('benchEntry: the bench script of package.json, else the entry of old (harness/cli.ts) or new checkouts', () => {
  const pkg = (bench: string): string => JSON.stringify({ scripts: { bench } });
  const has =
    (...files: string[]) =>
    (f: string): boolean =>
      files.includes(f);
  assert.equal(benchEntry(pkg('node --import tsx harness/cli/bench.ts'), has('harness/cli/bench.ts')), 'harness/cli/bench.ts');
  assert.equal(benchEntry(pkg('node --import tsx harness/cli.ts'), has('harness/cli.ts')), 'harness/cli.ts');
  assert.equal(benchEntry(pkg('tsx harness/cli.ts --x'), has('harness/cli.ts')), 'harness/cli.ts');
  // No script, a broken package.json, or a script naming a file that is not there: the known places.
  assert.equal(benchEntry(undefined, has('harness/cli.ts')), 'harness/cli.ts');
  assert.equal(benchEntry('{not json', has('harness/cli/bench.ts')), 'harness/cli/bench.ts');
  assert.equal(benchEntry(pkg('node --import tsx gone.ts'), has('harness/cli.ts')), 'harness/cli.ts');
  assert.equal(benchEntry(pkg('node x.ts'), has()), undefined);
});

test('benchCommand: this node, tsx from the checkout, its entry, the set, then the side-only flags, then --out', () => {
  const c = benchCommand(
    '/usr/bin/node',
    '/tmp/c',
    'harness/cli.ts',
    ['--repeat', '1'],
    ['--inject-server-cpu-us', '3'],
    '/o.json',
  );
  assert.deepEqual(c, {
    command: '/usr/bin/node',
    args: ['--import', 'tsx', 'harness/cli.ts', '--repeat', '1', '--inject-server-cpu-us', '3', '--out', '/o.json'],
    cwd: '/tmp/c',
  });
});

test('splitArgs: white space separates, quotes keep a value together', () => {
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(splitArgs('  --inject-server-cpu-us 3   --pipelining 8 '), [
    '--inject-server-cpu-us',
    '3',
    '--pipelining',
    '8',
  ]);
  assert.deepEqual(splitArgs(`--load "stages:1000@5, 2000@5" --x 'a b'`), ['--load', 'stages:1000@5, 2000@5', '--x', 'a b']);
});

test('ciBenchArgs: the default set is the one bench:ci always ran', () => {
  assert.deepEqual(CI_BENCH_ARGS, [
    '--scenario',
    'getUser',
    '--protocols',
    'rest,grpc,websocket',
    '--duration',
    '2',
    '--warmup',
    '1',
    '--repeat',
    '3',
  ]);
  assert.deepEqual(ciBenchArgs({ ...CI_SET, protocols: 'rest', repeat: '1' }).slice(2, 4), ['--protocols', 'rest']);
});

test('concatRepeats: one-repeat results of a side become one result with repeats 0..n-1, compared like any', () => {
  const side = (cpu: number[]) =>
    concatRepeats(cpu.map((c) => result([run('rest', 0, { cpuServer: c }), run('grpc', 0, { cpuServer: 50 })])));
  const base = side([30, 30.3, 29.8, 30.1, 29.9]);
  assert.deepEqual(
    base.runs.map((r) => `${r.protocol}#${r.repeat}`),
    ['rest#0', 'grpc#0', 'rest#1', 'grpc#1', 'rest#2', 'grpc#2', 'rest#3', 'grpc#3', 'rest#4', 'grpc#4'],
  );
  assert.equal(base.config.repeat, 5);
  assert.equal(base.state, 'complete');
  assert.equal(base.summary?.find((s) => s.protocol === 'rest')?.repeats, 5);
  // +10% server CPU on rest, 5 vs 5 with no overlap: a regression on that figure alone.
  const cand = side([33, 33.2, 32.9, 33.4, 33.1]);
  const c = compareResults(base, cand, { minEffect: 0.05 });
  assert.deepEqual(
    c.regressions.map((r) => `${r.protocol} ${r.figure}`),
    ['rest cpuUsPerOp.server'],
  );
  assert.equal(concatRepeats([result([]), result([], { state: 'partial' })]).state, 'partial');
  assert.throws(() => concatRepeats([]), RangeError);
});

function benchCi(args: string[]) {
  return spawnSync(process.execPath, ['--import', TSX, ENTRY, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

test('bench:ci: unusable input exits 2 before anything runs', () => {
  const unknownRef = benchCi(['--base', 'no-such-ref-t13']);
  assert.equal(unknownRef.status, 2, unknownRef.stderr);
  assert.match(unknownRef.stderr, /--base no-such-ref-t13: no such commit/);
  const noBase = benchCi(['--inject-server-cpu-us', '3']);
  assert.equal(noBase.status, 2, noBase.stderr);
  assert.match(noBase.stderr, /need --base REF/);
  const both = benchCi(['--base', 'HEAD', '--update-baseline']);
  assert.equal(both.status, 2, both.stderr);
  const badRepeat = benchCi(['--base', 'HEAD', '--repeat', '0']);
  assert.equal(badRepeat.status, 2, badRepeat.stderr);
  assert.match(badRepeat.stderr, /--repeat expects an integer from 1 to 100/);
});

/** Temporary worktrees bench:ci has registered in this repository. */
function ciWorktrees(): string[] {
  const list = spawnSync('git', ['-C', ROOT, 'worktree', 'list', '--porcelain'], { encoding: 'utf8' }).stdout;
  return list
    .split('\n')
    .filter((l) => l.startsWith('worktree ') && l.includes('bench-ci-base-'))
    .map((l) => l.slice('worktree '.length));
}

test('bench:ci --base: SIGINT during the runs stops them, removes the temporary worktree and exits 130', async () => {
  const child = spawn(
    process.execPath,
    ['--import', TSX, ENTRY, '--base', 'HEAD', '--protocols', 'rest', '--duration', '30', '--warmup', '0', '--repeat', '1'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let checkout: string | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      checkout ??= / at (\S+); node_modules/.exec(stderr)?.[1];
      // Interrupt once the first run is measuring: the checkout exists and a child is running.
      if (/\[rest\] measure/.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`exited before measuring:\n${stderr}`)));
  });
  assert.ok(checkout, 'says where the checkout is');
  assert.ok(ciWorktrees().includes(checkout!), 'the checkout is a registered worktree while running');
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.ok(!ciWorktrees().includes(checkout!), `the worktree is gone from git:\n${stderr}`);
  assert.equal(spawnSync('test', ['-e', checkout!]).status, 1, 'the checkout folder is gone');
});
