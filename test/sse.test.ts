// RPC over SSE: the incremental parsers on split input, then the server and lean client
// in-process against the memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Dechunker, SseParser, type SseEvent } from '../clients/wire/sse-parser.ts';
import { connect } from '../clients/sse.ts';
import { Http1Connection, buildRequest } from '../clients/wire/http1.ts';
import { start, startSseServer } from '../servers/sse.ts';
import { createMemoryStore } from '../servers/store.ts';
import { canonicalUser } from '../proto/contract.ts';

interface Parsed {
  events: SseEvent[];
  comments: string[];
  retries: number[];
}

/** Feed `input` to a fresh parser cut at the given offsets (sorted, inside the input). */
function parseSplit(input: Buffer, cuts: number[]): Parsed {
  const out: Parsed = { events: [], comments: [], retries: [] };
  const parser = new SseParser({
    onEvent: (e) => out.events.push(e),
    onComment: (c) => out.comments.push(c),
    onRetry: (ms) => out.retries.push(ms),
  });
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    // A fresh copy per piece: the parser must not depend on the caller's buffer afterwards.
    const piece = Buffer.from(input.subarray(prev, c));
    parser.push(piece);
    piece.fill(0x58);
    prev = c;
  }
  parser.end();
  return out;
}

function everyByte(n: number): number[] {
  return Array.from({ length: n - 1 }, (_, i) => i + 1);
}

/** Deterministic odd splits: pieces of 1, 2, 3, 5, 7, 11, 13 bytes in turn. */
function oddCuts(n: number, shift = 0): number[] {
  const steps = [1, 2, 3, 5, 7, 11, 13];
  const cuts: number[] = [];
  for (let pos = 0, i = shift; ; i++) {
    pos += steps[i % steps.length] as number;
    if (pos >= n) return cuts;
    cuts.push(pos);
  }
}

/** Parse whole, byte by byte, and in several odd splits; all must agree. */
function parseAllWays(text: string | Buffer): Parsed {
  const input = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const whole = parseSplit(input, []);
  assert.deepEqual(parseSplit(input, everyByte(input.length)), whole, 'byte-by-byte differs from whole');
  for (let shift = 0; shift < 7; shift++) {
    assert.deepEqual(parseSplit(input, oddCuts(input.length, shift)), whole, `odd split ${shift} differs from whole`);
  }
  return whole;
}

const ev = (type: string, data: string, lastEventId = '', hasId = false): SseEvent => ({
  type,
  data,
  dataBytes: Buffer.byteLength(data),
  lastEventId,
  hasId,
});

test('parser: session event with retry, result with id, multi-line data, comments', () => {
  const input =
    'retry: 1000\nevent: session\ndata: {"streamId":"abc"}\n\n' +
    ': ka\n\n' +
    'event: result\nid: 7\ndata: {"requestId":7,\ndata: "result":{}}\n\n' +
    ':no space comment\n' +
    'data: plain message\n\n';
  const r = parseAllWays(input);
  assert.deepEqual(r.retries, [1000]);
  assert.deepEqual(r.comments, ['ka', 'no space comment']);
  assert.deepEqual(r.events, [
    ev('session', '{"streamId":"abc"}'),
    ev('result', '{"requestId":7,\n"result":{}}', '7', true),
    // Last event id persists into later events (spec), but this one did not set it.
    ev('message', 'plain message', '7', false),
  ]);
});

test('parser: CRLF, CR-only and mixed line endings', () => {
  const crlf = 'event: result\r\nid: 1\r\ndata: a\r\ndata: b\r\n\r\n: c\r\n\r\ndata: x\r\n\r\n';
  const r1 = parseAllWays(crlf);
  assert.deepEqual(r1.events, [ev('result', 'a\nb', '1', true), ev('message', 'x', '1')]);
  assert.deepEqual(r1.comments, ['c']);
  const cr = 'event: result\rid: 2\rdata: a\rdata: b\r\rdata: y\r\r';
  assert.deepEqual(parseAllWays(cr).events, [ev('result', 'a\nb', '2', true), ev('message', 'y', '2')]);
  const mixed = 'data: 1\r\ndata: 2\rdata: 3\n\r\ndata: 4\r\r\n';
  // Lines: "data: 1" CRLF, "data: 2" CR, "data: 3" LF, "" CRLF, "data: 4" CR, "" CRLF.
  assert.deepEqual(parseAllWays(mixed).events, [ev('message', '1\n2\n3'), ev('message', '4')]);
});

