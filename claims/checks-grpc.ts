// gRPC behaviour with @grpc/grpc-js on the harness's contract: the four call patterns and the
// status codes against the reference server, and deadlines, retries and client-side round
// robin against small servers whose handlers do what the claim needs (a slow handler, one
// that fails twice, three servers that count their calls).
import * as grpc from '@grpc/grpc-js';
import { startGrpc } from '../servers/grpc.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { loadPackageDefinition, userToProto, SERVICE_NAME } from '../proto/contract.ts';
import { held, sleep, timedHeld, withHiccups, type CheckResult } from './observe.ts';
import type { Observation } from './decide.ts';

const HOST = '127.0.0.1';
type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
type ServiceCtor = grpc.ServiceClientConstructor;

function service(): ServiceCtor {
  const pkg = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as { bench: { v1: { UserService: ServiceCtor } } };
  return pkg.bench.v1.UserService;
}

function client(target: string, options: grpc.ChannelOptions = {}): Client {
  const C = service();
  return new C(target, grpc.credentials.createInsecure(), options) as unknown as Client;
}

function unary<T>(
  c: Client,
  method: string,
  req: unknown,
  opts: grpc.CallOptions = {},
): Promise<{ value?: T; code: number; details?: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    (c[method] as (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v?: T) => void) => void)(
      req,
      opts,
      (err, value) => {
        resolve({ value, code: err ? err.code : grpc.status.OK, details: err?.details, ms: performance.now() - t0 });
      },
    );
  });
}

/** A server of the contract with GetUser replaced; the other methods are not needed here. */
async function miniServer(getUser: grpc.handleUnaryCall<{ id: number }, unknown>): Promise<{ port: number; stop: () => void }> {
  const server = new grpc.Server();
  server.addService(service().service, { GetUser: getUser } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, stop: () => server.forceShutdown() };
}

const store = createMemoryStore({ ...DEFAULT_DATASET, users: 1000 });
const user1 = userToProto(store.getUser(1)!);

export async function grpcCheck(): Promise<CheckResult> {
  const out: CheckResult = {};
  const ref = await startGrpc({ host: HOST, port: 0, store: createMemoryStore({ ...DEFAULT_DATASET, users: 1000 }) });
  const c = client(`${HOST}:${ref.port}`);
  try {
    // The four patterns.
    const got = await unary<{ id: number }>(c, 'GetUser', { id: 1 });
    const listed = await new Promise<number>((resolve) => {
      let n = 0;
      const s = (c.ListUsers as (r: unknown) => grpc.ClientReadableStream<unknown>)({ pageSize: 5, afterId: 0 });
      s.on('data', () => n++);
      s.on('end', () => resolve(n));
      s.on('error', () => resolve(-1));
    });
    const created = await new Promise<number>((resolve) => {
      const s = (
        c.CreateUsers as (
          cb: (e: grpc.ServiceError | null, v?: { created: number }) => void,
        ) => grpc.ClientWritableStream<unknown>
      )((e, v) => resolve(e ? -1 : (v?.created ?? -1)));
      for (let i = 0; i < 3; i++)
        s.write({
          username: `u${i}`,
          email: `u${i}@example.com`,
          age: 30,
          roles: ['user'],
          address: { street: 's', city: 'c', country: 'DE', postalCode: '1' },
        });
      s.end();
    });
    // Bidi: the client keeps sending every 5 ms; replies that arrive before its last send show
    // both directions moving at once on one stream.
    const bidi = await new Promise<{ before: number; total: number; ordered: boolean }>((resolve) => {
      const s = (c.Chat as () => grpc.ClientDuplexStream<unknown, { seq: number }>)();
      const seen: number[] = [];
      let sending = true;
      let before = 0;
      s.on('data', (m: { seq: number }) => {
        seen.push(m.seq);
        if (sending) before++;
      });
      s.on('end', () => resolve({ before, total: seen.length, ordered: seen.every((x, i) => x === i) }));
      s.on('error', () => resolve({ before, total: seen.length, ordered: false }));
      void (async () => {
        for (let i = 0; i < 20; i++) {
          s.write({ seq: i, from: 'client', text: `message ${i}`, sentAtUs: 0 });
          await sleep(5);
        }
        sending = false;
        s.end();
      })();
    });
    out.fourPatterns = held(
      got.value?.id === 1 && listed === 5 && created === 3 && bidi.total === 20,
      `unary GetUser: ${got.code === 0 ? `user ${got.value?.id}` : `status ${got.code}`}; server stream ListUsers(5): ${listed} users; client stream CreateUsers x3: created ${created}; bidi Chat x20: ${bidi.total} replies`,
    );
    out.bidi = held(
      bidi.before > 0 && bidi.ordered,
      `${bidi.before} of ${bidi.total} replies arrived while the client was still sending; order ${bidi.ordered ? 'kept' : 'broken'}`,
    );

    // Status codes as the client sees them.
    const notFound = await unary(c, 'GetUser', { id: 999_999 });
    const unimpl = await new Promise<number>((resolve) => {
      c.makeUnaryRequest(
        `/${SERVICE_NAME}/NoSuchMethod`,
        (x: Buffer) => x,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e) => resolve(e ? e.code : 0),
      );
    });
    const expired = await unary(c, 'GetUser', { id: 1 }, { deadline: Date.now() - 1 });
    out.errorCodes = held(
      notFound.code === grpc.status.NOT_FOUND &&
        unimpl === grpc.status.UNIMPLEMENTED &&
        expired.code === grpc.status.DEADLINE_EXCEEDED,
      `unknown user: ${grpc.status[notFound.code]} (${notFound.code}) "${notFound.details}"; unknown method: ${grpc.status[unimpl]} (${unimpl}); past deadline: ${grpc.status[expired.code]} (${expired.code})`,
    );
  } finally {
    c.close();
    await ref.close();
  }

  out.deadline = await deadline();
  out.retries = await retries();
  out.roundRobin = await roundRobin();
  return out;
}

