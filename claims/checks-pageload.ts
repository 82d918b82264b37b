// Page loads over HTTP/1.1 and HTTP/2 through the harness's delaying proxy (issue 15.13): the
// guide's "3x-5x faster page loads" from multiplexing. A page load is what a browser does on a
// new visit: one document request, then N sub-resource requests issued together as soon as the
// document arrives. HTTP/1.1 gets a browser's per-origin pool (keep-alive, at most 6 sockets, no
// pipelining); HTTP/2 one session carrying all N streams at once. Both origins are the harness's
// REST server (fastify on node:http, and the same routes on node:http2 as the http2 scenario
// serves them), every resource a GET /v1/users/:id of a distinct id.
//
// The delay proxy delays application data only: the kernel completes each TCP handshake at
// loopback speed. A real connection costs one round trip before its first byte, and HTTP/1.1
// opens more of them, so a gate in front of the proxy holds every new connection's bytes for one
// round trip (the handshake, emulated), and that figure decides. The proxy-alone figure is in the
// detail too: it is not a conservative one. It spares HTTP/1.1 a round trip for its extra
// connections but both protocols one for the first, and on all but small pages the ratio it
// gives is the higher one.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startRest } from '../servers/rest.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { measureProxyOverheadUs, startDelayProxy } from '../harness/run/delay-proxy.ts';
import { median } from '../harness/metrics/stats.ts';
import { fmt, type Observation } from './decide.ts';
import { unavailable, withHiccups, withTimeout, type CheckResult } from './observe.ts';

const HOST = '127.0.0.1';
/** One way: a 50 ms round trip, a continental distance. */
export const DELAY_MS = 25;
export const PAGE_SIZES = [10, 30, 100] as const;
/**
 * The page the verdict is read at: 30 same-origin sub-resources. An HTTP Archive query
 * (discuss.httparchive.org, "distribution of 1st party vs 3rd party resources") found a median
 * page making 39 first-party requests and 24 third-party ones, which neither protocol puts on the
 * page's connection; less the document and spread over a site's own hosts, about 30 reach one
 * origin. The ratio grows with N, so N decides the verdict: the detail shows all three.
 */
export const DECIDING_N = 30;
/** A browser's per-origin connection limit for HTTP/1.1 (Chrome, Firefox and Safari all use 6). */
export const BROWSER_MAX_SOCKETS = 6;

export type Proto = 'http1' | 'http2';
/** handshake: one round trip held at each new connection (decides); proxy: the delay proxy alone. */
export type Network = 'handshake' | 'proxy';
export const DECIDING_NETWORK: Network = 'handshake';
const PROTOS: readonly Proto[] = ['http1', 'http2'];
const NETWORKS: readonly Network[] = ['handshake', 'proxy'];
const NAME: Record<Proto, string> = { http1: 'HTTP/1.1', http2: 'HTTP/2' };

export interface PageLoad {
  proto: Proto;
  network: Network;
  /** Sub-resources on the page (the document comes on top). */
  n: number;
  round: number;
  /** Visit start (connection opening included) to the last byte of the last answer's body. */
  ms: number;
  /** Answers that were 200 with the requested user: n + 1 when the page is complete. */
  answers: number;
  /** Body bytes of all the answers. */
  bodyBytes: number;
  /** TCP connections the page load opened, counted where they arrive (the gate). */
  connections: number;
  /** How late this process's event loop woke at worst during the load. */
  lateMs: number;
}

export interface PageLoadRun {
  delayMs: number;
  rounds: number;
  sizes: readonly number[];
  decideAt: number;
  /** The delay proxy's own cost per round trip (delay 0 through it minus direct), us; null when not measured. */
  overheadUs: number | null;
  loads: PageLoad[];
}

export interface PageLoadOptions {
  rounds?: number;
  delayMs?: number;
  sizes?: readonly number[];
  decideAt?: number;
  /** Measure the delay proxy's own cost (a few hundred local round trips). */
  overhead?: boolean;
}

/** A counting front for the delay proxy: every new connection's bytes wait `holdMs` (an emulated TCP handshake). */
interface Gate {
  port: number;
  accepted(): number;
  close(): Promise<void>;
}

async function startGate(target: { host: string; port: number }, holdMs: number): Promise<Gate> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    track(client);
    // Nothing reads the client until the upstream is open: its first bytes (the request, or
    // HTTP/2's preface) wait in the socket, as they would wait for SYN-ACK on a real network.
    const open = (): void => {
      if (client.destroyed) return;
      const upstream = net.connect(target.port, target.host);
      track(upstream);
      const kill = (): void => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', kill);
      client.on('error', kill);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (holdMs <= 0) return open();
    const timer = setTimeout(open, holdMs);
    client.on('error', () => client.destroy());
    client.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const close = (): Promise<void> => {
    sockets.forEach((s) => s.destroy());
    return new Promise((r) => server.close(() => r()));
  };
  return { port: (server.address() as AddressInfo).port, accepted: () => accepted, close };
}