test('parser: field edge cases from the spec', () => {
  const input =
    '\uFEFFdata\n\n' + // BOM stripped; "data" with no colon is an empty data line
    'data:no-space\n\n' +
    'data:  two spaces\n\n' + // only one leading space is removed
    'id: 9\n\n' + // id alone: no event, but the id sticks
    'data: after id\n\n' +
    'id: bad\0id\ndata: nul id ignored\n\n' +
    'retry: 12x\nretry: 250\nunknown: field\nevent: e\ndata: ok\n\n' +
    'data: \u00e9t\u00e9 \u{1F600}\n\n' + // multi-byte UTF-8 split across pieces
    'data: never dispatched\n'; // no blank line before end of stream: discarded
  const r = parseAllWays(input);
  assert.deepEqual(r.events, [
    ev('message', ''),
    ev('message', 'no-space'),
    ev('message', ' two spaces'),
    ev('message', 'after id', '9'),
    ev('message', 'nul id ignored', '9'),
    ev('e', 'ok', '9'),
    ev('message', '\u00e9t\u00e9 \u{1F600}', '9'),
  ]);
  assert.deepEqual(r.retries, [250]);
  assert.equal(r.events[6]?.dataBytes, 10);
});

test('dechunker + parser: chunked stream split anywhere', () => {
  const events = [
    'retry: 1000\nevent: session\ndata: {"streamId":"s"}\n\n',
    ': ka\n\n',
    'event: result\nid: 3\ndata: {"requestId":3}\n\n',
  ];
  // Chunk boundaries that do not align with events, one chunk extension, a trailer.
  const body = events.join('');
  const a = body.slice(0, 20);
  const b = body.slice(20, 61);
  const c = body.slice(61);
  const chunked = Buffer.from(
    `${a.length.toString(16)}\r\n${a}\r\n${b.length.toString(16)};ext=1\r\n${b}\r\n${c.length.toString(16).toUpperCase()}\r\n${c}\r\n0\r\nX-Trailer: t\r\n\r\n`,
  );
  const run = (cuts: number[]) => {
    const got: SseEvent[] = [];
    const comments: string[] = [];
    let ended = false;
    const parser = new SseParser({ onEvent: (e) => got.push(e), onComment: (t) => comments.push(t) });
    const d = new Dechunker(
      (x) => parser.push(x),
      () => (ended = true),
    );
    let prev = 0;
    for (const cut of [...cuts, chunked.length]) {
      d.push(Buffer.from(chunked.subarray(prev, cut)));
      prev = cut;
    }
    return { got, comments, ended, done: d.done };
  };
  const whole = run([]);
  assert.deepEqual(whole.got, [ev('session', '{"streamId":"s"}'), ev('result', '{"requestId":3}', '3', true)]);
  assert.deepEqual(whole.comments, ['ka']);
  assert.equal(whole.ended, true);
  assert.equal(whole.done, true);
  assert.deepEqual(run(everyByte(chunked.length)), whole);
  for (let shift = 0; shift < 7; shift++) assert.deepEqual(run(oddCuts(chunked.length, shift)), whole);
  assert.throws(() => new Dechunker(() => {}).push(Buffer.from('zz\r\n')), /bad chunk size/);
  assert.throws(() => new Dechunker(() => {}).push(Buffer.from('1\r\nab')), /missing CRLF/);
});

test('server + client: getUser, errors, concurrency, bytes', async (t) => {
  const store = createMemoryStore({ users: 100, seed: 1 });
  const srv = await start({ host: '127.0.0.1', port: 0, store });
  t.after(() => srv.close());
  const conn = await connect({ host: '127.0.0.1', port: srv.port });
  t.after(() => conn.close());

  const setup = conn.setupBytes;
  assert.ok(setup && setup.out > 0 && setup.in > 0, 'setupBytes counts the GET and the session event');

  for (const id of [1, 2, 57, 100]) {
    const r = await conn.call({ op: 'getUser', id }, { decode: true });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.user, canonicalUser(store.getUser(id)!));
    assert.ok(r.payload.request > 0 && r.payload.response > JSON.stringify(store.getUser(id)).length);
  }

  const before = conn.wireBytes()!;
  for (const id of [0, 101, 5000]) {
    const r = await conn.call({ op: 'getUser', id });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.kind, 'not_found');
  }
  const after = conn.wireBytes()!;
  assert.ok(after.out > before.out && after.in > before.in, 'wireBytes grows');
  assert.ok(before.out > setup!.out && before.in > setup!.in);

  // 20 calls in flight on one connection: pipelined POSTs, answers matched by requestId.
  const ids = Array.from({ length: 20 }, (_, i) => ((i * 37) % 100) + 1);
  const results = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id }, { decode: true })));
  results.forEach((r, i) => {
    assert.ok(r.ok);
    assert.deepEqual(r.user, canonicalUser(store.getUser(ids[i]!)!));
  });
  // Undecoded calls in flight too (the load path correlates on the id line only).
  const lean = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id })));
  lean.forEach((r, i) => {
    assert.ok(r.ok && r.user === undefined);
    // The event's data is {"requestId":n,"result":<user>}: the user JSON plus the envelope.
    assert.ok(r.payload.response > JSON.stringify(store.getUser(ids[i]!)).length + 20);
  });
});

