// REST under bad input: every malformed request gets its HTTP status and a JSON error, and
// the server keeps answering on the same and on new connections. Every implementation of the REST
// server (servers/rest/index.ts: fastify, bare node:http) is held to the same tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { SERVERS } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import { connect } from '../clients/rest.ts';
import { canonicalUser } from '../proto/contract.ts';
import { HOST, SHORT_LIMITS, assertHttpTimeouts, firstResponse, httpRequest, rawSend } from './robustness-helpers.ts';

const NEW_USER = {
  username: 'ada',
  email: 'ada@example.com',
  age: 36,
  roles: ['user', 'admin'],
  address: { street: '1 Main Street', city: 'London', country: 'GB', postalCode: '10001' },
};

for (const impl of SERVERS.rest.implementations) {
  const store = createMemoryStore({ users: 100, seed: 1 });

  describe(`rest robustness: ${impl.name}`, () => {
    let server: RunningServer;
    let base: string;
    before(async () => {
      server = await (await impl.load())({ host: HOST, port: 0, store });
      base = `http://${HOST}:${server.port}`;
    });
    after(() => server.close());

    const post = (body: string, contentType = 'application/json') =>
      fetch(`${base}/v1/users`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const errorOf = async (r: Response) => (await r.json()) as { error: string; message: string };

    it('POST /v1/users creates a user: 201, Location, and GET finds it', async () => {
      const r = await post(JSON.stringify(NEW_USER));
      assert.equal(r.status, 201);
      const created = (await r.json()) as { id: number; createdAt: string };
      assert.equal(r.headers.get('location'), `/v1/users/${created.id}`);
      assert.deepEqual(created, { id: created.id, ...NEW_USER, createdAt: created.createdAt });
      assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const got = await fetch(`${base}/v1/users/${created.id}`);
      assert.deepEqual(await got.json(), created);
    });

    it('invalid JSON is 400 invalid_json', async () => {
      for (const body of ['{"username":', '{bad}', '{"__proto__":{"admin":true}}']) {
        const r = await post(body);
        assert.equal(r.status, 400, body);
        assert.equal((await errorOf(r)).error, 'invalid_json', body);
      }
    });

    it('wrong types and shapes are 400 with the schema message', async () => {
      const cases: [unknown, RegExp][] = [
        [{ ...NEW_USER, age: '36' }, /body\/age must be integer/],
        [{ ...NEW_USER, age: 36.5 }, /body\/age must be integer/],
        [{ ...NEW_USER, roles: 'admin' }, /body\/roles must be array/],
        [{ ...NEW_USER, address: { ...NEW_USER.address, city: 7 } }, /body\/address\/city must be string/],
        [{ ...NEW_USER, extra: 1 }, /must NOT have additional properties/],
        [{ username: 'x' }, /must have required property/],
        [[NEW_USER], /body must be object/],
        [null, /body must be object/],
      ];
      for (const [body, message] of cases) {
        const r = await post(JSON.stringify(body));
        assert.equal(r.status, 400, JSON.stringify(body));
        const e = await errorOf(r);
        assert.equal(e.error, 'bad_request');
        assert.match(e.message, message);
      }
    });

    it('a non-JSON content type is 415', async () => {
      for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
        const r = await post('username=ada', ct);
        assert.equal(r.status, 415, ct);
        assert.equal((await errorOf(r)).error, 'unsupported_media_type');
      }
    });

    it('unknown ids are 404; ids that are not non-negative integers are 400', async () => {
      for (const id of ['0', '100000', '99999999999999999999']) {
        const r = await fetch(`${base}/v1/users/${id}`);
        assert.equal(r.status, 404, id);
        assert.equal((await errorOf(r)).error, 'not_found');
      }
      for (const id of ['-1', 'abc', '1.5', '1e3', '0x10', '%20', '']) {
        const r = await fetch(`${base}/v1/users/${id}`);
        assert.equal(r.status, 400, id);
        assert.equal((await errorOf(r)).error, 'bad_request');
      }
    });

    it('an oversized body is 413 and the connection is closed, declared or not', async () => {
      const big = JSON.stringify({ ...NEW_USER, username: 'x'.repeat(1024 * 1024) });
      const r = await post(big);
      assert.equal(r.status, 413);
      assert.equal((await errorOf(r)).error, 'payload_too_large');
      assert.equal(r.headers.get('connection'), 'close');
      // A huge declared length with no body behind it is refused at once, without waiting for it.
      const raw = await rawSend(
        server.port,
        httpRequest('POST', '/v1/users', { 'Content-Type': 'application/json', 'Content-Length': '5000000000' }),
        { timeoutMs: 10_000 },
      );
      assert.equal(firstResponse(raw.data)?.status, 413);
      assert.equal(raw.ended, 'closed');
      // Chunked: no declared length, refused once the limit is passed.
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const chunks = [httpRequest('POST', '/v1/users', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })];
      for (let i = 0; i < 5; i++) chunks.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
      const rawChunked = await rawSend(server.port, chunks, { timeoutMs: 10_000 });
      assert.equal(firstResponse(rawChunked.data)?.status, 413);
    });

    it('other methods are 405 with an Allow header', async () => {
      const cases: [string, string, string][] = [
        ['DELETE', '/v1/users/1', 'GET, HEAD'],
        ['PUT', '/v1/users/1', 'GET, HEAD'],
        ['POST', '/v1/users/1', 'GET, HEAD'],
        ['PATCH', '/v1/users/1', 'GET, HEAD'],
        // GET /v1/users is the listUsers page (scenarios/listUsers.ts).
        ['PUT', '/v1/users', 'GET, HEAD, POST'],
        ['DELETE', '/v1/users', 'GET, HEAD, POST'],
      ];
      for (const [method, path, allow] of cases) {
        const r = await fetch(base + path, { method });
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.equal(r.headers.get('allow'), allow);
        assert.equal((await errorOf(r)).error, 'method_not_allowed');
      }
      assert.equal((await fetch(`${base}/v1/users/1`, { method: 'HEAD' })).status, 200);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    });

    it('malformed HTTP gets 400 and the server keeps answering on an open connection', async () => {
      const conn = await connect({ host: HOST, port: server.port });
      try {
        for (const bad of [
          'GARBAGE\r\n\r\n',
          'GET /v1/users/1 HTTP/9.9\r\n\r\n',
          'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
        ]) {
          const raw = await rawSend(server.port, Buffer.from(bad, 'latin1'));
          assert.ok(
            [400, 505].includes(firstResponse(raw.data)?.status ?? 0),
            `${JSON.stringify(bad)} -> ${raw.data.toString('latin1').slice(0, 40)}`,
          );
        }
        const out = await conn.call({ op: 'getUser', id: 5 }, { decode: true });
        assert.ok(out.ok);
        assert.deepEqual(out.user, canonicalUser(store.getUser(5)!));
      } finally {
        await conn.close();
      }
    });
  });

  describe(`rest connection limits: ${impl.name}`, () => {
    it('closes silent, idle and stalled connections; sets TCP keep-alive', async (t) => {
      const server = await (await impl.load())({ host: HOST, port: 0, store, ...SHORT_LIMITS });
      t.after(() => server.close());
      await assertHttpTimeouts(
        server.port,
        httpRequest('GET', '/v1/users/1'),
        httpRequest('POST', '/v1/users', { 'Content-Type': 'application/json', 'Content-Length': '100' }, '{"user'),
      );
    });
  });
}
