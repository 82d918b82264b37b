// Computed sizes against values counted by hand (the working is in the comments), from the
// guide's own examples read by line range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binaryOverSse,
  compileGuideProto,
  guideHandshake,
  guideRequestHead,
  guideResponseBody,
  guideUser,
  guideUserJsonBytes,
  guideUserProtobufBytes,
  msgpackSize,
  priceUpdateSizes,
  wsAcceptFor,
  wsFrameOverhead,
} from '../claims/sizes.ts';
import { guideText } from '../claims/guide.ts';
import { validateGuideOperations } from '../claims/checks-gql.ts';
import { GuideError } from '../harness/errors.ts';

test("the guide's example user is 99 bytes of minified JSON, not 145", () => {
  assert.deepEqual(guideUser(), {
    user_id: 12345,
    username: 'johndoe',
    email: 'john@example.com',
    age: 30,
    roles: ['user', 'admin'],
  });
  // {"user_id":12345, = 17; "username":"johndoe", = 21; "email":"john@example.com", = 27;
  // "age":30, = 9; "roles":["user","admin"]} = 25  ->  99
  assert.equal(guideUserJsonBytes(), 99);
});

test("the same user is 45 bytes of protobuf with the guide's field numbers, not 28", () => {
  // user_id=12345: tag 1 + varint 2 = 3; username: 1 + 1 + 7 = 9; email: 1 + 1 + 16 = 18;
  // age=30: 1 + 1 = 2; roles "user": 1 + 1 + 4 = 6, "admin": 1 + 1 + 5 = 7  ->  45
  assert.equal(guideUserProtobufBytes(), 45);
});

test("the guide's .proto does not compile as written: Timestamp and FieldMask are used without imports", () => {
  const r = compileGuideProto();
  assert.equal(r.parses, true);
  assert.equal(r.resolves, false);
  assert.match(r.error ?? '', /google\.protobuf\.Timestamp/);
  assert.deepEqual(r.missingImports, ['google/protobuf/timestamp.proto', 'google/protobuf/field_mask.proto']);
  // With the imports added it does.
  assert.equal(
    compileGuideProto(
      `syntax = "proto3"; import "google/protobuf/timestamp.proto"; message A { google.protobuf.Timestamp t = 1; }`,
    ).missingImports.length,
    0,
  );
});

test("the guide's request head is 236 bytes on the wire", () => {
  // Request line 30 + Host 21 + Accept 24 + Authorization 45 + User-Agent 23 + Accept-Encoding 30
  // + Connection 22 + Cache-Control 23 = 218 characters, + 8 CRLF + the blank line's CRLF = 236.
  const h = guideRequestHead();
  assert.equal(h.bytes, 236);
  assert.equal(h.tokenChars, 23);
  assert.ok(h.text.endsWith('\r\n\r\n'));
});

test('the example response body is 108 bytes as printed (91 minified), not Content-Length: 324', () => {
  // 6 lines: 1 + 12 + 21 + 30 + 37 + 1 characters + 5 newlines = 108
  assert.deepEqual(guideResponseBody(), { printed: 108, minified: 91 });
});

test('WebSocket frame headers as ws writes them: 2/4/10 bytes, plus a 4-byte mask from clients', () => {
  assert.deepEqual(wsFrameOverhead(10), { payload: 10, serverToClient: 2, clientToServer: 6 });
  assert.deepEqual(wsFrameOverhead(125), { payload: 125, serverToClient: 2, clientToServer: 6 });
  assert.deepEqual(wsFrameOverhead(126), { payload: 126, serverToClient: 4, clientToServer: 8 });
  assert.deepEqual(wsFrameOverhead(65_535), { payload: 65_535, serverToClient: 4, clientToServer: 8 });
  assert.deepEqual(wsFrameOverhead(65_536), { payload: 65_536, serverToClient: 10, clientToServer: 14 });
});

test("the handshake's accept value is RFC 6455's own example", () => {
  assert.equal(wsAcceptFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  const h = guideHandshake();
  assert.equal(h.computedAccept, h.printedAccept);
});

test('binary over SSE: base64 in a data: line against a ws binary frame', () => {
  // 10240 B -> base64 13656 chars; + "data: " (6) + "\n\n" (2) = 13664. ws: 10240 + 4 = 10244.
  assert.deepEqual(binaryOverSse(10_240), { ws: 10_244, sse: 13_664, ratio: 13_664 / 10_244 });
});

test('MessagePack sizes follow the spec', () => {
  assert.equal(msgpackSize(null), 1);
  assert.equal(msgpackSize(127), 1); // positive fixint
  assert.equal(msgpackSize(128), 2); // uint8
  assert.equal(msgpackSize(12_345), 3); // uint16
  assert.equal(msgpackSize(-33), 2); // int8
  assert.equal(msgpackSize(1.5), 9); // float64
  assert.equal(msgpackSize('johndoe'), 8); // fixstr
  assert.equal(msgpackSize('x'.repeat(32)), 34); // str8
  assert.equal(msgpackSize(['user', 'admin']), 1 + 5 + 6);
  // map header 1; keys 8+9+6+4+6 = 33; values 3 + 8 + 17 + 1 + 12 = 41  ->  75
  assert.equal(msgpackSize(guideUser()), 75);
});

test('a price update: JSON and protobuf', () => {
  // {"type":"price","symbol":"AAPL","price":189.25,"change":-1.32,"volume":51234567,"timestamp":1704978000123}
  // protobuf: 2+5 + 2+4 + 9 + 9 + 1+4 + 1+6 = 43
  assert.deepEqual(priceUpdateSizes(), { json: 106, protobuf: 43 });
});

test('guide ranges are guarded: a range that no longer points at its example fails loudly', () => {
  assert.throws(() => guideText(1057, 1063, 'syntax'), GuideError);
});

test("the guide's example operations, validated against its own SDL", () => {
  const v = validateGuideOperations();
  assert.equal(v.schemaError, null);
  const bad = Object.fromEntries(v.results.map((r) => [r.lines, r.errors]));
  assert.deepEqual(bad['L2232-2242'], [], 'the mutation validates');
  assert.ok(bad['L2179-2198']!.includes('Unknown argument "limit" on field "User.posts".'));
  assert.ok(bad['L2307-2317']!.includes('Cannot query field "profilePic" on type "User".'));
});
