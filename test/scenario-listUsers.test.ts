// listUsers at a small size: every row (protocol x variant) answers pages equal to the store's,
// streams report their first item no later than the call ends, and REST offset and cursor
// pages agree.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { loadServer } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import listUsers, { verifyListUsers } from '../scenarios/listUsers.ts';
import type { ProtocolName } from '../harness/protocols.ts';
import { PROTOCOLS } from '../harness/protocols.ts';

const dataset = { users: 300, seed: 11 };
const servers: RunningServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

for (const protocol of listUsers.protocols) {
  for (const variant of listUsers.variants?.[protocol] ?? [undefined]) {
    test(`listUsers ${protocol} ${variant ?? ''}: pages equal the store's`, async () => {
      const start = await loadServer(PROTOCOLS[protocol as ProtocolName].server);
      const server = await start({ host: '127.0.0.1', port: 0, store: createMemoryStore(dataset) });
      servers.push(server);
      const client = (await listUsers.client!(protocol, variant))!;
      const ctx = { ...dataset, variant, options: { pageSize: 25, offsetDepth: 250 } };
      const report = await verifyListUsers(client, { host: '127.0.0.1', port: server.port }, dataset, 5, ctx);
      assert.ok(report.checked >= 5);
      const conn = await client.connect({ host: '127.0.0.1', port: server.port });
      try {
        const o = await conn.call({ op: 'listUsers', after: 290, limit: 25, ...(variant && { variant }) }, { decode: true });
        assert.ok(o.ok);
        // Past the end: a short page, not an error.
        assert.deepEqual(
          o.users?.map((u) => u.id),
          [291, 292, 293, 294, 295, 296, 297, 298, 299, 300],
        );
        const lean = await conn.call({ op: 'listUsers', after: 10, limit: 25, ...(variant && { variant }) });
        assert.ok(lean.ok);
        assert.equal(lean.items, 25, 'undecoded calls still count their items');
        assert.ok(lean.firstItemUs !== undefined && lean.firstItemUs > 0);
      } finally {
        await conn.close();
      }
    });
  }
}

test('listUsers ops: deep rows start at offsetDepth, others spread over the data set', () => {
  const deep = listUsers.ops!({ users: 10_000, seed: 1, variant: 'offset-deep', options: { pageSize: 100, offsetDepth: 9000 } });
  assert.equal((deep() as { after: number }).after, 9000);
  const spread = listUsers.ops!({ users: 10_000, seed: 1, variant: 'cursor', options: { pageSize: 100, offsetDepth: 9000 } });
  const starts = new Set(Array.from({ length: 50 }, () => (spread() as { after: number }).after));
  assert.ok(starts.size > 40);
  for (const s of starts) assert.ok(s >= 0 && s <= 9900);
});
