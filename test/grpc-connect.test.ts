// The connect-node gRPC server (servers/grpc-connect.ts) against the reference grpc-js server,
// in-process: both gRPC rows' clients pass the equivalence check on it with the same payload
// bytes, every rpc of the service answers as grpc-js's does (same store, same calls), and the
// server tuning knobs (serviceDelayMs, injectCpuUs) act on it. Robustness is in
// test/robustness-grpc.test.ts, fuzzing in test/fuzz.test.ts, both run on each implementation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createMemoryStore } from '../servers/store.ts';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { requestTally } from '../servers/request-scope.ts';
import { startGrpc } from '../servers/grpc.ts';
import { startGrpcConnect } from '../servers/grpc-connect.ts';
import { index } from '../servers/grpc/index.ts';
import * as lean from '../clients/grpc.ts';
import * as grpcJs from '../clients/grpc-js.ts';
import { verifyEquivalence } from '../harness/run/verify.ts';
import type { RunningServer } from '../servers/types.ts';

const HOST = '127.0.0.1';
const dataset = { users: 300, seed: 11 };

test('the gRPC server lists connect-node after the grpc-js reference, and load() gives its start', async () => {
  assert.deepEqual(
    index.implementations.map((i) => i.name),
    ['grpc-js', 'connect-node'],
  );
  const impl = index.implementations[1]!;
  assert.equal(await impl.load(), (await import('../servers/grpc-connect.ts')).start);
});

describe('connect-node and grpc-js answer alike', () => {
  // Separate stores from one seed, so CreateUsers gives both the same ids.
  let reference: RunningServer;
  let connect: RunningServer;
  before(async () => {
    reference = await startGrpc({ host: HOST, port: 0, store: createMemoryStore(dataset) });
    connect = await startGrpcConnect({ host: HOST, port: 0, store: createMemoryStore(dataset) });
  });
  after(async () => {
    await Promise.all([reference.close(), connect.close()]);
  });

  for (const [name, client] of [
    ['lean HTTP/2 driver', lean],
    ['stock grpc-js client', grpcJs],
  ] as const) {
    test(`${name}: passes the equivalence check on connect-node; answers 2 bytes smaller than grpc-js's`, async () => {
      const onConnect = await verifyEquivalence(client, { host: HOST, port: connect.port }, dataset, 40);
      const onReference = await verifyEquivalence(client, { host: HOST, port: reference.port }, dataset, 40);
      assert.equal(onConnect.checked, 40);
      assert.equal(onConnect.payload.request, onReference.payload.request);
      // Same fields, same order; but protobufjs (grpc-js's encoder here) writes created_at's
      // nanos = 0 (tag and value, 2 bytes), which protobuf-es leaves out as a proto3 default.
      assert.equal(onReference.payload.response - onConnect.payload.response, 2);
    });
  }

  /**
   * Every rpc of the service through the stock client, as plain data (status code for a
   * failure), without the encoded sizes the client notes on its answers (they differ, see above).
   */
  async function everyRpc(port: number): Promise<Record<string, unknown>> {
    const conn = await grpcJs.connect({ host: HOST, port });
    const c = conn.client;
    const unary = <T>(call: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void) =>
      new Promise<unknown>((resolve) => call((err, res) => resolve(err ? { code: err.code } : res)));
    const stream = (s: grpc.ClientReadableStream<unknown>) =>
      new Promise<unknown>((resolve) => {
        const got: unknown[] = [];
        s.on('data', (m) => got.push(m))
          .on('error', (e: grpc.ServiceError) => resolve({ code: e.code, got }))
          .on('end', () => resolve(got));
      });
    try {
      const answers = {
        getUser: await unary((cb) => c.GetUser({ id: 17 }, cb)),
        getUserMissing: await unary((cb) => c.GetUser({ id: dataset.users + 1 }, cb)),
        listUsers: await stream(c.ListUsers({ pageSize: 30, afterId: 10 })),
        listUsersDefault: ((await stream(c.ListUsers({ pageSize: 0, afterId: 0 }))) as unknown[]).length,
        listUsersPage: await unary((cb) => c.ListUsersPage({ pageSize: 5, afterId: 100 }, cb)),
        listUsersPageLast: await unary((cb) => c.ListUsersPage({ pageSize: 50, afterId: dataset.users - 3 }, cb)),
        posts: await unary((cb) => c.GetUserPosts({ userId: 4 }, cb)),
        postsMissing: await unary((cb) => c.GetUserPosts({ userId: dataset.users + 1 }, cb)),
        comments: await unary((cb) => c.GetPostComments({ postId: 3 }, cb)),
        commentsMissing: await unary((cb) => c.GetPostComments({ postId: 10_000_000 }, cb)),
        created: await unary((cb) => {
          const call = c.CreateUsers(cb);
          for (let i = 0; i < 3; i++)
            call.write({ username: `n${i}`, email: `n${i}@x.test`, age: 20 + i, roles: ['user'], address: { city: 'X' } });
          call.end();
        }),
        createdUser: await unary((cb) => c.GetUser({ id: dataset.users + 2 }, cb)),
        chat: await new Promise<unknown>((resolve) => {
          const got: unknown[] = [];
          const chat = c.Chat();
          chat
            .on('data', (m) => got.push(m))
            .on('error', (e: grpc.ServiceError) => resolve({ code: e.code }))
            .on('end', () => resolve(got));
          for (let seq = 1; seq <= 3; seq++) chat.write({ seq, from: 'client', text: `hi ${seq}`, sentAtUs: seq * 1000.5 });
          chat.end();
        }),
      };
      return JSON.parse(JSON.stringify(answers)) as Record<string, unknown>;
    } finally {
      await conn.close();
    }
  }

  test('every rpc of the service gives the same answers and statuses on both', async () => {
    const expected = await everyRpc(reference.port);
    const got = await everyRpc(connect.port);
    // The reference's answers are what this test means them to be, before comparing.
    assert.equal((expected.getUserMissing as { code: number }).code, grpc.status.NOT_FOUND);
    assert.equal((expected.listUsers as unknown[]).length, 30);
    assert.equal(expected.listUsersDefault, 100);
    assert.equal((expected.created as { created: number }).created, 3);
    assert.equal((expected.chat as unknown[]).length, 3);
    assert.ok(((expected.posts as { posts: unknown[] }).posts.length ?? 0) > 0, 'user 4 has posts');
    // The created user's createdAt is the second it was stored in: the two servers store theirs
    // moments apart, and on a slow machine those moments can straddle a second. Compared apart.
    const stamp = (x: unknown) => (x as { createdAt?: { seconds?: string } }).createdAt?.seconds;
    assert.ok(Number(stamp(got.createdUser)) > 0 && Number(stamp(expected.createdUser)) > 0, 'both stamp the created user');
    assert.ok(Math.abs(Number(stamp(got.createdUser)) - Number(stamp(expected.createdUser))) < 600, 'stamped within minutes');
    for (const answers of [got, expected]) delete (answers.createdUser as { createdAt?: unknown }).createdAt;
    for (const key of Object.keys(expected)) assert.deepEqual(got[key], expected[key], key);
  });
});

