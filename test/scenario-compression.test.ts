// compression at the medium size (~10 KB page): for each protocol, every compressed variant's
// answers equal the store's, and fewer bytes cross the socket than with the identity variant
// for the same calls (byte counts are deterministic: behaviour, not speed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { loadServer } from '../servers/registry.ts';
import compression, { encodingOf } from '../scenarios/compression.ts';
import { PAGE_USERS, verifyPages } from '../scenarios/payloadSize.ts';
import { PROTOCOLS, type ProtocolName } from '../harness/protocols.ts';
import type { ByteCount } from '../clients/types.ts';

const dataset = { users: 1000, seed: 42 };
const CALLS = 5;

/** Verify a variant against the store, then make CALLS calls and return the bytes they moved and their payload. */
async function measure(protocol: ProtocolName, variant: string): Promise<{ wire: ByteCount; payload: number }> {
  const start = await loadServer(PROTOCOLS[protocol].server);
  const tuning = compression.server!({ ...dataset, variant });
  const server = await start({ ...tuning, host: '127.0.0.1', port: 0, store: createMemoryStore(dataset) });
  try {
    const client = (await compression.client!(protocol, variant))!;
    const target = { host: '127.0.0.1', port: server.port };
    const report = await verifyPages(client, target, dataset, 2, { ...dataset, variant });
    assert.ok(report.checked >= 2);
    const conn = await client.connect(target);
    try {
      const before = conn.wireBytes()!;
      let payload = 0;
      for (let i = 0; i < CALLS; i++) {
        const o = await conn.call({ op: 'listUsers', after: 100 * i, limit: PAGE_USERS.medium });
        assert.ok(o.ok, JSON.stringify(o));
        assert.equal(o.items, PAGE_USERS.medium);
        payload += o.payload.response;
      }
      const after = conn.wireBytes()!;
      return { wire: { out: after.out - before.out, in: after.in - before.in }, payload };
    } finally {
      await conn.close();
    }
  } finally {
    await server.close();
  }
}

for (const protocol of compression.protocols) {
  const variants = (compression.variants?.[protocol] ?? []).filter((v) => v.endsWith('-medium'));
  const compressed = variants.filter((v) => encodingOf(v) !== 'identity');
  test(`compression ${protocol}: ${compressed.join(', ')} answer as the store does, in fewer bytes than identity`, async () => {
    assert.ok(compressed.length > 0);
    const identity = await measure(protocol as ProtocolName, 'identity-medium');
    for (const variant of compressed) {
      const c = await measure(protocol as ProtocolName, variant);
      // Same answers decompressed, so the same payload; the wire carries far less of it.
      assert.equal(c.payload, identity.payload, `${variant}: decompressed payload differs from identity`);
      assert.ok(
        c.wire.in < identity.wire.in * 0.6,
        `${protocol} ${variant}: ${c.wire.in} B in vs identity ${identity.wire.in} B`,
      );
    }
  });
}

test('compression: variants name encoding and size; identity rows run without server compression', () => {
  assert.equal(encodingOf('br-large'), 'br');
  assert.throws(() => encodingOf('zstd-large'), /names no encoding/);
  assert.equal(compression.server!({ users: 1, seed: 1, variant: 'identity-medium' }).compression, false);
  assert.equal(compression.server!({ users: 1, seed: 1, variant: 'deflate-large' }).compression, true);
});
