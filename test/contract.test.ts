// Loops over the protocol registry: every row's server, started as the runner starts it (a
// child process announcing its port), answers every operation like the store does, reports
// unknown ids as not_found, and its client sees bytes on the wire.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { PROTOCOLS, PROTOCOL_NAMES } from '../harness/protocols.ts';
import { startServerProcess } from '../harness/workloads/request-response.ts';
import { stopChild } from '../harness/procs/control.ts';
import { verifyEquivalence } from '../harness/run/verify.ts';
import { canonicalUser } from '../proto/contract.ts';
import { generateUser } from '../servers/dataset.ts';

const dataset = { users: 500, seed: 7 };
const children: ChildProcess[] = [];
after(async () => {
  await Promise.all(children.map((c) => stopChild(c)));
});

for (const name of PROTOCOL_NAMES) {
  test(`${name}: same answers as the store, not_found for unknown ids, bytes counted`, async () => {
    const row = PROTOCOLS[name];
    const { child, port } = await startServerProcess({ server: row.server, host: '127.0.0.1', port: 0, dataset }, null);
    children.push(child);
    const client = await row.client();
    const report = await verifyEquivalence(client, { host: '127.0.0.1', port }, dataset, 25);
    assert.equal(report.checked, 25);
    assert.ok(report.payload.response > 0, 'response payload bytes > 0');

    const conn = await client.connect({ host: '127.0.0.1', port });
    try {
      const before = conn.wireBytes();
      // Several calls in flight on one connection, each answered with its own user.
      const ids = [1, 2, 3, 250, 499, 500, 42, 7];
      const outcomes = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id }, { decode: true })));
      outcomes.forEach((o, i) => {
        assert.ok(o.ok, `call ${ids[i]} failed: ${JSON.stringify(o)}`);
        assert.deepEqual(o.user && canonicalUser(o.user), canonicalUser(generateUser(dataset, ids[i]!)));
      });
      const missing = await conn.call({ op: 'getUser', id: 501 });
      assert.equal(missing.ok, false);
      assert.equal(!missing.ok && missing.kind, 'not_found');
      const afterBytes = conn.wireBytes();
      if (before && afterBytes) {
        assert.ok(afterBytes.out > before.out, 'bytes out > 0');
        assert.ok(afterBytes.in > before.in, 'bytes in > 0');
      } else {
        assert.equal(name, 'grpc-js', 'only the stock grpc-js client may hide its socket');
      }
    } finally {
      await conn.close();
    }
    await stopChild(child);
    assert.ok(child.exitCode !== null || child.signalCode !== null, 'server process stopped');
  });
}
