// createUsers at a small size: every row stores the batch (the store's count grows by the
// batch, the new ids read back as the users sent), on the memory and the SQLite store.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore, type UserStore } from '../servers/store.ts';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { loadServer } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import createUsers, { newUsers, verifyCreateUsers } from '../scenarios/createUsers.ts';
import { PROTOCOLS, type ProtocolName } from '../harness/protocols.ts';

const dataset = { users: 50, seed: 5 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

for (const kind of ['memory', 'sqlite'] as const) {
  for (const protocol of createUsers.protocols) {
    for (const variant of createUsers.variants?.[protocol] ?? [undefined]) {
      test(`createUsers ${kind} ${protocol} ${variant ?? ''}: users are stored and counted`, async () => {
        const store: UserStore = kind === 'sqlite' ? createSqliteStore(dataset, { comments: false }) : createMemoryStore(dataset);
        cleanup.push(() => store.close());
        const server: RunningServer = await (
          await loadServer(PROTOCOLS[protocol as ProtocolName].server)
        )({ host: '127.0.0.1', port: 0, store });
        cleanup.push(() => server.close());
        const client = (await createUsers.client!(protocol, variant))!;
        const target = { host: '127.0.0.1', port: server.port };
        await verifyCreateUsers(client, target, dataset, 1, { ...dataset, variant, options: { batchSize: 7 } });
        assert.equal(store.countUsers(), 50 + 14);
        const conn = await client.connect(target);
        try {
          const users = newUsers(dataset, 123, 5);
          const o = await conn.call({ op: 'createUsers', users, ...(variant && { variant }) }, { decode: true });
          assert.ok(o.ok, JSON.stringify(o));
          assert.equal(o.items, 5);
          assert.equal(store.countUsers(), 50 + 14 + 5);
          const stored = store.getUser(o.ids![4]!);
          assert.equal(stored?.username, users[4]!.username);
          assert.deepEqual(stored?.address, users[4]!.address);
        } finally {
          await conn.close();
        }
      });
    }
  }
}

test('the SQLite store counts the statements it runs, and deletes its file on close', async () => {
  const { existsSync } = await import('node:fs');
  const store = createSqliteStore(dataset, { comments: false });
  const before = store.statementCount!();
  store.listUsers(0, 10);
  store.getUser(3);
  store.createUsers!(newUsers(dataset, 1, 4));
  assert.equal(store.statementCount!() - before, 2 + 4);
  // Comments are written on first read, uncounted, and equal the data set's.
  const { generateComments } = await import('../servers/dataset.ts');
  const mark = store.statementCount!();
  assert.deepEqual(store.commentsByPost(3), generateComments(dataset, 3));
  assert.deepEqual(store.commentsByPost(3), generateComments(dataset, 3));
  assert.equal(store.statementCount!() - mark, 2);
  assert.ok(existsSync(store.file));
  store.close();
  assert.ok(!existsSync(store.file));
});
