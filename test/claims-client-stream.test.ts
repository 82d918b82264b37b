// The client-streaming check counts bytes and frames at a proxy and watches a cancelled Chat
// stream; these tests assert what it counted and in which order things happened (which frames
// each mode sent, how many records reached the handler), never how fast anything was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  FrameTally,
  batchStreamObservation,
  cancelMidStream,
  measureOverhead,
  overheadObservation,
  streamAll,
} from '../claims/checks-client-stream.ts';
import { DATA, HEADERS, PREFACE, SETTINGS, WINDOW_UPDATE, frame } from '../clients/wire/h2-frame.ts';
import { BY_REF } from '../claims/registry.ts';

test('the frame tally skips the preface and counts frames cut at any byte', () => {
  const bytes = Buffer.concat([
    PREFACE,
    frame(SETTINGS, 0, 0),
    frame(HEADERS, 4, 1, Buffer.alloc(30, 1)),
    frame(DATA, 0, 1, Buffer.alloc(100, 2)),
    frame(DATA, 1, 1),
    frame(WINDOW_UPDATE, 0, 0, Buffer.alloc(4)),
  ]);
  for (const cut of [1, 5, 9, 10, 23, 24, 33, 50, bytes.length]) {
    const t = new FrameTally(PREFACE.length);
    for (let i = 0; i < bytes.length; i += cut) t.feed(bytes.subarray(i, i + cut));
    assert.deepEqual(
      Object.fromEntries(t.byType),
      { [SETTINGS]: 1, [HEADERS]: 1, [DATA]: 2, [WINDOW_UPDATE]: 1 },
      `chunks of ${cut} bytes`,
    );
  }
});

test('unary-shaped calls cost more bytes per record than one stream, frame by frame as counted', async () => {
  const n = 200;
  const rounds = await measureOverhead(2, n);
  assert.equal(rounds.length, 2);
  for (const { unary, streamed } of rounds) {
    // Every one-record call opens a stream with one HEADERS frame; the stream opens one in all.
    assert.equal(unary.framesUp.get(HEADERS), n);
    assert.equal(streamed.framesUp.get(HEADERS), 1);
    // Each call is answered with response headers and trailers: two HEADERS frames per call.
    assert.equal(unary.framesDown.get(HEADERS), 2 * n);
    assert.equal(streamed.framesDown.get(HEADERS), 2);
    // At least one DATA frame per record leaves the client in both modes (the record itself).
    assert.ok((unary.framesUp.get(DATA) ?? 0) >= n && (streamed.framesUp.get(DATA) ?? 0) >= 1);
    assert.ok(unary.up > streamed.up, `client bytes: unary-shaped ${unary.up}, streamed ${streamed.up}`);
    assert.ok(unary.down > streamed.down, `server bytes: unary-shaped ${unary.down}, streamed ${streamed.down}`);
    assert.ok(unary.setup > 0 && streamed.setup > 0);
  }
  const obs = overheadObservation(rounds);
  assert.equal(obs.samples.length, 2);
  for (const x of obs.samples) assert.ok(x > 1, String(x));
  assert.match(obs.detail ?? '', /unary-shaped [0-9.,]+ B\/record \(client [0-9.,]+ \+ server [0-9.,]+\); frames\/record/);
  assert.match(obs.detail ?? '', /streamed [0-9.,]+ B\/record/);
  assert.match(obs.detail ?? '', /frames\/record from the client: DATA [0-9.]+, HEADERS 1[,;]/);
});

test('10K records come back as they are sent, in order, on the reference server', async () => {
  const full = await streamAll(10_000);
  assert.equal(full.code, grpc.status.OK);
  assert.equal(full.sent, 10_000);
  assert.equal(full.replies, 10_000);
  assert.ok(full.inOrder);
  // The first result came back while records were still being sent.
  assert.ok(full.sentAtFirstReply > 0 && full.sentAtFirstReply < 10_000, String(full.sentAtFirstReply));
});

test('a cancel after 5,000 records reaches the server handler, which gets nothing after it', async () => {
  const c = await cancelMidStream(5_000);
  assert.equal(c.sent, 5_000);
  assert.equal(c.code, grpc.status.CANCELLED);
  assert.ok(c.server.receivedAtCancel >= 0, 'the handler was told');
  assert.ok(c.server.received <= 5_000 && c.server.received > 0, String(c.server.received));
  assert.equal(c.server.afterCancel, 0);
  assert.ok(c.laterCallAnswered);
  assert.ok(c.repliesAtCancel > 0, 'results came back before the cancel');
  const obs = batchStreamObservation({ sent: 10, replies: 10, inOrder: true, sentAtFirstReply: 1, code: 0 }, c, 5_000);
  assert.deepEqual(obs.samples, [1]);
  assert.match(obs.detail ?? '', /client status CANCELLED/);
});

test('the observation refuses a stream whose results only came after the last record, or a cancel the handler missed', () => {
  const cancelled = {
    sent: 100,
    repliesAtCancel: 10,
    repliesAfterCancel: 0,
    code: grpc.status.CANCELLED,
    details: 'Cancelled on client',
    server: { received: 60, afterCancel: 0, receivedAtCancel: 60, told: Promise.resolve() },
    laterCallAnswered: true,
  };
  const full = { sent: 10, replies: 10, inOrder: true, sentAtFirstReply: 3, code: grpc.status.OK };
  assert.deepEqual(batchStreamObservation(full, cancelled, 100).samples, [1]);
  assert.deepEqual(batchStreamObservation({ ...full, sentAtFirstReply: 10 }, cancelled, 100).samples, [0]);
  assert.deepEqual(batchStreamObservation({ ...full, inOrder: false }, cancelled, 100).samples, [0]);
  const missed = { ...cancelled, server: { ...cancelled.server, receivedAtCancel: -1 } };
  assert.deepEqual(batchStreamObservation(full, missed, 100).samples, [0]);
  const late = { ...cancelled, server: { ...cancelled.server, afterCancel: 1 } };
  assert.deepEqual(batchStreamObservation(full, late, 100).samples, [0]);
  assert.deepEqual(batchStreamObservation(full, { ...cancelled, code: grpc.status.OK }, 100).samples, [0]);
});

test('both claims are decided by this check', () => {
  for (const [ref, key] of [
    ['grpc-client-streaming-less-overhead', 'lessOverhead'],
    ['grpc-batch-stream-10k-records', 'batchStream10k'],
  ] as const) {
    const e = BY_REF.get(ref)!;
    assert.deepEqual(
      [e.measure.kind, 'check' in e.measure && e.measure.check, 'key' in e.measure && e.measure.key],
      ['check', 'clientStream', key],
    );
    assert.equal(e.needs, undefined);
  }
  assert.deepEqual(BY_REF.get('grpc-client-streaming-less-overhead')!.rule, { op: '>', value: 1 });
});
