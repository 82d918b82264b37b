// Why does graphql-yoga run in two states (issue 14 item 4)? Starts several fresh GraphQL server
// processes at once, loads each the same way in turn (getUser, closed loop, the harness's default
// HTTP/1.1 layout), measures its CPU per request from /proc, then profiles it with V8's sampling
// profiler (node:inspector, in the server process, over the last window only) and sums self time
// by function and by package. Processes are grouped into states by CPU per request and the
// functions whose cost per request differs most between the groups are printed.
//
//   node --import tsx scripts/profile-yoga.ts [--processes 6] [--impl graphql-yoga] [--warmup 3]
//        [--seconds 5] [--windows 3] [--profile-all] [--node-flags "--no-maglev"] [--connections 32]
//        [--out results/profile-yoga.json] [--keep-profiles DIR]
//
// Each process gets --windows unprofiled windows of --seconds in a row (does its cost change as
// it runs?), then one profiled window. CPU is also split by thread (/proc/<pid>/task): the
// JavaScript thread, which the profile samples, and V8's workers (optimising compiler, GC
// helpers), which it does not. --profile-all profiles every window instead (the sampler costs
// some CPU, the same in each), to compare a process's first window with its last.
//
// Server on CPU 0 and this process (the load) on CPU 1 when taskset exists, as `npm run bench`
// pins them. The server child exits when told, at a deadline, or when this process is gone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { index as graphqlIndex } from '../servers/graphql/index.ts';
import { createMemoryStore } from '../servers/store.ts';
import { connect } from '../clients/graphql.ts';
import { idSequence } from '../harness/load/ids.ts';
import { procCpuUs } from '../harness/metrics/cpu.ts';

const SELF = fileURLToPath(import.meta.url);
const DATASET = { users: 10_000, seed: 42 };

interface Options {
  processes: number;
  impl: string;
  warmup: number;
  seconds: number;
  windows: number;
  profileAll: boolean;
  /** V8/node flags for the server child (e.g. --no-maglev), to test a cause. */
  nodeFlags: string[];
  connections: number;
  out: string;
  keepProfiles: string | undefined;
}

// ---- profile maths (pure) -------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives: its npm package, node's own code, the project, or V8's pseudo-frames. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) {
    const [a, b] = url.slice(i + '/node_modules/'.length).split('/');
    return a!.startsWith('@') ? `${a}/${b}` : a!;
  }
  if (url.startsWith('node:')) return 'node:';
  return 'project';
}

function functionKey({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const file = url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 14) : path.basename(url);
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

export interface SelfTimes {
  /** Sampled time, idle excluded, microseconds. */
  busyUs: number;
  byFunction: Record<string, number>;
  byPackage: Record<string, number>;
}

/** Self time by function and by package, microseconds; sample i is charged the delta that follows it. */
export function selfTimes(p: CpuProfile): SelfTimes {
  const frames = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction: Record<string, number> = {};
  const byPackage: Record<string, number> = {};
  let busyUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const frame = frames.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (frame.functionName === '(idle)') continue;
    busyUs += dt;
    const fn = functionKey(frame);
    const pkg = packageOf(frame.url, frame.functionName);
    byFunction[fn] = (byFunction[fn] ?? 0) + dt;
    byPackage[pkg] = (byPackage[pkg] ?? 0) + dt;
  }
  return { busyUs, byFunction, byPackage };
}

export function perRequest(t: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v / requests]));
}

/** Mean of each key over several records (a missing key counts 0). */
function meanOf(records: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v / records.length;
  return out;
}

/** Keys by how much more they cost in `slow` than in `fast`, largest first. */
export function differences(slow: Record<string, number>, fast: Record<string, number>, top: number): [string, number, number][] {
  const keys = new Set([...Object.keys(slow), ...Object.keys(fast)]);
  return [...keys]
    .map((k): [string, number, number] => [k, slow[k] ?? 0, fast[k] ?? 0])
    .sort((a, b) => Math.abs(b[1] - b[2]) - Math.abs(a[1] - a[2]) || Math.max(b[1], b[2]) - Math.max(a[1], a[2]))
    .slice(0, top);
}

/**
 * Two states when the dearest process costs at least 1.3x the cheapest: each process is put
 * with the nearer of the two; otherwise every process is in one state.
 */
