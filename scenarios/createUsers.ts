// createUsers: batch ingestion of batchSize users (default 100) per call. gRPC client
// streaming (CreateUsers), REST one POST per user ('each', pipelined on one keep-alive
// connection) or one batch POST ('batch'), a WebSocket message, a GraphQL mutation. Users are
// really stored: verify checks the server's ids continue the data set and the batch can be
// read back; the run records the server's user count at both edges of the measured window.
import { generateUser } from '../servers/dataset.ts';
import { type VerifyReport } from '../harness/run/verify.ts';
import type { ClientModule, NewUserJson, Operation } from '../clients/types.ts';
import { z } from 'zod';
import { defineScenario, type ScenarioContext } from './types.ts';
import { defineOptions } from './options.ts';
import { EquivalenceError } from '../harness/errors.ts';

export const createUsersOptions = defineOptions(
  z.object({ batchSize: z.number().int().min(1).max(10_000).default(100).describe('users per batch (one call)') }),
  { batchSize: { flag: 'batch-size', help: 'users per batch (default 100)' } },
);
export type CreateUsersOptions = z.output<typeof createUsersOptions.schema>;

/** The users of one batch: drawn from the data set's generator, renamed so each is new. */
export function newUsers(ds: { users: number; seed: number }, start: number, n: number): NewUserJson[] {
  const out: NewUserJson[] = [];
  for (let i = 0; i < n; i++) {
    const { id: _id, createdAt: _c, ...u } = generateUser(ds, 1 + ((start + i) % ds.users));
    out.push({ ...u, username: `${u.username}.${start + i}` });
  }
  return out;
}

export function createUsersOps(ctx: ScenarioContext<CreateUsersOptions>): () => Operation {
  const n = ctx.options.batchSize;
  // A few distinct batches, reused: building JSON users is the generator's cost, not the server's.
  const batches = Array.from({ length: 8 }, (_, b) => newUsers(ctx, ((ctx.seed >>> 0) % 1000) + b * n, n));
  let i = 0;
  return () => ({
    op: 'createUsers',
    users: batches[i++ % batches.length]!,
    ...(ctx.variant !== undefined && { variant: ctx.variant }),
  });
}

export async function verifyCreateUsers(
  client: ClientModule,
  target: { host: string; port: number },
  ds: { users: number; seed: number },
  _sample: number,
  ctx?: ScenarioContext<CreateUsersOptions>,
): Promise<VerifyReport> {
  const n = Math.min((ctx?.options ?? createUsersOptions.schema.parse({})).batchSize, 50);
  const conn = await client.connect(target);
  try {
    // The server starts with the data set's users, so the first batch's ids are users+1..users+n,
    // and the second continues from there: the count grew by exactly what was sent.
    let expectedNext = ds.users + 1;
    let req = 0;
    let res = 0;
    for (let b = 0; b < 2; b++) {
      const users = newUsers(ds, 900_000 + b * n, n);
      const o = await conn.call(
        { op: 'createUsers', users, ...(ctx?.variant !== undefined && { variant: ctx.variant }) },
        { decode: true },
      );
      if (!o.ok) throw new EquivalenceError(`createUsers(${n}) failed: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`);
      const want = Array.from({ length: n }, (_, i) => expectedNext + i);
      if (o.items !== n || JSON.stringify(o.ids) !== JSON.stringify(want)) {
        throw new EquivalenceError(
          `createUsers(${n}) batch ${b}: expected ids ${want[0]}..${want[n - 1]}, got ${o.items} item(s), ids ${JSON.stringify(o.ids?.slice(0, 5))}...`,
        );
      }
      expectedNext += n;
      req += o.payload.request;
      res += o.payload.response;
    }
    return { checked: 2 * n, payload: { request: req / 2, response: res / 2 } };
  } finally {
    await conn.close();
  }
}

export default defineScenario({
  name: 'createUsers',
  description:
    'Batch ingestion of batchSize users (default 100): gRPC client streaming, REST per-user vs batch POST, WebSocket, GraphQL mutation',
  options: createUsersOptions,
  expresses: {
    rest: true,
    'grpc-js': true,
    websocket: true,
    graphql: true,
    grpc: 'the lean HTTP/2 driver frames unary GetUser only; client-streaming CreateUsers runs on the grpc-js row',
    sse: 'SSE is server-to-client only; uploading users is a plain HTTP POST (the REST row), not an SSE feature',
  },
  variants: { rest: ['each', 'batch'], 'grpc-js': ['stream'], websocket: ['batch'], graphql: ['mutation'] },
  notes: [
    'gRPC: client-streaming CreateUsers, one message per user, one CreateUsersResponse {created, ids}. REST each: one POST /v1/users per user, pipelined on the keep-alive connection; REST batch: one POST /v1/users/batch with a JSON array.',
    'WebSocket: one {"op":"createUsers","params":{"users":[...]}} message. GraphQL: mutation createUsers(input: [NewUser!]!) { created ids }.',
    "Users are stored (memory, or SQLite with --store sqlite: a batch is one transaction, a per-user POST autocommits). storedUsers: the server's user count at the window's edges. items = users stored by measured calls.",
  ],
  ops: createUsersOps,
  verify: verifyCreateUsers,
  client: async (protocol) => {
    const bulk = await import('../clients/bulk.ts');
    return (
      { rest: bulk.rest, graphql: bulk.graphql, 'grpc-js': bulk.grpcJs, websocket: bulk.websocket } as Record<
        string,
        ClientModule
      >
    )[protocol];
  },
});
