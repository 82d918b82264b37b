// GraphQL under bad input: parse and validation errors come back as GraphQL errors with the
// GraphQL-over-HTTP status, the guide's own "TooDeep" and "TooExpensive" queries are refused
// by the depth (5) and complexity (1000) limits before they run, bodies are bounded, and the
// driver's getUser still passes. Every GraphQL implementation (graphql-yoga, mercurius-jit)
// answers the same: each test runs against each.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, parse, validate } from 'graphql';
import { createMemoryStore } from '../servers/store.ts';
import { startGraphQL, checkCost, expandedSelections, type GraphQLServerOptions } from '../servers/graphql.ts';
import { startMercurius } from '../servers/graphql-mercurius.ts';
import { USER_SCHEMA_SDL } from '../servers/graphql-schema.ts';
import { connect, GET_USER_QUERY } from '../clients/graphql.ts';
import { canonicalUser } from '../proto/contract.ts';
import { HOST, SHORT_LIMITS, assertHttpTimeouts, firstResponse, httpRequest, rawSend } from './robustness-helpers.ts';

const store = createMemoryStore({ users: 100, seed: 1 });

// The guide's examples (GraphQL security section), with its `...` filled in with scalars
// and `user` given the id our schema requires.
const TOO_EXPENSIVE = `query TooExpensive {
  users {
    posts {
      comments {
        author {
          posts { id title }
        }
      }
    }
  }
}`;
const TOO_DEEP = `query TooDeep {
  user(id: 1) {
    posts {
      author {
        followers {
          posts {
            comments { id text }
          }
        }
      }
    }
  }
}`;
// Six levels but only a handful of fields: refused for depth alone.
const DEEP_CHEAP =
  '{ user(id: 1) { posts(first: 1) { author { followers(first: 1) { posts(first: 1) { comments(first: 1) { id } } } } } } }';
// Five levels, cheap: allowed, as the guide's "max 5 levels" says.
const DEPTH_FIVE = '{ user(id: 1) { posts(first: 1) { author { followers(first: 1) { posts(first: 2) { id title } } } } } }';
// Two levels but 1000 users with two fields each: refused for complexity alone (1 + 1000 * 2).
const WIDE = '{ users(limit: 1000) { id username } }';

interface GqlBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const IMPLEMENTATIONS: [string, (o: GraphQLServerOptions) => Promise<{ port: number; close(): Promise<void> }>][] = [
  ['graphql-yoga', startGraphQL],
  ['mercurius-jit', startMercurius],
];

describe('graphql queries and limits, whatever the server', () => {
  it("the guide's queries are valid against the schema, so only the limits can refuse them", () => {
    const schema = buildSchema(USER_SCHEMA_SDL);
    for (const q of [TOO_EXPENSIVE, TOO_DEEP, DEEP_CHEAP, DEPTH_FIVE, WIDE, GET_USER_QUERY])
      assert.deepEqual(validate(schema, parse(q)), [], q);
  });

  it('checkCost on its own: limits are options', () => {
    const schema = buildSchema(USER_SCHEMA_SDL);
    assert.deepEqual(checkCost(schema, parse(GET_USER_QUERY), { id: '1' }, undefined, 5, 1000), []);
    assert.equal(checkCost(schema, parse(DEPTH_FIVE), {}, undefined, 4, 1000)[0]?.extensions.code, 'DEPTH_LIMIT_EXCEEDED');
    assert.equal(checkCost(schema, parse(WIDE), {}, undefined, 5, 5000).length, 0);
  });
});

