// SSE under bad clients: streams whose client vanished are forgotten (no leak), a client that
// stops reading is dropped once too much is queued for it, bad POSTs are answered on the POST,
// and the server keeps serving everyone else. Every case runs on both implementations: the
// hand-written node:http server (the reference) and better-sse.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { createMemoryStore } from '../servers/store.ts';
import { startSseServer } from '../servers/sse.ts';
import { startBetterSseServer } from '../servers/sse-better.ts';
import { connect } from '../clients/sse.ts';
import { canonicalUser } from '../proto/contract.ts';
import { HOST, SHORT_LIMITS, assertHttpTimeouts, connectRaw, httpRequest, rawSend, firstResponse } from './robustness-helpers.ts';

const store = createMemoryStore({ users: 1000, seed: 1 });

/** Open an event stream on a raw socket and read up to its session event. */
async function openStream(port: number): Promise<{ socket: net.Socket; streamId: string }> {
  const socket = await connectRaw(port);
  socket.write(httpRequest('GET', '/v1/events'));
  const streamId = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      const m = /"streamId":"([^"]+)"/.exec(text);
      if (m) {
        socket.off('data', onData);
        resolve(m[1]!);
      }
    };
    socket.on('data', onData);
  });
  return { socket, streamId };
}

// Returns as soon as pred holds; the limit is for a machine in a slow phase.
async function until(pred: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return pred();
}

