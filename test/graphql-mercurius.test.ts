// The second GraphQL implementation (mercurius + graphql-jit) against the reference (graphql-yoga):
// it passes the harness's equivalence check in-process, answers every query the clients send
// with the same JSON as yoga (on graphql-js the first time, graphql-jit from the second),
// refuses bad requests with yoga's status and codes, honours the scenario knobs (injected CPU,
// service delay, compression), and runs nPlusOne's SQL as 1 + N (naive) and 2 (loaders) per
// request, request by request. Counts and lower bounds only, no timing.
import { test, after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { startGraphQL } from '../servers/graphql.ts';
import { startMercurius } from '../servers/graphql-mercurius.ts';
import { index as graphqlIndex } from '../servers/graphql/index.ts';
import { requestTally, type RequestTally } from '../servers/request-scope.ts';
import type { RunningServer } from '../servers/types.ts';
import * as gqlClient from '../clients/graphql.ts';
import { graphql as bulkGraphql, POSTS_QUERY } from '../clients/bulk.ts';
import { nestedProfileBody } from '../clients/nested-profile.ts';
import { verifyEquivalence } from '../harness/run/verify.ts';
import { verifyNPlusOne } from '../scenarios/nPlusOne.ts';

const HOST = '127.0.0.1';
const dataset = { users: 300, seed: 11 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function started(server: Promise<RunningServer>): Promise<RunningServer> {
  const s = await server;
  cleanup.push(() => s.close());
  return s;
}

const post = (port: number, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`http://${HOST}:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('registered as the second GraphQL implementation, after the reference', async () => {
  assert.deepEqual(
    graphqlIndex.implementations.map((i) => i.name),
    ['graphql-yoga', 'mercurius-jit'],
  );
  const impl = graphqlIndex.implementations[1]!;
  assert.equal(impl.versionOf, 'mercurius');
  assert.ok(impl.packages.includes('graphql-jit'));
  assert.equal(await impl.load(), (await import('../servers/graphql-mercurius.ts')).start);
});

test('passes the equivalence check (verifyEquivalence), in-process', async () => {
  const s = await started(startMercurius({ host: HOST, port: 0, store: createMemoryStore(dataset) }));
  const report = await verifyEquivalence(gqlClient, { host: HOST, port: s.port }, dataset, 50);
  assert.equal(report.checked, 50);
  assert.ok(report.payload.response > 0);
});

describe('the same answers as graphql-yoga', () => {
  const ports: Record<'yoga' | 'mercurius', number> = { yoga: 0, mercurius: 0 };
  before(async () => {
    // One store each: the mutation below writes.
    ports.yoga = (await started(startGraphQL({ host: HOST, port: 0, store: createMemoryStore(dataset) }))).port;
    ports.mercurius = (await started(startMercurius({ host: HOST, port: 0, store: createMemoryStore(dataset) }))).port;
  });

  const user = {
    username: 'ab',
    email: 'a@b.c',
    age: 30,
    roles: ['x'],
    address: { street: 's', city: 'c', country: 'd', postalCode: 'p' },
  };
  const bodies: unknown[] = [
    { query: gqlClient.GET_USER_QUERY, variables: { id: '7' } },
    JSON.parse(nestedProfileBody(3)),
    { query: '{ users(afterId: 20, limit: 5) { id username roles address { city } } }' },
    { query: '{ userConnection(first: 3) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }' },
    { query: '{ user(id: 4) { followers(first: 3) { id } posts(first: 2) { comments(first: 2) { author { username } } } } }' },
    {
      query: 'mutation M($input: [NewUser!]!) { createUsers(input: $input) { created ids } }',
      variables: { input: [user, user] },
    },
    { query: gqlClient.GET_USER_QUERY, variables: { id: '301' } },
  ];

  it('for every query the clients send, run three times (graphql-jit compiles on the second)', async () => {
    for (const body of bodies) {
      for (let run = 0; run < 3; run++) {
        const [y, m] = await Promise.all([post(ports.yoga, body), post(ports.mercurius, body)]);
        assert.equal(m.status, y.status, JSON.stringify(body));
        assert.deepEqual(await m.json(), await y.json(), `${JSON.stringify(body)}, run ${run + 1}`);
      }
    }
  });

  // [what, body, Accept]: each answered with the same status, error codes and data presence.
  const refusals: [string, unknown, string?][] = [
    ['syntax error', { query: '{ user(' }],
    ['syntax error, graphql-response+json', { query: '{ user(' }, 'application/graphql-response+json'],
    ['unknown field', { query: '{ user(id: 1) { nope } }' }],
    ['unknown field, graphql-response+json', { query: '{ user(id: 1) { nope } }' }, 'application/graphql-response+json'],
    ['variable missing', { query: 'query($x: Int!) { users(afterId: $x) { id } }' }],
    ['variable of the wrong type', { query: 'query($x: Int!) { users(afterId: $x) { id } }', variables: { x: 'a' } }],
    ['variables not an object', { query: '{ user(id: 1) { id } }', variables: [1] }],
    ['query not a string', { query: 42 }],
    ['body not an object', '"x"'],
    ['body not JSON', '{"query":'],
    ['too deep', { query: '{ user(id: 1) { posts { author { followers { posts { comments { id } } } } } } }' }],
    ['too complex', { query: '{ users(limit: 1000) { id username } }' }],
    ['over 1000 tokens', { query: '{ ' + Array.from({ length: 300 }, (_, i) => `a${i}: user(id: 1) { id }`).join(' ') + ' }' }],
    ['no operation named', { query: 'query A { user(id: 1) { id } } query B { user(id: 2) { id } }' }],
    ['an operation not in the document', { query: 'query A { user(id: 1) { id } }', operationName: 'Z' }],
    ['a cursor this server did not give', { query: '{ userConnection(after: "zz") { pageInfo { hasNextPage } } }' }],
    ['an AST sent as JSON text', { query: '{"kind":"Document","definitions":[]}' }],
  ];
  const shape = async (r: Response) => {
    const body = (await r.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    return { status: r.status, hasData: 'data' in body, codes: body.errors?.map((e) => e.extensions?.code ?? null) };
  };
  for (const [what, body, accept] of refusals) {
    it(`refuses alike: ${what}`, async () => {
      // Twice: the second run meets mercurius' caches and graphql-jit.
      for (let run = 0; run < 2; run++) {
        const headers: Record<string, string> = accept ? { accept } : {};
        const [y, m] = await Promise.all([post(ports.yoga, body, headers), post(ports.mercurius, body, headers)]);
        assert.deepEqual(await shape(m), await shape(y), `run ${run + 1}`);
      }
    });
  }
});

describe('scenario knobs', () => {
  it('injectCpuUs holds each request in a spin at least that long (a lower bound, whatever the machine)', async () => {
    const s = await started(startMercurius({ host: HOST, port: 0, store: createMemoryStore(dataset), injectCpuUs: 20_000 }));
    const conn = await gqlClient.connect({ host: HOST, port: s.port });
    cleanup.push(() => conn.close());
    // The spin runs until the clock has moved N us (CPU time can be less when the machine takes
    // the CPU away), so ten requests in a row take at least 10 N of wall time.
    const t0 = performance.now();
    for (let i = 1; i <= 10; i++) assert.ok((await conn.call({ op: 'getUser', id: i })).ok);
    assert.ok(performance.now() - t0 >= 10 * 20, `${performance.now() - t0} ms for 10 requests`);
  });

  it('serviceDelayMs holds every answer at least that long', async () => {
    const s = await started(startMercurius({ host: HOST, port: 0, store: createMemoryStore(dataset), serviceDelayMs: 200 }));
    const t0 = performance.now();
    const r = await post(s.port, { query: '{ user(id: 1) { id } }' });
    // Timers never fire early by more than a millisecond; the bound is the delay, not a speed.
    assert.ok(performance.now() - t0 >= 199, `answered after ${performance.now() - t0} ms`);
    assert.deepEqual(await r.json(), { data: { user: { id: '1' } } });
  });

  it('compression: a large answer is gzipped when asked, a small one is not', async () => {
    const s = await started(startMercurius({ host: HOST, port: 0, store: createMemoryStore(dataset), compression: true }));
    const big = await fetch(`http://${HOST}:${s.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ query: '{ users(limit: 50) { id username email } }' }),
    });
    // fetch decompresses the body itself and keeps the header.
    assert.equal(big.headers.get('content-encoding'), 'gzip');
    assert.equal(((await big.json()) as { data: { users: unknown[] } }).data.users.length, 50);
    const small = await post(s.port, { query: '{ user(id: 1) { id } }' }, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers.get('content-encoding'), null);
    assert.deepEqual(await small.json(), { data: { user: { id: '1' } } });
  });

  it('chat is refused at start, with the implementation that serves it named', async () => {
    await assert.rejects(startMercurius({ host: HOST, port: 0, store: createMemoryStore(dataset), chat: true }), /graphql-yoga/);
  });
});

