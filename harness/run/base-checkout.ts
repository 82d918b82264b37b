// `bench:ci --base REF`: REF checked out in a temporary git worktree, with node_modules, and its
// bench CLI found. The commands are built by harness/run/ab-plan.ts; this file runs them.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { benchEntry, installPlan, worktreeAddCommand, worktreeRemoveCommands, type Command } from './ab-plan.ts';

export interface BaseCheckout {
  ref: string;
  commit: string;
  dir: string;
  /** How node_modules got there: linked to ours (same lock file) or a fresh `npm ci`. */
  install: 'symlink' | 'npm ci';
  /** The bench CLI, relative to dir. */
  entry: string;
}

function git(repoDir: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', ['-C', repoDir, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

function runSync(c: Command): void {
  const r = spawnSync(c.command, c.args, { cwd: c.cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${c.command} ${c.args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
}

/** The commit REF names, or a UsageError saying it names none. */
export function resolveCommit(repoDir: string, ref: string): string {
  const r = git(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!r.ok || !r.out) throw new UsageError(`--base ${ref}: no such commit in ${repoDir}`);
  return r.out;
}

/** Same package-lock.json at the commit as in this checkout's working tree (what our node_modules was installed from). */
function sameLock(repoDir: string, commit: string): boolean {
  const theirs = git(repoDir, ['rev-parse', `${commit}:package-lock.json`]);
  const ours = git(repoDir, ['hash-object', path.join(repoDir, 'package-lock.json')]);
  return theirs.ok && ours.ok && theirs.out === ours.out;
}

/**
 * Checks REF out under a new temporary folder and installs it. `runInstall` runs `npm ci` (long,
 * so the caller runs it where an interrupt can stop it). Call `removeCheckout` in a finally, also
 * after a failure here: whatever was made is registered in `made` first.
 */
export async function checkOutBase(
  repoDir: string,
  ref: string,
  runInstall: (c: Command) => Promise<number>,
  made: (dir: string) => void,
): Promise<BaseCheckout> {
  const commit = resolveCommit(repoDir, ref);
  const parent = mkdtempSync(path.join(os.tmpdir(), 'bench-ci-base-'));
  const dir = path.join(parent, 'checkout');
  made(dir);
  runSync(worktreeAddCommand(repoDir, dir, commit));
  const plan = installPlan(sameLock(repoDir, commit), dir, realpathSync(path.join(repoDir, 'node_modules')));
  if (plan.kind === 'symlink') symlinkSync(plan.to, plan.from, 'dir');
  else {
    const code = await runInstall(plan.command);
    if (code !== 0) throw new Error(`npm ci in the base checkout (${ref}) exited with status ${code}; see its output above`);
  }
  const entry = benchEntry(
    existsSync(path.join(dir, 'package.json')) ? readFileSync(path.join(dir, 'package.json'), 'utf8') : undefined,
    (rel) => existsSync(path.join(dir, rel)),
  );
  if (entry === undefined) throw new UsageError(`--base ${ref}: found no bench CLI there (package.json "bench", harness/cli.ts)`);
  return { ref, commit, dir, install: plan.kind === 'symlink' ? 'symlink' : 'npm ci', entry };
}

/** Removes the checkout, its registration in git and its temporary folder; never throws. */
export function removeCheckout(repoDir: string, dir: string): void {
  // Our node_modules, linked in: unlink it first, so no recursive removal can ever walk into it.
  const link = path.join(dir, 'node_modules');
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(link);
  for (const c of worktreeRemoveCommands(repoDir, dir)) spawnSync(c.command, c.args, { cwd: c.cwd });
  rmSync(path.dirname(dir), { recursive: true, force: true });
}
