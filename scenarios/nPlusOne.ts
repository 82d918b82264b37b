// nPlusOne: GraphQL posts -> author, the N+1 shape, on the SQLite store. 'naive' resolves each
// post's author with its own query (1 + N statements per request); 'dataloader' batches them
// through a per-request DataLoader into one `WHERE id IN (...)` (2 statements). The run records
// sqlStatementsPerRequest as counted by the store, request by request (servers/request-scope.ts).
import { POSTS_PER_USER } from '../servers/dataset.ts';
import { type VerifyReport } from '../harness/run/verify.ts';
import type { ClientModule } from '../clients/types.ts';
import { z } from 'zod';
import { defineScenario, type ScenarioContext } from './types.ts';
import { defineOptions } from './options.ts';
import { EquivalenceError } from '../harness/errors.ts';

/** The most posts one query may ask for: more would pass the GraphQL complexity limit. */
const MAX_POSTS = 100;

// The same --page-size flag as listUsers (one flag sets both) and the same limits, so a value
// valid for one is valid for the other; posts per request are capped at MAX_POSTS below.
export const nPlusOneOptions = defineOptions(
  z
    .object({
      pageSize: z.number().int().min(1).max(1000).default(100).describe(`posts per request (at most ${MAX_POSTS} are asked for)`),
    })
    .strict(),
  { pageSize: { flag: 'page-size', help: `posts per request, at most ${MAX_POSTS} (default 100)` } },
);
export type NPlusOneOptions = z.output<typeof nPlusOneOptions.schema>;

/** Posts per request: pageSize, capped so the query stays within the complexity limit. */
export const postsPerRequest = (options: NPlusOneOptions): number => Math.min(options.pageSize, MAX_POSTS);

export async function verifyNPlusOne(
  client: ClientModule,
  target: { host: string; port: number },
  _ds: unknown,
  _sample: number,
  ctx?: ScenarioContext<NPlusOneOptions>,
): Promise<VerifyReport> {
  const first = postsPerRequest(ctx?.options ?? nPlusOneOptions.schema.parse({}));
  const conn = await client.connect(target);
  try {
    const o = await conn.call({ op: 'postsWithAuthors', first }, { decode: true });
    if (!o.ok) throw new EquivalenceError(`posts(first: ${first}) failed: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`);
    if (o.items !== first) throw new EquivalenceError(`posts(first: ${first}) gave ${o.items} posts`);
    // Post k of the data set is written by user ceil(k / POSTS_PER_USER) (servers/dataset.ts).
    const ids = o.ids ?? [];
    for (let i = 0; i < ids.length; i += 2) {
      const post = ids[i]!;
      const want = Math.ceil(post / POSTS_PER_USER);
      if (ids[i + 1] !== want) throw new EquivalenceError(`post ${post}: author ${ids[i + 1]}, the store says ${want}`);
    }
    return { checked: first, payload: o.payload };
  } finally {
    await conn.close();
  }
}

export default defineScenario({
  name: 'nPlusOne',
  description: 'GraphQL posts -> author on the SQLite store, with and without DataLoader: SQL statements per request and latency',
  options: nPlusOneOptions,
  variants: { graphql: ['naive', 'dataloader'] },
  // mercurius-jit resolves Post.author per post (naive) or through mercurius' loaders (dataloader).
  implementations: { 'mercurius-jit': true },
  expresses: {
    graphql: true,
    rest: 'N+1 is a resolver-per-field problem of GraphQL; a REST endpoint answers from one handler that picks its own queries',
    grpc: 'as REST: one handler per rpc, no per-field resolvers',
    'grpc-js': 'as REST: one handler per rpc, no per-field resolvers',
    websocket: 'as REST: one handler per message',
    sse: 'as REST: one handler per message',
  },
  notes: [
    'Query: posts(first: pageSize, default 100, at most 100) { id title author { id username } }, the newest posts (by created_at) so the authors are distinct. Always on the SQLite store (seeded temporary file).',
    'naive: Post.author runs SELECT ... WHERE id = ? per post (1 + N statements). dataloader: a DataLoader per request batches them into one SELECT ... WHERE id IN (...) (2 statements). sqlStatementsPerRequest is counted by the store (wrapped prepared statements), charged to the request that ran them, over the requests completed in the measured window.',
  ],
  ops: (ctx) => {
    const first = postsPerRequest(ctx.options);
    return () => ({ op: 'postsWithAuthors', first, ...(ctx.variant !== undefined && { variant: ctx.variant }) });
  },
  verify: verifyNPlusOne,
  server: (ctx) => ({ store: 'sqlite', dataloader: ctx.variant === 'dataloader' }),
  client: async (protocol) => (protocol === 'graphql' ? (await import('../clients/bulk.ts')).graphql : undefined),
});
