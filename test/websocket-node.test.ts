// The WebSocket-Node server (servers/websocket-node.ts) beyond getUser: the encodings scenario's
// subprotocols, the streamed list, the chat relay, its handshake answers, and what it refuses to
// serve (permessage-deflate) at start rather than during a run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createMemoryStore } from '../servers/store.ts';
import { startWebSocketNode } from '../servers/websocket-node.ts';
import { WS_PATH } from '../servers/websocket.ts';
import type { RunningServer } from '../servers/types.ts';
import encodings from '../scenarios/encodings.ts';
import { WS_ENCODINGS } from '../proto/ws-encodings.ts';
import { HOST, firstResponse, httpRequest, rawSend, upgradeRequest } from './robustness-helpers.ts';

const dataset = { users: 200, seed: 5 };

function open(port: number, protocols?: string[]): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${HOST}:${port}${WS_PATH}`, protocols, { perMessageDeflate: false });
  return new Promise((resolve, reject) => ws.once('open', () => resolve(ws)).once('error', reject));
}

/** The next `n` text messages on `ws`, parsed. */
function messages(ws: WebSocket, n: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData): void => {
      out.push(JSON.parse(String(d)) as Record<string, unknown>);
      if (out.length === n) {
        ws.off('message', on);
        resolve(out);
      }
    };
    ws.on('message', on);
  });
}

describe('websocket-node server', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWebSocketNode({ host: HOST, port: 0, store: createMemoryStore(dataset) });
  });
  after(() => server.close());

  for (const encoding of WS_ENCODINGS) {
    it(`encodings ${encoding}: the scenario's verify step passes over the negotiated subprotocol`, async () => {
      const client = (await encodings.client!('websocket', encoding))!;
      const report = await encodings.verify!(client, { host: HOST, port: server.port }, dataset, 20, {
        ...dataset,
        variant: encoding,
      });
      assert.equal(report.checked, 20);
    });
  }

  it('a subprotocol it does not speak is not echoed, so the client fails the handshake', async () => {
    await assert.rejects(open(server.port, ['cbor']), /subprotocol/i);
  });

  it('listUsersStream: one message per user, then the end with the count', async () => {
    const ws = await open(server.port);
    const got = messages(ws, 4);
    ws.send(JSON.stringify({ id: 5, op: 'listUsersStream', params: { afterId: 10, limit: 3 } }));
    const all = await got;
    assert.deepEqual(
      all.map((m) => (m.item as { id: number } | undefined)?.id ?? m.count),
      [11, 12, 13, 3],
    );
    assert.ok(all.every((m) => m.id === 5));
    ws.close();
  });

  it('chat: a message is relayed back from the server, a bad one refused', async () => {
    const ws = await open(server.port);
    const got = messages(ws, 2);
    ws.send(JSON.stringify({ op: 'chat', params: { seq: 1, text: 'hi', sentAtUs: 7 } }));
    ws.send(JSON.stringify({ id: 2, op: 'chat', params: { seq: -1, text: 'x' } }));
    const [relay, refused] = await got;
    assert.deepEqual(relay, { chat: { seq: 1, from: 'server', text: 'hi', sentAtUs: 7 } });
    assert.equal((refused!.error as { code: string }).code, 'bad_request');
    ws.close();
  });

  it('an upgrade on another path is 400, a plain request 426', async () => {
    const other = upgradeRequest().toString('latin1').replace(WS_PATH, '/elsewhere');
    assert.equal(firstResponse((await rawSend(server.port, Buffer.from(other, 'latin1'))).data)?.status, 400);
    assert.equal(firstResponse((await rawSend(server.port, httpRequest('GET', WS_PATH))).data)?.status, 426);
  });
});

it('websocket-node refuses compression at start: the library has no permessage-deflate', async () => {
  await assert.rejects(
    startWebSocketNode({ host: HOST, port: 0, store: createMemoryStore(dataset), compression: true }),
    /permessage-deflate/,
  );
});
