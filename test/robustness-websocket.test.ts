// WebSocket under bad input: message-level faults get an error message on a connection that
// stays up; protocol-level faults close that connection with RFC 6455's code; peers that stop
// answering pings are terminated; the server keeps serving everyone else. Every implementation of
// the WebSocket server (servers/websocket/index.ts: ws, WebSocket-Node) is held to the same tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import WebSocket from 'ws';
import { createMemoryStore } from '../servers/store.ts';
import { WS_PATH } from '../servers/websocket.ts';
import { SERVERS } from '../servers/registry.ts';
import type { RunningServer, ServerOptions } from '../servers/types.ts';
import { connect } from '../clients/websocket.ts';
import { canonicalUser } from '../proto/contract.ts';
import { HOST, SHORT_LIMITS, assertHttpTimeouts, httpRequest, rawUpgrade, wsFrame } from './robustness-helpers.ts';

const store = createMemoryStore({ users: 100, seed: 1 });

/**
 * Where a library answers a fault with another RFC 6455 code than ws: WebSocket-Node refuses a
 * 64-bit frame length past 2^32 as a protocol error (1002) before comparing it with the size limit.
 */
const HUGE_FRAME_CODE: Record<string, number> = { 'websocket-node': 1002 };

/** The implementation's server with options beyond ServerOptions (heartbeat, limits) where the test needs them. */
async function startImpl(impl: (typeof SERVERS.websocket.implementations)[number], extra: object = {}): Promise<RunningServer> {
  const options: ServerOptions = { host: HOST, port: 0, store, ...extra };
  return (await impl.load())(options);
}