test('client request bytes equal buildRequest output', async (t) => {
  const store = createMemoryStore({ users: 10, seed: 1 });
  const srv = await start({ host: '127.0.0.1', port: 0, store });
  t.after(() => srv.close());
  const sent: Buffer[] = [];
  const orig = Http1Connection.prototype.request;
  Http1Connection.prototype.request = function (raw: Buffer) {
    sent.push(raw);
    return orig.call(this, raw);
  };
  t.after(() => (Http1Connection.prototype.request = orig));
  const conn = await connect({ host: '127.0.0.1', port: srv.port });
  t.after(() => conn.close());
  for (let i = 0; i < 12; i++) assert.ok((await conn.call({ op: 'getUser', id: 3 })).ok); // requestId grows a digit
  assert.equal(sent.length, 12);
  for (const raw of sent) {
    const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    const msg = JSON.parse(body.toString()) as Record<string, unknown>;
    assert.equal(msg.op, 'getUser');
    assert.deepEqual(msg.params, { id: 3 });
    assert.deepEqual(raw, buildRequest('POST', '/v1/rpc', `127.0.0.1:${srv.port}`, { 'Content-Type': 'application/json' }, body));
  }
});

test('server: POST errors are answered on the POST itself', async (t) => {
  const store = createMemoryStore({ users: 10, seed: 1 });
  const srv = await start({ host: '127.0.0.1', port: 0, store });
  t.after(() => srv.close());
  const authority = `127.0.0.1:${srv.port}`;
  const h = await Http1Connection.connect('127.0.0.1', srv.port);
  t.after(() => h.close());
  const post = (body: string | Buffer) =>
    h.request(buildRequest('POST', '/v1/rpc', authority, { 'Content-Type': 'application/json' }, body));

  const unknown = await post('{"streamId":"nope","requestId":1,"op":"getUser","params":{"id":1}}');
  assert.equal(unknown.status, 404);
  assert.equal((JSON.parse(unknown.body.toString()) as { error: { code: string } }).error.code, 'unknown_stream');
  assert.equal((await post('{"streamId":')).status, 400);
  assert.equal((await post('{"streamId":"x","requestId":1,"op":"drop"}')).status, 400);
  // Keep-alive: the same connection is still usable after errors.
  assert.equal((await post('[]')).status, 400);
  const big = await post(Buffer.alloc(64 * 1024 + 1, 0x20));
  assert.equal(big.status, 413);
});

test('server: listUsers streams items then end; keep-alive comments', async (t) => {
  const store = createMemoryStore({ users: 30, seed: 1 });
  const srv = await startSseServer({ host: '127.0.0.1', port: 0, store, keepAliveMs: 30 });
  t.after(() => srv.close());
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let onEvent: () => void = () => {};
  const parser = new SseParser({ onEvent: (e) => (events.push(e), onEvent()), onComment: (c) => comments.push(c) });
  const req = http.get({ host: '127.0.0.1', port: srv.port, path: '/v1/events', agent: false });
  const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
  assert.equal(res.headers['content-type'], 'text/event-stream');
  assert.equal(res.headers['cache-control'], 'no-cache');
  res.on('data', (c: Buffer) => parser.push(c));
  const waitFor = (pred: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => pred() && resolve();
      onEvent = check;
      const iv = setInterval(() => pred() && (clearInterval(iv), resolve()), 10);
      check();
    });
  await waitFor(() => events.length >= 1);
  const { streamId } = JSON.parse(events[0]!.data) as { streamId: string };
  const r = await fetch(`http://127.0.0.1:${srv.port}/v1/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streamId, requestId: 'list-1', op: 'listUsers', params: { afterId: 25, limit: 10 } }),
  });
  assert.equal(r.status, 202);
  await waitFor(() => events.some((e) => e.type === 'end'));
  const items = events
    .filter((e) => e.type === 'item')
    .map((e) => JSON.parse(e.data) as { requestId: string; item: { id: number } });
  assert.deepEqual(
    items.map((i) => i.item.id),
    [26, 27, 28, 29, 30],
  );
  assert.ok(items.every((i) => i.requestId === 'list-1'));
  assert.deepEqual(JSON.parse(events.at(-1)!.data), { requestId: 'list-1', count: 5 });
  await waitFor(() => comments.includes('ka'));
  req.destroy();
});

test('client: server close fails calls instead of hanging', async () => {
  const store = createMemoryStore({ users: 10, seed: 1 });
  const srv = await start({ host: '127.0.0.1', port: 0, store });
  const conn = await connect({ host: '127.0.0.1', port: srv.port });
  assert.ok((await conn.call({ op: 'getUser', id: 1 })).ok);
  await srv.close();
  const r = await conn.call({ op: 'getUser', id: 1 });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.kind, 'connection_reset');
  await conn.close();
});
