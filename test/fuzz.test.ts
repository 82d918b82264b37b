// Property-based fuzzing of every server with fast-check, in-process. Each run throws a batch
// of hostile inputs at a server (random bytes, and valid requests with flipped bytes, cut
// short, repeated, with a wrong content type or an absurd length), checks each answer has the
// protocol's shape, then checks a connection opened before the run still gets the right user.
// No uncaught exception may happen throughout: one would take a server process down.
// Bounded: FUZZ_RUNS runs of FUZZ_BATCH cases per target, each with a short socket timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import fc from 'fast-check';
import WebSocket from 'ws';
import { createMemoryStore } from '../servers/store.ts';
import { SERVERS } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import { startGrpc } from '../servers/grpc.ts';
import { startGrpcConnect } from '../servers/grpc-connect.ts';
import { WS_PATH } from '../servers/websocket.ts';
import { startGraphQL } from '../servers/graphql.ts';
import { startMercurius } from '../servers/graphql-mercurius.ts';
import { startSseServer } from '../servers/sse.ts';
import { startBetterSseServer } from '../servers/sse-better.ts';
import * as restClient from '../clients/rest.ts';
import * as grpcLean from '../clients/grpc.ts';
import * as grpcJs from '../clients/grpc-js.ts';
import * as wsClient from '../clients/websocket.ts';
import * as gqlClient from '../clients/graphql.ts';
import * as sseClient from '../clients/sse.ts';
import { canonicalUser, protoType } from '../proto/contract.ts';
import type { Connection } from '../clients/types.ts';
import {
  FUZZ_BATCH,
  FUZZ_RUNS,
  HOST,
  grpcFrame,
  httpRequest,
  mutatedBytes,
  rawCall,
  rawSend,
  rawUpgrade,
  statuses,
  upgradeRequest,
  watchCrashes,
  wsFrame,
} from './robustness-helpers.ts';

const store = createMemoryStore({ users: 200, seed: 3 });
const FC = { numRuns: FUZZ_RUNS, interruptAfterTimeLimit: 30_000 };
const batch = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: FUZZ_BATCH, maxLength: FUZZ_BATCH });

const crashes = watchCrashes();
after(() => {
  crashes.dispose();
  assert.deepEqual(crashes.errors, [], 'no uncaught exception or unhandled rejection while fuzzing');
});

/** The property every run ends with: the connection opened before the run still answers right. */
async function stillServes(conn: Connection, run: number): Promise<void> {
  const id = 1 + (run % 200);
  const out = await conn.call({ op: 'getUser', id }, { decode: true });
  assert.ok(out.ok, `getUser ${id} after fuzzing: ${JSON.stringify(out)}`);
  assert.deepEqual(out.user, canonicalUser(store.getUser(id)!));
}

/**
 * The call's answer, or 'hung' when none comes. An answer takes a millisecond here; 10 s tells a
 * server that never answers from one on a machine in a slow phase (loopback up to 10x slower).
 */