function open(port: number, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${HOST}:${port}${WS_PATH}`, { perMessageDeflate: false, ...options });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeCode(ws: WebSocket, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no close')), timeoutMs);
    ws.once('close', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    ws.on('error', () => {}); // the close code is the answer; ws also reports it as an error
  });
}

function reply(
  ws: WebSocket,
  frame: string | Buffer,
  binary = false,
): Promise<{ id: unknown; error?: { code: string }; result?: unknown }> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(String(d))));
    ws.send(frame, { binary });
  });
}

/** The close code in the first server close frame on a raw socket, or undefined if it just closed. */
function rawCloseCode(s: net.Socket): Promise<number | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // Server frames are unmasked; a close frame is 0x88, its length, then the code.
      const at = buf.indexOf(0x88);
      if (at >= 0 && buf.length >= at + 4) resolve(buf.readUInt16BE(at + 2));
    });
    s.on('close', () => resolve(undefined));
    s.on('error', () => {});
  });
}

for (const impl of SERVERS.websocket.implementations) {
  describe(`websocket robustness: ${impl.name}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await startImpl(impl);
    });
    after(() => server.close());

    it('message-level faults get error replies and the connection stays up', async () => {
      const ws = await open(server.port);
      const cases: [string | Buffer, boolean, unknown, string][] = [
        ['', false, null, 'bad_request'],
        ['[1,2]', false, null, 'bad_request'],
        ['42', false, null, 'bad_request'],
        ['{"id":1}', false, 1, 'unknown_op'],
        ['{"id":{"x":1},"op":"getUser","params":{"id":1}}', false, null, 'result'],
        ['{"id":2,"op":"getUser"}', false, 2, 'bad_request'],
        ['{"id":3,"op":"getUser","params":{"id":"1"}}', false, 3, 'bad_request'],
        ['{"id":4,"op":"getUser","params":{"id":1.5}}', false, 4, 'bad_request'],
        ['{"id":5,"op":"getUser","params":{"id":-1}}', false, 5, 'not_found'],
        ['{"id":6,"op":"listUsers","params":{"limit":"x"}}', false, 6, 'bad_request'],
        ['{"id":7,"op":"__proto__"}', false, 7, 'unknown_op'],
        [Buffer.from('{"id":8,"op":"getUser","params":{"id":1}}'), true, null, 'bad_request'],
      ];
      for (const [frame, binary, id, code] of cases) {
        const r = await reply(ws, frame, binary);
        assert.deepEqual(r.id, id, String(frame));
        assert.equal(r.error?.code ?? (r.result ? 'result' : 'none'), code, String(frame));
      }
      const ok = await reply(ws, '{"id":9,"op":"getUser","params":{"id":9}}');
      assert.deepEqual(ok, { id: 9, result: store.getUser(9) });
      ws.close();
    });

    it('a message over 1 MiB closes that connection with 1009; others go on', async () => {
      const bystander = await connect({ host: HOST, port: server.port });
      const ws = await open(server.port);
      const code = closeCode(ws);
      ws.send('x'.repeat(1024 * 1024 + 1));
      assert.equal(await code, 1009);
      // Exactly the limit is a message like any other (not JSON, so bad_request).
      const ws2 = await open(server.port);
      const r = await reply(ws2, ' '.repeat(1024 * 1024));
      assert.equal(r.error?.code, 'bad_request');
      ws2.close();
      const out = await bystander.call({ op: 'getUser', id: 11 }, { decode: true });
      assert.ok(out.ok);
      assert.deepEqual(out.user, canonicalUser(store.getUser(11)!));
      await bystander.close();
    });

    it('a message over the limit in fragments is refused with 1009 too', async () => {
      const s = await rawUpgrade(server.port);
      const code = rawCloseCode(s);
      const part = Buffer.alloc(600 * 1024, 0x20);
      s.write(Buffer.concat([wsFrame(0x1, part, { fin: false }), wsFrame(0x0, part, { fin: false })]));
      assert.equal(await code, 1009);
      s.destroy();
    });

    it('a declared 2^62-byte frame is refused with 1009 (1002 where the library says so) from its header alone', async () => {
      const s = await rawUpgrade(server.port);
      const head = Buffer.from([0x81, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
      const code = rawCloseCode(s);
      s.write(head);
      assert.equal(await code, HUGE_FRAME_CODE[impl.name] ?? 1009);
      s.destroy();
    });

    it('text that is not UTF-8 closes with 1007; protocol faults close with 1002', async () => {
      const ws = await open(server.port);
      const code = closeCode(ws);
      ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      assert.equal(await code, 1007);
      const faults: [string, Buffer][] = [
        ['unmasked client frame', wsFrame(0x1, Buffer.from('{}'), { mask: false })],
        ['reserved opcode', wsFrame(0x3, Buffer.from('x'))],
        ['RSV1 without an extension', wsFrame(0x1, Buffer.from('{}'), { rsv: 4 })],
        ['fragmented ping', wsFrame(0x9, Buffer.from('x'), { fin: false })],
        ['continuation with nothing to continue', wsFrame(0x0, Buffer.from('x'))],
      ];
      for (const [label, frame] of faults) {
        const s = await rawUpgrade(server.port);
        const c = rawCloseCode(s);
        s.write(frame);
        assert.equal(await c, 1002, label);
        s.destroy();
      }
    });

    it('the server still answers after all of it', async () => {
      const conn = await connect({ host: HOST, port: server.port });
      const out = await conn.call({ op: 'getUser', id: 77 }, { decode: true });
      assert.ok(out.ok);
      assert.deepEqual(out.user, canonicalUser(store.getUser(77)!));
      await conn.close();
    });
  });

  describe(`websocket connection limits: ${impl.name}`, () => {
    it('heartbeat: a peer that stops answering pings is terminated, one that answers is kept', async (t) => {
      // 400 ms, not less: the live peer's pong is read by this same process, and a machine in a slow
      // phase can hold its event loop for a round of 100 ms and have the server reap a live peer.
      const server = await startImpl(impl, { heartbeatMs: 400 });
      t.after(() => server.close());
      const mute = await open(server.port, { autoPong: false });
      let pings = 0;
      mute.on('ping', () => pings++);
      const live = await open(server.port);
      const code = await closeCode(mute);
      assert.equal(code, 1006, 'terminated without a close frame');
      assert.ok(pings >= 1, 'after being pinged');
      await new Promise((r) => setTimeout(r, 1000)); // two more heartbeat rounds for the live peer
      assert.equal(live.readyState, WebSocket.OPEN);
      const r = await reply(live, '{"id":1,"op":"getUser","params":{"id":1}}');
      assert.deepEqual(r, { id: 1, result: store.getUser(1) });
      live.close();
    });

    it('the upgrade server closes silent, idle and stalled connections; sets TCP keep-alive', async (t) => {
      const server = await startImpl(impl, SHORT_LIMITS);
      t.after(() => server.close());
      // A plain request is answered 426 (upgrade required) and then idles like any other.
      await assertHttpTimeouts(
        server.port,
        httpRequest('GET', '/'),
        httpRequest('POST', '/', { 'Content-Length': '100' }, 'x'),
        426,
      );
      // An upgraded connection is no longer under the HTTP timeouts: the heartbeat keeps it.
      const ws = await open(server.port);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(ws.readyState, WebSocket.OPEN);
      ws.close();
    });
  });
}
