// nPlusOne at a small size: the SQL statements one GraphQL request runs, counted by the SQLite
// store: 1 + N without DataLoader, 2 with it; both answer the same posts and authors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { startGraphQL } from '../servers/graphql.ts';
import { graphql } from '../clients/bulk.ts';
import { verifyNPlusOne } from '../scenarios/nPlusOne.ts';

const dataset = { users: 200, seed: 3 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const answers: Record<string, number[]> = {};
for (const [variant, dataloader] of [
  ['naive', false],
  ['dataloader', true],
] as const) {
  test(`nPlusOne ${variant}: statements per request counted by the store`, async () => {
    const store = createSqliteStore(dataset, { comments: false });
    cleanup.push(() => store.close());
    const server = await startGraphQL({ host: '127.0.0.1', port: 0, store, dataloader });
    cleanup.push(() => server.close());
    const target = { host: '127.0.0.1', port: server.port };
    await verifyNPlusOne(graphql, target, dataset, 1, { ...dataset, variant, options: { pageSize: 20 } });
    const conn = await graphql.connect(target);
    try {
      const before = store.statementCount();
      const o = await conn.call({ op: 'postsWithAuthors', first: 20 }, { decode: true });
      const statements = store.statementCount() - before;
      assert.ok(o.ok);
      assert.equal(o.items, 20);
      answers[variant] = o.ids!;
      assert.equal(statements, dataloader ? 2 : 1 + 20);
    } finally {
      await conn.close();
    }
  });
}

test('both variants answer the same posts and authors', () => {
  assert.ok(answers.naive && answers.dataloader);
  assert.deepEqual(answers.dataloader, answers.naive);
});
