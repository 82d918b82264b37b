// A noisy neighbour for this machine: keeps every CPU busy with loopback TCP ping-pong, the traffic
// a shared VM's host makes expensive (cross-CPU wake-ups), so the test suite and the harness can
// be run under the disturbance they must survive or detect (issue 13).
//
//   node --import tsx scripts/noisy-neighbour.ts [--seconds 600] [--spin] [--every 5]
//
// Per CPU i: an echo server pinned to CPU i and a pinger pinned to the next CPU, one message in
// flight, so every round trip wakes a process on the other CPU. --spin adds a pure CPU loop per
// CPU. Pinning uses taskset when it exists. The parent prints the round-trip rate every --every
// seconds and stops its children after --seconds or on SIGINT/SIGTERM; each child also stops by
// itself at the deadline or when its parent is gone, so nothing outlives the run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface Options {
  seconds: number;
  spin: boolean;
  every: number;
}

const SELF = fileURLToPath(import.meta.url);
/** One ping: a fixed 64-byte message, echoed whole; the pinger counts complete echoes. */
const MESSAGE = Buffer.alloc(64, 0x2a);

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { seconds: 600, spin: false, every: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) usage(`${a} needs a positive number`);
      return v;
    };
    if (a === '--seconds') o.seconds = num();
    else if (a === '--every') o.every = num();
    else if (a === '--spin') o.spin = true;
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function usage(problem: string): never {
  process.stderr.write(`noisy-neighbour: ${problem}\nusage: noisy-neighbour.ts [--seconds S] [--spin] [--every S]\n`);
  process.exit(2);
}

// ---- children -------------------------------------------------------------------------------

/** A child exits at its deadline or when re-parented (its parent died without stopping it). */
function exitWithParent(deadlineMs: number): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent || Date.now() > deadlineMs) process.exit(0);
  }, 500);
  timer.unref();
  setTimeout(() => process.exit(0), Math.max(0, deadlineMs - Date.now())).unref();
}

function runEcho(): void {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('error', () => s.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`);
  });
}

function runPing(port: number): void {
  let count = 0;
  let pending = 0;
  const s = net.connect(port, '127.0.0.1', () => {
    s.setNoDelay(true);
    s.write(MESSAGE);
  });
  s.on('data', (d) => {
    // Echoes may arrive split or joined: count whole messages, and send the next only then.
    pending += d.length;
    while (pending >= MESSAGE.length) {
      pending -= MESSAGE.length;
      count++;
      s.write(MESSAGE);
    }
  });
  s.on('error', () => process.exit(1));
  setInterval(() => process.stdout.write(`count ${count}\n`), 1000);
}

function runSpin(): void {
  // Busy for 50 ms at a time, then yield once so the deadline timers still run.
  const burn = (): void => {
    const end = performance.now() + 50;
    while (performance.now() < end);
    setImmediate(burn);
  };
  burn();
}

// ---- parent ---------------------------------------------------------------------------------

const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

function startChild(cpu: number, role: string[], deadlineMs: number): ChildProcess {
  const node = [process.execPath, '--import', import.meta.resolve('tsx'), SELF, '--child', String(deadlineMs), ...role];
  // taskset execs node in place, so the pid is node's and stopping it by pid stops the child.
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', String(cpu), ...node] : node;
  return spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  createInterface({ input: child.stdout! }).on('line', onLine);
}

async function main(o: Options): Promise<void> {
  const cpus = os.availableParallelism();
  const deadlineMs = Date.now() + o.seconds * 1000;
  const children: ChildProcess[] = [];
  const counts = new Map<ChildProcess, number>();
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    process.stderr.write(`noisy-neighbour: stopped (${why})\n`);
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  setTimeout(() => stop(`${o.seconds} s elapsed`), o.seconds * 1000);

  for (let cpu = 0; cpu < cpus; cpu++) {
    const echo = startChild(cpu, ['echo'], deadlineMs);
    children.push(echo);
    const port = await new Promise<number>((resolve) => lines(echo, (l) => l.startsWith('port ') && resolve(Number(l.slice(5)))));
    // The pinger sits on the next CPU: each round trip crosses CPUs both ways.
    const ping = startChild((cpu + 1) % cpus, ['ping', String(port)], deadlineMs);
    children.push(ping);
    counts.set(ping, 0);
    lines(ping, (l) => l.startsWith('count ') && counts.set(ping, Number(l.slice(6))));
    if (o.spin) children.push(startChild(cpu, ['spin'], deadlineMs));
  }
  const pinning = hasTaskset ? 'pinned with taskset' : 'unpinned (no taskset)';
  process.stderr.write(
    `noisy-neighbour: ${cpus} ping-pong pairs over 127.0.0.1${o.spin ? ' + a CPU spin per CPU' : ''}, ${pinning}, ` +
      `for ${o.seconds} s\n`,
  );
  let last = 0;
  let lastAt = performance.now();
  setInterval(() => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const now = performance.now();
    const rate = ((total - last) * 1000) / (now - lastAt);
    process.stderr.write(`noisy-neighbour: ${Math.round(rate)} round trips/s\n`);
    last = total;
    lastAt = now;
  }, o.every * 1000);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  exitWithParent(Number(argv[1]) + 5_000);
  const [role, arg] = argv.slice(2);
  if (role === 'echo') runEcho();
  else if (role === 'ping') runPing(Number(arg));
  else runSpin();
} else {
  void main(parseOptions(argv));
}