export function splitStates(cpuPerReq: number[]): ('fast' | 'slow')[] {
  const lo = Math.min(...cpuPerReq);
  const hi = Math.max(...cpuPerReq);
  if (hi < 1.3 * lo) return cpuPerReq.map(() => 'fast');
  return cpuPerReq.map((c) => (c - lo < hi - c ? 'fast' : 'slow'));
}

// ---- server child ---------------------------------------------------------------------------

type ToChild = { type: 'profile-start' } | { type: 'profile-stop' } | { type: 'exit' };
type FromChild = { type: 'listening'; port: number } | { type: 'profiling' } | { type: 'profile'; profile: CpuProfile };

async function runChild(implName: string, deadlineMs: number): Promise<void> {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent || Date.now() > deadlineMs) process.exit(0);
  }, 500).unref();
  const impl = graphqlIndex.implementations.find((i) => i.name === implName)!;
  const start = await impl.load();
  const server = await start({ host: '127.0.0.1', port: 0, store: createMemoryStore(DATASET) });
  // The inspector session opens only for the profiled window, so the first window runs as a
  // bench server does.
  let session: inspector.Session | undefined;
  const send = (m: FromChild): void => void process.send!(m);
  process.on('message', (m: ToChild) => {
    void (async () => {
      if (m.type === 'profile-start') {
        session = new inspector.Session();
        session.connect();
        await session.post('Profiler.enable');
        // 250 us: about one sample per request at yoga's cost, several per millisecond of load.
        await session.post('Profiler.setSamplingInterval', { interval: 250 });
        await session.post('Profiler.start');
        send({ type: 'profiling' });
      } else if (m.type === 'profile-stop') {
        const { profile } = await session!.post('Profiler.stop');
        session!.disconnect();
        send({ type: 'profile', profile: profile as unknown as CpuProfile });
      } else {
        await server.close();
        process.exit(0);
      }
    })();
  });
  send({ type: 'listening', port: server.port });
}

// ---- load and measurement (parent) ----------------------------------------------------------

/** CPU of each thread of a process by thread name, microseconds (threads of one name summed; 10 ms ticks). */
function threadCpuUs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // The JavaScript (main) thread has the process's id; the others are named by libuv and V8.
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * 10_000;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

function perThreadDelta(a: Record<string, number>, b: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, (v - (a[k] ?? 0)) / requests]));
}

const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

function request<T extends FromChild['type']>(child: ChildProcess, type: T, msg?: ToChild): Promise<FromChild & { type: T }> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m as FromChild & { type: T });
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`server child exited (${code}) waiting for ${type}`)));
    if (msg) child.send(msg);
  });
}

/** Closed loop for `seconds`: every connection sends its next getUser when the last is answered. */
async function load(
  port: number,
  connections: number,
  seconds: number,
  seed: number,
): Promise<{ requests: number; errors: number }> {
  const conns = await Promise.all(Array.from({ length: connections }, () => connect({ host: '127.0.0.1', port })));
  const next = idSequence(DATASET.users, seed);
  const end = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (performance.now() < end) {
        const out = await c.call({ op: 'getUser', id: next() });
        if (out.ok) requests++;
        else errors++;
      }
    }),
  );
  await Promise.all(conns.map((c) => c.close()));
  return { requests, errors };
}

interface WindowProfile {
  /** Sampled non-idle time per request (wall-clock samples: it overstates CPU when the machine takes the CPU away). */
  sampledUsPerReq: number;
  byFunction: Record<string, number>;
  byPackage: Record<string, number>;
}

interface WindowFigures {
  /** Server CPU per request, from /proc (10 ms ticks). */
  cpuUsPerReq: number;
  requestsPerSec: number;
  /** CPU per request by thread name: `main` is the JavaScript thread. */
  threads: Record<string, number>;
  profile?: WindowProfile;
}

interface ProcessFigures {
  process: number;
  pid: number;
  /** The windows in order; the last is profiled (every one with --profile-all). */
  windows: WindowFigures[];
  errors: number;
}

interface ServerChild {
  n: number;
  child: ChildProcess;
  pid: number;
  port: number;
  figures: ProcessFigures;
}

