// The better-sse server (servers/sse-better.ts) against the hand-written reference, in-process:
// the SSE client passes the equivalence check on it, every op's events carry the same JSON as the
// reference's (the field spacing of the event lines is the library's), keep-alive comments come
// from the library's per-session timer, and the server tuning knobs act on it. Robustness is in
// test/robustness-sse.test.ts, fuzzing in test/fuzz.test.ts, both run on each implementation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createMemoryStore } from '../servers/store.ts';
import { startSseServer } from '../servers/sse.ts';
import { startBetterSseServer } from '../servers/sse-better.ts';
import { index } from '../servers/sse/index.ts';
import * as sseClient from '../clients/sse.ts';
import { SseParser, type SseEvent } from '../clients/wire/sse-parser.ts';
import { verifyEquivalence } from '../harness/run/verify.ts';

const HOST = '127.0.0.1';
const dataset = { users: 200, seed: 5 };

test('the SSE server lists better-sse after the node:http reference, and load() gives its start', async () => {
  assert.deepEqual(
    index.implementations.map((i) => i.name),
    ['node-http', 'better-sse'],
  );
  assert.equal(await index.implementations[1]!.load(), (await import('../servers/sse-better.ts')).start);
});

/** An event stream read with the harness's parser: its events and comments so far, and its stream id. */
async function openEvents(port: number) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser({
    onEvent: (e) => events.push(e),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retries.push(ms),
  });
  const req = http.get({ host: HOST, port, path: '/v1/events', agent: false });
  const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
  res.on('data', (c: Buffer) => parser.push(c));
  await until(() => events.length >= 1);
  const { streamId } = JSON.parse(events[0]!.data) as { streamId: string };
  return { events, comments, retries, streamId, headers: res.headers, close: () => req.destroy() };
}

// Returns as soon as pred holds; the limit is for a machine in a slow phase.
async function until(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const post = (port: number, body: unknown) =>
  fetch(`http://${HOST}:${port}/v1/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('better-sse and the node:http server answer alike', () => {
  test('the SSE client passes the equivalence check on better-sse', async (t) => {
    const server = await startBetterSseServer({ host: HOST, port: 0, store: createMemoryStore(dataset) });
    t.after(() => server.close());
    const report = await verifyEquivalence(sseClient, { host: HOST, port: server.port }, dataset, 40);
    assert.equal(report.checked, 40);
    assert.ok(report.payload.response > 0);
  });

  /** Every op, and one of each refusal, on one stream: the (type, data) of each event it brought. */
  async function everyOp(start: typeof startSseServer): Promise<[string, unknown][]> {
    const server = await start({ host: HOST, port: 0, store: createMemoryStore(dataset) });
    const s = await openEvents(server.port);
    try {
      const calls: [string, unknown][] = [
        ['getUser', { id: 7 }],
        ['getUser', { id: dataset.users + 1 }],
        ['getUser', { id: 'x' }],
        ['listUsers', { afterId: 195, limit: 10 }],
        ['listUsersPage', { afterId: 10, limit: 3 }],
        ['chat', { seq: 4, text: 'hello', sentAtUs: 12.5 }],
        ['chat', { seq: 5 }],
      ];
      let requestId = 0;
      for (const [op, params] of calls) {
        const r = await post(server.port, { streamId: s.streamId, requestId: `r${++requestId}`, op, params });
        assert.equal(r.status, 202, `${op} ${JSON.stringify(params)}`);
      }
      // The last call's answer is its error event; events on one stream keep their order.
      await until(() => s.events.some((e) => e.type === 'error' && e.data.includes('"r7"')));
      return s.events.slice(1).map((e) => [e.type, JSON.parse(e.data)]);
    } finally {
      s.close();
      await server.close();
    }
  }

  test('every op brings the same events with the same JSON on both', async () => {
    const expected = await everyOp(startSseServer);
    assert.deepEqual(
      expected.map(([type]) => type),
      ['result', 'error', 'error', 'item', 'item', 'item', 'item', 'item', 'end', 'result', 'chat', 'error'],
    );
    assert.deepEqual(await everyOp(startBetterSseServer), expected);
  });
});

describe('better-sse: the stream and the tuning', () => {
  test('the library writes the head, retry and keep-alive comments; every event carries its requestId as id', async (t) => {
    const server = await startBetterSseServer({ host: HOST, port: 0, store: createMemoryStore(dataset), keepAliveMs: 30 });
    t.after(() => server.close());
    const s = await openEvents(server.port);
    t.after(() => s.close());
    assert.equal(s.headers['content-type'], 'text/event-stream');
    assert.match(String(s.headers['cache-control']), /no-cache/);
    assert.deepEqual(s.retries, [1000]);
    assert.equal(
      (await post(server.port, { streamId: s.streamId, requestId: 12, op: 'getUser', params: { id: 3 } })).status,
      202,
    );
    await until(() => s.events.length >= 2);
    assert.deepEqual([s.events[1]!.type, s.events[1]!.hasId, s.events[1]!.lastEventId], ['result', true, '12']);
    // better-sse's keep-alive is an empty comment, from a timer per session.
    await until(() => s.comments.length >= 2);
    assert.deepEqual(s.comments.slice(0, 2), ['', '']);
    assert.equal(server.openStreams(), 1);
  });

  test('serviceDelayMs: the answer comes no earlier than the delay', async (t) => {
    const server = await startBetterSseServer({ host: HOST, port: 0, store: createMemoryStore(dataset), serviceDelayMs: 200 });
    t.after(() => server.close());
    const conn = await sseClient.connect({ host: HOST, port: server.port });
    t.after(() => conn.close());
    const t0 = performance.now();
    const out = await conn.call({ op: 'getUser', id: 2 }, { decode: true });
    assert.ok(out.ok, JSON.stringify(out));
    assert.ok(performance.now() - t0 >= 199, 'timers never fire early');
  });

  test('injectCpuUs: every rpc POST spins for the injected time', async (t) => {
    const server = await startBetterSseServer({ host: HOST, port: 0, store: createMemoryStore(dataset), injectCpuUs: 20_000 });
    t.after(() => server.close());
    const conn = await sseClient.connect({ host: HOST, port: server.port });
    t.after(() => conn.close());
    const t0 = performance.now();
    for (let id = 1; id <= 5; id++) assert.ok((await conn.call({ op: 'getUser', id })).ok);
    assert.ok(performance.now() - t0 >= 5 * 20, 'five calls, five 20 ms spins');
  });
});
