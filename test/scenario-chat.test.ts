// chat at a small size: on every row, messages sent on one connection come back relayed (same
// seq, text, from "server") in order, and with two connections each gets only its own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { loadServer } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import chat, { CHAT_LINES, checkRelays, chatOps, sendAll, verifyChat } from '../scenarios/chat.ts';
import { PROTOCOLS, type ProtocolName } from '../harness/protocols.ts';
import { MAX_CHAT_TEXT } from '../servers/chat.ts';
import { EquivalenceError } from '../harness/errors.ts';

const dataset = { users: 20, seed: 3 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function serve(protocol: ProtocolName): Promise<{ host: string; port: number }> {
  const store = createMemoryStore(dataset);
  const { store: _kind, ...tuning } = chat.server!({ ...dataset });
  const server: RunningServer = await (
    await loadServer(PROTOCOLS[protocol].server)
  )({ host: '127.0.0.1', port: 0, store, ...tuning });
  cleanup.push(() => server.close());
  return { host: '127.0.0.1', port: server.port };
}

for (const protocol of chat.protocols) {
  test(`chat ${protocol}: N messages on one connection are relayed in order, matched by seq`, async () => {
    const target = await serve(protocol);
    const client = (await chat.client!(protocol, undefined))!;
    const report = await verifyChat(client, target);
    assert.equal(report.checked, 5);
    assert.ok(report.payload.request > 0 && report.payload.response > 0, JSON.stringify(report.payload));

    const conn = await client.connect(target);
    try {
      assert.ok(conn.setupBytes === null || conn.setupBytes.out > 0, 'the probe exchange is setup');
      const next = chatOps({ ...dataset });
      const texts = Array.from({ length: 40 }, () => (next() as { text: string }).text);
      const relays = await sendAll(conn, texts);
      assert.equal(relays.length, 40);
      checkRelays(texts, relays);
      // Texts beyond ASCII survive the trip (the emoji line is among the 10).
      assert.ok(texts.some((t) => /\P{ASCII}/u.test(t)) || CHAT_LINES.length < 8);
      // Without decode a call still completes, with no message attached.
      const plain = await conn.call({ op: 'chat', text: 'x' });
      assert.ok(plain.ok && plain.chat === undefined, JSON.stringify(plain));
      // Operations the row cannot express are refused, not hung.
      const other = await conn.call({ op: 'getUser', id: 1 });
      assert.equal(other.ok, false);
    } finally {
      await conn.close();
    }
  });

  test(`chat ${protocol}: two connections each get their own messages, and no one else's`, async () => {
    const target = await serve(protocol);
    const client = (await chat.client!(protocol, undefined))!;
    const [a, b] = await Promise.all([client.connect(target), client.connect(target)]);
    try {
      const textsA = Array.from({ length: 10 }, (_, i) => `a${i}`);
      const textsB = Array.from({ length: 7 }, (_, i) => `b${i}`);
      const [ra, rb] = await Promise.all([sendAll(a, textsA), sendAll(b, textsB)]);
      checkRelays(textsA, ra);
      checkRelays(textsB, rb);
      // Each relay settled exactly one call: counts match what each connection sent.
      assert.equal(ra.length, 10);
      assert.equal(rb.length, 7);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

test('chat: a relay that differs from what was sent is an EquivalenceError', () => {
  const ok = { ok: true as const, payload: { request: 1, response: 1 } };
  assert.throws(
    () => checkRelays(['hi'], [{ ...ok, chat: { seq: 1, from: 'server', text: 'hj', sentAtUs: 1 } }]),
    EquivalenceError,
  );
  assert.throws(
    () =>
      checkRelays(
        ['hi', 'yo'],
        [
          { ...ok, chat: { seq: 2, from: 'server', text: 'yo', sentAtUs: 1 } },
          { ...ok, chat: { seq: 1, from: 'server', text: 'hi', sentAtUs: 1 } },
        ],
      ),
    EquivalenceError,
  );
  assert.doesNotThrow(() => checkRelays(['hi'], [{ ...ok, chat: { seq: 1, from: 'server', text: 'hi', sentAtUs: 1 } }]));
});

test('chat: the servers refuse a malformed message', async () => {
  const { handleMessage } = await import('../servers/websocket.ts');
  const store = createMemoryStore(dataset);
  assert.deepEqual(JSON.parse(handleMessage(store, '{"id":3,"op":"chat","params":{"seq":3,"text":"hi","sentAtUs":1.5}}')), {
    chat: { seq: 3, from: 'server', text: 'hi', sentAtUs: 1.5 },
  });
  assert.equal(
    JSON.parse(handleMessage(store, '{"id":4,"op":"chat","params":{"seq":-1,"text":"hi"}}')).error.code,
    'bad_request',
  );
  assert.equal(
    JSON.parse(handleMessage(store, `{"id":5,"op":"chat","params":{"seq":5,"text":"${'x'.repeat(5000)}"}}`)).error.code,
    'bad_request',
  );
});

for (const protocol of ['websocket', 'graphql', 'sse'] as const) {
  test(`chat ${protocol}: a message the server refuses fails its call, and the channel stays usable`, async () => {
    const target = await serve(protocol);
    const conn = await (await chat.client!(protocol, undefined))!.connect(target);
    try {
      const refused = await conn.call({ op: 'chat', text: 'x'.repeat(MAX_CHAT_TEXT + 1) });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.code, protocol === 'graphql' ? 'BAD_USER_INPUT' : 'bad_request');
      const next = await conn.call({ op: 'chat', text: 'still here' }, { decode: true });
      assert.ok(next.ok && next.chat?.text === 'still here' && next.chat.seq === 2, JSON.stringify(next));
    } finally {
      await conn.close();
    }
  });
}
