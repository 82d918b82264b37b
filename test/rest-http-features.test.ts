// The REST server's optional HTTP features: conditional GETs (ETag, Last-Modified -> 304 with
// no body) and rate limiting (429 with Retry-After). Off by default, so the benchmark's
// getUser answers carry none of their headers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest } from '../servers/rest.ts';
import { createMemoryStore } from '../servers/store.ts';
import { lastModified } from '../servers/rest-http-features.ts';

const store = createMemoryStore({ users: 20, seed: 1 });
const plain = await startRest({ host: '127.0.0.1', port: 0, store });
const featured = await startRest({
  host: '127.0.0.1',
  port: 0,
  store,
  conditionalGet: true,
  rateLimit: { max: 100, windowMs: 60_000 },
});
after(() => Promise.all([plain.close(), featured.close()]));
const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

test('off by default: no ETag, Last-Modified or rate-limit headers on getUser', async () => {
  const r = await fetch(url(plain.port, '/v1/users/1'));
  assert.equal(r.status, 200);
  for (const h of ['etag', 'last-modified', 'x-ratelimit-limit']) assert.equal(r.headers.get(h), null, h);
});

test('a matching If-None-Match gets 304 without a body; another user does not match', async () => {
  const first = await fetch(url(featured.port, '/v1/users/2'));
  const etag = first.headers.get('etag');
  assert.ok(etag, 'ETag header');
  await first.arrayBuffer();
  const again = await fetch(url(featured.port, '/v1/users/2'), { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
  const other = await fetch(url(featured.port, '/v1/users/3'), { headers: { 'If-None-Match': etag } });
  assert.equal(other.status, 200);
  await other.arrayBuffer();
});

test("Last-Modified is the user's creation time; If-Modified-Since at or after it gets 304, before it 200", async () => {
  const first = await fetch(url(featured.port, '/v1/users/4'));
  const user = (await first.json()) as { createdAt: string };
  const lm = first.headers.get('last-modified')!;
  assert.equal(Date.parse(lm), Math.floor(Date.parse(user.createdAt) / 1000) * 1000);
  const same = await fetch(url(featured.port, '/v1/users/4'), { headers: { 'If-Modified-Since': lm } });
  assert.equal(same.status, 304);
  const earlier = new Date(Date.parse(lm) - 1000).toUTCString();
  const older = await fetch(url(featured.port, '/v1/users/4'), { headers: { 'If-Modified-Since': earlier } });
  assert.equal(older.status, 200);
  await older.arrayBuffer();
});

test('lastModified compares whole seconds and ignores a date it cannot parse', () => {
  const t = new Date('2024-01-02T03:04:05.678Z');
  assert.equal(lastModified(t, 'Tue, 02 Jan 2024 03:04:05 GMT').notModified, true);
  assert.equal(lastModified(t, 'Tue, 02 Jan 2024 03:04:04 GMT').notModified, false);
  assert.equal(lastModified(t, 'yesterday').notModified, false);
  assert.equal(lastModified(t, undefined).header, 'Tue, 02 Jan 2024 03:04:05 GMT');
});

test("past the limit: 429 with Retry-After and the server's error shape; remaining counts down", async () => {
  // A fresh instance: the other tests' requests count against the same address.
  const limited = await startRest({ host: '127.0.0.1', port: 0, store, rateLimit: { max: 3, windowMs: 60_000 } });
  try {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(url(limited.port, '/v1/users/1'));
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-ratelimit-limit'), '3');
      remaining.push(r.headers.get('x-ratelimit-remaining')!);
      await r.arrayBuffer();
    }
    assert.deepEqual(remaining, ['2', '1', '0']);
    const over = await fetch(url(limited.port, '/v1/users/1'));
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) > 0, `Retry-After ${over.headers.get('retry-after')}`);
    const body = (await over.json()) as { error: string };
    assert.equal(body.error, 'too_many_requests');
  } finally {
    await limited.close();
  }
});
