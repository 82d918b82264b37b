// payloadSize: for every protocol row and page size, the one-message page equals the store's
// users, and the answer's payload is in the size band the variant stands for (~250 B, ~10 KB,
// ~1 MB of JSON; protobuf is smaller, hence the wide lower bound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { loadServer } from '../servers/registry.ts';
import payloadSize, { PAGE_USERS, largePageTuning, pageSizeOf, verifyPages } from '../scenarios/payloadSize.ts';
import { PROTOCOLS, type ProtocolName } from '../harness/protocols.ts';

// The seed the sizes were chosen with (bench.config.ts), and enough users for a large page.
const dataset = { users: 4500, seed: 42 };
const TARGET_BYTES = { small: 250, medium: 10_000, large: 1_000_000 } as const;

for (const protocol of payloadSize.protocols) {
  for (const variant of payloadSize.variants?.[protocol] ?? []) {
    test(`payloadSize ${protocol} ${variant}: the page equals the store's, payload in band`, async () => {
      const start = await loadServer(PROTOCOLS[protocol as ProtocolName].server);
      const server = await start({ host: '127.0.0.1', port: 0, store: createMemoryStore(dataset), ...largePageTuning() });
      try {
        const client = (await payloadSize.client!(protocol, variant))!;
        const target = { host: '127.0.0.1', port: server.port };
        const report = await verifyPages(client, target, dataset, 2, { ...dataset, variant });
        assert.ok(report.checked >= 2);
        const size = pageSizeOf(variant);
        const conn = await client.connect(target);
        try {
          // Undecoded, as under load: the item count and payload size still come out right.
          const o = await conn.call({ op: 'listUsers', after: 17, limit: PAGE_USERS[size] });
          assert.ok(o.ok, JSON.stringify(o));
          assert.equal(o.items, PAGE_USERS[size]);
          const bytes = o.payload.response;
          assert.ok(
            bytes >= 0.4 * TARGET_BYTES[size] && bytes <= 1.5 * TARGET_BYTES[size],
            `${protocol} ${variant}: ${bytes} B, target ~${TARGET_BYTES[size]} B`,
          );
        } finally {
          await conn.close();
        }
      } finally {
        await server.close();
      }
    });
  }
}

test('payloadSize: variants name their page size; ops use it', () => {
  assert.equal(pageSizeOf('large'), 'large');
  assert.equal(pageSizeOf('gzip-medium'), 'medium');
  assert.throws(() => pageSizeOf('huge'), /names no page size/);
  const next = payloadSize.ops!({ users: 10_000, seed: 3, variant: 'large' });
  const op = next() as { op: string; limit: number; after: number };
  assert.equal(op.op, 'listUsers');
  assert.equal(op.limit, 4000);
  assert.ok(op.after >= 0 && op.after <= 6000);
});