async function orHung<T>(call: Promise<T>, ms = 10_000): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)));
  try {
    return await Promise.race([call, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Raw HTTP/1.1 bytes at a server: any answer is HTTP and not a 5xx. */
async function fuzzHttp(port: number, valid: Buffer[], conn: Connection): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(batch(mutatedBytes(valid)), async (cases) => {
      const results = await Promise.all(cases.map((c) => rawSend(port, c, { timeoutMs: 150, settleMs: 20 })));
      for (const r of results) {
        if (r.data.length === 0) continue; // waiting for more, or closed: both fine
        const got = statuses(r.data);
        assert.ok(got.length > 0, `answer is not HTTP: ${JSON.stringify(r.data.subarray(0, 60).toString('latin1'))}`);
        for (const s of got) assert.ok(s < 500, `status ${s}: ${r.data.subarray(0, 300).toString('latin1')}`);
      }
      await stillServes(conn, run++);
    }),
    FC,
  );
}

// Every REST implementation (servers/rest/index.ts) takes the same fuzz.
for (const impl of SERVERS.rest.implementations)
  describe(`fuzz: rest ${impl.name}`, () => {
    let server: RunningServer;
    let conn: Connection;
    before(async () => {
      server = await (await impl.load())({ host: HOST, port: 0, store });
      conn = await restClient.connect({ host: HOST, port: server.port });
    });
    after(async () => {
      await conn.close();
      await server.close();
    });

    const user = {
      username: 'u',
      email: 'u@x.test',
      age: 30,
      roles: ['user'],
      address: { street: 's', city: 'c', country: 'DE', postalCode: '1' },
    };

    it('raw HTTP: every answer is HTTP below 500, and getUser still works', async () => {
      await fuzzHttp(
        server.port,
        [
          httpRequest('GET', '/v1/users/1'),
          httpRequest('POST', '/v1/users', { 'Content-Type': 'application/json' }, JSON.stringify(user)),
          httpRequest('DELETE', '/v1/users/7'),
        ],
        conn,
      );
    });

    it('JSON bodies: 201 for a valid user, else 400 with a message', async () => {
      // Valid users with one field replaced by anything, or any JSON at all.
      const field = fc.constantFrom('username', 'email', 'age', 'roles', 'address', 'extra');
      const body = fc.oneof(
        fc.json(),
        fc.tuple(field, fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...user, [k]: v })),
        fc
          .tuple(fc.constantFrom('street', 'city', 'country', 'postalCode'), fc.jsonValue())
          .map(([k, v]) => JSON.stringify({ ...user, address: { ...user.address, [k]: v } })),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(body), async (bodies) => {
          for (const b of bodies) {
            const r = await fetch(`http://${HOST}:${server.port}/v1/users`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: b,
            });
            const answer = (await r.json()) as { error?: string; message?: string; id?: number };
            assert.ok([201, 400].includes(r.status), `${r.status} for ${b}`);
            if (r.status === 400) assert.ok(answer.error && answer.message, JSON.stringify(answer));
            else assert.equal(typeof answer.id, 'number');
          }
          await stillServes(conn, run++);
        }),
        FC,
      );
    });
  });

