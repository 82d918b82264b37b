// The wire check against the reference servers on 127.0.0.1: byte counts, which do not depend on
// the machine's speed (no timing is asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALLS, measureWire } from '../claims/checks-wire.ts';
import { binaryOverSse } from '../claims/checks-sse-binary.ts';
import { profile, restRequest } from '../claims/client-profiles.ts';

test('REST bytes out per call are the requests each profile writes; gRPC carries the token on every call', async () => {
  const f = await measureWire();
  for (const id of ['minimal', 'api', 'browser'] as const) {
    const p = f[id]!;
    // ids 1..CALLS; the OS's ephemeral ports (32768-60999) have 5 digits.
    const sizes = Array.from({ length: CALLS }, (_, i) =>
      Buffer.byteLength(restRequest(profile(id), `/v1/users/${i + 1}`, '127.0.0.1:00000')),
    );
    assert.equal(p.rest.out, sizes.reduce((a, b) => a + b) / CALLS, `${id}: bytes out per call`);
    assert.ok(p.rest.payload > 200 && p.rest.in > p.rest.payload, `${id}: a JSON user and its head`);
  }
  assert.equal(f.browser!.grpc, null, 'browsers do not speak gRPC');
  // nghttp2 never indexes authorization: the API client's gRPC calls stay far above the minimal ones.
  assert.ok(f.api!.grpc!.out > f.minimal!.grpc!.out + 100, `gRPC out: api ${f.api!.grpc!.out}, minimal ${f.minimal!.grpc!.out}`);
  // The answers are the same bytes; only HTTP/2 control frames the server sends when it chooses
  // (a WINDOW_UPDATE, 13 B; a PING ack, 17 B) may land in one window and not the other: allow a
  // few such frames over CALLS calls, far below the 80+ B/call the bearer token adds going out.
  const inDiff = Math.abs(f.api!.grpc!.in - f.minimal!.grpc!.in);
  assert.ok(
    inDiff <= (4 * 17) / CALLS,
    `the answer does not depend on the request headers: in ${f.api!.grpc!.in} vs ${f.minimal!.grpc!.in}`,
  );
});

test('binary over SSE: base64 costs about a third more than a ws binary frame, raw bytes do not survive', async () => {
  const o = await binaryOverSse();
  assert.ok(o.samples[0]! > 1.3 && o.samples[0]! < 1.37, `ratio ${o.samples[0]}`);
  assert.match(o.detail ?? '', /base64 over SSE decoded intact/);
  assert.match(o.detail ?? '', /not the blob/);
});