async function startServerChild(o: Options, n: number): Promise<ServerChild> {
  const node = [
    process.execPath,
    ...o.nodeFlags,
    '--import',
    import.meta.resolve('tsx'),
    SELF,
    '--child',
    o.impl,
    String(Date.now() + 900_000),
  ];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await request(child, 'listening');
  return { n, child, pid: child.pid!, port, figures: { process: n, pid: child.pid!, windows: [], errors: 0 } };
}

async function stopServerChild({ child }: ServerChild): Promise<void> {
  if (child.exitCode !== null) return;
  child.send({ type: 'exit' } satisfies ToChild);
  await new Promise((r) => child.once('exit', r));
}

/** One measured window on one server: CPU per request (whole process and by thread), and its profile when asked. */
async function measureWindow(o: Options, s: ServerChild, profiled: boolean, seed: number): Promise<WindowFigures> {
  if (profiled) await request(s.child, 'profiling', { type: 'profile-start' });
  const c0 = procCpuUs(s.pid)!;
  const th0 = threadCpuUs(s.pid);
  const t0 = performance.now();
  const r = await load(s.port, o.connections, o.seconds, seed);
  const cpuUs = procCpuUs(s.pid)! - c0;
  const figures: WindowFigures = {
    cpuUsPerReq: cpuUs / r.requests,
    requestsPerSec: r.requests / ((performance.now() - t0) / 1000),
    threads: perThreadDelta(th0, threadCpuUs(s.pid), r.requests),
  };
  s.figures.errors += r.errors;
  if (!profiled) return figures;
  const { profile } = await request(s.child, 'profile', { type: 'profile-stop' });
  if (o.keepProfiles) writeFileSync(path.join(o.keepProfiles, `${o.impl}-${s.n}-${seed}.cpuprofile`), JSON.stringify(profile));
  const self = selfTimes(profile);
  const perReq = (t: Record<string, number>) => perRequest(t, r.requests);
  return {
    ...figures,
    profile: {
      sampledUsPerReq: self.busyUs / r.requests,
      byFunction: perReq(self.byFunction),
      byPackage: perReq(self.byPackage),
    },
  };
}

/**
 * Every server starts at once and gets its warm-up, then the windows go round them (1 2 3 1 2 3
 * ...), so a change of the machine's speed falls on all of them alike and a difference that
 * stays with one process is the process's own.
 */
async function measureAll(o: Options): Promise<ProcessFigures[]> {
  const servers: ServerChild[] = [];
  try {
    for (let n = 1; n <= o.processes; n++) servers.push(await startServerChild(o, n));
    for (const s of servers) await load(s.port, o.connections, o.warmup, s.n);
    const rounds = o.profileAll ? o.windows : o.windows + 1;
    for (let w = 1; w <= rounds; w++) {
      for (const s of servers) s.figures.windows.push(await measureWindow(o, s, o.profileAll || w === rounds, s.n * 100 + w));
      console.log(
        `round ${w}/${rounds}: ${servers.map((s) => s.figures.windows[w - 1]!.cpuUsPerReq.toFixed(0)).join(' ')} us/request`,
      );
    }
    return servers.map((s) => s.figures);
  } finally {
    await Promise.all(servers.map(stopServerChild));
  }
}

const fmt = (us: number): string => us.toFixed(1).padStart(7);

function printTable(title: string, rows: [string, number, number][], labels: [string, string]): void {
  console.log(`\n${title}\n${labels[0].padStart(7)} ${labels[1].padStart(7)}  us/request`);
  for (const [k, s, f] of rows) console.log(`${fmt(s)} ${fmt(f)}  ${k}`);
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    processes: 6,
    impl: 'graphql-yoga',
    warmup: 3,
    seconds: 5,
    windows: 3,
    profileAll: false,
    nodeFlags: [],
    connections: 32,
    out: 'results/profile-yoga.json',
    keepProfiles: undefined,
  };
  const names = graphqlIndex.implementations.map((i) => i.name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--profile-all') {
      o.profileAll = true;
      continue;
    }
    const value = argv[++i];
    const num = (): number => {
      const v = Number(value);
      if (!Number.isFinite(v) || v <= 0) usage(`${a} needs a positive number`);
      return v;
    };
    if (a === '--processes') o.processes = Math.round(num());
    else if (a === '--warmup') o.warmup = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--windows') o.windows = Math.round(num());
    else if (a === '--connections') o.connections = Math.round(num());
    else if (a === '--out' && value) o.out = value;
    else if (a === '--keep-profiles' && value) o.keepProfiles = value;
    else if (a === '--node-flags' && value) o.nodeFlags = value.split(' ').filter(Boolean);
    else if (a === '--impl' && value && names.includes(value)) o.impl = value;
    else if (a === '--impl') usage(`--impl is one of ${names.join(', ')}`);
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function usage(problem: string): never {
  process.stderr.write(
    `profile-yoga: ${problem}\nusage: profile-yoga.ts [--processes N] [--impl NAME] [--warmup S] [--seconds S]`,
  );
  process.stderr.write(
    ' [--windows N] [--profile-all] [--node-flags "FLAGS"] [--connections N] [--out FILE] [--keep-profiles DIR]\n',
  );
  process.exit(2);
}

