// HTTP caching, done with a standard cache: undici's RFC 9111 cache interceptor (an in-memory
// store) in front of the reference servers, started in this process on 127.0.0.1. What is
// counted is what REACHES each origin: a counter on the store's getUser, which every
// GET /v1/users/:id, every GraphQL user(id) query and every gRPC GetUser calls once, so an
// answer served by the cache leaves it unchanged. The benchmarked REST server sends no
// Cache-Control; the instance here is given the guide's own header (L531), so the freshness is
// the harness's choice and what is measured is what a standard client cache does with it.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Agent, H2CClient, cacheStores, interceptors, type Dispatcher } from 'undici';
import { startRest } from '../servers/rest.ts';
import { startGraphQL, GRAPHQL_PATH } from '../servers/graphql.ts';
import { startGrpc } from '../servers/grpc.ts';
import { createMemoryStore, type UserStore } from '../servers/store.ts';
import { DEFAULT_DATASET, mulberry32 } from '../servers/dataset.ts';
import { loadPackageDefinition, protoType, userToProto, SERVICE_NAME } from '../proto/contract.ts';
import { exact, held, settled, unavailable, withTimeout, type CheckResult } from './observe.ts';
import { show } from './decide.ts';

const HOST = '127.0.0.1';
/** The guide's own header (L531): fresh for an hour, far longer than any run here. */
export const GUIDE_CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=60';
/** Entries the cache may hold: more than the data set's users (undici's default of 1,024 would evict). */
const CACHE_ENTRIES = 100_000;
/** The stated read workload: Zipf exponent and PRNG seed. */
export const ZIPF_S = 1;
export const WORKLOAD_SEED = 7;
const GET_USER_PATH = `/${SERVICE_NAME}/GetUser`;
const GQL_QUERY = '{ user(id: "1") { id username email } }';

export interface CacheCheckOptions {
  /** GETs of one URL within max-age; also POSTs of one GraphQL query and gRPC calls. Default 20. */
  repeats?: number;
  /** Reads of the stated workload the load cut is decided on. Default 2,000. */
  reads?: number;
  /** The same Zipf stream continued this far, to show how the cut grows with the run. Default 10,000. */
  longReads?: number;
}

// ---- workloads (pure) ----

/** `n` user ids in 1..users, id k drawn with weight 1/k^s (Zipf: the lowest ids are the popular ones), seeded. */
export function zipfIds(n: number, users: number, s: number, seed: number): number[] {
  const cdf = new Float64Array(users);
  let sum = 0;
  for (let k = 1; k <= users; k++) cdf[k - 1] = sum += 1 / k ** s;
  const rand = mulberry32(seed);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = rand() * sum;
    // The first id whose cumulative weight passes u.
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    ids.push(lo + 1);
  }
  return ids;
}

/** `n` user ids in 1..users, each equally likely, seeded. */
export function uniformIds(n: number, users: number, seed: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => 1 + Math.floor(rand() * users));
}

/** Share of the client's requests the origin did not see. */
export const loadCut = (originRequests: number, clientRequests: number): number => 1 - originRequests / clientRequests;

// ---- origins and the caching client (effects) ----

let base: UserStore | undefined;
const baseStore = (): UserStore => (base ??= createMemoryStore(DEFAULT_DATASET));

/** The store with a counter on getUser: each call is one request that reached the origin's handler. */
export function countingStore(store: UserStore): { store: UserStore; calls: () => number } {
  let n = 0;
  const getUser = (id: number): ReturnType<UserStore['getUser']> => {
    n++;
    return store.getUser(id);
  };
  return { store: { ...store, getUser }, calls: () => n };
}

/** A fresh caching client: undici's Agent behind its RFC 9111 cache, with room for every user. */
function cachingAgent(): Dispatcher {
  const store = new cacheStores.MemoryCacheStore({ maxCount: CACHE_ENTRIES });
  return new Agent().compose(interceptors.cache({ store }));
}