// Both gRPC implementations: grpc-js (the reference) and connect-node.
for (const [impl, startImpl] of [
  ['grpc-js', startGrpc],
  ['connect-node', startGrpcConnect],
] as const) {
  describe(`fuzz: grpc (${impl})`, () => {
    let server: Awaited<ReturnType<typeof startImpl>>;
    let lean: Connection;
    let stock: Connection;
    let session: http2.ClientHttp2Session;
    before(async () => {
      server = await startImpl({ host: HOST, port: 0, store });
      lean = await grpcLean.connect({ host: HOST, port: server.port });
      stock = await grpcJs.connect({ host: HOST, port: server.port });
      session = http2.connect(`http://${HOST}:${server.port}`);
      await new Promise((r) => session.once('connect', r));
    });
    after(async () => {
      session.close();
      await lean.close();
      await stock.close();
      await server.close();
    });

    const getUser = (id: number) => Buffer.from(protoType('GetUserRequest').encode({ id }).finish());

    /** A whole HTTP/2 connection's bytes for one GetUser: preface, SETTINGS, HEADERS, DATA. */
    function h2Connection(id: number): Buffer {
      const frame = (type: number, flags: number, stream: number, payload: Buffer) => {
        const h = Buffer.alloc(9);
        h.writeUIntBE(payload.length, 0, 3);
        h[3] = type;
        h[4] = flags;
        h.writeUInt32BE(stream, 5);
        return Buffer.concat([h, payload]);
      };
      // HPACK "literal without indexing, new name" for each header; every string is < 127 bytes.
      const str = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
      const headers = Buffer.concat(
        [
          [':method', 'POST'],
          [':scheme', 'http'],
          [':path', '/bench.v1.UserService/GetUser'],
          [':authority', HOST],
          ['content-type', 'application/grpc'],
          ['te', 'trailers'],
        ].map(([n, v]) => Buffer.concat([Buffer.from([0]), str(n!), str(v!)])),
      );
      return Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
        frame(4, 0, 0, Buffer.alloc(0)),
        frame(1, 4, 1, headers),
        frame(0, 1, 1, grpcFrame(getUser(id))),
      ]);
    }

    it('raw HTTP/2 bytes: the server answers with its SETTINGS first, and getUser still works', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(mutatedBytes([h2Connection(1), h2Connection(150)], { httpHeaders: false })), async (cases) => {
          const results = await Promise.all(cases.map((c) => rawSend(server.port, c, { timeoutMs: 150, settleMs: 20 })));
          for (const r of results) {
            // Whatever it thinks of the rest, an HTTP/2 server speaks first with SETTINGS (type 4).
            if (r.data.length >= 9) assert.equal(r.data[3], 4, r.data.subarray(0, 32).toString('hex'));
          }
          await stillServes(lean, run);
          await stillServes(stock, run++);
        }),
        FC,
      );
    });

    it('gRPC calls with hostile paths, content types and messages all get a status', async () => {
      const path = fc.constantFrom(
        '/bench.v1.UserService/GetUser',
        '/bench.v1.UserService/ListUsers',
        '/bench.v1.UserService/Nope',
        '/x',
        '/bench.v1.UserService/GetUser/extra',
      );
      const contentType = fc.constantFrom('application/grpc', 'application/grpc+proto', 'application/json', 'text/plain');
      const body = mutatedBytes(
        [grpcFrame(getUser(5)), grpcFrame(Buffer.from(protoType('ListUsersRequest').encode({ pageSize: 3 }).finish()))],
        { httpHeaders: false },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(fc.tuple(path, contentType, body)), async (cases) => {
          const answers = await Promise.all(
            cases.map(([p, ct, b]) =>
              orHung(rawCall(session, p, b, { 'content-type': ct }).catch((e: Error) => ({ reset: e.message }))),
            ),
          );
          answers.forEach((a, i) => {
            assert.notEqual(
              a,
              'hung',
              `no answer to ${JSON.stringify(cases[i]![0])} ${cases[i]![1]} ${cases[i]![2].toString('hex').slice(0, 80)}`,
            );
            if (typeof a === 'object' && 'httpStatus' in a && a.httpStatus === 200) {
              assert.equal(typeof a.grpcStatus, 'number', 'a 200 answer carries grpc-status');
            }
          });
          await stillServes(stock, run++);
        }),
        FC,
      );
    });
  });
}

// Every WebSocket implementation (servers/websocket/index.ts) takes the same fuzz.
for (const impl of SERVERS.websocket.implementations)
  describe(`fuzz: websocket ${impl.name}`, () => {
    let server: RunningServer;
    let conn: Connection;
    before(async () => {
      server = await (await impl.load())({ host: HOST, port: 0, store });
      conn = await wsClient.connect({ host: HOST, port: server.port });
    });
    after(async () => {
      await conn.close();
      await server.close();
    });

    it('raw upgrade requests: every answer is HTTP below 500, and getUser still works', async () => {
      await fuzzHttp(server.port, [upgradeRequest(), httpRequest('GET', '/')], conn);
    });

    it('raw frames after a valid handshake: the server answers or closes, and getUser still works', async () => {
      const valid = Buffer.from('{"id":1,"op":"getUser","params":{"id":3}}');
      const frames = [
        wsFrame(0x1, valid),
        wsFrame(0x2, valid),
        wsFrame(0x9, Buffer.from('hi')),
        wsFrame(0x1, valid, { fin: false }),
      ];
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(mutatedBytes(frames, { httpHeaders: false })), async (cases) => {
          await Promise.all(
            cases.map(async (c) => {
              const s = await rawUpgrade(server.port);
              s.on('error', () => {});
              s.write(c);
              await new Promise((r) => setTimeout(r, 60));
              s.destroy();
            }),
          );
          await stillServes(conn, run++);
        }),
        FC,
      );
    });

    it('any text message gets exactly one JSON reply with an id and a result or an error', async () => {
      const ws = new WebSocket(`ws://${HOST}:${server.port}${WS_PATH}`, { perMessageDeflate: false });
      await new Promise((r) => ws.once('open', r));
      const requestJson = fc
        .record(
          {
            id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.jsonValue()),
            op: fc.oneof(fc.constantFrom('getUser', 'listUsers'), fc.string()),
            params: fc.oneof(
              fc.record({ id: fc.jsonValue(), afterId: fc.jsonValue(), limit: fc.jsonValue() }, { requiredKeys: [] }),
              fc.jsonValue(),
            ),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o));
      const message = fc.oneof(fc.string({ maxLength: 200 }), fc.json(), requestJson);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(message), async (messages) => {
          for (const m of messages) {
            const reply = await new Promise<string>((resolve) => {
              ws.once('message', (d) => resolve(String(d)));
              ws.send(m);
            });
            const r = JSON.parse(reply) as Record<string, unknown>;
            assert.ok('id' in r && ('result' in r || 'error' in r), reply.slice(0, 200));
          }
          assert.equal(ws.readyState, WebSocket.OPEN);
          await stillServes(conn, run++);
        }),
        FC,
      );
      ws.close();
    });
  });

