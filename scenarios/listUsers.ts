// listUsers: one page of N users (pageSize) per call. REST by offset and by cursor, a GraphQL
// connection, and streamed on gRPC (server streaming), WebSocket and SSE (one message or
// event per user, then an end marker). The '-deep' rows start every page at offsetDepth:
// on the SQLite store (--store sqlite) OFFSET walks past every skipped row, a cursor seeks.
import { canonicalUser } from '../proto/contract.ts';
import { createMemoryStore } from '../servers/store.ts';
import { firstDifference, type VerifyReport } from '../harness/run/verify.ts';
import type { ClientModule } from '../clients/types.ts';
import { z } from 'zod';
import { defineScenario, type ScenarioContext } from './types.ts';
import { defineOptions } from './options.ts';
import { EquivalenceError } from '../harness/errors.ts';

export const listUsersOptions = defineOptions(
  z.object({
    pageSize: z.number().int().min(1).max(1000).default(100).describe('users per page'),
    offsetDepth: z
      .number()
      .int()
      .min(0)
      .default(9000)
      .describe("where the '-deep' rows start every page (SQLite OFFSET walks past them, a cursor seeks)"),
  }),
  {
    pageSize: { flag: 'page-size', help: 'users per page (default 100)' },
    offsetDepth: { flag: 'offset-depth', help: 'where the deep offset/cursor rows start (default 9000)' },
  },
);
export type ListUsersOptions = z.output<typeof listUsersOptions.schema>;

/** Where the pages of a row start: random for the normal rows, offsetDepth for '-deep' rows. */
export function listUsersOps(
  ctx: ScenarioContext<ListUsersOptions>,
): () => { op: 'listUsers'; after: number; limit: number; variant?: string } {
  const { pageSize: limit, offsetDepth } = ctx.options;
  const span = Math.max(1, ctx.users - limit + 1);
  const deep = ctx.variant?.endsWith('-deep') === true;
  // A small seeded LCG: the same starts for every protocol row.
  let x = ctx.seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const after = deep ? Math.min(offsetDepth, Math.max(0, ctx.users - limit)) : x % span;
    return { op: 'listUsers', after, limit, ...(ctx.variant !== undefined && { variant: ctx.variant }) };
  };
}

export async function verifyListUsers(
  client: ClientModule,
  target: { host: string; port: number },
  ds: { users: number; seed: number },
  sample: number,
  ctx?: ScenarioContext<ListUsersOptions>,
): Promise<VerifyReport> {
  const c: ScenarioContext<ListUsersOptions> = {
    users: ds.users,
    seed: ds.seed ^ 0x5eed,
    options: listUsersOptions.schema.parse({}),
    ...ctx,
  };
  const store = createMemoryStore(ds);
  const next = listUsersOps({ ...c, seed: ds.seed ^ 0x5eed });
  // A few pages are enough (each is pageSize users), plus the first and the last page.
  const starts = [0, Math.max(0, ds.users - 3)];
  for (let i = 0; i < Math.min(sample, 10); i++) starts.push(next().after);
  const conn = await client.connect(target);
  let req = 0;
  let res = 0;
  try {
    for (const after of starts) {
      const limit = c.options.pageSize;
      const o = await conn.call(
        { op: 'listUsers', after, limit, ...(c.variant !== undefined && { variant: c.variant }) },
        { decode: true },
      );
      if (!o.ok) throw new EquivalenceError(`listUsers(after ${after}) failed: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`);
      const expected = store.listUsers(after, limit).map(canonicalUser);
      const diff = firstDifference(expected, o.users ?? null);
      if (diff) throw new EquivalenceError(`listUsers(after ${after}, limit ${limit}) differs from the store: ${diff}`);
      if (o.items !== expected.length)
        throw new EquivalenceError(`listUsers(after ${after}) reported ${o.items} items, expected ${expected.length}`);
      req += o.payload.request;
      res += o.payload.response;
    }
  } finally {
    await conn.close();
  }
  return { checked: starts.length, payload: { request: req / starts.length, response: res / starts.length } };
}

export default defineScenario({
  name: 'listUsers',
  description:
    'A page of pageSize users (default 100): REST offset vs cursor, GraphQL connection, streamed on gRPC, WebSocket and SSE',
  options: listUsersOptions,
  expresses: {
    rest: true,
    graphql: true,
    'grpc-js': true,
    websocket: true,
    sse: true,
    grpc: 'the lean HTTP/2 driver frames unary calls only; the server-streaming ListUsers runs on the grpc-js row. the unary page (ListUsersPage) runs on the grpc-js row too',
  },
  variants: {
    rest: ['offset', 'cursor', 'offset-deep', 'cursor-deep'],
    graphql: ['connection'],
    'grpc-js': ['stream', 'unary'],
    websocket: ['stream'],
    sse: ['stream'],
  },
  notes: [
    'REST: GET /v1/users?offset=&limit= (offset) or ?after=<last id>&limit= (cursor), one JSON page; the -deep rows start every page at offsetDepth (default 9000): run with --store sqlite to see OFFSET cost.',
    'GraphQL: userConnection(first:, after:) with edges { cursor node } and pageInfo (Relay). gRPC: server-streaming ListUsers (stream) or unary ListUsersPage, the page as one UserPage message (unary), on the stock grpc-js client. WebSocket: op listUsersStream, one message per user then {"end":true}. SSE: POST /v1/rpc op listUsers, one item event per user then an end event.',
    'latencyUs and lastItemUs: time to the last item; firstItemUs: time to the first item (a JSON page is usable only whole, so first = last for REST and GraphQL). bytesPerItem: socket bytes both ways per user.',
  ],
  ops: listUsersOps,
  verify: verifyListUsers,
  client: async (protocol, variant) => {
    // gRPC unary page: ListUsersPage, one UserPage message (the payloadSize scenario's client).
    if (protocol === 'grpc-js' && variant === 'unary') return (await import('../clients/payload.ts')).grpcJsPage;
    const bulk = await import('../clients/bulk.ts');
    return (
      { rest: bulk.rest, graphql: bulk.graphql, 'grpc-js': bulk.grpcJs, websocket: bulk.websocket, sse: bulk.sse } as Record<
        string,
        ClientModule
      >
    )[protocol];
  },
});
