// "One server holds 100K concurrent WebSocket connections" (guide L1616), on one host: the
// reference ws server runs as the bench runs it (harness/procs/server-entry.ts, its default 30 s
// heartbeat and limits) in a child process, client processes open TARGET connections to it from
// several loopback source addresses (one address has ~28K ephemeral ports), then every connection
// sends one getUser and must get its own answer while all are still open. The connections on the
// server's port (/proc/net/tcp), its VmRSS (/proc/<pid>/status) and the time to open are recorded. Every
// child has its open-file limit raised (a setting of ours; a shell's default is far lower).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { hasType, waitForMessage } from '../harness/procs/control.ts';
import type { ServerJob, ServerToRunner } from '../harness/procs/ipc.ts';
import { WS_PATH } from '../servers/websocket/index.ts';
import { fmt, type Observation } from './decide.ts';
import { exact, unavailable, type CheckResult } from './observe.ts';
import type { ClientJob, ClientToParent, OpenReport, ParentToClient } from './ws-connections-client.ts';

/** Everything the check's size and timing depend on, in one place (the test runs it small). */
export interface WsConnectionsParams {
  /** Connections to hold open at once. */
  target: number;
  /** Loopback source addresses, used in turn: each offers ~28K ephemeral ports to one server port. */
  addresses: readonly string[];
  /** Client processes; the connections are split evenly between them. */
  clients: number;
  /** Handshakes pending at once in each client process. */
  concurrency: number;
  /** RLIMIT_NOFILE asked for every child (root may raise it past the shell's hard limit). */
  fdLimit: number;
  /** Opening phase, from a client's first connect. */
  openMs: number;
  /** Time for every connection's getUser to be answered. */
  ackMs: number;
  /** Hard bound on the whole check: every child is killed then. */
  totalMs: number;
  /** Users in the server's data set (getUser asks for ids 1..users). */
  users: number;
}

export const WS_CONNECTIONS: WsConnectionsParams = {
  target: 100_000,
  // 20K per address: 71% of 32768-60999, leaving room for whatever else uses loopback meanwhile.
  addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'],
  clients: 2,
  concurrency: 250,
  fdLimit: 250_000,
  openMs: 70_000,
  ackMs: 25_000,
  totalMs: 120_000,
  users: 1000,
};

/**
 * A deliberately generous memory budget per connection for server, clients and kernel together
 * (the ws server measured ~5 KB per idle connection: ws-memory-per-connection), so the check does
 * not start when the machine cannot take it. A guard, not a measurement.
 */
const BUDGET_KB_PER_CONNECTION = 40;
/** Sockets a process needs besides its connections (listener, IPC, stdio, epoll, ...). */
const FD_HEADROOM = 64;

const HOST = '127.0.0.1';
const TSX = import.meta.resolve('tsx');
const SERVER_ENTRY = new URL('../harness/procs/server-entry.ts', import.meta.url);
const CLIENT_ENTRY = new URL('./ws-connections-client.ts', import.meta.url);

export interface WsConnectionsOutcome {
  target: number;
  /** Open at once when the opening phase ended (all client processes). */
  opened: number;
  /** Open, and answered their getUser, at the end of the acknowledging phase. */
  answered: number;
  /** Handshakes that failed, by code; connections closed before the end, by close code. */
  failures: Record<string, number>;
  closedEarly: Record<string, number>;
  /** Established connections on the server's port (/proc/net/tcp), before any client, when opened, after acknowledging. */
  serverSockets: { before: number | null; opened: number | null; acked: number | null };
  /** Server VmRSS in kB (/proc/<pid>/status) and heap used in bytes (process.memoryUsage over IPC). */
  serverRssKb: { before: number | null; opened: number | null };
  serverHeap: { before: number | null; opened: number | null };
  /** VmRSS of every client process together when opened, kB. */
  clientRssKb: number | null;
  /** Slowest client: ms from its first connect to its last handshake. */
  openMs: number | null;
  ackMs: number | null;
  /** Open-file limits read from /proc/<pid>/limits: this process's, and those the children got. */
  fdLimits: { parent: number | null; server: number | null; clients: (number | null)[] };
  /** The phase that ran out of time, if any. */
  timedOut: string | null;
  /** The server process exited by itself: code or signal, and its last words. */
  serverExit: string | null;
  /** A client process exited before reporting. */
  clientExit: string | null;
  /** Why the check did not start or stopped before opening: a limit of this machine. */
  blocked: string | null;
  /** Every child started (all gone when the outcome is returned). */
  pids: number[];
}