/** The guide's case: a 1 s deadline on a handler that takes 2 s. */
async function deadline(): Promise<Observation> {
  let serverCancelledAfter = -1;
  const srv = await miniServer((call, callback) => {
    const t0 = performance.now();
    call.on('cancelled', () => (serverCancelledAfter = performance.now() - t0));
    const timer = setTimeout(() => callback(null, user1), 2000);
    call.on('cancelled', () => clearTimeout(timer));
  });
  const c = client(`${HOST}:${srv.port}`);
  try {
    await unary(c, 'GetUser', { id: 1 }); // connect first: the deadline should time the call, not the handshake
    serverCancelledAfter = -1;
    const { value: r, lateMs } = await withHiccups(async () => {
      const answer = await unary(c, 'GetUser', { id: 1 }, { deadline: Date.now() + 1000 });
      await sleep(100);
      return answer;
    });
    const ok = r.code === grpc.status.DEADLINE_EXCEEDED && r.ms >= 950 && r.ms <= 1300 && serverCancelledAfter >= 0;
    // 300 ms of slack above the 1 s deadline: a stalled process answers late, which is not the protocol's doing.
    return timedHeld(
      ok,
      `client: ${grpc.status[r.code]} (${r.code}) after ${Math.round(r.ms)} ms; server: ${serverCancelledAfter >= 0 ? `call cancelled after ${Math.round(serverCancelledAfter)} ms` : 'never told'}`,
      lateMs,
      300,
    );
  } finally {
    c.close();
    srv.stop();
  }
}

/** Fails the first two attempts of each call with UNAVAILABLE. */
async function retries(): Promise<ReturnType<typeof held>> {
  let attempts = 0;
  const srv = await miniServer((_call, callback) => {
    attempts++;
    if (attempts % 3 !== 0) return callback({ code: grpc.status.UNAVAILABLE, details: 'try again' });
    callback(null, user1);
  });
  const policy = {
    methodConfig: [
      {
        name: [{ service: SERVICE_NAME }],
        retryPolicy: {
          maxAttempts: 4,
          initialBackoff: '0.01s',
          maxBackoff: '0.1s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  };
  const plain = client(`${HOST}:${srv.port}`);
  const retrying = client(`${HOST}:${srv.port}`, { 'grpc.service_config': JSON.stringify(policy) });
  try {
    attempts = 0;
    const a = await unary(plain, 'GetUser', { id: 1 });
    const plainAttempts = attempts;
    attempts = 0;
    const b = await unary(retrying, 'GetUser', { id: 1 });
    const retryAttempts = attempts;
    return held(
      a.code === grpc.status.UNAVAILABLE && b.code === grpc.status.OK && retryAttempts === 3,
      `without a retryPolicy: ${grpc.status[a.code]} after ${plainAttempts} attempt(s); with one (service config): ${grpc.status[b.code]} after ${retryAttempts} attempts. Retries are automatic only once configured`,
    );
  } finally {
    plain.close();
    retrying.close();
    srv.stop();
  }
}

/** Three servers, one channel: round_robin against the default pick_first. */
async function roundRobin(): Promise<ReturnType<typeof held>> {
  const counts = [0, 0, 0];
  const servers = await Promise.all(
    [0, 1, 2].map((i) =>
      miniServer((_call, callback) => {
        counts[i]!++;
        callback(null, user1);
      }),
    ),
  );
  const target = `ipv4:${servers.map((s) => `${HOST}:${s.port}`).join(',')}`;
  const rr = client(target, { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) });
  const pf = client(target);
  try {
    // Warm up until every subchannel is ready: round robin only picks among ready ones.
    for (let i = 0; i < 30; i++) await unary(rr, 'GetUser', { id: 1 });
    await sleep(200);
    counts.fill(0);
    for (let i = 0; i < 300; i++) await unary(rr, 'GetUser', { id: 1 });
    const rrCounts = [...counts];
    counts.fill(0);
    for (let i = 0; i < 300; i++) await unary(pf, 'GetUser', { id: 1 });
    const pfCounts = [...counts];
    const even = rrCounts.every((n) => n >= 95 && n <= 105);
    return held(
      even,
      `300 calls with round_robin: ${rrCounts.join(' / ')} per server; with the default pick_first: ${pfCounts.join(' / ')}`,
    );
  } finally {
    rr.close();
    pf.close();
    servers.forEach((s) => s.stop());
  }
}
