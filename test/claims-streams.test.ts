// The streams check on real servers, at sizes that keep it short: counts, bytes and ordering
// (how far the server ran ahead of a paused reader, what it wrote after a cancel, that both
// REST bodies are the same bytes and no child outlives the check), never how fast anything is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import {
  decideGrpc,
  decideRest,
  measureGrpcStream,
  MAX_LEAD_SHARE,
  measureRestBuffering,
  restAnswer,
  streamBytes,
} from '../claims/checks-streams.ts';
import { cycledUser, jsonArrayChunks } from '../claims/checks-streams-child.ts';
import { protoType, userToProto } from '../proto/contract.ts';
import { BY_REF } from '../claims/registry.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the streamed JSON text is JSON.stringify of the whole list, byte for byte', () => {
  for (const n of [0, 1, 255, 256, 257, 10_001]) {
    const list = Array.from({ length: n }, (_, i) => cycledUser(i));
    assert.equal([...jsonArrayChunks(n)].join(''), JSON.stringify(list), `n=${n}`);
  }
  assert.equal(cycledUser(10_000).id, 10_001);
  assert.equal(cycledUser(10_000).username, cycledUser(0).username);
});

test('streamBytes counts every message with its 5-byte prefix, ids past the data set included', () => {
  const T = protoType('User');
  const n = 10_200; // crosses the data set's end, where ids go on growing
  let expected = 0;
  for (let i = 0; i < n; i++) {
    const u = cycledUser(i);
    expected += 5 + T.encode(T.fromObject(userToProto(u))).finish().length;
  }
  assert.equal(streamBytes(n), expected);
});

test('gRPC server stream: bounded lead over a paused reader, cancel heard at any time, little live memory', async () => {
  const n = 200_000; // the check's own size: smaller, a first pass's heap noise nears the 10% memory bound
  const f = await measureGrpcStream(n);
  // (1) The server stopped (write() said false, the handler waited) far short of the stream.
  assert.ok(f.paused.stalled, 'the honouring handler came to a stop while the reader was paused');
  assert.ok(f.paused.firstFalseAt > 0 && f.paused.firstFalseAt <= f.paused.highWaterMark + 1, String(f.paused.firstFalseAt));
  assert.ok(f.paused.written - f.paused.received <= MAX_LEAD_SHARE * n, `lead ${f.paused.written - f.paused.received}`);
  assert.equal(f.flowing.received, n);
  assert.equal(f.flowing.code, grpc.status.OK);
  // The handler that ignores the signal wrote everything to a reader that had taken one message.
  assert.equal(f.ignoring.written, n);
  assert.ok(f.ignoring.received < f.paused.written, `${f.ignoring.received} read`);
  // (2) Both cancels: the client sees CANCELLED, the server hears it and writes no more.
  assert.deepEqual(
    f.cancels.map((c) => c.when),
    ['mid-stream', 'blocked on drain'],
  );
  for (const c of f.cancels) {
    assert.equal(c.code, grpc.status.CANCELLED, c.when);
    assert.ok(c.heardAfterMs >= 0, `${c.when}: the server heard the cancel`);
    assert.ok(c.returned, `${c.when}: the handler returned`);
    assert.ok(
      c.writesAfterCancel >= 0 && c.writesAfterCancel <= c.highWaterMark,
      `${c.when}: ${c.writesAfterCancel} writes after`,
    );
    assert.ok(c.writtenAtCancel < n, `${c.when}: stopped short of the stream`);
  }
  // (3) Live memory (after a full GC) stays far below the ignoring handler's.
  assert.ok(f.liveGrowth && f.liveGrowth.length === 4, 'a GC-backed reading at the stall and each quarter');
  assert.ok(f.ignoring.liveGrowth !== null && Math.max(...f.liveGrowth) < f.ignoring.liveGrowth, 'honouring holds less');

  const obs = decideGrpc(f);
  assert.deepEqual(obs.samples, [1], obs.unavailable ?? obs.detail);
  assert.match(obs.detail ?? '', /write\(\) first returned false at write \d+/);
  assert.match(obs.detail ?? '', /mid-stream \(after [\d,]+ read\): client status CANCELLED/);
  assert.match(obs.detail ?? '', /wrote 200,000 messages while the client had read \d+/);
});