const emptyOutcome = (target: number): WsConnectionsOutcome => ({
  target,
  opened: 0,
  answered: 0,
  failures: {},
  closedEarly: {},
  serverSockets: { before: null, opened: null, acked: null },
  serverRssKb: { before: null, opened: null },
  serverHeap: { before: null, opened: null },
  clientRssKb: null,
  openMs: null,
  ackMs: null,
  fdLimits: { parent: openFileLimit(process.pid), server: null, clients: [] },
  timedOut: null,
  serverExit: null,
  clientExit: null,
  blocked: null,
  pids: [],
});

// ------------------------------------------------------------------ pure parts

/** Each client process's share: connection g (global index) leaves from addresses[g % n]. */
export function planClients(p: WsConnectionsParams, url: string): ClientJob[] {
  const jobs: ClientJob[] = [];
  let firstIndex = 0;
  for (let k = 0; k < p.clients; k++) {
    const count = Math.floor(p.target / p.clients) + (k < p.target % p.clients ? 1 : 0);
    jobs.push({
      url,
      count,
      firstIndex,
      addresses: p.addresses,
      concurrency: p.concurrency,
      openMs: p.openMs,
      maxFailures: Math.max(50, Math.ceil(count / 100)),
      users: p.users,
    });
    firstIndex += count;
  }
  return jobs;
}

/** What this machine must offer before anything starts; null when it does. */
export function preflight(
  p: WsConnectionsParams,
  machine: { ports: [number, number] | null; memAvailableKb: number | null },
): string | null {
  const problems: string[] = [];
  if (machine.ports) {
    const [lo, hi] = machine.ports;
    const perAddress = Math.ceil(p.target / p.addresses.length);
    // Past ~90% of the range, bind() starts failing with EADDRINUSE on whatever else holds ports.
    if (perAddress > 0.9 * (hi - lo + 1))
      problems.push(
        `${fmt(perAddress)} connections per source address is over 90% of the ${fmt(hi - lo + 1)} ephemeral ports ` +
          `(${lo}-${hi}) each address has: more source addresses are needed`,
      );
  }
  const needKb = p.target * BUDGET_KB_PER_CONNECTION;
  if (machine.memAvailableKb !== null && needKb > machine.memAvailableKb)
    problems.push(
      `MemAvailable is ${fmt(machine.memAvailableKb / 2 ** 20)} GiB, under the ${fmt(needKb / 2 ** 20)} GiB budgeted ` +
        `(${BUDGET_KB_PER_CONNECTION} KB per connection for server, clients and kernel)`,
    );
  return problems.length ? problems.join('; ') : null;
}

/** Open-file limit a process needs for `connections` sockets, or why it falls short. */
export function fdLimitProblem(who: string, limit: number | null, connections: number, asked: number): string | null {
  if (limit === null || limit >= connections + FD_HEADROOM) return null;
  return (
    `the ${who}'s open-file limit is ${fmt(limit)} (the check asked for ${fmt(asked)}; raising the hard limit needs ` +
    `CAP_SYS_RESOURCE), too few for ${fmt(connections)} connections: a host that allows it would settle the claim`
  );
}

/**
 * Failures only the server's side produces: a refused or reset connection, an HTTP answer instead
 * of the upgrade. Any other (EMFILE, EADDRNOTAVAIL, ENOMEM, a handshake timeout, ...) can be the
 * client's or the machine's.
 */
const isServerSide = (code: string): boolean => code === 'ECONNREFUSED' || code === 'ECONNRESET' || code.startsWith('http ');

const tally = (t: Record<string, number>): string =>
  Object.entries(t)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} x${fmt(n)}`)
    .join(', ');
const total = (t: Record<string, number>): number => Object.values(t).reduce((a, b) => a + b, 0);

/** The server's part in a shortfall, or null when it cannot be told from the client side of this machine. */
export function serverCause(o: WsConnectionsOutcome): string | null {
  if (o.serverExit) return `the server process exited (${o.serverExit})`;
  if (o.blocked || o.timedOut || o.clientExit) return null;
  const codes = Object.keys(o.failures);
  if (codes.some((c) => !isServerSide(c))) return null;
  const parts = [
    ...(codes.length ? [`the server refused or reset ${fmt(total(o.failures))} handshakes (${tally(o.failures)})`] : []),
    ...(total(o.closedEarly)
      ? [`the server closed ${fmt(total(o.closedEarly))} open connections (close codes ${tally(o.closedEarly)})`]
      : []),
    ...(o.opened > o.answered && !total(o.closedEarly)
      ? [`${fmt(o.opened - o.answered)} open connections got no answer to their getUser`]
      : []),
  ];
  return parts.length ? parts.join('; ') : null;
}

/** Why a shortfall is this machine's (the client side, the time given), not the server's. */
function machineCause(o: WsConnectionsOutcome): string {
  if (o.blocked) return o.blocked;
  if (o.timedOut) return `${o.timedOut} ran out of time on this machine`;
  if (o.clientExit) return `a client process exited (${o.clientExit})`;
  const client = Object.entries(o.failures).filter(([c]) => !isServerSide(c));
  if (client.length) return `handshakes failed on the client's side: ${client.map(([c, n]) => `${c} x${fmt(n)}`).join(', ')}`;
  return 'no cause was seen';
}