interface Answer {
  ok: boolean;
  bytes: number;
}

/** ok when the body is the user asked for: a page counts only answers it could render. */
function answerOf(status: number, body: Buffer, id: number): Answer {
  let ok = false;
  try {
    ok = status === 200 && (JSON.parse(body.toString('utf8')) as { id?: unknown }).id === id;
  } catch {
    /* not JSON: not an answer */
  }
  return { ok, bytes: body.length };
}

function h1Get(port: number, agent: http.Agent, id: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: `/v1/users/${id}`, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answerOf(res.statusCode ?? 0, Buffer.concat(chunks), id)));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function h2Get(session: http2.ClientHttp2Session, id: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': `/v1/users/${id}` });
    let status = 0;
    const chunks: Buffer[] = [];
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(answerOf(status, Buffer.concat(chunks), id)));
    req.on('error', reject);
    req.end();
  });
}

/** One visit: the document, then every sub-resource at once; fresh connections, torn down after. */
async function loadPage(proto: Proto, port: number, ids: readonly number[]): Promise<{ ms: number; answers: Answer[] }> {
  const [doc, ...subs] = ids as [number, ...number[]];
  const t0 = performance.now();
  if (proto === 'http1') {
    // keepAlive: the document's connection serves sub-resources too; past 6 in flight, requests queue in the agent.
    const agent = new http.Agent({ keepAlive: true, maxSockets: BROWSER_MAX_SOCKETS });
    try {
      const first = await h1Get(port, agent, doc);
      const rest = await Promise.all(subs.map((id) => h1Get(port, agent, id)));
      return { ms: performance.now() - t0, answers: [first, ...rest] };
    } finally {
      agent.destroy();
    }
  }
  // Requests made before the session connects are queued by node and sent right after the preface.
  const session = http2.connect(`http://${HOST}:${port}`);
  session.on('error', () => undefined); // surfaces as each stream's error
  try {
    const first = await h2Get(session, doc);
    const rest = await Promise.all(subs.map((id) => h2Get(session, id)));
    return { ms: performance.now() - t0, answers: [first, ...rest] };
  } finally {
    session.destroy();
  }
}

/** Ids 1 .. n+1: the document and n distinct sub-resources. */
const pageIds = (n: number): number[] => Array.from({ length: n + 1 }, (_, i) => i + 1);

/** Starts both origins, their delay proxies and gates, loads every page of every round, stops it all. */
export async function measurePageLoads(opts: PageLoadOptions = {}): Promise<PageLoadRun> {
  const rounds = opts.rounds ?? 5;
  const delayMs = opts.delayMs ?? DELAY_MS;
  const sizes = opts.sizes ?? PAGE_SIZES;
  const decideAt = opts.decideAt ?? DECIDING_N;
  const store = createMemoryStore(DEFAULT_DATASET);
  const closers: Array<() => Promise<void>> = [];
  try {
    const origins: Partial<Record<Proto, number>> = {};
    const gates = new Map<string, Gate>();
    for (const proto of PROTOS) {
      const origin = await startRest({ host: HOST, port: 0, store, http2: proto === 'http2' });
      closers.push(origin.close);
      origins[proto] = origin.port;
      const proxy = await startDelayProxy({ host: HOST, port: origin.port }, delayMs);
      closers.push(proxy.close);
      for (const network of NETWORKS) {
        const gate = await startGate(proxy, network === 'handshake' ? 2 * delayMs : 0);
        closers.push(gate.close);
        gates.set(`${network}-${proto}`, gate);
      }
    }
    const overheadUs = opts.overhead ? await measureProxyOverheadUs(150) : null;
    // Warm-up, straight to the origins: the first loads pay for JIT and fastify's route compilation.
    const biggest = pageIds(Math.max(...sizes));
    for (const proto of PROTOS) await withTimeout(loadPage(proto, origins[proto]!, biggest), 20_000, `${proto} warm-up`);

    const loads: PageLoad[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate which protocol goes first, so a slow moment does not always land on the same one.
      const order = round % 2 === 0 ? PROTOS : [...PROTOS].reverse();
      for (const n of sizes)
        for (const network of NETWORKS)
          for (const proto of order) {
            const gate = gates.get(`${network}-${proto}`)!;
            const before = gate.accepted();
            const { value, lateMs } = await withHiccups(() =>
              withTimeout(loadPage(proto, gate.port, pageIds(n)), 20_000, `${NAME[proto]} page of ${n}`),
            );
            loads.push({
              proto,
              network,
              n,
              round,
              ms: value.ms,
              answers: value.answers.filter((a) => a.ok).length,
              bodyBytes: value.answers.reduce((s, a) => s + a.bytes, 0),
              connections: gate.accepted() - before,
              lateMs,
            });
          }
    }
    return { delayMs, rounds, sizes, decideAt, overheadUs, loads };
  } finally {
    await Promise.allSettled(closers.reverse().map((close) => close()));
    store.close();
  }
}

