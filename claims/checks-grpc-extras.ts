// Two gRPC features the reference server does not use, each on a check-only grpc-js server that
// serves the contract's UserService: the standard health service (grpc.health.v1, grpc-node's own
// implementation in grpc-health-check) and interceptors as middleware (server and client side).
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation, protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { loadPackageDefinition, SERVICE_NAME, userToProto } from '../proto/contract.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { held, settled, withTimeout, type CheckResult } from './observe.ts';
import type { Observation } from './decide.ts';

const HOST = '127.0.0.1';
const WAIT_MS = 10_000;
type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
type Ctor = grpc.ServiceClientConstructor;

const HEALTH_VERSION = (createRequire(import.meta.url)('grpc-health-check/package.json') as { version: string }).version;

function userService(): Ctor {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as { bench: { v1: { UserService: Ctor } } };
  return pkg.bench.v1.UserService;
}

/** The health client, from the grpc.health.v1 proto the package ships (as any client would load it). */
function healthService(): Ctor {
  const def = protoLoader.loadSync(HEALTH_PROTO, { keepCase: true, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: Ctor } } } };
  return pkg.grpc.health.v1.Health;
}

const store = createMemoryStore({ ...DEFAULT_DATASET, users: 100 });

/** GetUser and ListUsers over a small store; `seen` counts every call that reached a handler. */
function userHandlers(seen: string[] = []): grpc.UntypedServiceImplementation {
  return {
    GetUser(call: grpc.ServerUnaryCall<{ id: number }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      seen.push('GetUser');
      const user = store.getUser(call.request.id);
      if (!user) return callback({ code: grpc.status.NOT_FOUND, details: `no user with id ${call.request.id}` });
      callback(null, userToProto(user));
    },
    ListUsers(call: grpc.ServerWritableStream<{ pageSize: number; afterId: number }, unknown>) {
      seen.push('ListUsers');
      for (const u of store.listUsers(call.request.afterId, call.request.pageSize || 3)) call.write(userToProto(u));
      call.end();
    },
  };
}

async function bind(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return `${HOST}:${port}`;
}

/** A unary call's status (and answer); no answer in time throws, so a stalled machine is inconclusive. */
async function unary<T>(c: Client, method: string, req: unknown, md = new grpc.Metadata()): Promise<{ code: number; value?: T }> {
  const r = await new Promise<{ code: number; value?: T }>((resolve) => {
    const opts: grpc.CallOptions = { deadline: Date.now() + WAIT_MS };
    (c[method] as (r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v?: T) => void) => void)(
      req,
      md,
      opts,
      (err, value) => resolve({ code: err ? err.code : grpc.status.OK, value }),
    );
  });
  if (r.code === grpc.status.DEADLINE_EXCEEDED) throw new Error(`${method}: no answer within ${WAIT_MS} ms`);
  return r;
}

/** A server-streaming call: messages received and the final status. */
function serverStream(c: Client, method: string, req: unknown): Promise<{ code: number; messages: number }> {
  return withTimeout(
    new Promise<{ code: number; messages: number }>((resolve) => {
      let messages = 0;
      const s = (c[method] as (r: unknown) => grpc.ClientReadableStream<unknown>)(req);
      s.on('data', () => messages++);
      s.on('status', (st: grpc.StatusObject) => resolve({ code: st.code, messages }));
      s.on('error', () => undefined); // the status event carries the code
    }),
    WAIT_MS,
    method,
  );
}

const name = (code: number): string => grpc.status[code] ?? String(code);

export async function grpcExtrasCheck(): Promise<CheckResult> {
  return { health: await settled(healthCheck), interceptors: await settled(interceptorsCheck) };
}

// ------------------------------------------------------------------ health

/** Known to no one when first watched; its status is set later, which the open Watch must report. */
export const LATE_SERVICE = 'bench.v1.NotYetRegistered';

export interface HealthSeen {
  /** GetUser on the same server: the contract's service is really served beside Health. */
  getUser: string;
  /** Check(""), Check(UserService) while serving; Check(UserService) after NOT_SERVING was set. */
  checkServer: string;
  checkService: string;
  checkAfter: string;
  /** Check on a service the server does not know: the call's status (the spec says NOT_FOUND). */
  checkUnknown: string;
  /** What a Watch(UserService) stream delivered: the status first, then the change. */
  watchService: string[];
  /** What a Watch(LATE_SERVICE) stream delivered: SERVICE_UNKNOWN, then SERVING once set. */
  watchUnknown: string[];
}