const delta = (a: RequestTally, b: RequestTally): RequestTally => ({
  completed: b.completed - a.completed,
  statements: b.statements - a.statements,
});
/** The tally since `before` once it holds `requests` requests (a response's 'close' may come after the answer). */
async function tallied(from: RequestTally, requests: number): Promise<RequestTally> {
  for (let waited = 0; requestTally().completed - from.completed < requests && waited < 10_000; waited += 10)
    await new Promise((r) => setTimeout(r, 10));
  return delta(from, requestTally());
}

const sqlDataset = { users: 200, seed: 3 };
const answers: Record<string, unknown> = {};
for (const [variant, dataloader] of [
  ['naive', false],
  ['dataloader', true],
] as const) {
  test(`nPlusOne ${variant} on SQLite: ${dataloader ? '2' : '1 + N'} statements per request, request by request`, async () => {
    const store = createSqliteStore(sqlDataset, { comments: false });
    cleanup.push(() => store.close());
    const s = await started(startMercurius({ host: HOST, port: 0, store, dataloader }));
    const target = { host: HOST, port: s.port };
    await verifyNPlusOne(bulkGraphql, target, sqlDataset, 1, { ...sqlDataset, variant, options: { pageSize: 20 } });
    // One request at a time, counted at the store: the first on graphql-js, the rest compiled.
    const conn = await bulkGraphql.connect(target);
    cleanup.push(() => conn.close());
    for (let run = 0; run < 3; run++) {
      const beforeCount = store.statementCount();
      const o = await conn.call({ op: 'postsWithAuthors', first: 20 }, { decode: true });
      assert.ok(o.ok, JSON.stringify(o));
      assert.equal(o.items, 20);
      assert.equal(store.statementCount() - beforeCount, dataloader ? 2 : 1 + 20, `run ${run + 1}`);
      answers[variant] = o.ids;
    }
    // Eight connections at once: every request is still charged exactly its own statements.
    const conns = await Promise.all(Array.from({ length: 8 }, () => bulkGraphql.connect(target)));
    cleanup.push(() => Promise.all(conns.map((c) => c.close())));
    const from = requestTally();
    await Promise.all(
      conns.map(async (c) => {
        for (let i = 0; i < 5; i++) assert.ok((await c.call({ op: 'postsWithAuthors', first: 30 })).ok);
      }),
    );
    assert.deepEqual(await tallied(from, 40), { completed: 40, statements: 40 * (dataloader ? 2 : 1 + 30) });
  });
}

test('nPlusOne: both variants answer the same posts and authors, and yoga answers the same', async () => {
  assert.ok(answers.naive && answers.dataloader);
  assert.deepEqual(answers.dataloader, answers.naive);
  const store = createSqliteStore(sqlDataset, { comments: false });
  cleanup.push(() => store.close());
  const yoga = await started(startGraphQL({ host: HOST, port: 0, store }));
  const r = await post(yoga.port, { query: POSTS_QUERY, variables: { first: 20 } });
  const posts = ((await r.json()) as { data: { posts: { id: string; author: { id: string } }[] } }).data.posts;
  // The client's ids: each post's, then its author's.
  assert.deepEqual(
    posts.flatMap((p) => [Number(p.id), Number(p.author.id)]),
    answers.naive,
  );
});