function describeProcess(f: ProcessFigures): string {
  const windows = f.windows.map((w) => `${w.cpuUsPerReq.toFixed(0)}${w.profile ? '*' : ''}`).join(' ');
  const main = f.windows.map((w) => (w.threads.main ?? 0).toFixed(0)).join(' ');
  const others = f.windows.map((w) =>
    (Object.entries(w.threads).reduce((a, [k, v]) => (k === 'main' ? a : a + v), 0) || 0).toFixed(0),
  );
  const rates = f.windows.map((w) => w.requestsPerSec.toFixed(0)).join(' ');
  return (
    `process ${f.process} (pid ${f.pid}), us CPU/request by window (* profiled): ${windows}; ` +
    `JS thread ${main}; other threads ${others.join(' ')}; req/s ${rates}; errors ${f.errors}`
  );
}

const profileOf = (w: WindowFigures | undefined): WindowProfile =>
  w?.profile ?? { sampledUsPerReq: 0, byFunction: {}, byPackage: {} };

function compare(title: string, a: WindowProfile[], b: WindowProfile[], labels: [string, string]): void {
  console.log(`\n${title} (${labels[0]}: ${a.length} windows, ${labels[1]}: ${b.length})`);
  printTable(
    `packages, mean self time`,
    differences(meanOf(a.map((p) => p.byPackage)), meanOf(b.map((p) => p.byPackage)), 12),
    labels,
  );
  printTable(
    `functions, mean self time`,
    differences(meanOf(a.map((p) => p.byFunction)), meanOf(b.map((p) => p.byFunction)), 25),
    labels,
  );
}

async function main(o: Options): Promise<void> {
  if (hasTaskset) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  if (o.keepProfiles) mkdirSync(o.keepProfiles, { recursive: true });
  console.log(
    `node ${process.version} ${o.nodeFlags.join(' ')}, ${o.impl}, ${o.processes} processes, ${o.warmup} s warm-up, ` +
      `windows of ${o.seconds} s`,
  );
  const figures = await measureAll(o);
  for (const f of figures) console.log(describeProcess(f));
  // A process's state: its last unprofiled window (its last window with --profile-all).
  const settled = (f: ProcessFigures) => f.windows[o.profileAll ? f.windows.length - 1 : f.windows.length - 2] ?? f.windows[0]!;
  const states = splitStates(figures.map((f) => settled(f).cpuUsPerReq));
  console.log(`\nstates: ${figures.map((f, i) => `${f.process}=${states[i]}`).join(' ')}`);
  const last = (f: ProcessFigures) => profileOf(f.windows[f.windows.length - 1]);
  const slow = figures.filter((_, i) => states[i] === 'slow').map(last);
  const fast = figures.filter((_, i) => states[i] === 'fast').map(last);
  if (slow.length && fast.length) compare('between processes, slow against fast', slow, fast, ['slow', 'fast']);
  else console.log('one state between processes');
  if (o.profileAll && o.windows > 1)
    compare(
      'within each process, first window against last',
      figures.map((f) => profileOf(f.windows[0])),
      figures.map(last),
      ['first', 'last'],
    );
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ node: process.version, options: o, states, figures }, null, 1));
  console.log(`\nwritten ${o.out}`);
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--child') await runChild(process.argv[3]!, Number(process.argv[4]));
  else await main(parseOptions(process.argv.slice(2)));
}