/** Check's answer: the serving status, or the call's status code name when it failed. */
async function check(c: Client, service: string): Promise<string> {
  const r = await unary<{ status: string }>(c, 'Check', { service });
  return r.code === grpc.status.OK ? (r.value?.status ?? '?') : name(r.code);
}

/** An open Watch stream: what it delivered so far, waiting for the n-th message, cancelling. */
function watch(c: Client, service: string) {
  const seen: string[] = [];
  let wake = (): void => undefined;
  let cancelled = false;
  const call = (c.Watch as (r: unknown) => grpc.ClientReadableStream<{ status: string }>)({ service });
  call.on('data', (m: { status: string }) => {
    seen.push(m.status);
    wake();
  });
  call.on('error', (e: grpc.ServiceError) => {
    // Our own cancel ends it with CANCELLED; any other end is what the stream delivered.
    if (!cancelled) seen.push(`ended ${name(e.code)}`);
    wake();
  });
  const until = (n: number): Promise<void> =>
    withTimeout(
      new Promise<void>((resolve) => {
        wake = () => void (seen.length >= n && resolve());
        wake();
      }),
      WAIT_MS,
      `Watch("${service}") message ${n}`,
    );
  const cancel = (): void => {
    cancelled = true;
    call.cancel();
  };
  return { seen, until, cancel };
}

/** The health service's answers, in the order a client would see them while the server changes state. */
export async function observeHealth(): Promise<HealthSeen> {
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  const server = new grpc.Server();
  server.addService(userService().service, userHandlers());
  health.addToServer(server);
  const target = await bind(server);
  const users = new (userService())(target, grpc.credentials.createInsecure()) as unknown as Client;
  const hc = new (healthService())(target, grpc.credentials.createInsecure()) as unknown as Client;
  const watches: ReturnType<typeof watch>[] = [];
  try {
    const getUser = name((await unary(users, 'GetUser', { id: 1 })).code);
    const checkServer = await check(hc, '');
    const checkService = await check(hc, SERVICE_NAME);
    const w = watch(hc, SERVICE_NAME);
    watches.push(w);
    await w.until(1);
    health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    await w.until(2);
    const checkAfter = await check(hc, SERVICE_NAME);
    const checkUnknown = await check(hc, LATE_SERVICE);
    const wu = watch(hc, LATE_SERVICE);
    watches.push(wu);
    await wu.until(1);
    health.setStatus(LATE_SERVICE, 'SERVING');
    await wu.until(2);
    return {
      getUser,
      checkServer,
      checkService,
      checkAfter,
      checkUnknown,
      watchService: [...w.seen],
      watchUnknown: [...wu.seen],
    };
  } finally {
    for (const w of watches) w.cancel();
    users.close();
    hc.close();
    server.forceShutdown();
  }
}

/** As the protocol specifies (github.com/grpc/grpc/blob/master/doc/health-checking.md). */
export function healthAsSpecified(h: HealthSeen): boolean {
  return (
    h.getUser === 'OK' &&
    h.checkServer === 'SERVING' &&
    h.checkService === 'SERVING' &&
    h.checkAfter === 'NOT_SERVING' &&
    h.watchService.join() === 'SERVING,NOT_SERVING' &&
    h.checkUnknown === 'NOT_FOUND' &&
    h.watchUnknown.join() === 'SERVICE_UNKNOWN,SERVING'
  );
}

async function healthCheck(): Promise<Observation> {
  const h = await observeHealth();
  return held(
    healthAsSpecified(h),
    `check-only grpc-js server with UserService (GetUser: ${h.getUser}) and grpc-health-check ${HEALTH_VERSION}'s ` +
      `HealthImplementation: Check(""): ${h.checkServer}, Check("${SERVICE_NAME}"): ${h.checkService}; ` +
      `after setStatus NOT_SERVING: Check ${h.checkAfter}, the open Watch delivered ${h.watchService.join(' then ')}; ` +
      `unknown service "${LATE_SERVICE}": Check fails with ${h.checkUnknown}, Watch delivers ${h.watchUnknown[0] ?? 'nothing'} ` +
      `and stays open (then ${h.watchUnknown.slice(1).join(', ') || 'nothing'} once its status is set). The spec: ` +
      'SERVICE_UNKNOWN is what Watch answers for an unknown service; Check answers it with the NOT_FOUND status',
  );
}

// ------------------------------------------------------------------ interceptors

const TOKEN = 'Bearer claims-check';

export interface LoggedCall {
  method: string;
  /** Whether the call arrived with authorization metadata. */
  authorization: boolean;
  code: number;
}