// Every GraphQL implementation (graphql-yoga, mercurius-jit), each its own run.
for (const [impl, startServer] of [
  ['graphql-yoga', startGraphQL],
  ['mercurius-jit', startMercurius],
] as const)
  describe(`fuzz: graphql (${impl})`, () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let conn: Connection;
    before(async () => {
      server = await startServer({ host: HOST, port: 0, store });
      conn = await gqlClient.connect({ host: HOST, port: server.port });
    });
    after(async () => {
      await conn.close();
      await server.close();
    });

    const body = JSON.stringify({ query: gqlClient.GET_USER_QUERY, variables: { id: '4' } });

    it('raw HTTP: every answer is HTTP below 500, and getUser still works', async () => {
      await fuzzHttp(
        server.port,
        [
          httpRequest('POST', '/graphql', { 'Content-Type': 'application/json', Accept: 'application/json' }, body),
          httpRequest('GET', `/graphql?query=${encodeURIComponent('{ user(id: 2) { id posts(first: 1) { id } } }')}`),
        ],
        conn,
      );
    });

    it('mutated queries and variables: a GraphQL answer, never a 5xx or an unexpected error', async () => {
      const queries = [
        gqlClient.GET_USER_QUERY,
        '{ users(limit: 3) { id posts(first: 2) { title comments { text author { username } } } } }',
        'query Q($n: Int) { user(id: 2) { followers(first: $n) { id } } }',
      ];
      // Character-level mutations keep most of the query's structure, so the parser and the
      // validator (and, when it still parses, the limits and resolvers) are all exercised.
      const punct = fc.constantFrom(
        '{',
        '}',
        '(',
        ')',
        '...',
        '@include(if: true)',
        '$n',
        ':',
        '!',
        '"',
        '#',
        'fragment F on User { id }',
        ' first: -1',
        ' first: 99999999',
      );
      const query = fc.oneof(
        fc.string({ maxLength: 300 }),
        fc
          .tuple(fc.constantFrom(...queries), fc.nat(), fc.nat())
          .map(([q, a, b]) => q.slice(0, a % q.length) + q.slice(b % q.length)),
        fc
          .tuple(fc.constantFrom(...queries), fc.nat(), punct)
          .map(([q, at, p]) => q.slice(0, at % q.length) + p + q.slice(at % q.length)),
        // The first "{ field" repeated: duplicate fields and unbalanced braces.
        fc
          .tuple(fc.constantFrom(...queries), fc.integer({ min: 2, max: 30 }))
          .map(([q, n]) => q.replace(/\{ \w+/, (m) => `${m} `.repeat(n))),
      );
      const variables = fc.oneof(
        fc.constant(undefined),
        fc.record({ id: fc.jsonValue(), n: fc.jsonValue() }, { requiredKeys: [] }),
        fc.jsonValue(),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(fc.tuple(query, variables)), async (cases) => {
          await Promise.all(
            cases.map(async ([q, v]) => {
              const r = await fetch(`http://${HOST}:${server.port}/graphql`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', accept: 'application/json' },
                body: JSON.stringify(v === undefined ? { query: q } : { query: q, variables: v }),
              });
              const text = await r.text();
              assert.ok(r.status === 200 || r.status === 400, `${r.status} for ${JSON.stringify([q, v])}: ${text.slice(0, 200)}`);
              const answer = JSON.parse(text) as { data?: unknown; errors?: { message: string }[] };
              assert.ok(answer.data !== undefined || (answer.errors?.length ?? 0) > 0, text.slice(0, 200));
              // Both mask an exception that is not a GraphQLError as "Unexpected error.": a server bug.
              assert.ok(
                !answer.errors?.some((e) => e.message === 'Unexpected error.'),
                `${JSON.stringify([q, v])}: ${text.slice(0, 300)}`,
              );
            }),
          );
          await stillServes(conn, run++);
        }),
        FC,
      );
    });
  });