const rpc = (port: number, body: unknown) =>
  fetch(`http://${HOST}:${port}/v1/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

for (const [impl, startImpl] of [
  ['node-http', startSseServer],
  ['better-sse', startBetterSseServer],
] as const) {
  describe(`sse robustness: ${impl}`, () => {
    it('streams whose client vanished are removed', async (t) => {
      const server = await startImpl({ host: HOST, port: 0, store });
      t.after(() => server.close());
      const opened = await Promise.all(Array.from({ length: 20 }, () => openStream(server.port)));
      assert.equal(server.openStreams(), 20);
      // Half vanish abruptly (RST-like destroy), half close politely.
      opened.forEach(({ socket }, i) => (i % 2 ? socket.destroy() : socket.end()));
      assert.ok(await until(() => server.openStreams() === 0), `still open: ${server.openStreams()}`);
      // An RPC for a vanished stream is answered on the POST, not written to a dead socket.
      const r = await rpc(server.port, { streamId: opened[0]!.streamId, requestId: 1, op: 'getUser', params: { id: 1 } });
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unknown_stream');
    });

    it('a client that stops reading is dropped once its backlog passes maxBufferedBytes', async (t) => {
      const server = await startImpl({ host: HOST, port: 0, store, maxBufferedBytes: 256 * 1024 });
      t.after(() => server.close());
      const slow = await openStream(server.port);
      slow.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue grows
      const reader = await connect({ host: HOST, port: server.port });
      t.after(() => reader.close());
      assert.equal(server.openStreams(), 2);

      // Each page of 1000 users is about 330 KB; kernel buffers on loopback take a few MB.
      let dropped = false;
      let pages = 0;
      for (; pages < 300 && !dropped; pages++) {
        const r = await rpc(server.port, { streamId: slow.streamId, requestId: pages, op: 'listUsers', params: { limit: 1000 } });
        if (r.status === 404) {
          assert.match(((await r.json()) as { error: { message: string } }).error.message, /stopped reading/);
          dropped = true;
        } else {
          assert.equal(r.status, 202);
          await r.arrayBuffer();
        }
      }
      assert.ok(dropped, `not dropped after ${pages} pages`);
      assert.ok(await until(() => server.openStreams() === 1), 'the slow stream is gone from the map');
      // A reader that keeps up is never dropped, though each page is larger than the limit.
      const fast = await openStream(server.port);
      let ends = 0;
      let carry = ''; // a marker may be split across reads
      fast.socket.on('data', (d: Buffer) => {
        const text = carry + d.toString('latin1');
        // better-sse writes `event:end`, the hand-written server `event: end`; both are SSE.
        ends += text.match(/event: ?end\n/g)?.length ?? 0;
        carry = text.slice(-9); // shorter than either marker, so none is counted twice
      });
      for (let i = 0; i < 20; i++) {
        const r = await rpc(server.port, { streamId: fast.streamId, requestId: i, op: 'listUsers', params: { limit: 1000 } });
        assert.equal(r.status, 202);
        await r.arrayBuffer();
      }
      assert.ok(await until(() => ends === 20), `pages received: ${ends}`);
      fast.socket.destroy();
      for (const id of [1, 500, 1000]) {
        const out = await reader.call({ op: 'getUser', id }, { decode: true });
        assert.ok(out.ok);
        assert.deepEqual(out.user, canonicalUser(store.getUser(id)!));
      }
      slow.socket.destroy();
    });

    it('bad POSTs are answered on the POST; oversized ones with 413 and a closed connection', async (t) => {
      const server = await startImpl({ host: HOST, port: 0, store });
      t.after(() => server.close());
      const { socket, streamId } = await openStream(server.port);
      t.after(() => socket.destroy());
      const cases: [unknown, number, string][] = [
        [{ streamId, requestId: 1, op: 'drop' }, 400, 'unknown_op'],
        [{ streamId, op: 'getUser' }, 400, 'invalid_request'],
        [{ streamId: 5, requestId: 1, op: 'getUser' }, 400, 'invalid_request'],
        [[1, 2], 400, 'invalid_request'],
        ['just a string', 400, 'invalid_request'],
      ];
      for (const [body, status, code] of cases) {
        const r = await rpc(server.port, body);
        assert.equal(r.status, status, JSON.stringify(body));
        assert.equal(((await r.json()) as { error: { code: string } }).error.code, code);
      }
      const bad = await rawSend(
        server.port,
        httpRequest('POST', '/v1/rpc', { 'Content-Type': 'application/json' }, '{"streamId":'),
      );
      assert.equal(firstResponse(bad.data)?.status, 400);
      const huge = await rawSend(server.port, httpRequest('POST', '/v1/rpc', { 'Content-Length': '9999999999' }), {
        timeoutMs: 10_000,
      });
      assert.equal(firstResponse(huge.data)?.status, 413);
      assert.equal(huge.ended, 'closed');
      const wrongMethod = await fetch(`http://${HOST}:${server.port}/v1/rpc`);
      assert.equal(wrongMethod.status, 405);
      assert.equal(server.openStreams(), 1);
    });

    it('a Host header that is not a host gets an answer (a stream, or 400), and the server stays up', async (t) => {
      const server = await startImpl({ host: HOST, port: 0, store });
      t.after(() => server.close());
      // better-sse makes a URL of it and threw, unhandled; the hand-written server never reads Host.
      for (const host of ['[', 'a b', 'x:99999999']) {
        const r = await rawSend(server.port, httpRequest('GET', '/v1/events', { Host: host }), {
          timeoutMs: 10_000,
          settleMs: 200,
        });
        const status = firstResponse(r.data)?.status;
        assert.ok(status === 200 || status === 400, `${host}: ${r.data.subarray(0, 120).toString('latin1')}`);
      }
      const reader = await connect({ host: HOST, port: server.port });
      t.after(() => reader.close());
      const out = await reader.call({ op: 'getUser', id: 9 }, { decode: true });
      assert.ok(out.ok, JSON.stringify(out));
    });

    it('closes silent, idle and stalled connections, but not event streams; sets TCP keep-alive', async (t) => {
      const server = await startImpl({ host: HOST, port: 0, store, ...SHORT_LIMITS });
      t.after(() => server.close());
      const stream = await openStream(server.port);
      await assertHttpTimeouts(
        server.port,
        httpRequest(
          'POST',
          '/v1/rpc',
          { 'Content-Type': 'application/json' },
          '{"streamId":"none","requestId":1,"op":"getUser"}',
        ),
        httpRequest('POST', '/v1/rpc', { 'Content-Length': '100' }, '{"stream'),
        404,
      );
      // The stream outlived every HTTP timeout above: it is a response in progress, not an idle connection.
      assert.equal(server.openStreams(), 1);
      const r = await rpc(server.port, { streamId: stream.streamId, requestId: 1, op: 'getUser', params: { id: 3 } });
      assert.equal(r.status, 202);
      stream.socket.destroy();
    });
  });
}
