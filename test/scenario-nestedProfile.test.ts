// nestedProfile at a small size: every protocol assembles the store's profile, with the
// request count its shape predicts; through the delaying proxy, latency follows round trips.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createMemoryStore, type UserStore } from '../servers/store.ts';
import { startRest } from '../servers/rest.ts';
import { startGrpc } from '../servers/grpc.ts';
import { start as startGraphql } from '../servers/graphql.ts';
import type { RunningServer } from '../servers/types.ts';
import * as rest from '../clients/rest.ts';
import * as grpcJs from '../clients/grpc-js.ts';
import * as graphql from '../clients/graphql.ts';
import type { ClientModule } from '../clients/types.ts';
import { expectedProfile, REQUESTS_PER_PROFILE, ROUND_TRIPS_PER_PROFILE } from '../clients/nested-profile.ts';
import { startDelayProxy, measureProxyOverheadUs } from '../harness/run/delay-proxy.ts';
import { verifyNestedProfile } from '../scenarios/nestedProfile.ts';
import { SCENARIOS } from '../scenarios/registry.ts';

const ds = { users: 50, seed: 7 };
let store: UserStore;
const servers: Record<string, RunningServer> = {};
const rows: Array<{ name: 'rest' | 'grpc' | 'graphql'; client: ClientModule }> = [
  { name: 'rest', client: rest },
  { name: 'grpc', client: grpcJs },
  { name: 'graphql', client: graphql },
];

before(async () => {
  store = createMemoryStore(ds);
  const opts = { host: '127.0.0.1', port: 0, store };
  servers.rest = await startRest(opts);
  servers.grpc = await startGrpc(opts);
  servers.graphql = await startGraphql(opts);
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

const target = (name: string) => ({ host: '127.0.0.1', port: servers[name]!.port });

test('the scenario is registered with its protocols and reasons', () => {
  const s = SCENARIOS.nestedProfile!;
  assert.deepEqual([...s.protocols], ['rest', 'grpc-js', 'graphql']);
  assert.ok(s.notExpressible?.websocket && s.notExpressible.sse && s.notExpressible.grpc);
});

for (const { name, client } of rows) {
  test(`${name}: the profile equals the store's, in ${REQUESTS_PER_PROFILE[name]} request(s)`, async () => {
    const conn = await client.connect(target(name));
    try {
      for (const id of [1, 50]) {
        const res = await conn.call({ op: 'nestedProfile', id }, { decode: true });
        assert.ok(res.ok, JSON.stringify(res));
        assert.deepEqual(res.profile, expectedProfile(ds, id));
        assert.equal(res.profile!.posts.length, 10);
        assert.ok(res.profile!.posts.every((p) => p.comments.length === 5));
        assert.equal(res.requests ?? 1, REQUESTS_PER_PROFILE[name]);
      }
      // Lean mode (under load) still succeeds and counts the same requests.
      const lean = await conn.call({ op: 'nestedProfile', id: 3 });
      assert.ok(lean.ok && lean.payload.response > 1000);
      assert.equal(lean.requests ?? 1, REQUESTS_PER_PROFILE[name]);
      const missing = await conn.call({ op: 'nestedProfile', id: ds.users + 1 }, { decode: true });
      assert.equal(missing.ok ? 'ok' : missing.kind, 'not_found');
    } finally {
      await conn.close();
    }
  });

  test(`${name}: the scenario's verify step passes and reports requestsPerOp`, async () => {
    const report = await verifyNestedProfile(client, target(name), ds, 3);
    assert.equal(report.checked, 3);
    assert.equal(report.figures?.requestsPerOp, REQUESTS_PER_PROFILE[name]);
  });
}

test('through a 10 ms delaying proxy, latency follows round trips: graphql < grpc < rest', async () => {
  const delayMs = 10;
  const medians: Record<string, number> = {};
  for (const { name, client } of rows) {
    const proxy = await startDelayProxy(target(name), delayMs);
    const conn = await client.connect({ host: proxy.host, port: proxy.port });
    try {
      // The first profile opens REST's extra connections; time the later ones.
      await conn.call({ op: 'nestedProfile', id: 1 });
      const times: number[] = [];
      for (const id of [2, 3, 4]) {
        const t0 = performance.now();
        const res = await conn.call({ op: 'nestedProfile', id });
        times.push(performance.now() - t0);
        assert.ok(res.ok);
      }
      medians[name] = times.sort((a, b) => a - b)[1]!;
    } finally {
      await conn.close();
      await proxy.close();
    }
    // A round trip through the proxy cannot take less than 2 x delay, so the profile cannot
    // beat its number of sequential round trips (a lower bound, not a speed claim).
    assert.ok(
      medians[name]! >= ROUND_TRIPS_PER_PROFILE[name] * 2 * delayMs - 1,
      `${name}: ${medians[name]!.toFixed(1)} ms for ${ROUND_TRIPS_PER_PROFILE[name]} round trips of ${2 * delayMs} ms`,
    );
  }
  assert.ok(medians.graphql! < medians.grpc! && medians.grpc! < medians.rest!, JSON.stringify(medians));
});

test('the proxy forwards in order both ways and its overhead is measurable', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const proxy = await startDelayProxy({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port }, 3);
  const sock = net.connect(proxy.port, proxy.host);
  const sent: Buffer[] = [];
  const got: Buffer[] = [];
  sock.on('data', (c: Buffer) => got.push(c));
  // Many small writes spread over several timer ticks: echoed back byte-identical, in order.
  for (let i = 0; i < 200; i++) {
    const b = Buffer.from(`chunk-${i};`);
    sent.push(b);
    sock.write(b);
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  const total = Buffer.concat(sent).length;
  while (Buffer.concat(got).length < total) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(Buffer.concat(got), Buffer.concat(sent));
  sock.destroy();
  await proxy.close();
  echo.close();
  const overhead = await measureProxyOverheadUs(60);
  assert.ok(Number.isFinite(overhead) && overhead >= 0);
});
