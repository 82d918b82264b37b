// payloadSize: the same operation, one page of users answered as ONE response message, at
// three sizes (small, medium, large: about 270 B, 10 KB and 1 MB of JSON), to show where each
// protocol's fixed per-call costs stop dominating and per-byte costs (serialisation, copies,
// framing) take over. Each size is a variant, so every protocol row runs three times.
import type { ClientModule } from '../clients/types.ts';
import { listUsersOps, verifyListUsers } from './listUsers.ts';
import { defineScenario, type ScenarioContext } from './types.ts';

/**
 * Users per page. The data set's users average 248 bytes of JSON each (seed 42), so the REST
 * body is about 275 B, 9.9 KB and 0.99 MB; protobuf carries the same page in fewer bytes.
 */
export const PAGE_USERS = { small: 1, medium: 40, large: 4000 } as const;
export type PageSize = keyof typeof PAGE_USERS;
export const PAGE_SIZE_NAMES = Object.keys(PAGE_USERS) as PageSize[];

/** Complexity of one user in the GraphQL page (6 scalar fields + address 1 + its 4). */
const GRAPHQL_COST_PER_USER = 11;

/**
 * The servers' knobs both payload scenarios need: the large page is over every default cap (1000 users,
 * GraphQL complexity 1000).
 */
export function largePageTuning(): { maxPageUsers: number; maxComplexity: number } {
  return { maxPageUsers: PAGE_USERS.large, maxComplexity: 1 + PAGE_USERS.large * GRAPHQL_COST_PER_USER };
}

/** The page size a variant names: 'large', or the size after the last '-' ('gzip-large'). */
export function pageSizeOf(variant: string | undefined): PageSize {
  const name = (variant ?? '').split('-').pop() as PageSize;
  if (!(name in PAGE_USERS))
    throw new Error(`variant ${JSON.stringify(variant)} names no page size (${PAGE_SIZE_NAMES.join(', ')})`);
  return name;
}

/** listUsers operations (seeded page starts, the same for every row) with the variant's page size. */
export function pageOps(ctx: ScenarioContext) {
  return listUsersOps({ ...ctx, options: { pageSize: PAGE_USERS[pageSizeOf(ctx.variant)], offsetDepth: 0 } });
}

export async function verifyPages(
  client: ClientModule,
  target: { host: string; port: number },
  ds: { users: number; seed: number },
  sample: number,
  ctx?: ScenarioContext,
) {
  // A handful of pages suffices for the large size (each is 4000 users compared field by field).
  return verifyListUsers(client, target, ds, Math.min(sample, 4), {
    users: ds.users,
    seed: ds.seed,
    ...ctx,
    options: { pageSize: PAGE_USERS[pageSizeOf(ctx?.variant)], offsetDepth: 0 },
  });
}

const PROTOCOLS = ['rest', 'graphql', 'grpc-js', 'websocket', 'sse'] as const;

export default defineScenario({
  name: 'payloadSize',
  description:
    'One page of users as one response at ~270 B, ~10 KB and ~1 MB (1, 40, 4000 users): where fixed per-call costs stop dominating',
  expresses: {
    rest: true,
    graphql: true,
    'grpc-js': true,
    websocket: true,
    sse: true,
    grpc: 'the lean HTTP/2 driver keeps one HPACK-indexed request path (GetUser) per connection and decodes only User answers; the unary ListUsersPage runs on the grpc-js row',
  },
  variants: Object.fromEntries(PROTOCOLS.map((p) => [p, PAGE_SIZE_NAMES])),
  notes: [
    `Pages of ${PAGE_USERS.small}, ${PAGE_USERS.medium} and ${PAGE_USERS.large} users from a seeded start; payload bytes are the answer's real size per protocol (JSON body, event data, WebSocket message, protobuf UserPage).`,
    'REST: GET /v1/users?after=&limit= ({users, nextAfter}). GraphQL: the plain list field users(afterId:, limit:) (a Relay connection would add edge/cursor bytes per user). gRPC: unary ListUsersPage returning one UserPage. WebSocket: op listUsers, one {"id","result":[...]} message. SSE: op listUsersPage, one result event.',
    `Servers run with maxPageUsers ${PAGE_USERS.large} (default cap 1000) and GraphQL maxComplexity ${largePageTuning().maxComplexity} (default 1000), or the large page would be refused.`,
    'At the default 4 x 8 calls in flight a 1 MB GraphQL or grpc-js page queues for seconds and a 3 s window completes few calls; the README figures use --inflight 1.',
  ],
  ops: pageOps,
  verify: verifyPages,
  server: () => largePageTuning(),
  client: async (protocol) => {
    const p = await import('../clients/payload.ts');
    return (
      {
        rest: p.restPage(),
        graphql: p.graphqlPage(),
        'grpc-js': p.grpcJsPage,
        websocket: p.websocketPage(),
        sse: p.ssePage,
      } as Record<string, ClientModule>
    )[protocol];
  },
});
