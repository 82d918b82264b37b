// GraphQL behaviour: the guide's own operations validated against the guide's own SDL as
// written, its TooDeep and TooExpensive queries sent to the reference server (depth limit 5,
// complexity limit 1000), introspection, deprecation, and a subscription carried over WebSocket
// by the project's graphql-ws push server (with what graphql-yoga does on its own beside it).
import http from 'node:http';
import { buildSchema, graphql, parse, validate, type GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import WebSocket from 'ws';
import { startGraphQL, GRAPHQL_PATH } from '../servers/graphql.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { guideText } from './guide.ts';
import { startGraphqlWs, GRAPHQL_WS_PATH } from '../servers/push/graphql-ws.ts';
import { USER_UPDATED_SUBSCRIPTION } from '../servers/push/graphql-common.ts';
import { EventLog } from '../servers/push/events.ts';
import { held, type CheckResult } from './observe.ts';

const HOST = '127.0.0.1';

/** The guide's schema: the SDL blocks of "GraphQL Core Concepts", without the example operations between them. */
export function guideSdl(): string {
  return [
    guideText(2050, 2125, 'type User {'),
    guideText(2130, 2176, 'type Query {'),
    guideText(2208, 2229, 'type Mutation {'),
    guideText(2268, 2304, 'type Subscription {'),
  ].join('\n');
}

/** The example operations the guide prints, by the lines they sit on. */
export function guideOperations(): { lines: string; text: string }[] {
  return [
    { lines: 'L1991-2009', text: guideText(1991, 2009, 'query {') },
    { lines: 'L2179-2198', text: guideText(2179, 2198, 'query GetUserProfile') },
    { lines: 'L2232-2242', text: guideText(2232, 2242, 'mutation CreatePost') },
    { lines: 'L2307-2317', text: guideText(2307, 2317, 'subscription OnCommentAdded') },
    { lines: 'L2485-2491', text: guideText(2485, 2492, 'query {') },
  ];
}

export interface OperationVerdict {
  lines: string;
  errors: string[];
}

/** graphql-js's own verdict on each example: parse errors and validation errors, as it words them. */
export function validateGuideOperations(): { schemaError: string | null; results: OperationVerdict[] } {
  let schema;
  try {
    schema = buildSchema(guideSdl());
  } catch (err) {
    return { schemaError: (err as Error).message, results: [] };
  }
  const results = guideOperations().map(({ lines, text }) => {
    try {
      return { lines, errors: validate(schema, parse(text)).map((e: GraphQLError) => e.message) };
    } catch (err) {
      return { lines, errors: [`does not parse: ${(err as Error).message}`] };
    }
  });
  return { schemaError: null, results };
}

interface GqlAnswer {
  status: number;
  errors: { message: string; extensions?: Record<string, unknown> }[];
  data: unknown;
}

async function post(port: number, query: string): Promise<GqlAnswer> {
  const res = await fetch(`http://${HOST}:${port}${GRAPHQL_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: GqlAnswer['errors']; data?: unknown };
  return { status: res.status, errors: body.errors ?? [], data: body.data };
}

const codes = (a: GqlAnswer): string =>
  [...new Set(a.errors.map((e) => String(e.extensions?.code ?? 'no code')))].join(', ') || 'none';

export async function gqlCheck(): Promise<CheckResult> {
  const out: CheckResult = {};

  const v = validateGuideOperations();
  if (v.schemaError) out.examplesValidate = held(false, `the guide's SDL does not build: ${v.schemaError}`);
  else {
    const bad = v.results.filter((r) => r.errors.length);
    // The N+1 example belongs to the resolver section, whose own typeDefs do have Query.posts.
    const apollo = buildSchema(guideText(2343, 2373, 'type User {'));
    const nPlusOneThere = validate(apollo, parse(guideText(2485, 2492, 'query {'))).length === 0;
    out.examplesValidate = held(
      bad.length === 0,
      `${v.results.length - bad.length} of ${v.results.length} validate against the guide's SDL (L2050-2304). ${bad.map((b) => `${b.lines}: ${b.errors.slice(0, 3).join('; ')}${b.errors.length > 3 ? `; +${b.errors.length - 3} more` : ''}`).join(' | ')}. (L2485-2491 ${nPlusOneThere ? 'does' : 'does not'} validate against the resolver section's typeDefs, L2343-2373.)`,
    );
  }

  const store = createMemoryStore(DEFAULT_DATASET);
  const server = await startGraphQL({ host: HOST, port: 0, store });
  try {
    // Depth: the guide's query as written, then with its "..." and the required id filled in.
    const tooDeep = guideText(2575, 2589, 'query TooDeep');
    const asWritten = await post(server.port, tooDeep);
    const filled = tooDeep.replace('...', 'id').replace('user {', 'user(id: 1) {');
    const deep = await post(server.port, filled);
    const depth5 = await post(
      server.port,
      'query Depth5 { user(id: 1) { posts(first: 1) { author { followers(first: 1) { posts(first: 1) { id } } } } } }',
    );
    const deepRejected = deep.errors.some((e) => e.extensions?.code === 'DEPTH_LIMIT_EXCEEDED');
    out.depth = held(
      deepRejected && depth5.errors.length === 0,
      `as written: ${asWritten.errors[0]?.message ?? 'accepted'} (the "..." is not GraphQL); filled in: ${deepRejected ? 'rejected' : 'accepted'} (${deep.errors.find((e) => e.extensions?.code === 'DEPTH_LIMIT_EXCEEDED')?.message ?? codes(deep)}); a depth-5 query: ${depth5.errors.length ? `rejected (${codes(depth5)})` : 'accepted'}`,
    );

    // Complexity: the guide's TooExpensive, filled in the same way.
    const tooExpensive = guideText(2544, 2556, 'query TooExpensive');
    const expAsWritten = await post(server.port, tooExpensive);
    const exp = await post(server.port, tooExpensive.replace('...', 'id'));
    const cheap = await post(server.port, '{ user(id: 1) { id username } }');
    const cx = exp.errors.find((e) => e.extensions?.code === 'COMPLEXITY_LIMIT_EXCEEDED');
    out.complexity = held(
      cx !== undefined && cheap.errors.length === 0,
      `as written: ${expAsWritten.errors[0]?.message ?? 'accepted'}; filled in: ${cx ? `"${cx.message}"` : `not rejected for complexity (${codes(exp)})`}, the guide says 52,000 with graphql-validation-complexity's costs (the server counts 1 per field times first/limit, default 10 per list); a cheap query: ${cheap.errors.length ? 'rejected' : 'accepted'}`,
    );

    const intro = await post(server.port, '{ __schema { queryType { name } types { name } } }');
    const types = ((intro.data as { __schema?: { types?: { name: string }[] } } | undefined)?.__schema?.types ?? []).map(
      (t) => t.name,
    );
    out.introspection = held(
      types.includes('User') && types.includes('Query'),
      `__schema lists ${types.length} types, ${types.filter((t) => !t.startsWith('__')).join(', ')}`,
    );
  } finally {
    await server.close();
  }

  out.deprecation = await deprecation();
  out.subscriptionTransport = await subscriptionTransport();
  return out;
}

async function deprecation(): Promise<ReturnType<typeof held>> {
  const sdl = `${guideText(2720, 2725, 'type User {')}\ntype Query { user: User }`;
  const schema = buildSchema(sdl);
  const root = { user: { id: '1', fullName: 'John Doe', firstName: 'John', lastName: 'Doe' } };
  const old = await graphql({ schema, source: '{ user { fullName } }', rootValue: root });
  const intro = await graphql({
    schema,
    source: '{ __type(name: "User") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }',
  });
  const f = (
    intro.data as { __type: { fields: { name: string; isDeprecated: boolean; deprecationReason: string | null }[] } }
  ).__type.fields.find((x) => x.name === 'fullName');
  const ok = !old.errors && (old.data as { user: { fullName: string } }).user.fullName === 'John Doe' && f?.isDeprecated === true;
  return held(
    ok,
    `old query { user { fullName } }: ${old.errors ? old.errors[0]?.message : 'still answers'}; introspection: isDeprecated ${f?.isDeprecated}, reason "${f?.deprecationReason}"`,
  );
}

/**
 * The claim is that subscriptions run over WebSocket: the project's GraphQL push server runs
 * them with graphql-ws (the graphql-transport-ws protocol) on ws. Subscribe over a WebSocket,
 * emit one event, and see it arrive as a `next` message. graphql-yoga's own default transport
 * (what a bare yoga answers a subscription with) is reported beside it, as measured.
 */
async function subscriptionTransport(): Promise<ReturnType<typeof held>> {
  const log = new EventLog(createMemoryStore({ ...DEFAULT_DATASET, users: 10 }));
  const server = await startGraphqlWs({ host: HOST, port: 0, log });
  let overWs: string;
  try {
    overWs = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${HOST}:${server.port}${GRAPHQL_WS_PATH}`, 'graphql-transport-ws');
      let emitter: NodeJS.Timeout | undefined;
      const done = (why: string): void => {
        clearTimeout(timer);
        clearInterval(emitter);
        ws.terminate();
        resolve(why);
      };
      // Generous: this is a behaviour, not a timing; a busy machine only makes it slower.
      const timer = setTimeout(() => done('no event within 10 s'), 10_000);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; payload?: { data?: { userUpdated?: { eventId: number } } } };
        if (m.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: USER_UPDATED_SUBSCRIPTION } }));
          // The server registers the subscription when the subscribe message lands: emit until an event arrives.
          emitter = setInterval(() => log.emit(), 50);
        }
        if (m.type === 'next' && m.payload?.data?.userUpdated)
          done(`event ${m.payload.data.userUpdated.eventId} arrived as a graphql-transport-ws "next" message over the WebSocket`);
      });
      ws.on('unexpected-response', (_req, r) => done(`HTTP ${r.statusCode}, not upgraded`));
      ws.on('error', (e) => done(`failed (${e.message})`));
    });
  } finally {
    await server.close();
  }
  const yoga = await yogaDefaultTransport();
  return held(
    /arrived/.test(overWs),
    `the project's GraphQL push server (graphql-ws on ws, servers/push/graphql-ws.ts): ${overWs}; a bare graphql-yoga, for comparison: ${yoga}`,
  );
}

/** What a bare graphql-yoga answers a subscription with, and whether it upgrades a WebSocket on its path. */
async function yogaDefaultTransport(): Promise<string> {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Post { id: ID! title: String! } type Query { ok: Boolean } type Subscription { postCreated: Post! }',
      resolvers: {
        Subscription: {
          postCreated: {
            async *subscribe() {
              yield { postCreated: { id: '1', title: 'Post 1' } };
            },
          },
        },
      },
    }),
    logging: false,
  });
  const server = http.createServer(yoga);
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as { port: number }).port;
  try {
    const res = await fetch(`http://${HOST}:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { postCreated { id title } }' }),
    });
    const type = (res.headers.get('content-type') ?? '').split(';')[0] || 'no content type';
    const body = await res.text();
    const upgrade = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${HOST}:${port}/graphql`, 'graphql-transport-ws');
      const done = (why: string): void => {
        clearTimeout(timer);
        ws.terminate();
        resolve(why);
      };
      const timer = setTimeout(() => done('no answer'), 5000);
      ws.on('open', () => done('upgraded'));
      ws.on('unexpected-response', (_req, r) => done(`HTTP ${r.statusCode}, not upgraded`));
      ws.on('error', (e) => done(`failed (${e.message})`));
    });
    const named = type === 'text/event-stream' ? ' (Server-Sent Events)' : '';
    return `answers with ${type}${named}${/postCreated/.test(body) ? ' carrying the event' : ''}; a WebSocket upgrade on /graphql: ${upgrade}`;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
