import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, parseResponse } from '../clients/wire/http1.ts';

const ok = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"id":1234}';
const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';

test('parses a Content-Length response and reports its wire size', () => {
  const r = parseResponse(Buffer.from(ok));
  assert.ok(r);
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), '{"id":1234}');
  assert.equal(r.wireBytes, Buffer.byteLength(ok));
});

test('needs more bytes at every split point, then parses', () => {
  for (const text of [ok, chunked]) {
    const buf = Buffer.from(text);
    for (let i = 0; i < buf.length; i++)
      assert.equal(parseResponse(buf.subarray(0, i)), undefined, `prefix ${i} of ${JSON.stringify(text.slice(0, 20))}`);
    assert.ok(parseResponse(buf));
  }
});

test('de-chunks a chunked body', () => {
  const r = parseResponse(Buffer.from(chunked));
  assert.equal(r?.body.toString(), 'hello world');
  assert.equal(r?.wireBytes, Buffer.byteLength(chunked));
});

test('pipelined responses are framed one at a time', () => {
  const notFound = 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}';
  const buf = Buffer.from(ok + notFound + chunked);
  const a = parseResponse(buf)!;
  const b = parseResponse(buf.subarray(a.wireBytes))!;
  const c = parseResponse(buf.subarray(a.wireBytes + b.wireBytes))!;
  assert.deepEqual([a.status, b.status, c.status], [200, 404, 200]);
  assert.equal(a.wireBytes + b.wireBytes + c.wireBytes, buf.length);
});

test('a bodiless response ends at its head', () => {
  const r = parseResponse(Buffer.from('HTTP/1.1 204 No Content\r\nDate: x\r\n\r\nHTTP/1.1'));
  assert.equal(r?.status, 204);
  assert.equal(r?.body.length, 0);
});

test('buildRequest adds Host and Content-Length', () => {
  const req = buildRequest('POST', '/graphql', '127.0.0.1:1', { 'Content-Type': 'application/json' }, '{"a":1}').toString();
  assert.equal(
    req,
    'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
  );
});