test('decideGrpc: a handler that never stopped is not held, a missing GC is inconclusive', () => {
  const ok = {
    users: 1000,
    bytes: 150_000,
    paused: { stalled: true, written: 20, received: 1, firstFalseAt: 17, queued: 16, highWaterMark: 16 },
    flowing: { maxLead: 20, received: 1000, code: grpc.status.OK },
    liveGrowth: [1000, 2000, 1000, 0],
    cancels: [
      {
        when: 'mid-stream' as const,
        receivedAtCancel: 100,
        code: grpc.status.CANCELLED,
        heardAfterMs: 1,
        writtenAtCancel: 120,
        writesAfterCancel: 0,
        highWaterMark: 16,
        returned: true,
      },
    ],
    cancelLateMs: 0,
    ignoring: { written: 1000, received: 1, returned: true, liveGrowth: 140_000 },
  };
  assert.deepEqual(decideGrpc(ok).samples, [1]);
  assert.deepEqual(decideGrpc({ ...ok, paused: { ...ok.paused, stalled: false, written: 1000 } }).samples, [0]);
  assert.deepEqual(decideGrpc({ ...ok, liveGrowth: [100_000] }).samples, [0]);
  assert.ok(decideGrpc({ ...ok, liveGrowth: null }).unavailable);
});

test('REST: one answer per fresh child, identical bodies, buffered growth over streamed per round', async () => {
  const users = 200_000;
  const f = await measureRestBuffering(users, 1);
  assert.equal(f.rounds.length, 1);
  const { buffered, streamed } = f.rounds[0]!;
  assert.equal(buffered.sha256, streamed.sha256);
  assert.equal(buffered.bytes, streamed.bytes);
  assert.equal(buffered.bytes, Buffer.byteLength(JSON.stringify(Array.from({ length: users }, (_, i) => cycledUser(i)))));
  assert.notEqual(buffered.pid, streamed.pid);
  for (const a of [buffered, streamed]) {
    assert.ok(a.rssBefore > 0 && a.peak >= a.rssBefore, `${a.mode}: peak ${a.peak} from ${a.rssBefore}`);
    assert.ok(!alive(a.pid), `${a.mode}: the child ${a.pid} is gone`);
  }
  const obs = decideRest(f);
  assert.equal(obs.samples.length, 1);
  assert.ok(obs.samples[0]! > 1, `buffered over streamed ${obs.samples[0]}`);
  assert.match(obs.detail ?? '', /buffered \+[\d.,]+ MiB .* streamed \+[\d.,]+ MiB/);
  assert.match(obs.detail ?? '', /bodies byte-identical/);
});

test('REST: a body that differs between the two answers makes the comparison inconclusive', async () => {
  const a = await restAnswer('streamed', 1_000);
  const b = { ...a, mode: 'buffered' as const, sha256: 'other' };
  assert.ok(decideRest({ users: 1_000, rounds: [{ buffered: b, streamed: a }] }).unavailable);
  assert.ok(!alive(a.pid));
});

test('both claims are decided by the streams check', () => {
  for (const [ref, key] of [
    ['grpc-stream-backpressure-cancel-memory', 'grpcServerStream'],
    ['rest-large-data-buffering', 'restBuffering'],
  ] as const) {
    const e = BY_REF.get(ref)!;
    assert.deepEqual(
      [e.measure.kind, 'check' in e.measure && e.measure.check, 'key' in e.measure && e.measure.key],
      ['check', 'streams', key],
    );
    assert.equal(e.needs, undefined);
  }
});
