// GraphQL (yoga) server and lean driver, in-process: answers equal the store's once ID is
// turned back into a number, NOT_FOUND is classified, and pipelined calls keep their order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, parse, validate } from 'graphql';
import { canonicalUser } from '../proto/contract.ts';
import { createMemoryStore } from '../servers/store.ts';
import { start } from '../servers/graphql.ts';
import { USER_SCHEMA_SDL } from '../servers/graphql-schema.ts';
import { connect, GET_USER_QUERY, outcomeFromBody } from '../clients/graphql.ts';
import { Http1Connection, buildRequest } from '../clients/wire/http1.ts';
import type { RunningServer } from '../servers/types.ts';
import type { Connection } from '../clients/types.ts';

const store = createMemoryStore({ users: 100, seed: 1 });
const host = '127.0.0.1';

describe('graphql', () => {
  let server: RunningServer;
  let conn: Connection;
  before(async () => {
    server = await start({ host, port: 0, store });
    conn = await connect({ host, port: server.port });
  });
  after(async () => {
    await conn.close();
    await server.close();
  });

  it('the driver query is valid against the schema', () => {
    assert.deepEqual(validate(buildSchema(USER_SCHEMA_SDL), parse(GET_USER_QUERY)), []);
  });

  it('getUser with decode equals the store user', async () => {
    for (const id of [1, 42, 100]) {
      const out = await conn.call({ op: 'getUser', id }, { decode: true });
      assert.ok(out.ok, JSON.stringify(out));
      assert.deepEqual(out.user, canonicalUser(store.getUser(id)!));
      assert.ok(out.payload.request > 100 && out.payload.response > 200);
    }
  });

  it('lean call succeeds without a user', async () => {
    const out = await conn.call({ op: 'getUser', id: 7 });
    assert.ok(out.ok);
    assert.equal(out.user, undefined);
  });

  it('unknown id is not_found, with or without decode', async () => {
    for (const decode of [false, true]) {
      const out = await conn.call({ op: 'getUser', id: 1000 }, { decode });
      assert.ok(!out.ok && out.kind === 'not_found' && out.code === 'NOT_FOUND', JSON.stringify(out));
    }
  });

  it('20 concurrent (pipelined) calls on one connection get the right users', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => 1 + ((i * 37) % 100));
    const outs = await Promise.all(ids.map((id) => conn.call({ op: 'getUser', id }, { decode: true })));
    outs.forEach((out, i) => {
      assert.ok(out.ok);
      assert.deepEqual(out.user, canonicalUser(store.getUser(ids[i]!)!));
    });
  });

  it('wire bytes grow by more than the payload', async () => {
    const before = conn.wireBytes()!;
    const out = await conn.call({ op: 'getUser', id: 3 });
    const afterBytes = conn.wireBytes()!;
    assert.ok(out.ok);
    assert.ok(afterBytes.out - before.out > out.payload.request);
    assert.ok(afterBytes.in - before.in > out.payload.response);
    assert.deepEqual(conn.setupBytes, { out: 0, in: 0 });
  });

  it('serves plain application/json with Content-Length', async () => {
    const raw = await Http1Connection.connect(host, server.port);
    const body = JSON.stringify({ query: '{ users(afterId: 10, limit: 2) { id } }' });
    const res = await raw.request(
      buildRequest('POST', '/graphql', host, { 'Content-Type': 'application/json', Accept: 'application/json' }, body),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { data: { users: [{ id: '11' }, { id: '12' }] } });
    await raw.close();
  });

  it('classifies other GraphQL errors', () => {
    const p = { request: 1, response: 1 };
    const v = outcomeFromBody({ errors: [{ message: 'bad', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, p);
    assert.ok(!v.ok && v.kind === 'client_error');
    const s = outcomeFromBody({ errors: [{ message: 'Unexpected error.' }], data: { user: null } }, p);
    assert.ok(!s.ok && s.kind === 'server_error' && s.code === 'GRAPHQL_ERROR');
  });
});
