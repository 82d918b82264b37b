// WebSocket server and driver, in-process: answers equal the store's, errors are classified,
// calls multiplex on one connection by request id, and bad frames do not kill the connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { canonicalUser } from '../proto/contract.ts';
import { createMemoryStore } from '../servers/store.ts';
import { start, handleMessage } from '../servers/websocket.ts';
import { connect, scanReply } from '../clients/websocket.ts';
import type { RunningServer } from '../servers/types.ts';
import type { Connection } from '../clients/types.ts';

const store = createMemoryStore({ users: 100, seed: 1 });
const host = '127.0.0.1';

/** Send raw frames on a separate ws and collect the replies, parsed. */
async function rawExchange(port: number, frames: Array<string | Buffer>): Promise<unknown[]> {
  const ws = new WebSocket(`ws://${host}:${port}/v1/ws`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const replies: unknown[] = [];
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      replies.push(JSON.parse(String(data)));
      if (replies.length === frames.length) resolve();
    });
  });
  for (const f of frames) ws.send(f, { binary: Buffer.isBuffer(f) });
  await done;
  ws.close();
  return replies;
}

describe('websocket', () => {
  let server: RunningServer;
  let conn: Connection;
  before(async () => {
    server = await start({ host, port: 0, store });
    conn = await connect({ host, port: server.port });
  });
  after(async () => {
    await conn.close();
    await server.close();
  });

  it('getUser with decode equals the store user', async () => {
    for (const id of [1, 42, 100]) {
      const out = await conn.call({ op: 'getUser', id }, { decode: true });
      assert.ok(out.ok);
      assert.deepEqual(out.user, canonicalUser(store.getUser(id)!));
      assert.ok(out.payload.request > 0 && out.payload.response > 200);
    }
  });

  it('lean call succeeds without a user', async () => {
    const out = await conn.call({ op: 'getUser', id: 7 });
    assert.ok(out.ok);
    assert.equal(out.user, undefined);
  });

  it('unknown id is not_found', async () => {
    for (const decode of [false, true]) {
      const out = await conn.call({ op: 'getUser', id: 1000 }, { decode });
      assert.equal(out.ok, false);
      assert.ok(!out.ok && out.kind === 'not_found' && out.code === 'not_found');
    }
  });

  it('20 concurrent calls on one connection get the right users', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => 1 + ((i * 37) % 100));
    const outs = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id }, { decode: true })));
    outs.forEach((out, i) => {
      assert.ok(out.ok);
      assert.deepEqual(out.user, canonicalUser(store.getUser(ids[i]!)!));
    });
  });

  it('counts setup and wire bytes', async () => {
    assert.ok(conn.setupBytes && conn.setupBytes.out > 100 && conn.setupBytes.in > 100, JSON.stringify(conn.setupBytes));
    const before = conn.wireBytes()!;
    const out = await conn.call({ op: 'getUser', id: 3 });
    const afterBytes = conn.wireBytes()!;
    assert.ok(out.ok);
    // Client frames add a 6-byte header (masked), server frames 2-4 bytes.
    assert.ok(afterBytes.out - before.out >= out.payload.request + 6);
    assert.ok(afterBytes.in - before.in >= out.payload.response + 2);
  });

  it('bad frames get bad_request with id null and the connection keeps working', async () => {
    const replies = await rawExchange(server.port, [
      'not json',
      Buffer.from([1, 2, 3]),
      '{"id":9,"op":"nope"}',
      '{"id":10,"op":"getUser","params":{"id":5}}',
    ]);
    assert.deepEqual((replies[0] as { id: unknown; error: { code: string } }).id, null);
    assert.equal((replies[0] as { error: { code: string } }).error.code, 'bad_request');
    assert.equal((replies[1] as { id: unknown }).id, null);
    assert.equal((replies[1] as { error: { code: string } }).error.code, 'bad_request');
    assert.deepEqual((replies[2] as { id: number; error: { code: string } }).error.code, 'unknown_op');
    assert.equal((replies[2] as { id: number }).id, 9);
    assert.deepEqual(replies[3], { id: 10, result: store.getUser(5) });
  });

  it('listUsers answers a page', () => {
    const reply = JSON.parse(handleMessage(store, '{"id":1,"op":"listUsers","params":{"afterId":10,"limit":3}}'));
    assert.deepEqual(
      reply.result.map((u: { id: number }) => u.id),
      [11, 12, 13],
    );
    const bad = JSON.parse(handleMessage(store, '{"id":2,"op":"listUsers","params":{"limit":-1}}'));
    assert.equal(bad.error.code, 'bad_request');
  });

  it('scanReply reads the id and kind, and declines other shapes', () => {
    assert.deepEqual(scanReply(Buffer.from('{"id":123,"result":{}}')), { id: 123, isResult: true });
    assert.deepEqual(scanReply(Buffer.from('{"id":7,"error":{"code":"x"}}')), { id: 7, isResult: false });
    assert.equal(scanReply(Buffer.from('{"id":null,"error":{"code":"x"}}')), undefined);
    assert.equal(scanReply(Buffer.from('{"result":{},"id":1}')), undefined);
  });

  it('a call after the server goes away is connection_reset', async () => {
    const s2 = await start({ host, port: 0, store });
    const c2 = await connect({ host, port: s2.port });
    await s2.close();
    const out = await c2.call({ op: 'getUser', id: 1 });
    assert.ok(!out.ok && out.kind === 'connection_reset', JSON.stringify(out));
    await c2.close();
  });
});