const pick = (run: PageLoadRun, network: Network, proto: Proto, n: number): PageLoad[] =>
  run.loads.filter((l) => l.network === network && l.proto === proto && l.n === n).sort((a, b) => a.round - b.round);

/** "N=30: HTTP/1.1 412 ms / HTTP/2 153 ms = 2.69x" for each page size, medians over rounds. */
function timesLine(run: PageLoadRun, network: Network): string {
  return run.sizes
    .map((n) => {
      const [a, b] = PROTOS.map((p) => median(pick(run, network, p, n).map((l) => l.ms)));
      return `N=${n}: ${NAME.http1} ${Math.round(a!)} ms / ${NAME.http2} ${Math.round(b!)} ms = ${fmt(a! / b!)}x`;
    })
    .join(', ');
}

/**
 * The observation, pure: per round, HTTP/1.1 time / HTTP/2 time for the deciding page on the
 * deciding network. A page that lost answers, or a pool that broke its connection limit, means
 * the check did not do what it says: inconclusive. So is a round during which the event loop
 * woke later than `lateLimitMs` (default a quarter of the round trip): a busy machine, not a finding.
 */
export function pageLoadObservation(run: PageLoadRun, lateLimitMs = (2 * run.delayMs) / 4): Observation {
  const rtt = 2 * run.delayMs;
  const h1 = pick(run, DECIDING_NETWORK, 'http1', run.decideAt);
  const h2 = pick(run, DECIDING_NETWORK, 'http2', run.decideAt);
  const maxConns = (p: Proto): number => Math.max(0, ...run.loads.filter((l) => l.proto === p).map((l) => l.connections));
  const minConns = (p: Proto): number => Math.min(...run.loads.filter((l) => l.proto === p).map((l) => l.connections));
  const answers = run.loads.reduce((s, l) => s + l.answers, 0);
  const asked = run.loads.reduce((s, l) => s + l.n + 1, 0);
  const bodyBytes = run.loads.reduce((s, l) => s + l.bodyBytes, 0);
  const late = Math.max(0, ...[...h1, ...h2].map((l) => l.lateMs));
  const detail =
    `a page load = 1 document + N sub-resources requested together once it arrives (GET /v1/users/:id, ` +
    `${Math.round(bodyBytes / Math.max(1, asked))} B JSON each, no bandwidth limit, no dependency chains), ` +
    `fresh connections per load, timed from the visit's start to the last body byte, through the delay proxy at ` +
    `${run.delayMs} ms one way (${rtt} ms round trip), cleartext; ${NAME.http1}: node:http keep-alive agent, at most ` +
    `${BROWSER_MAX_SOCKETS} sockets (a browser's per-origin limit), no pipelining; ${NAME.http2}: one node:http2 ` +
    `session, all streams at once; fastify on both. Medians of ${run.rounds} rounds, decided at N=${run.decideAt} ` +
    `(about a median page's same-origin requests). With one round trip held at each new connection (the TCP ` +
    `handshake the proxy does not delay): ${timesLine(run, 'handshake')}. Through the proxy alone (handshakes at ` +
    `loopback speed, which spares ${NAME.http1} a round trip for its extra connections): ${timesLine(run, 'proxy')}. ` +
    `Connections per load: ${NAME.http1} ${minConns('http1')}-${maxConns('http1')}, ${NAME.http2} ` +
    `${minConns('http2')}-${maxConns('http2')}; answers ${answers} of ${asked}` +
    (run.overheadUs === null ? '' : `; the delay proxy's own cost ${run.overheadUs} us per round trip`) +
    `; event loop at most ${Math.round(late)} ms late during the deciding loads. TLS (another round trip or two ` +
    `per new connection) is not modelled`;
  if (answers !== asked)
    return unavailable(`${asked - answers} of ${asked} requests got no right answer: the pages did not load`, detail);
  if (maxConns('http1') > BROWSER_MAX_SOCKETS || maxConns('http2') !== 1 || minConns('http2') !== 1)
    return unavailable('a page load used more connections than its client allows: not the page load described', detail);
  if (h1.length === 0 || h1.length !== h2.length) return unavailable(`no complete round at N=${run.decideAt}`, detail);
  if (late > lateLimitMs)
    return unavailable(
      `the event loop woke up to ${Math.round(late)} ms late during the deciding page loads (more than ` +
        `${fmt(lateLimitMs)} ms, a quarter of the round trip): a busy machine, not a finding`,
      detail,
    );
  return { samples: h1.map((l, i) => l.ms / h2[i]!.ms), unit: 'x', detail };
}

export async function pageLoadCheck(quick = false): Promise<CheckResult> {
  const run = await measurePageLoads({ rounds: quick ? 3 : 5, overhead: true });
  return { pageLoad: pageLoadObservation(run) };
}