export function describeOutcome(o: WsConnectionsOutcome, p: WsConnectionsParams): string {
  const mib = (kb: number): string => fmt(kb / 1024);
  const sock = (x: number | null): string => (x === null ? 'n/a' : fmt(x));
  const { before: b0, opened: b1, acked: b2 } = o.serverSockets;
  const { before, opened } = o.serverRssKb;
  const perConn = before !== null && opened !== null && o.opened > 0 ? (opened - before) / o.opened : null;
  const heapPer =
    o.serverHeap.before !== null && o.serverHeap.opened !== null && o.opened > 0
      ? (o.serverHeap.opened - o.serverHeap.before) / o.opened / 1024
      : null;
  return [
    `${fmt(o.answered)} of ${fmt(p.target)} WebSocket connections to the reference ws server (servers/websocket.ts as the bench ` +
      `starts it: its default heartbeat and limits) open at once and each answering its own getUser, sent after all were open`,
    `${fmt(o.opened)} open when opening ended${o.blocked ? ' (as many as the open-file limit allows)' : ''}` +
      (o.openMs !== null ? `, in ${fmt(o.openMs / 1000)} s (slowest client process, first connect to last handshake)` : '') +
      (o.ackMs !== null ? `; answers within ${fmt(o.ackMs / 1000)} s` : ''),
    `from ${p.addresses.length} loopback source addresses (${p.addresses.join(', ')}) in ${p.clients} client processes, ` +
      `at most ${p.concurrency} handshakes pending in each, all on this ${os.availableParallelism()}-CPU host`,
    `established TCP connections on the server's port (/proc/net/tcp): ${sock(b0)} before, ${sock(b1)} when open, ` +
      `${sock(b2)} after the answers`,
    ...(before !== null && opened !== null
      ? [
          `server VmRSS (/proc/pid/status) ${mib(before)} -> ${mib(opened)} MiB` +
            (perConn !== null ? `: ${fmt(perConn)} KB per connection` : '') +
            (heapPer !== null ? `, of which JS heap ${fmt(heapPer)} KB` : ''),
        ]
      : []),
    ...(o.clientRssKb !== null ? [`client processes' VmRSS ${mib(o.clientRssKb)} MiB together`] : []),
    `open-file limit raised by the check for every process (ours; the checking process has ${sock(o.fdLimits.parent)}): ` +
      `server ${sock(o.fdLimits.server)}, clients ${o.fdLimits.clients.map(sock).join(', ') || 'n/a'}`,
    ...(total(o.failures) ? [`failed handshakes: ${tally(o.failures)}`] : []),
    ...(total(o.closedEarly) ? [`closed before the end: ${tally(o.closedEarly)}`] : []),
  ].join('; ');
}

/**
 * The verdict's observation: the number held and answered. A shortfall is a figure (and refutes)
 * only when the server caused it; a limit of the client side or of the time given is inconclusive.
 */
export function judgeWsConnections(o: WsConnectionsOutcome, p: WsConnectionsParams): Observation {
  const detail = describeOutcome(o, p);
  if (o.blocked) return unavailable(`the check cannot reach ${fmt(p.target)} here: ${o.blocked}`, detail);
  if (o.answered >= p.target) return exact(o.answered, 'connections', detail);
  const cause = serverCause(o);
  if (cause) return exact(o.answered, 'connections', `${detail}; short of ${fmt(p.target)} because ${cause}`);
  return unavailable(
    `reached ${fmt(o.answered)} of ${fmt(p.target)} held and answered: ${machineCause(o)} (a limit of the client side of this machine, not the server's)`,
    detail,
  );
}

// ------------------------------------------------------------------ /proc readers