export interface InterceptorsSeen {
  /** Each call as its client saw it: what was sent and the status it got. */
  calls: { label: string; method: string; code: number }[];
  /** Calls that reached a handler, by method. */
  handled: string[];
  /** What the logging interceptor recorded, one entry per call. */
  log: LoggedCall[];
}

/** Middleware that records every call's method and final status, refused calls included. */
function loggingInterceptor(log: LoggedCall[]): grpc.ServerInterceptor {
  return (method, call) => {
    let authorization = false;
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (md, mdNext) => {
            authorization = md.get('authorization').length > 0;
            mdNext(md);
          },
        }),
      sendStatus: (status, next) => {
        log.push({ method: method.path, authorization, code: status.code });
        next(status);
      },
    });
  };
}

/** Middleware that ends a call without the right token UNAUTHENTICATED before any handler runs. */
const authInterceptor: grpc.ServerInterceptor = (_method, call) =>
  new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (md, mdNext) => {
          if (md.get('authorization')[0] === TOKEN) return mdNext(md);
          // Not passing the metadata on is what keeps the handler from ever starting.
          call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong authorization metadata' });
        },
      }),
  });

/** Client-side middleware: every call through this client carries the token. */
const addToken: grpc.Interceptor = (options, nextCall) =>
  new grpc.InterceptingCall(nextCall(options), {
    start: (metadata, listener, next) => {
      metadata.set('authorization', TOKEN);
      next(metadata, listener);
    },
  });

export async function observeInterceptors(): Promise<InterceptorsSeen> {
  const log: LoggedCall[] = [];
  const handled: string[] = [];
  // grpc-js wraps in array order, the first nearest the transport: logging sees what auth refuses.
  const server = new grpc.Server({ interceptors: [loggingInterceptor(log), authInterceptor] });
  server.addService(userService().service, userHandlers(handled));
  const target = await bind(server);
  const Users = userService();
  const withToken = new Users(target, grpc.credentials.createInsecure(), { interceptors: [addToken] }) as unknown as Client;
  const bare = new Users(target, grpc.credentials.createInsecure()) as unknown as Client;
  const calls: InterceptorsSeen['calls'] = [];
  const record = (label: string, method: string, code: number): void => void calls.push({ label, method, code });
  try {
    record('client interceptor', 'GetUser', (await unary(withToken, 'GetUser', { id: 1 })).code);
    record('client interceptor', 'ListUsers', (await serverStream(withToken, 'ListUsers', { pageSize: 3, afterId: 0 })).code);
    record('client interceptor', 'GetUser', (await unary(withToken, 'GetUser', { id: 2 })).code);
    record('no metadata', 'GetUser', (await unary(bare, 'GetUser', { id: 1 })).code);
    record('no metadata', 'ListUsers', (await serverStream(bare, 'ListUsers', { pageSize: 3, afterId: 0 })).code);
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer wrong');
    record('wrong token', 'GetUser', (await unary(bare, 'GetUser', { id: 1 }, wrong)).code);
    return { calls, handled: [...handled], log: [...log] };
  } finally {
    withToken.close();
    bare.close();
    server.forceShutdown();
  }
}

/** Held: calls with the token pass and are logged; the others are refused, logged, and never handled. */
export function interceptorsActAsMiddleware(s: InterceptorsSeen): boolean {
  const passed = s.calls.filter((c) => c.label === 'client interceptor');
  const refused = s.calls.filter((c) => c.label !== 'client interceptor');
  return (
    passed.every((c) => c.code === grpc.status.OK) &&
    refused.every((c) => c.code === grpc.status.UNAUTHENTICATED) &&
    s.handled.join() === passed.map((c) => c.method).join() &&
    s.log.length === s.calls.length &&
    s.log.every(
      (l, i) =>
        l.method === `/${SERVICE_NAME}/${s.calls[i]!.method}` &&
        l.code === s.calls[i]!.code &&
        l.authorization === (s.calls[i]!.label !== 'no metadata'),
    )
  );
}

async function interceptorsCheck(): Promise<Observation> {
  const s = await observeInterceptors();
  const calls = s.calls.map((c) => `${c.method} (${c.label}): ${name(c.code)}`).join(', ');
  const log = s.log.map((l) => `${l.method.split('/').pop()} ${name(l.code)}`).join(', ');
  return held(
    interceptorsActAsMiddleware(s),
    `check-only grpc-js server with a logging and an auth server interceptor, a client interceptor adding ` +
      `authorization metadata; ${s.calls.length} calls: ${calls}. Handlers ran ${s.handled.length} time(s) ` +
      `(${s.handled.join(', ') || 'none'}); the logging interceptor recorded ${s.log.length}: ${log}`,
  );
}
