// Starting, pinning, talking to and stopping child processes. Every child is tracked so an
// interrupted run can stop all of them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Pinning } from '../results/schema.ts';

export type { Pinning };

/** Server on CPU 0, generator on the rest, when there are two or more CPUs and taskset exists. */
export function planPinning(cpuCount = os.cpus().length, hasTaskset = commandExists('taskset')): Pinning {
  if (cpuCount < 2) return { method: 'none', server: null, generator: null, reason: `only ${cpuCount} CPU` };
  if (!hasTaskset) return { method: 'none', server: null, generator: null, reason: 'taskset (util-linux) not found' };
  return {
    method: 'taskset',
    server: '0',
    generator: cpuCount === 2 ? '1' : `1-${cpuCount - 1}`,
    reason: 'server and load generator pinned to disjoint CPUs with taskset -c',
  };
}

/** How the processes are pinned, for the plan line on stderr; `clients` names the load side. */
export function describePinning(p: Pinning, clients: string): string {
  return p.method === 'taskset'
    ? `server pinned to CPU ${p.server}, ${clients} to CPU ${p.generator}`
    : `no CPU pinning (${p.reason})`;
}

/** No pinning, because the config said so. */
export const PINNING_DISABLED: Pinning = { method: 'none', server: null, generator: null, reason: 'disabled in config' };

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const TSX = import.meta.resolve('tsx');
const live = new Set<ChildProcess>();

export function liveChildren(): ReadonlySet<ChildProcess> {
  return live;
}

/** Spawn a TypeScript entry point as a Node child with IPC, optionally pinned. */
export function spawnNode(entry: URL, args: string[], cpus: string | null): ChildProcess {
  const node = [process.execPath, '--import', TSX, fileURLToPath(entry), ...args];
  const [cmd, ...rest] = cpus ? ['taskset', '-c', cpus, ...node] : node;
  const child = spawn(cmd as string, rest, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // Keep the last stderr lines: they explain a crash.
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
    if (process.env.BENCH_DEBUG) process.stderr.write(d);
  });
  Object.defineProperty(child, 'stderrTail', { get: () => tail });
  return child;
}

export function stderrTail(child: ChildProcess): string {
  return (child as unknown as { stderrTail?: string }).stderrTail ?? '';
}

/** Resolve with the first IPC message matching `pred`; reject if the child exits first or time runs out. */
export function waitForMessage<T>(
  child: ChildProcess,
  pred: (m: unknown) => m is T,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (isError(m)) {
        cleanup();
        reject(new Error(`${what}: ${m.message}`));
      } else if (pred(m)) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      const tail = stderrTail(child).trim().split('\n').slice(-8).join('\n');
      reject(new Error(`${what}: process exited (code ${code}, signal ${signal}) before answering${tail ? `\n${tail}` : ''}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Rejects when the child exits: raced against a run's results, a server that dies mid-run fails
 * that row at once, with its exit status and last words, instead of waiting out a timeout.
 */
export function exitedDuringRun(child: ChildProcess, what: string): Promise<never> {
  const died = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      const tail = stderrTail(child).trim().split('\n').slice(-5).join('\n');
      reject(new Error(`${what} exited during the run (code ${code}, signal ${signal})${tail ? `: ${tail}` : ''}`));
    });
  });
  died.catch(() => undefined); // observed: a child that outlives the race must not be an unhandled rejection
  return died;
}

function isError(m: unknown): m is { type: 'error'; message: string } {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'error';
}

export function hasType<K extends string>(type: K) {
  return <T extends { type: string }>(m: unknown): m is Extract<T, { type: K }> =>
    typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}

/** Ask politely, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 1500): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: 'shutdown' }, () => undefined);
    child.kill('SIGTERM');
  });
}

export async function stopAll(graceMs = 1500): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c, graceMs)));
}