// Both SSE implementations: the hand-written node:http server (the reference) and better-sse.
for (const [impl, startImpl] of [
  ['node-http', startSseServer],
  ['better-sse', startBetterSseServer],
] as const) {
  describe(`fuzz: sse (${impl})`, () => {
    let server: Awaited<ReturnType<typeof startImpl>>;
    let conn: Connection;
    before(async () => {
      server = await startImpl({ host: HOST, port: 0, store });
      conn = await sseClient.connect({ host: HOST, port: server.port });
    });
    after(async () => {
      await conn.close();
      await server.close();
    });

    it('raw HTTP: every answer is HTTP below 500, and getUser still works', async () => {
      await fuzzHttp(
        server.port,
        [
          httpRequest(
            'POST',
            '/v1/rpc',
            { 'Content-Type': 'application/json' },
            '{"streamId":"s","requestId":1,"op":"getUser","params":{"id":1}}',
          ),
          httpRequest('GET', '/v1/events'),
        ],
        conn,
      );
      assert.equal(server.openStreams(), 1, 'only the client stream is left open');
    });

    it('RPC bodies: 202 only for a known stream, else 400/404 with an error code', async () => {
      // The fuzz stream: a raw GET whose session id the bodies sometimes use.
      const events = await fetch(`http://${HOST}:${server.port}/v1/events`);
      const reader = events.body!.getReader();
      // Read up to the session event: better-sse writes its retry field in a write of its own.
      let head = '';
      let found: RegExpExecArray | null = null;
      while (!found) {
        const { value, done } = await reader.read();
        assert.ok(!done, `stream ended before its session event: ${head}`);
        head += new TextDecoder().decode(value);
        found = /"streamId":"([^"]+)"/.exec(head);
      }
      const streamId = found[1]!;
      const draining = (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      const rpcBody = fc
        .record(
          {
            streamId: fc.oneof(fc.constant(streamId), fc.string(), fc.jsonValue()),
            requestId: fc.oneof(fc.integer(), fc.string(), fc.jsonValue()),
            op: fc.oneof(fc.constantFrom('getUser', 'listUsers'), fc.string()),
            params: fc.oneof(
              fc.record({ id: fc.jsonValue(), afterId: fc.jsonValue(), limit: fc.jsonValue() }, { requiredKeys: [] }),
              fc.jsonValue(),
            ),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o));
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batch(fc.oneof(rpcBody, fc.json())), async (bodies) => {
          await Promise.all(
            bodies.map(async (b) => {
              const r = await fetch(`http://${HOST}:${server.port}/v1/rpc`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: b,
              });
              const text = await r.text();
              assert.ok([202, 400, 404].includes(r.status), `${r.status} for ${b}`);
              if (r.status !== 202) assert.ok((JSON.parse(text) as { error?: { code?: string } }).error?.code, text);
              else assert.equal((JSON.parse(b) as { streamId: unknown }).streamId, streamId);
            }),
          );
          await stillServes(conn, run++);
        }),
        FC,
      );
      await reader.cancel();
      await draining;
    });
  });
}