interface Answer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Buffer;
  trailers: Record<string, string>;
}

async function send(d: Dispatcher, options: Dispatcher.RequestOptions): Promise<Answer> {
  const res = await withTimeout(d.request(options), 10_000, `${options.method} ${options.path}`);
  const body = Buffer.from(await res.body.bytes());
  // The cache files an answer when its copy of the body finishes, a tick after the body is
  // read here: let it land before the next request, as it would for any later request.
  await new Promise((resolve) => setImmediate(resolve));
  return { status: res.statusCode, headers: res.headers, body, trailers: res.trailers };
}

/** Answers the cache served (it adds Age; none of the origins here sends one). */
const fromCache = (answers: readonly Answer[]): number => answers.filter((a) => a.headers.age !== undefined).length;

/** A REST origin on the counting store, with `cacheControl` on GET /v1/users/:id (none: as benchmarked). */
async function restOrigin(cacheControl?: string): Promise<{ origin: string; calls: () => number; close: () => Promise<void> }> {
  const counted = countingStore(baseStore());
  const server = await startRest({ host: HOST, port: 0, store: counted.store, ...(cacheControl && { cacheControl }) });
  return {
    origin: `http://${HOST}:${server.port}`,
    calls: counted.calls,
    close: async () => {
      await server.close();
    },
  };
}

export interface RepeatedGets {
  /** Requests that reached the origin. */
  origin: number;
  /** Answers the cache served. */
  cached: number;
  statuses: number[];
  /** Distinct bodies among the answers. */
  bodies: number;
}

/** `n` GETs of /v1/users/1, one after another, through one fresh cache. */
export async function repeatedGets(n: number, cacheControl?: string): Promise<RepeatedGets> {
  const o = await restOrigin(cacheControl);
  const d = cachingAgent();
  try {
    const answers: Answer[] = [];
    for (let i = 0; i < n; i++) answers.push(await send(d, { origin: o.origin, path: '/v1/users/1', method: 'GET' }));
    return {
      origin: o.calls(),
      cached: fromCache(answers),
      statuses: answers.map((a) => a.status),
      bodies: new Set(answers.map((a) => a.body.toString('latin1'))).size,
    };
  } finally {
    await d.close();
    await o.close();
  }
}

/**
 * GETs of /v1/users/<id> for `ids` in order, through one fresh cache, the origin sending the
 * guide's max-age: requests that reached the origin after each of `checkpoints` client requests.
 */
export async function readsThroughCache(ids: readonly number[], checkpoints: readonly number[]): Promise<number[]> {
  const o = await restOrigin(GUIDE_CACHE_CONTROL);
  const d = cachingAgent();
  try {
    const seen: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const a = await send(d, { origin: o.origin, path: `/v1/users/${ids[i]}`, method: 'GET' });
      if (a.status !== 200) throw new Error(`GET /v1/users/${ids[i]} answered ${a.status}`);
      if (checkpoints.includes(i + 1)) seen.push(o.calls());
    }
    return seen;
  } finally {
    await d.close();
    await o.close();
  }
}

