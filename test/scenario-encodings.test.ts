// encodings at a small size: each body encoding (json, msgpack, protobuf) answers the same
// users as the store over a really negotiated subprotocol, protobuf bytes are smaller than
// JSON's for the same user, and a subprotocol the server does not speak is refused.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createMemoryStore } from '../servers/store.ts';
import { startWebSocket } from '../servers/websocket.ts';
import type { RunningServer } from '../servers/types.ts';
import encodings from '../scenarios/encodings.ts';
import { WS_ENCODINGS, msgpack, wsEnvelopeTypes } from '../proto/ws-encodings.ts';
import { canonicalUser, userToProto } from '../proto/contract.ts';
import { generateUser } from '../servers/dataset.ts';

const dataset = { users: 200, seed: 5 };
let server: RunningServer;
let target: { host: string; port: number };
before(async () => {
  server = await startWebSocket({ host: '127.0.0.1', port: 0, store: createMemoryStore(dataset) });
  target = { host: '127.0.0.1', port: server.port };
});
after(async () => {
  await server.close();
});

test('encodings: one websocket row per encoding, each with its own client', async () => {
  assert.deepEqual(encodings.protocols, ['websocket']);
  assert.deepEqual(encodings.variants?.websocket, ['json', 'msgpack', 'protobuf']);
  for (const v of WS_ENCODINGS) assert.ok(await encodings.client!('websocket', v));
});

for (const encoding of WS_ENCODINGS) {
  test(`encodings ${encoding}: answers equal the store, unknown id is not_found`, async () => {
    const client = (await encodings.client!('websocket', encoding))!;
    // The scenario's verify: 30 ids field by field plus a not_found.
    const report = await encodings.verify!(client, target, dataset, 30, { ...dataset, variant: encoding });
    assert.equal(report.checked, 30);
    assert.equal(report.figures?.encoding, encoding);
    const conn = await client.connect(target);
    try {
      // Many calls in flight on one connection come back to the right callers.
      const ids = Array.from({ length: 50 }, (_, i) => 1 + ((i * 37) % dataset.users));
      const outs = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id }, { decode: true })));
      outs.forEach((o, i) => {
        assert.ok(o.ok, `getUser(${ids[i]}) failed`);
        assert.deepEqual(o.user, canonicalUser(generateUser(dataset, ids[i]!)));
      });
      const lean = await conn.call({ op: 'getUser', id: 7 });
      assert.ok(lean.ok && lean.payload.response > 0 && lean.payload.request > 0);
      const unsupported = await conn.call({ op: 'nestedProfile', id: 1 });
      assert.equal(unsupported.ok, false);
    } finally {
      await conn.close();
    }
  });

  test(`encodings ${encoding}: the subprotocol is negotiated and the frame type follows it`, async () => {
    const ws = new WebSocket(`ws://${target.host}:${target.port}/v1/ws`, [encoding]);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      assert.equal(ws.protocol, encoding, 'the server echoed the subprotocol');
      const reply = new Promise<{ data: Buffer; isBinary: boolean }>((resolve) =>
        ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
      );
      if (encoding === 'json') ws.send(JSON.stringify({ id: 1, op: 'getUser', params: { id: 3 } }));
      else if (encoding === 'msgpack') ws.send(msgpack.pack({ id: 1, op: 'getUser', params: { id: 3 } }));
      else
        ws.send(
          wsEnvelopeTypes()
            .request.encode({ id: 1, getUser: { id: 3 } })
            .finish(),
        );
      const { data, isBinary } = await reply;
      assert.equal(isBinary, encoding !== 'json');
      // Decoded by hand, not by the client under test.
      if (encoding === 'json') assert.equal((JSON.parse(data.toString()) as { result: { id: number } }).result.id, 3);
      else if (encoding === 'msgpack') assert.equal((msgpack.unpack(data) as { result: { id: number } }).result.id, 3);
      else assert.equal((wsEnvelopeTypes().response.decode(data) as unknown as { user: { id: number } }).user.id, 3);
    } finally {
      ws.terminate();
    }
  });
}

test('encodings: protobuf carries the same user in fewer bytes than JSON and MessagePack', () => {
  const user = createMemoryStore(dataset).getUser(42)!;
  const json = Buffer.byteLength(JSON.stringify({ id: 1, result: user }));
  const mp = msgpack.pack({ id: 1, result: user }).length;
  const pb = wsEnvelopeTypes()
    .response.encode({ id: 1, user: userToProto(user) })
    .finish().length;
  assert.ok(pb < mp, `protobuf ${pb} B < msgpack ${mp} B`);
  assert.ok(mp < json, `msgpack ${mp} B < json ${json} B`);
  // Deterministic: the same user encodes to the same bytes every time.
  assert.deepEqual(
    wsEnvelopeTypes()
      .response.encode({ id: 1, user: userToProto(user) })
      .finish(),
    wsEnvelopeTypes()
      .response.encode({ id: 1, user: userToProto(user) })
      .finish(),
  );
});

test('encodings: a subprotocol the server does not speak fails the handshake', async () => {
  const ws = new WebSocket(`ws://${target.host}:${target.port}/v1/ws`, ['cbor']);
  const err = await new Promise<Error>((resolve, reject) => {
    ws.once('error', resolve);
    ws.once('open', () => reject(new Error('opened with an unknown subprotocol')));
  });
  assert.match(err.message, /subprotocol/i);
  // No subprotocol at all stays JSON, as before the scenario existed.
  const plain = new WebSocket(`ws://${target.host}:${target.port}/v1/ws`);
  await new Promise((resolve, reject) => plain.once('open', resolve).once('error', reject));
  assert.equal(plain.protocol, '');
  const reply = new Promise<Buffer>((resolve) => plain.once('message', (d) => resolve(d as Buffer)));
  plain.send(JSON.stringify({ id: 9, op: 'getUser', params: { id: 1 } }));
  assert.equal((JSON.parse((await reply).toString()) as { id: number }).id, 9);
  plain.terminate();
});
