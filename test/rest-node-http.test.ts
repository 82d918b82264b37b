// The node:http REST server (servers/rest-node-http.ts) against the fastify one (servers/rest.ts):
// the same request must get the same status, the same headers that carry meaning and the same
// JSON body from both, for a table of edge cases and for random bodies checked by each server's
// own validator (hand-written here, ajv there).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { createMemoryStore } from '../servers/store.ts';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { requestTally } from '../servers/request-scope.ts';
import { startRest } from '../servers/rest.ts';
import { parseJsonSafely, startRestNodeHttp } from '../servers/rest-node-http.ts';
import { FUZZ_BATCH, FUZZ_RUNS, HOST, firstResponse, httpRequest, rawSend } from './robustness-helpers.ts';

const dataset = { users: 50, seed: 9 };
const USER = {
  username: 'ada',
  email: 'ada@example.com',
  age: 36,
  roles: ['user'],
  address: { street: '1 Main Street', city: 'London', country: 'GB', postalCode: '10001' },
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The parts of a raw answer both servers must agree on; createdAt (the clock's second) masked. */
function answerOf(data: Buffer): Answer | undefined {
  const r = firstResponse(data);
  if (!r) return undefined;
  const headers: Record<string, string> = {};
  for (const line of r.headers.split('\r\n')) {
    const at = line.indexOf(':');
    const name = line.slice(0, at).toLowerCase();
    if (['content-type', 'allow', 'location', 'connection'].includes(name)) headers[name] = line.slice(at + 1).trim();
  }
  let body: unknown = r.body;
  try {
    body = JSON.parse(r.body, (k, v: unknown) => (k === 'createdAt' ? 'masked' : v));
  } catch {
    // not JSON: compared as text
  }
  return { status: r.status, headers, body };
}

describe('rest node-http answers as fastify does', () => {
  let fastify: Awaited<ReturnType<typeof startRest>>;
  let bare: Awaited<ReturnType<typeof startRestNodeHttp>>;
  before(async () => {
    fastify = await startRest({ host: HOST, port: 0, store: createMemoryStore(dataset) });
    bare = await startRestNodeHttp({ host: HOST, port: 0, store: createMemoryStore(dataset) });
  });
  after(async () => {
    await fastify.close();
    await bare.close();
  });

  async function both(request: Buffer): Promise<[Answer | undefined, Answer | undefined]> {
    const [a, b] = await Promise.all([fastify.port, bare.port].map((p) => rawSend(p, request, { timeoutMs: 5_000 })));
    return [answerOf(a!.data), answerOf(b!.data)];
  }

  const json = { 'Content-Type': 'application/json' };
  const table: [string, Buffer][] = [
    ['getUser', httpRequest('GET', '/v1/users/7')],
    ['getUser with a query', httpRequest('GET', '/v1/users/7?x=1')],
    ['getUser leading zeros', httpRequest('GET', '/v1/users/0007')],
    ['getUser HEAD', httpRequest('HEAD', '/v1/users/7')],
    ['unknown id', httpRequest('GET', '/v1/users/51')],
    ['unknown id, leading zeros', httpRequest('GET', '/v1/users/00000')],
    ['huge id', httpRequest('GET', '/v1/users/99999999999999999999')],
    ['percent-encoded digit', httpRequest('GET', '/v1/users/%31')],
    ['negative id', httpRequest('GET', '/v1/users/-1')],
    ['empty id', httpRequest('GET', '/v1/users/')],
    ['trailing slash', httpRequest('GET', '/v1/users/1/')],
    ['id with a space', httpRequest('GET', '/v1/users/%20')],
    ['posts', httpRequest('GET', '/v1/users/3/posts')],
    ['posts of nobody', httpRequest('GET', '/v1/users/999/posts')],
    ['posts, bad id', httpRequest('GET', '/v1/users/x/posts')],
    ['comments', httpRequest('GET', '/v1/posts/3/comments')],
    ['comments of no post', httpRequest('GET', '/v1/posts/99999/comments')],
    ['POST to posts', httpRequest('POST', '/v1/users/3/posts')],
    ['list', httpRequest('GET', '/v1/users?limit=3&after=4')],
    ['list by offset', httpRequest('GET', '/v1/users?limit=2&offset=10')],
    ['list, both', httpRequest('GET', '/v1/users?offset=1&after=2')],
    ['list, repeated key', httpRequest('GET', '/v1/users?limit=1&limit=2')],
    ['list, bad limit', httpRequest('GET', '/v1/users?limit=-1')],
    ['hello', httpRequest('GET', '/v1/hello')],
    ['fragment', httpRequest('GET', '/v1/users/3#x')],
    ['absolute-form, no path', httpRequest('GET', 'http://x')],
    ['absolute-form list', httpRequest('GET', 'http://x?limit=1')],
    ['absolute-form target', httpRequest('GET', 'http://x/v1/users/1')],
    ['asterisk target', httpRequest('OPTIONS', '*')],
    ['double slash', httpRequest('GET', '//v1/users/1')],
    ['upper case path', httpRequest('GET', '/V1/users/1')],
    ['GET with a JSON body', httpRequest('GET', '/v1/users/2', { 'Content-Type': 'application/json' }, '{"a":1}')],
    [
      'chunked create',
      httpRequest(
        'POST',
        '/v1/users',
        { ...{ 'Content-Type': 'application/json' }, 'Transfer-Encoding': 'chunked' },
        `${JSON.stringify(USER).length.toString(16)}\r\n${JSON.stringify(USER)}\r\n0\r\n\r\n`,
      ),
    ],
    ['no route', httpRequest('GET', '/nope')],
    ['no route, other method', httpRequest('PUT', '/v1/hello')],
    ['DELETE user', httpRequest('DELETE', '/v1/users/1')],
    ['OPTIONS user', httpRequest('OPTIONS', '/v1/users/1')],
    ['PATCH users', httpRequest('PATCH', '/v1/users')],
    ['GET batch', httpRequest('GET', '/v1/users/batch')],
    ['create', httpRequest('POST', '/v1/users', json, JSON.stringify(USER))],
    [
      'create, charset',
      httpRequest('POST', '/v1/users', { 'Content-Type': 'Application/JSON; charset=utf-8' }, JSON.stringify(USER)),
    ],
    ['create, BOM', httpRequest('POST', '/v1/users', json, `\ufeff${JSON.stringify(USER)}`)],
    ['create, text/plain', httpRequest('POST', '/v1/users', { 'Content-Type': 'text/plain' }, JSON.stringify(USER))],
    ['create, no type', httpRequest('POST', '/v1/users', {}, JSON.stringify(USER))],
    ['create, no type, no body', httpRequest('POST', '/v1/users', { 'Content-Length': '0' })],
    ['create, empty JSON body', httpRequest('POST', '/v1/users', { ...json, 'Content-Length': '0' })],
    ['create, not JSON', httpRequest('POST', '/v1/users', json, '{"username":')],
    ['create, __proto__', httpRequest('POST', '/v1/users', json, '{"__proto__":{"admin":true}}')],
    ['create, constructor.prototype', httpRequest('POST', '/v1/users', json, '{"constructor":{"prototype":{"x":1}}}')],
    ['create, constructor only', httpRequest('POST', '/v1/users', json, JSON.stringify({ ...USER, constructor: 1 }))],
    ['create, declared too long', httpRequest('POST', '/v1/users', { ...json, 'Content-Length': '5000000000' })],
    ['create, array', httpRequest('POST', '/v1/users', json, JSON.stringify([USER]))],
    ['create, unicode name', httpRequest('POST', '/v1/users', json, JSON.stringify({ ...USER, username: '𝒜'.repeat(100) }))],
    [
      'create, unicode name too long',
      httpRequest('POST', '/v1/users', json, JSON.stringify({ ...USER, username: '𝒜'.repeat(101) })),
    ],
    ['batch', httpRequest('POST', '/v1/users/batch', json, JSON.stringify([USER, USER]))],
    ['batch, one bad', httpRequest('POST', '/v1/users/batch', json, JSON.stringify([USER, { ...USER, age: -1 }]))],
    ['batch, object', httpRequest('POST', '/v1/users/batch', json, JSON.stringify(USER))],
  ];

  it('the same answer to every request in the table', async () => {
    const differ: string[] = [];
    for (const [label, request] of table) {
      const [a, b] = await both(request);
      assert.ok(a, `${label}: fastify answered`);
      if (!isDeepStrictEqual(a, b)) differ.push(`${label}:\n  fastify   ${JSON.stringify(a)}\n  node-http ${JSON.stringify(b)}`);
    }
    assert.equal(differ.join('\n'), '', 'every answer the same');
    // fastify's router answers a broken URL encoding and an overlong id before its error handler, in
    // fastify's own error shape; the node:http server keeps to the contract's {error, message}. Same status.
    for (const [path, status, code] of [
      ['/v1/users/%zz', 400, 'bad_request'],
      [`/v1/users/${'1'.repeat(101)}`, 414, 'uri_too_long'],
      [`/v1/users/${'x'.repeat(120)}/posts`, 414, 'uri_too_long'],
    ] as const) {
      const [a, b] = await both(httpRequest('GET', path));
      assert.equal(a?.status, status, path);
      assert.equal(b?.status, status, path);
      assert.equal((b?.body as { error: string }).error, code);
    }
    const [, exact] = await both(httpRequest('GET', `/v1/users/${'1'.repeat(100)}`));
    assert.equal(exact?.status, 404, 'an id of exactly the limit is read');
  });

  it('the same answer to random bodies: 201 for a valid user, else the same 400 and message', async () => {
    const field = fc.constantFrom('username', 'email', 'age', 'roles', 'address', 'extra');
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ minLength: 90, maxLength: 260, unit: 'grapheme' }));
    const value = fc.oneof(fc.jsonValue(), text, fc.integer({ min: -5, max: 200 }), fc.array(text, { maxLength: 25 }));
    const body = fc.oneof(
      fc.json(),
      fc.tuple(field, value).map(([k, v]) => JSON.stringify({ ...USER, [k]: v })),
      fc
        .tuple(fc.constantFrom('street', 'city', 'country', 'postalCode', 'zip'), value)
        .map(([k, v]) => JSON.stringify({ ...USER, address: { ...USER.address, [k]: v } })),
      fc.tuple(fc.subarray(Object.keys(USER)), field, value).map(([drop, k, v]) => {
        const u: Record<string, unknown> = { ...USER, [k]: v };
        for (const d of drop) delete u[d];
        return JSON.stringify(u);
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: FUZZ_BATCH, maxLength: FUZZ_BATCH }), async (bodies) => {
        for (const b of bodies) {
          const path = b.startsWith('[') ? '/v1/users/batch' : '/v1/users';
          const [x, y] = await both(httpRequest('POST', path, json, b));
          assert.deepEqual(y, x, b);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('rest node-http request scope', () => {
  it('requests with and without bodies, behind the service delay timer, are charged their own statements', async (t) => {
    const store = createSqliteStore(dataset);
    const server = await startRestNodeHttp({ host: HOST, port: 0, store, serviceDelayMs: 1 });
    t.after(async () => {
      await server.close();
      store.close();
    });
    const base = `http://${HOST}:${server.port}`;
    const before = requestTally();
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await (await fetch(`${base}/v1/users/${i + 1}`)).text();
        const post = await fetch(`${base}/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(USER),
        });
        assert.equal(post.status, 201, await post.text());
      }),
    );
    // A response's 'close' (which ends its scope) may come after the client has the answer: wait on the count.
    for (let waited = 0; requestTally().completed - before.completed < 20 && waited < 10_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    const now = requestTally();
    assert.deepEqual(
      { completed: now.completed - before.completed, statements: now.statements - before.statements },
      { completed: 20, statements: 20 },
    );
  });
});

describe('parseJsonSafely', () => {
  it('parses as JSON.parse does, and refuses prototype poisoning', () => {
    assert.deepEqual(parseJsonSafely('{"a":[1,{"constructor":2}]}'), { a: [1, { constructor: 2 }] });
    assert.deepEqual(parseJsonSafely('\ufeff[1]'), [1]);
    assert.throws(() => parseJsonSafely('{"a":{"__proto__":{}}}'), SyntaxError);
    assert.throws(() => parseJsonSafely('{"constructor":{"prototype":{}}}'), SyntaxError);
  });
});

it('rest node-http refuses at start the features only the fastify server has', async () => {
  for (const feature of [
    { http2: true },
    { compression: true },
    { conditionalGet: true },
    { rateLimit: { max: 1, windowMs: 1 } },
  ]) {
    await assert.rejects(
      startRestNodeHttp({ host: HOST, port: 0, store: createMemoryStore(dataset), ...feature }),
      new RegExp(`does not serve ${Object.keys(feature)[0]}`),
    );
  }
});