/** A node:http server answering every request 200 with the guide's Cache-Control, counting them. */
async function markedOrigin(): Promise<{ origin: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      const body = '{"data":{"user":{"id":"1"}}}';
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
        'cache-control': GUIDE_CACHE_CONTROL,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    origin: `http://${HOST}:${(server.address() as net.AddressInfo).port}`,
    count: () => n,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface GraphQLRepeats {
  /** Of `n` POSTs of one query to the reference GraphQL server, those that reached it. */
  post: number;
  /** Of `n` POSTs answered with the guide's Cache-Control (a bare server), those that reached it. */
  markedPost: number;
  /** Of `n` GETs of the same query (/graphql?query=...), those that reached the reference server. */
  get: number;
  /** Status and Cache-Control of the server's answer to that GET. */
  getStatus: number | undefined;
  getCacheControl: string | undefined;
  /** Statuses of the POST answers. */
  postStatuses: number[];
  /** What undici says when asked to cache POST. */
  postRefused: string;
}

export async function graphqlRepeats(n: number): Promise<GraphQLRepeats> {
  const counted = countingStore(baseStore());
  const gql = await startGraphQL({ host: HOST, port: 0, store: counted.store });
  const marked = await markedOrigin();
  const clients: Dispatcher[] = [];
  const client = (): Dispatcher => {
    clients.push(cachingAgent());
    return clients[clients.length - 1]!;
  };
  try {
    const origin = `http://${HOST}:${gql.port}`;
    const body = JSON.stringify({ query: GQL_QUERY });
    const post = { path: GRAPHQL_PATH, method: 'POST', headers: { 'content-type': 'application/json' }, body } as const;
    const postStatuses: number[] = [];
    const viaPost = client();
    for (let i = 0; i < n; i++) postStatuses.push((await send(viaPost, { origin, ...post })).status);
    const postCalls = counted.calls();
    const viaMarked = client();
    for (let i = 0; i < n; i++) postStatuses.push((await send(viaMarked, { origin: marked.origin, ...post })).status);
    const viaGet = client();
    let getStatus: number | undefined;
    let getCacheControl: string | undefined;
    for (let i = 0; i < n; i++) {
      const a = await send(viaGet, { origin, path: `${GRAPHQL_PATH}?query=${encodeURIComponent(GQL_QUERY)}`, method: 'GET' });
      const cc = a.headers['cache-control'];
      getStatus ??= a.status;
      getCacheControl ??= Array.isArray(cc) ? cc.join(', ') : cc;
    }
    let postRefused = 'accepted';
    try {
      // Typed to the safe methods only; asked anyway, to report what the library says.
      interceptors.cache({ methods: ['POST'] as unknown as NonNullable<Parameters<typeof interceptors.cache>[0]>['methods'] });
    } catch (err) {
      postRefused = (err as Error).message;
    }
    const get = counted.calls() - postCalls;
    return { post: postCalls, markedPost: marked.count(), get, getStatus, getCacheControl, postStatuses, postRefused };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([gql.close(), marked.close()]);
  }
}

// ---- gRPC on the wire ----

interface RecordedCall {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** A gRPC message as it travels: a 1-byte compressed flag, a 4-byte length, the protobuf. */
const grpcFrame = (msg: Uint8Array): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
};

/**
 * A node:http2 server that records each request (headers and body) and answers it as a gRPC
 * server would answer GetUser for user 1, adding the guide's Cache-Control.
 */
async function recordingServer(): Promise<{ port: number; calls: RecordedCall[]; close: () => Promise<void> }> {
  const calls: RecordedCall[] = [];
  const reply = grpcFrame(
    protoType('User')
      .encode(userToProto(baseStore().getUser(1)!))
      .finish(),
  );
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('end', () => {
      calls.push({ headers, body: Buffer.concat(chunks) });
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'cache-control': GUIDE_CACHE_CONTROL },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    calls,
    close: () => {
      for (const s of sessions) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** One GetUser(id 1) by the stock grpc-js client, to `port`. */
async function grpcJsGetUser(port: number): Promise<void> {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
    bench: { v1: { UserService: grpc.ServiceClientConstructor } };
  };
  const c = new pkg.bench.v1.UserService(`${HOST}:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    GetUser(req: { id: number }, cb: (err: grpc.ServiceError | null) => void): void;
  };
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => c.GetUser({ id: 1 }, (err) => (err ? reject(err) : resolve()))),
      10_000,
      'grpc-js GetUser',
    );
  } finally {
    c.close();
  }
}

// Headers HTTP/2 or undici do not let a client set; every other header of the call is replayed.
const NOT_REPLAYED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'host', 'content-length']);

/** `n` copies of a recorded call, one after another, through one fresh RFC 9111 cache over h2c. */
async function replay(port: number, call: RecordedCall, n: number): Promise<Answer[]> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.headers))
    if (!k.startsWith(':') && !NOT_REPLAYED.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const store = new cacheStores.MemoryCacheStore({ maxCount: CACHE_ENTRIES });
  const d = new H2CClient(`http://${HOST}:${port}`).compose(interceptors.cache({ store }));
  try {
    const answers: Answer[] = [];
    for (let i = 0; i < n; i++) {
      const method = (call.headers[':method'] ?? 'POST') as Dispatcher.HttpMethod;
      answers.push(await send(d, { path: call.headers[':path'] ?? GET_USER_PATH, method, headers, body: call.body }));
    }
    return answers;
  } finally {
    await d.close();
  }
}

export interface GrpcRepeats {
  /** The grpc-js call as the recording server saw it. */
  wire: { method: string; path: string; contentType: string; te: string; bodyBytes: number; head: string };
  /** Of `n` replays to the reference gRPC server, those that reached it, and those answered grpc-status 0 with user 1. */
  reference: number;
  ok: number;
  /** Of `n` replays to the recording server (which sends the guide's Cache-Control), those that reached it. */
  marked: number;
}

export async function grpcRepeats(n: number): Promise<GrpcRepeats> {
  const counted = countingStore(baseStore());
  const ref = await startGrpc({ host: HOST, port: 0, store: counted.store });
  const rec = await recordingServer();
  try {
    await grpcJsGetUser(rec.port);
    const call = rec.calls[0];
    if (!call) throw new Error('the recording server saw no grpc-js call');
    const answers = await replay(ref.port, call, n);
    const User = protoType('User');
    const ok = answers.filter(
      (a) => a.trailers['grpc-status'] === '0' && (User.decode(a.body.subarray(5)) as unknown as { id: number }).id === 1,
    ).length;
    await replay(rec.port, call, n);
    const h = call.headers;
    return {
      wire: {
        method: h[':method'] ?? '?',
        path: h[':path'] ?? '?',
        contentType: String(h['content-type']),
        te: String(h.te),
        bodyBytes: call.body.length,
        head: call.body.subarray(0, 5).toString('hex'),
      },
      reference: counted.calls(),
      ok,
      marked: rec.calls.length - 1,
    };
  } finally {
    await rec.close();
    await ref.close();
  }
}

// ---- the check ----

export async function cacheCheck(opts: CacheCheckOptions = {}): Promise<CheckResult> {
  const n = opts.repeats ?? 20;
  const reads = opts.reads ?? 2_000;
  const longReads = Math.max(reads, opts.longReads ?? 10_000);
  const users = DEFAULT_DATASET.users;
  const out: CheckResult = {};
  const outOf = (x: number): string => `${x} of ${n}`;

  // max-age: the REST GET, with the guide's header and as benchmarked (none).
  let restGet: RepeatedGets | undefined;
  out.maxAge = await settled(async () => {
    restGet = await repeatedGets(n, GUIDE_CACHE_CONTROL);
    const bare = await repeatedGets(n);
    const r = restGet;
    return held(
      r.origin === 1 && r.cached === n - 1 && r.bodies === 1 && r.statuses.every((s) => s === 200),
      `${n} GETs of /v1/users/1, one after another, through undici's RFC 9111 cache, the answer carrying ` +
        `Cache-Control: ${GUIDE_CACHE_CONTROL}: ${outOf(r.origin)} reached the REST origin, ${r.cached} came from the cache ` +
        `(with an Age header), ${r.bodies} distinct bod${r.bodies === 1 ? 'y' : 'ies'}; the REST server as benchmarked ` +
        `(no Cache-Control): ${outOf(bare.origin)} reached it`,
    );
  });

  // Load cut on a stated workload: the cache's hit ratio, so the workload decides it.
  out.loadCut = await settled(async () => {
    const marks = [...new Set([Math.round(reads / 4), Math.round(reads / 2), reads, Math.round(longReads / 2), longReads])]
      .filter((m) => m > 0)
      .sort((a, b) => a - b);
    const zipf = zipfIds(longReads, users, ZIPF_S, WORKLOAD_SEED);
    const zipfSeen = await readsThroughCache(zipf, marks);
    const uniformOrigin = (await readsThroughCache(uniformIds(reads, users, WORKLOAD_SEED), [reads]))[0]!;
    const at = (m: number): number => zipfSeen[marks.indexOf(m)]!;
    const cut = loadCut(at(reads), reads);
    const curve = marks.map((m) => `${m.toLocaleString('en-US')} reads ${show(loadCut(at(m), m), 'share')}`).join(', ');
    const k = (x: number): string => x.toLocaleString('en-US');
    const workload =
      `${k(reads)} GETs of /v1/users/:id, ids drawn Zipf s=${ZIPF_S} over the ${k(users)} users ` +
      `(id k with weight 1/k^${ZIPF_S}, seed ${WORKLOAD_SEED}), one at a time through one cache ` +
      `(undici, RFC 9111, room for ${k(CACHE_ENTRIES)} entries), max-age 3600 s (longer than the run)`;
    const distinct = new Set(zipf.slice(0, reads)).size;
    return exact(
      cut,
      'share',
      `${workload}: ${at(reads)} reached the origin (${distinct} distinct ids; each first read of an id misses), ` +
        `a ${show(cut, 'share')} cut; the same stream read on: ${curve}; ids drawn uniformly instead: ` +
        `${uniformOrigin} of ${k(reads)} reached the origin, a ${show(loadCut(uniformOrigin, reads), 'share')} cut`,
    );
  });

  out.graphqlPost = await settled(async () => {
    const g = await graphqlRepeats(n);
    const r = restGet;
    if (!r) return unavailable('the REST GET half (maxAge) did not run');
    return held(
      g.post === n && g.markedPost === n && r.origin === 1 && g.postStatuses.every((s) => s === 200),
      `the same GraphQL query POSTed ${n} times through one RFC 9111 cache (undici): ${outOf(g.post)} reached the reference ` +
        `GraphQL server (graphql-yoga); POSTs answered with Cache-Control: ${GUIDE_CACHE_CONTROL} (a bare node:http server): ` +
        `${outOf(g.markedPost)} reached it; the REST GET of the same user with that header: ${outOf(r.origin)}. The query ` +
        `over GET (/graphql?query=...): ${outOf(g.get)} reached yoga, whose answer (${g.getStatus ?? 'none'}) carries ` +
        `${g.getCacheControl ? `Cache-Control: ${g.getCacheControl}` : 'no Cache-Control'}. Asked to cache POST, undici ` +
        `says: ${g.postRefused}`,
    );
  });

  out.grpcPost = await settled(async () => {
    const g = await grpcRepeats(n);
    const r = restGet;
    if (!r) return unavailable('the REST GET half (maxAge) did not run');
    const w = g.wire;
    return held(
      w.method === 'POST' &&
        /^application\/grpc/.test(w.contentType) &&
        g.reference === n &&
        g.ok === n &&
        g.marked === n &&
        r.origin === 1,
      `a grpc-js GetUser as a node:http2 server received it: :method ${w.method}, :path ${w.path}, content-type ` +
        `${w.contentType}, te ${w.te}, a ${w.bodyBytes} B binary body (protobuf after the 5-byte frame header ${w.head}); ` +
        `replayed ${n} times through one RFC 9111 cache over h2c (undici H2CClient): ${outOf(g.reference)} reached the ` +
        `reference gRPC server (${g.ok} answered grpc-status 0 with user 1); to a server answering with Cache-Control: ` +
        `${GUIDE_CACHE_CONTROL}: ${outOf(g.marked)}; the REST GET with that header: ${outOf(r.origin)}. A standard HTTP ` +
        `cache stores no gRPC call (a POST); caching gRPC takes code of one's own (an interceptor or a cache in the service)`,
    );
  });
  return out;
}
