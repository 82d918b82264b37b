// Statements charged per request (servers/request-scope.ts): many requests in flight at once
// on one SQLite store, and the tally still gives each request exactly the statements it ran.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { startGraphQL } from '../servers/graphql.ts';
import { startRest } from '../servers/rest.ts';
import { graphql } from '../clients/bulk.ts';
import { openRequest, requestTally, type RequestTally } from '../servers/request-scope.ts';
import { SERVERS } from '../servers/registry.ts';
import * as grpcLean from '../clients/grpc.ts';
import * as grpcJs from '../clients/grpc-js.ts';
import * as wsClient from '../clients/websocket.ts';
import * as sseClient from '../clients/sse.ts';
import type { ClientModule } from '../clients/types.ts';
import { itemFigures, type MeasuredRun } from '../harness/workloads/request-response.ts';
import type { CpuSample } from '../harness/procs/ipc.ts';

const dataset = { users: 200, seed: 5 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const delta = (a: RequestTally, b: RequestTally): RequestTally => ({
  completed: b.completed - a.completed,
  statements: b.statements - a.statements,
});
/**
 * The tally since `before`, once it holds `requests` requests: a response's 'close' (which ends
 * its scope) may come after the client has the answer. Waits on the count, not on a fixed time.
 */
async function tallied(before: RequestTally, requests: number): Promise<RequestTally> {
  for (let waited = 0; requestTally().completed - before.completed < requests && waited < 10_000; waited += 10)
    await new Promise((r) => setTimeout(r, 10));
  return delta(before, requestTally());
}

test('a scope counts once, and statements outside any scope are charged to no request', () => {
  const before = requestTally();
  const scope = openRequest();
  scope.end();
  scope.end();
  assert.deepEqual(delta(before, requestTally()), { completed: 1, statements: 0 });
});

for (const dataloader of [false, true]) {
  test(`graphql ${dataloader ? 'dataloader' : 'naive'}: 8 connections at once, every request charged its own statements`, async () => {
    const store = createSqliteStore(dataset);
    cleanup.push(() => store.close());
    const server = await startGraphQL({ host: '127.0.0.1', port: 0, store, dataloader });
    cleanup.push(() => server.close());
    const conns = await Promise.all(Array.from({ length: 8 }, () => graphql.connect({ host: '127.0.0.1', port: server.port })));
    cleanup.push(() => Promise.all(conns.map((c) => c.close())));
    const before = requestTally();
    await Promise.all(
      conns.map(async (c) => {
        for (let i = 0; i < 5; i++) assert.ok((await c.call({ op: 'postsWithAuthors', first: 30 })).ok);
      }),
    );
    assert.deepEqual(await tallied(before, 40), { completed: 40, statements: 40 * (dataloader ? 2 : 1 + 30) });
  });
}

test('rest: requests with and without bodies, behind the service delay timer, charged their own statements', async () => {
  const store = createSqliteStore(dataset);
  cleanup.push(() => store.close());
  const server = await startRest({ host: '127.0.0.1', port: 0, store, serviceDelayMs: 1 });
  cleanup.push(() => server.close());
  const base = `http://127.0.0.1:${server.port}`;
  const user = {
    username: 'ab',
    email: 'a@b.c',
    age: 30,
    roles: ['x'],
    address: { street: 's', city: 'c', country: 'd', postalCode: 'p' },
  };
  const before = requestTally();
  await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      await (await fetch(`${base}/v1/users/${i + 1}`)).text();
      const post = await fetch(`${base}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      assert.equal(post.status, 201, await post.text());
    }),
  );
  assert.deepEqual(await tallied(before, 20), { completed: 20, statements: 20 });
});

// gRPC, WebSocket and SSE, every implementation: one getUser is one statement, whatever the calls in flight (4 x 5 at once).
type Start = (o: {
  host: string;
  port: number;
  store: ReturnType<typeof createSqliteStore>;
  serviceDelayMs?: number;
}) => Promise<{
  port: number;
  close(): Promise<void>;
}>;
const clientsOf = { grpc: [grpcLean, grpcJs], websocket: [wsClient], sse: [sseClient] } as const;
const others: [string, Start, ClientModule][] = [];
for (const server of ['grpc', 'websocket', 'sse'] as const)
  for (const impl of SERVERS[server].implementations)
    for (const [i, client] of clientsOf[server].entries()) {
      const load = async (o: Parameters<Start>[0]) => (await impl.load())(o);
      // The second gRPC client runs behind the service delay: a call answered from a timer is still one request.
      const start: Start = i === 1 ? (o) => load({ ...o, serviceDelayMs: 1 }) : load;
      others.push([`${server} ${impl.name}${i === 1 ? ' (grpc-js client, service delay)' : ''}`, start, client]);
    }
for (const [name, start, client] of others) {
  test(`${name}: every call charged its own statement`, async () => {
    const store = createSqliteStore(dataset);
    cleanup.push(() => store.close());
    const server = await start({ host: '127.0.0.1', port: 0, store });
    cleanup.push(() => server.close());
    const conns = await Promise.all(Array.from({ length: 4 }, () => client.connect({ host: '127.0.0.1', port: server.port })));
    cleanup.push(() => Promise.all(conns.map((c) => c.close())));
    const before = requestTally();
    await Promise.all(
      conns.flatMap((c, i) =>
        Array.from({ length: 5 }, async (_, k) => assert.ok((await c.call({ op: 'getUser', id: 1 + i * 5 + k })).ok)),
      ),
    );
    assert.deepEqual(await tallied(before, 20), { completed: 20, statements: 20 });
  });
}

const sample = (sqlStatements: number, sqlRequests?: RequestTally): CpuSample => ({
  rssBytes: 0,
  heapUsedBytes: 0,
  atMs: 0,
  userUs: 0,
  systemUs: 0,
  sqlStatements,
  ...(sqlRequests && { sqlRequests }),
});
const run = { measuredMs: 1000, histogram: '', clientCpuUs: null } as unknown as MeasuredRun;

test('itemFigures: statements per request from the request tally, not from the edges', () => {
  // 10 calls done in the window, but the edges caught 3 calls' statements mid-flight.
  const s0 = sample(1_000, { completed: 10, statements: 1_010 });
  const s1 = sample(2_050, { completed: 20, statements: 2_020 });
  assert.equal(itemFigures(run, 10, s0, s1).sqlStatementsPerRequest, 101);
});

test('itemFigures: a server without request scopes keeps the edge figure', () => {
  assert.equal(
    itemFigures(run, 10, sample(1_000, { completed: 0, statements: 0 }), sample(2_050, { completed: 0, statements: 0 }))
      .sqlStatementsPerRequest,
    105,
  );
  assert.equal(itemFigures(run, 10, sample(1_000), sample(2_050)).sqlStatementsPerRequest, 105);
});