test('connect-node: 200 calls in flight on one HTTP/2 connection each get their own user', async (t) => {
  const store = createMemoryStore(dataset);
  const server = await startGrpcConnect({ host: HOST, port: 0, store });
  t.after(() => server.close());
  const conn = await lean.connect({ host: HOST, port: server.port });
  t.after(() => conn.close());
  const ids = Array.from({ length: 200 }, (_, i) => ((i * 37) % dataset.users) + 1);
  const outs = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id }, { decode: true })));
  outs.forEach((o, i) => {
    assert.ok(o.ok, JSON.stringify(o));
    assert.equal(o.user?.id, ids[i]);
  });
});

test('connect-node with the SQLite store: every call is a request scope charged its own statements', async (t) => {
  const store = createSqliteStore(dataset);
  t.after(() => store.close());
  const server = await startGrpcConnect({ host: HOST, port: 0, store });
  t.after(() => server.close());
  const conn = await lean.connect({ host: HOST, port: server.port });
  t.after(() => conn.close());
  const before = requestTally();
  const outs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((id) => conn.call({ op: 'getUser', id })));
  assert.ok(outs.every((o) => o.ok));
  const after = requestTally();
  assert.equal(after.completed - before.completed, 8);
  // One statement per getUser, however many were in flight together.
  assert.equal(after.statements - before.statements, 8);
});

describe('connect-node: server tuning', () => {
  test('serviceDelayMs: GetUser answers no earlier than the delay; a shorter deadline ends as DEADLINE_EXCEEDED', async (t) => {
    const server = await startGrpcConnect({ host: HOST, port: 0, store: createMemoryStore(dataset), serviceDelayMs: 300 });
    t.after(() => server.close());
    const conn = await grpcJs.connect({ host: HOST, port: server.port });
    t.after(() => conn.close());
    const t0 = performance.now();
    const out = await conn.call({ op: 'getUser', id: 5 }, { decode: true });
    // Timers never fire early; the 1 ms is performance.now()'s rounding against the timer's.
    assert.ok(performance.now() - t0 >= 299, 'answered after the delay');
    assert.ok(out.ok, JSON.stringify(out));
    const code = await new Promise<number | undefined>((resolve) =>
      conn.client.GetUser({ id: 5 }, { deadline: Date.now() + 50 }, (err) => resolve(err?.code)),
    );
    assert.equal(code, grpc.status.DEADLINE_EXCEEDED);
    // The server is still well after a call it abandoned.
    const again = await conn.call({ op: 'getUser', id: 6 }, { decode: true });
    assert.ok(again.ok, JSON.stringify(again));
  });

  test('injectCpuUs: every call spins for the injected time before it is answered', async (t) => {
    const server = await startGrpcConnect({ host: HOST, port: 0, store: createMemoryStore(dataset), injectCpuUs: 20_000 });
    t.after(() => server.close());
    const conn = await lean.connect({ host: HOST, port: server.port });
    t.after(() => conn.close());
    const t0 = performance.now();
    for (let id = 1; id <= 5; id++) assert.ok((await conn.call({ op: 'getUser', id })).ok);
    // A spin on the clock cannot end early: five calls take at least five injections.
    assert.ok(performance.now() - t0 >= 5 * 20, 'five calls, five 20 ms spins');
  });
});
