// `npm run bench:ci -- --base REF`, the pure part: which side runs when, the commands that check
// REF out and install it, and the bench command of each side. Effects (git, npm, the runs) are in
// harness/run/base-checkout.ts and harness/cli/bench-ci.ts.

export type Side = 'base' | 'candidate';

export interface PlannedRun {
  side: Side;
  /** 0-based repeat of that side. */
  repeat: number;
}

/**
 * Base and candidate interleaved in pairs, each pair in the other order from the one before:
 * A B, B A, A B, ... A drift of the machine during the job then lands on both sides alike; with
 * A B A B every base run would lead its candidate run, and a steady drift would read as a change.
 */
export function interleavedPlan(pairs: number): PlannedRun[] {
  if (!Number.isInteger(pairs) || pairs < 1) throw new RangeError(`pairs must be a positive integer, got ${pairs}`);
  const plan: PlannedRun[] = [];
  for (let repeat = 0; repeat < pairs; repeat++) {
    const order: Side[] = repeat % 2 === 0 ? ['base', 'candidate'] : ['candidate', 'base'];
    for (const side of order) plan.push({ side, repeat });
  }
  return plan;
}

/** One command to run: program, arguments, working directory. */
export interface Command {
  command: string;
  args: string[];
  cwd: string;
}

/** `git worktree add` of REF (a resolved commit), detached so no branch is created or moved. */
export function worktreeAddCommand(repoDir: string, checkoutDir: string, commit: string): Command {
  return { command: 'git', args: ['-C', repoDir, 'worktree', 'add', '--detach', '--force', checkoutDir, commit], cwd: repoDir };
}

/** Removes the checkout and its registration; `--force` because the runs leave files in it. */
export function worktreeRemoveCommands(repoDir: string, checkoutDir: string): Command[] {
  return [
    { command: 'git', args: ['-C', repoDir, 'worktree', 'remove', '--force', checkoutDir], cwd: repoDir },
    // A checkout deleted some other way (or half made) leaves a stale registration: prune it.
    { command: 'git', args: ['-C', repoDir, 'worktree', 'prune'], cwd: repoDir },
  ];
}

export type InstallPlan = { kind: 'symlink'; from: string; to: string } | { kind: 'npm-ci'; command: Command };

/**
 * How the base checkout gets its node_modules. Same lock file as this checkout: link to ours (an
 * `npm ci` builds the SQLite addon for ~2 minutes to end up with the same tree). Otherwise a real
 * `npm ci` there.
 */
export function installPlan(sameLock: boolean, checkoutDir: string, ourNodeModules: string): InstallPlan {
  if (sameLock) return { kind: 'symlink', from: `${checkoutDir}/node_modules`, to: ourNodeModules };
  return { kind: 'npm-ci', command: { command: 'npm', args: ['ci', '--no-audit', '--no-fund'], cwd: checkoutDir } };
}

/** Where the bench CLI lived: today harness/cli/bench.ts; before the restructure (issue 12) harness/cli.ts. */
export const KNOWN_BENCH_ENTRIES = ['harness/cli/bench.ts', 'harness/cli.ts'] as const;

/**
 * The bench CLI of a checkout: the .ts file its package.json `bench` script runs (e.g. `node
 * --import tsx harness/cli/bench.ts`), else the first known entry that exists there.
 */
export function benchEntry(packageJson: string | undefined, exists: (relPath: string) => boolean): string | undefined {
  let script: unknown;
  try {
    script =
      packageJson === undefined ? undefined : (JSON.parse(packageJson) as { scripts?: Record<string, unknown> }).scripts?.bench;
  } catch {
    script = undefined;
  }
  if (typeof script === 'string') {
    const file = script.split(/\s+/).find((word) => /^[\w./-]+\.[cm]?[jt]s$/.test(word));
    if (file !== undefined && exists(file)) return file;
  }
  return KNOWN_BENCH_ENTRIES.find((f) => exists(f));
}

/**
 * One bench run of one side: that checkout's CLI under this Node, `--import tsx` resolved from the
 * checkout (its own node_modules), one repeat written to `out`.
 */
export function benchCommand(
  node: string,
  checkoutDir: string,
  entry: string,
  benchArgs: readonly string[],
  extraArgs: readonly string[],
  out: string,
): Command {
  return { command: node, args: ['--import', 'tsx', entry, ...benchArgs, ...extraArgs, '--out', out], cwd: checkoutDir };
}

/**
 * `--candidate-args "--inject-server-cpu-us 3 --pipelining 8"` as arguments: split on white
 * space, with single or double quotes keeping a value with spaces together.
 */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}