function procField(pid: number, file: string, re: RegExp): number | null {
  try {
    const m = re.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
const vmRssKb = (pid: number): number | null => procField(pid, 'status', /^VmRSS:\s+(\d+) kB/m);
const openFileLimit = (pid: number): number | null => procField(pid, 'limits', /^Max open files\s+(\d+)/m);

/**
 * Established TCP connections whose local end is the server's address and port (/proc/net/tcp):
 * the port is the server process's alone, so these are the connections it holds. (Counting its
 * open files instead drifts with tsx's own pipes.)
 */
function establishedOn(port: number): number | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`; // 127.0.0.1, as the kernel prints it
  try {
    // The file is read in pages while other sockets come and go, so a line can appear twice: count peers once.
    const peers = new Set<string>();
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[1] === local && f[3] === '01') peers.add(f[2]!);
    }
    return peers.size;
  } catch {
    return null;
  }
}

function portRange(): [number, number] | null {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return lo && hi ? [lo, hi] : null;
  } catch {
    return null;
  }
}

function memAvailableKb(): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ processes

/**
 * A TypeScript entry as a Node child with IPC and its open-file limit raised: root may raise the
 * hard limit for a child (fs.nr_open allows); `exec` keeps the pid, so /proc/<pid> is Node's.
 * When raising fails the child runs with the old limit, which the check reads and reports.
 */
function spawnWithFdLimit(entry: URL, arg: string, fdLimit: number): ChildProcess & { tail: () => string } {
  const script = `ulimit -n ${Math.floor(fdLimit)} 2>/dev/null; exec "$0" "$@"`;
  const child = spawn('sh', ['-c', script, process.execPath, '--import', TSX, fileURLToPath(entry), arg], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => void (tail = (tail + d.toString()).slice(-2000)));
  // A failed spawn: kept for the error text; the wait for the child's first message then fails.
  child.on('error', (err) => void (tail += `\n${err.message}`));
  return Object.assign(child, { tail: () => tail.trim().split('\n').slice(-3).join(' | ') });
}

function killAndWait(child: ChildProcess, ms = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

let statsSeq = 0;
async function serverHeapBytes(server: ChildProcess): Promise<number | null> {
  const seq = ++statsSeq;
  const isStats = (m: unknown): m is Extract<ServerToRunner, { type: 'stats' }> =>
    hasType('stats')(m) && (m as { seq: number }).seq === seq;
  if (!server.connected) return null;
  const reply = waitForMessage(server, isStats, 10_000, 'server stats');
  // With a callback a closed channel is an error here, not an 'error' event nobody listens to.
  server.send({ type: 'stats', seq }, () => undefined);
  return reply.then(
    (m) => m.sample.heapUsedBytes,
    () => null,
  );
}

const merge = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

/** Run the check's processes and gather what they saw; every child is gone when this resolves. */
export async function runWsConnections(p: WsConnectionsParams): Promise<WsConnectionsOutcome> {
  const o = emptyOutcome(p.target);
  o.blocked = preflight(p, { ports: portRange(), memAvailableKb: memAvailableKb() });
  if (o.blocked) return o;
  let server: ReturnType<typeof spawnWithFdLimit> | undefined;
  const clients: ReturnType<typeof spawnWithFdLimit>[] = [];
  let stopping = false;
  let serverReady = false;
  let phase = 'starting the server';
  const hard = setTimeout(() => {
    o.timedOut = `the whole check (bound ${fmt(p.totalMs / 1000)} s, while ${phase})`;
    stopping = true; // these deaths are ours
    for (const c of [server, ...clients]) c?.kill('SIGKILL');
  }, p.totalMs);
  try {
    const job: ServerJob = { server: 'websocket', host: HOST, port: 0, dataset: { users: p.users, seed: DEFAULT_DATASET.seed } };
    server = spawnWithFdLimit(SERVER_ENTRY, JSON.stringify(job), p.fdLimit);
    const s = server;
    if (s.pid) o.pids.push(s.pid);
    // Only a server that started and then died is a finding; one that never started is a check that failed to run.
    s.once('exit', (code, signal) => {
      if (serverReady && !stopping) o.serverExit = `code ${code}, signal ${signal}${s.tail() ? `: ${s.tail()}` : ''}`;
    });
    const ready = await waitForMessage<Extract<ServerToRunner, { type: 'ready' }>>(s, hasType('ready'), 30_000, 'ws server');
    serverReady = true;
    const pid = s.pid!;
    o.fdLimits.server = openFileLimit(pid);
    o.blocked = fdLimitProblem('server', o.fdLimits.server, p.target, p.fdLimit);
    // Below the target's fd limit the verdict is out of reach, but the connections the limit allows
    // are still opened and measured (memory per connection, time to open) for the detail.
    const reach = o.blocked ? Math.max(0, o.fdLimits.server! - FD_HEADROOM) : p.target;
    o.serverSockets.before = establishedOn(ready.port);
    o.serverRssKb.before = vmRssKb(pid);
    o.serverHeap.before = await serverHeapBytes(s);

    phase = 'opening connections';
    const jobs = planClients({ ...p, target: reach }, `ws://${HOST}:${ready.port}${WS_PATH}`);
    const last: (OpenReport | null)[] = jobs.map(() => null);
    for (const [k, j] of jobs.entries()) {
      const c = spawnWithFdLimit(CLIENT_ENTRY, JSON.stringify(j), p.fdLimit);
      clients.push(c);
      if (c.pid) o.pids.push(c.pid);
      c.on('message', (m: ClientToParent) => {
        if (m.type === 'progress' || m.type === 'opened') last[k] = m;
      });
    }
    const opened = await Promise.allSettled(
      clients.map((c, k) =>
        waitForMessage<Extract<ClientToParent, { type: 'opened' }>>(c, hasType('opened'), p.openMs + 20_000, `client ${k}`),
      ),
    );
    o.fdLimits.clients = clients.map((c) => (c.pid ? openFileLimit(c.pid) : null));
    for (const [k, r] of opened.entries()) {
      const rep = last[k];
      if (rep) {
        o.opened += rep.open;
        merge(o.failures, rep.failures);
        if (rep.timedOut) o.timedOut ??= `opening (${fmt(p.openMs / 1000)} s per client process)`;
        o.openMs = Math.max(o.openMs ?? 0, rep.ms);
      }
      if (r.status === 'rejected' && !stopping && !o.serverExit) {
        const why = (r.reason as Error).message.split('\n')[0]!;
        if (/no answer within/.test(why)) o.timedOut ??= 'opening (the client did not report)';
        else o.clientExit ??= `${why}${clients[k]!.tail() ? `: ${clients[k]!.tail()}` : ''}`;
      }
    }
    // A client short of its fd limit is the cause of its EMFILE: say so in its name.
    const fdShort = jobs
      .map((j, k) => fdLimitProblem(`client process ${k}`, o.fdLimits.clients[k] ?? null, j.count, p.fdLimit))
      .find(Boolean);
    if (fdShort && o.opened < p.target) o.blocked ??= fdShort;
    o.serverSockets.opened = establishedOn(ready.port);
    o.serverRssKb.opened = vmRssKb(pid);
    o.serverHeap.opened = await serverHeapBytes(s);
    const rss = clients.map((c) => (c.pid ? vmRssKb(c.pid) : null));
    o.clientRssKb = rss.every((x) => x !== null) ? rss.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
    if (opened.some((r) => r.status === 'rejected') || o.serverExit) return o;

    phase = 'waiting for the getUser answers';
    const acked = Promise.allSettled(
      clients.map((c, k) =>
        waitForMessage<Extract<ClientToParent, { type: 'acked' }>>(c, hasType('acked'), p.ackMs + 10_000, `client ${k}`),
      ),
    );
    for (const c of clients)
      if (c.connected) c.send({ type: 'ack', timeoutMs: p.ackMs } satisfies ParentToClient, () => undefined);
    for (const r of await acked) {
      if (r.status === 'rejected') {
        const why = (r.reason as Error).message.split('\n')[0]!;
        if (/no answer within/.test(why)) o.timedOut ??= 'the getUser answers (the client did not report)';
        else if (!stopping) o.clientExit ??= why;
        continue;
      }
      const m = r.value;
      o.answered += m.answered;
      o.ackMs = Math.max(o.ackMs ?? 0, m.ms);
      if (m.timedOut) o.timedOut ??= `the getUser answers (${fmt(p.ackMs / 1000)} s)`;
      merge(o.closedEarly, m.closedEarly);
    }
    o.serverSockets.acked = establishedOn(ready.port);
    return o;
  } catch (err) {
    // Killed by the hard bound: what was seen so far is the outcome.
    if (o.timedOut) return o;
    throw err;
  } finally {
    stopping = true;
    clearTimeout(hard);
    // The server first: the TIME_WAIT its closes leave sits on its own port, not on the clients'
    // source ports, which a run straight after needs again.
    if (server) await killAndWait(server);
    await Promise.all(clients.map((c) => killAndWait(c)));
  }
}

export async function wsConnectionsCheck(p: WsConnectionsParams = WS_CONNECTIONS): Promise<CheckResult> {
  return { held: judgeWsConnections(await runWsConnections(p), p) };
}
