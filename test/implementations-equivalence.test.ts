// Every implementation of every server (servers/<name>/index.ts), started in-process: it passes the
// verify step (harness/run/verify.ts) with each of its rows' clients, and honours the two knobs
// every server must (servers/types.ts ServerTuning): serviceDelayMs and injectCpuUs. Bounds are
// lower bounds on elapsed time only: neither a timer nor the spin can answer early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVERS, SERVER_NAMES } from '../servers/registry.ts';
import { PROTOCOLS } from '../harness/protocols.ts';
import { createMemoryStore } from '../servers/store.ts';
import { verifyEquivalence } from '../harness/run/verify.ts';
import type { RunningServer, ServerImplementation, ServerTuning } from '../servers/types.ts';
import type { ClientModule } from '../clients/types.ts';

const HOST = '127.0.0.1';
const dataset = { users: 300, seed: 11 };

async function withServer<T>(impl: ServerImplementation, tuning: ServerTuning, fn: (s: RunningServer) => Promise<T>): Promise<T> {
  const store = createMemoryStore(dataset);
  const server = await (await impl.load())({ ...tuning, host: HOST, port: 0, store });
  try {
    return await fn(server);
  } finally {
    await server.close();
    store.close();
  }
}

async function getUsers(client: ClientModule, port: number, n: number): Promise<void> {
  const conn = await client.connect({ host: HOST, port });
  try {
    for (let i = 1; i <= n; i++) {
      const out = await conn.call({ op: 'getUser', id: i }, { decode: true });
      assert.ok(out.ok, JSON.stringify(out));
    }
  } finally {
    await conn.close();
  }
}

for (const name of SERVER_NAMES) {
  const index = SERVERS[name];
  for (const impl of index.implementations) {
    for (const row of index.rows) {
      test(`${name} ${impl.name}: the ${row} client's verify step passes`, async () => {
        const client = await PROTOCOLS[row].client();
        const report = await withServer(impl, {}, (s) => verifyEquivalence(client, { host: HOST, port: s.port }, dataset, 25));
        assert.equal(report.checked, 25);
        assert.ok(report.payload.response > 0);
      });
    }

    const row = index.rows[0]!;
    test(`${name} ${impl.name}: serviceDelayMs holds every answer back`, async () => {
      const client = await PROTOCOLS[row].client();
      await withServer(impl, { serviceDelayMs: 150 }, async (s) => {
        const t0 = performance.now();
        await getUsers(client, s.port, 2);
        assert.ok(performance.now() - t0 >= 2 * 140, 'two calls in a row wait two delays');
      });
    });

    test(`${name} ${impl.name}: injectCpuUs spins on every call`, async () => {
      const client = await PROTOCOLS[row].client();
      await withServer(impl, { injectCpuUs: 20_000 }, async (s) => {
        // The spin runs until 20 ms of the clock have passed (servers/inject-cpu.ts), so 10 calls in a
        // row cannot answer sooner than 200 ms; CPU is not compared, as a busy machine gives the spin less.
        const t0 = performance.now();
        await getUsers(client, s.port, 10);
        assert.ok(performance.now() - t0 >= 10 * 20, 'ten calls wait ten spins');
      });
    });
  }
}