for (const [impl, startServer] of IMPLEMENTATIONS)
  describe(`graphql robustness: ${impl}`, () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let url: string;
    before(async () => {
      server = await startServer({ host: HOST, port: 0, store });
      url = `http://${HOST}:${server.port}/graphql`;
    });
    after(() => server.close());

    const gql = async (body: unknown, accept = 'application/json'): Promise<{ status: number; body: GqlBody }> => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as GqlBody };
    };

    it('TooExpensive is refused for complexity with a clear message', async () => {
      const { status, body } = await gql({ query: TOO_EXPENSIVE });
      assert.equal(status, 200); // GraphQL over application/json: errors travel in a 200
      assert.equal(body.data, undefined, 'nothing was executed');
      assert.equal(body.errors?.length, 1);
      assert.equal(body.errors[0]!.extensions?.code, 'COMPLEXITY_LIMIT_EXCEEDED');
      // users 100 x posts 10 x comments 5 x (author 1 + posts 10 x 2 fields) = 111101.
      assert.equal(body.errors[0]!.message, 'Query complexity (111101) exceeds limit (1000)');
    });

    it('TooDeep is refused for depth with a clear message', async () => {
      const { body } = await gql({ query: TOO_DEEP });
      assert.equal(body.data, undefined);
      const depth = body.errors?.find((e) => e.extensions?.code === 'DEPTH_LIMIT_EXCEEDED');
      assert.equal(depth?.message, "'TooDeep' exceeds maximum operation depth of 5");
      assert.equal(
        body.errors?.filter((e) => e.extensions?.code === 'DEPTH_LIMIT_EXCEEDED').length,
        1,
        'one depth error, not one per field',
      );
    });

    it('depth and complexity are separate limits', async () => {
      const deep = await gql({ query: DEEP_CHEAP });
      assert.deepEqual(
        deep.body.errors?.map((e) => e.extensions?.code),
        ['DEPTH_LIMIT_EXCEEDED'],
      );
      assert.match(deep.body.errors![0]!.message, /^The query exceeds maximum operation depth of 5$/);
      const wide = await gql({ query: WIDE });
      assert.deepEqual(
        wide.body.errors?.map((e) => e.message),
        ['Query complexity (2001) exceeds limit (1000)'],
      );
      const five = await gql({ query: DEPTH_FIVE });
      assert.equal(five.body.errors, undefined, JSON.stringify(five.body.errors));
      assert.ok(five.body.data);
    });

    it("a count given as a variable is costed with each request's value", async () => {
      const query = 'query Page($n: Int) { users(limit: $n) { id username } }';
      for (const [n, refused] of [
        [5, false],
        [1000, true],
        [5, false],
        [499, false],
        [500, true],
      ] as const) {
        const { body } = await gql({ query, variables: { n } });
        assert.equal(body.errors?.[0]?.extensions?.code === 'COMPLEXITY_LIMIT_EXCEEDED', refused, `n=${n}`);
        if (!refused) assert.equal((body.data as { users: unknown[] }).users.length, Math.min(n, store.countUsers()));
      }
      // A first request whose variables do not coerce must not leave the document marked cheap.
      const unused = 'query After($x: Int!) { users(afterId: $x, limit: 1000) { id username } }';
      const noVars = await gql({ query: unused });
      assert.match(noVars.body.errors?.[0]?.message ?? '', /"\$x" of required type "Int!" was not provided/);
      assert.equal(noVars.body.data, undefined);
      assert.equal(
        (await gql({ query: unused, variables: { x: 1 } })).body.errors?.[0]?.extensions?.code,
        'COMPLEXITY_LIMIT_EXCEEDED',
      );
      // In a document of several operations, each request is costed for the one it names.
      const two = 'query Cheap { user(id: 1) { id } } query Dear { users(limit: 1000) { id username } }';
      assert.equal((await gql({ query: two, operationName: 'Cheap' })).body.errors, undefined);
      assert.equal(
        (await gql({ query: two, operationName: 'Dear' })).body.errors?.[0]?.extensions?.code,
        'COMPLEXITY_LIMIT_EXCEEDED',
      );
      // @include with a variable changes the cost too.
      const inc = 'query($big: Boolean!) { user(id: 1) { id } users(limit: 1000) @include(if: $big) { id username } }';
      assert.equal((await gql({ query: inc, variables: { big: false } })).body.errors, undefined);
      assert.equal(
        (await gql({ query: inc, variables: { big: true } })).body.errors?.[0]?.extensions?.code,
        'COMPLEXITY_LIMIT_EXCEEDED',
      );
    });

    it('a query over 1000 tokens is refused by the parser: deep nesting, alias floods', async () => {
      const floods = [
        // 100k nested selections: a recursive parser would overflow the stack (a 500).
        '{ user(id: 1) ' + '{ posts '.repeat(100_000) + '}'.repeat(100_001),
        '{ user(id: ' + '['.repeat(100_000) + ']'.repeat(100_000) + ') { id } }',
        // 5000 aliases: valid, but some validation rules are quadratic (seconds of CPU).
        '{ ' + Array.from({ length: 5000 }, (_, i) => `a${i}: user(id: 1) { id }`).join(' ') + ' }',
      ];
      for (const query of floods) {
        const { status, body } = await gql({ query });
        assert.equal(status, 200);
        assert.equal(body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
        assert.match(body.errors![0]!.message, /more th\w+ 1000 tokens/);
      }
      // 50 aliases (about 500 tokens) are within the budget and cheap enough.
      const fifty = '{ ' + Array.from({ length: 50 }, (_, i) => `a${i}: user(id: 1) { id }`).join(' ') + ' }';
      assert.equal((await gql({ query: fifty })).body.errors, undefined);
    });

    it('a fragment bomb (each fragment spread twice in the one before) is refused by its expanded size', async () => {
      // 40 levels fit in 1000 tokens and expand to 2^41 selections: walking that tree (as
      // graphql-depth-limit would) never finishes.
      const n = 40;
      const query =
        '{ user(id: 1) { ...F0 } } ' +
        Array.from({ length: n }, (_, i) => `fragment F${i} on User { id ...F${i + 1} ...F${i + 1} }`).join(' ') +
        ` fragment F${n} on User { id }`;
      const { body } = await gql({ query });
      assert.equal(body.data, undefined);
      assert.equal(body.errors?.[0]?.extensions?.code, 'COMPLEXITY_LIMIT_EXCEEDED');
      assert.match(body.errors![0]!.message, /^Query expands to \d+ field selections, over the limit of 10000$/);
      assert.equal(expandedSelections(parse(query)), 2 ** (n + 1)); // user, plus F0 = 1 + 2 * F1 ... F40 = 1
    });

    it('syntax errors and unknown fields: GraphQL errors, 200 for application/json and 400 for graphql-response+json', async () => {
      const cases: [string, string, RegExp][] = [
        ['{ user(id: 1) { id ', 'GRAPHQL_PARSE_FAILED', /^Syntax Error/],
        ['{ user(id: 1) { nope } }', 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "nope" on type "User"/],
        ['{ user { id } }', 'GRAPHQL_VALIDATION_FAILED', /argument "id" of type "ID!" is required/],
        ['{ user(id: 1) { posts(first: "x") { id } } }', 'GRAPHQL_VALIDATION_FAILED', /Int cannot represent/],
        [
          'query { user(id: 1) { ...A } } fragment A on User { ...B } fragment B on User { ...A }',
          'GRAPHQL_VALIDATION_FAILED',
          /Cannot spread fragment/,
        ],
        ['query { user(id: 1) { ...Missing } }', 'GRAPHQL_VALIDATION_FAILED', /Unknown fragment/],
      ];
      for (const [query, code, message] of cases) {
        const json = await gql({ query });
        assert.equal(json.status, 200, query);
        assert.equal(json.body.errors?.[0]?.extensions?.code, code, query);
        assert.match(json.body.errors![0]!.message, message);
        const spec = await gql({ query }, 'application/graphql-response+json');
        assert.equal(spec.status, 400, query);
      }
    });

    it('malformed requests: bad JSON and bad params are 400, oversized bodies 413, chunked 411, other methods 405', async () => {
      const notJson = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
      assert.equal(notJson.status, 400);
      assert.equal(((await notJson.json()) as GqlBody).errors?.[0]?.extensions?.code, 'BAD_REQUEST');
      for (const body of [{ query: 42 }, { query: GET_USER_QUERY, variables: 'x' }]) {
        assert.equal((await gql(body)).status, 400, JSON.stringify(body));
      }
      const big = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: GET_USER_QUERY, pad: 'x'.repeat(1024 * 1024) }),
      });
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as GqlBody).errors?.[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE');
      const declared = await rawSend(
        server.port,
        httpRequest('POST', '/graphql', { 'Content-Type': 'application/json', 'Content-Length': '9999999999' }),
        { timeoutMs: 10_000 },
      );
      assert.equal(firstResponse(declared.data)?.status, 413);
      assert.equal(declared.ended, 'closed');
      const chunked = await rawSend(
        server.port,
        httpRequest(
          'POST',
          '/graphql',
          { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          '5\r\n{"a":\r\n0\r\n\r\n',
        ),
      );
      assert.equal(firstResponse(chunked.data)?.status, 411);
      assert.equal((await fetch(url, { method: 'PUT', body: '{}' })).status, 405);
      const get = await fetch(`${url}?query=${encodeURIComponent('{ user(id: 2) { id } }')}`);
      assert.deepEqual(await get.json(), { data: { user: { id: '2' } } });
    });

    it('the new fields serve the data set', async () => {
      const { body } = await gql({
        query:
          '{ user(id: 3) { posts(first: 2) { id title author { id } comments(first: 2) { id text author { id } } } followers(first: 3) { id } } }',
      });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const user = (
        body.data as {
          user: {
            posts: {
              id: string;
              title: string;
              author: { id: string };
              comments: { id: string; text: string; author: { id: string } }[];
            }[];
            followers: { id: string }[];
          };
        }
      ).user;
      const posts = store.postsByUser(3).slice(0, 2);
      assert.deepEqual(
        user.posts,
        posts.map((p) => ({
          id: String(p.id),
          title: p.title,
          author: { id: '3' },
          comments: store
            .commentsByPost(p.id)
            .slice(0, 2)
            .map((c) => ({ id: String(c.id), text: c.text, author: { id: String(c.authorId) } })),
        })),
      );
      const commenters = [
        ...new Set(
          store
            .postsByUser(3)
            .flatMap((p) => store.commentsByPost(p.id).map((c) => c.authorId))
            .filter((id) => id !== 3),
        ),
      ];
      assert.deepEqual(
        user.followers.map((f) => Number(f.id)),
        commenters.slice(0, 3),
      );
    });

    it("the driver's getUser still passes, and not_found is unchanged", async () => {
      const conn = await connect({ host: HOST, port: server.port });
      try {
        for (const id of [1, 100]) {
          const out = await conn.call({ op: 'getUser', id }, { decode: true });
          assert.ok(out.ok, JSON.stringify(out));
          assert.deepEqual(out.user, canonicalUser(store.getUser(id)!));
        }
        const missing = await conn.call({ op: 'getUser', id: 101 });
        assert.ok(!missing.ok && missing.kind === 'not_found');
      } finally {
        await conn.close();
      }
    });
  });

for (const [impl, startServer] of IMPLEMENTATIONS)
  describe(`graphql connection limits: ${impl}`, () => {
    it('closes silent, idle and stalled connections; sets TCP keep-alive', async (t) => {
      const server = await startServer({ host: HOST, port: 0, store, ...SHORT_LIMITS });
      t.after(() => server.close());
      await assertHttpTimeouts(
        server.port,
        httpRequest(
          'POST',
          '/graphql',
          { 'Content-Type': 'application/json' },
          JSON.stringify({ query: '{ user(id: 1) { id } }' }),
        ),
        httpRequest('POST', '/graphql', { 'Content-Type': 'application/json', 'Content-Length': '100' }, '{"query'),
      );
    });
  });
