// nestedProfile: a user with its 10 posts and 5 comments on each, the guide's "GraphQL
// avoids the REST waterfall" claim. The figure that matters is round trips: on loopback
// they cost ~50 us and hide, so run it with `--delay MS` (harness/run/delay-proxy.ts) too.
import { defineScenario } from './types.ts';
import { idSequence } from '../harness/load/ids.ts';
import { decodedCall, expectNotFound, firstDifference, type VerifyReport } from '../harness/run/verify.ts';
import { expectedProfile, REQUESTS_PER_PROFILE, REST_PARALLEL, ROUND_TRIPS_PER_PROFILE } from '../clients/nested-profile.ts';
import type { ClientModule, Target } from '../clients/types.ts';
import { COMMENTS_PER_POST, POSTS_PER_USER, type DatasetOptions } from '../servers/dataset.ts';
import { EquivalenceError } from '../harness/errors.ts';

/** Profiles compared in the verify step: each is 12 requests for REST, so a few are enough. */
const VERIFY_PROFILES = 5;

export async function verifyNestedProfile(
  client: ClientModule,
  target: Target,
  ds: DatasetOptions,
  sample: number,
): Promise<VerifyReport> {
  const conn = await client.connect(target);
  try {
    const next = idSequence(ds.users, ds.seed ^ 0x5eed);
    const n = Math.min(sample, VERIFY_PROFILES);
    let req = 0;
    let res = 0;
    let requests = 0;
    for (let i = 0; i < n; i++) {
      const id = next();
      const outcome = await decodedCall(conn, { op: 'nestedProfile', id }, `nestedProfile(${id})`);
      if (!outcome.profile) throw new EquivalenceError(`nestedProfile(${id}) returned no decoded profile`);
      const diff = firstDifference(expectedProfile(ds, id), outcome.profile);
      if (diff) throw new EquivalenceError(`nestedProfile(${id}) differs from the store: ${diff}`);
      req += outcome.payload.request;
      res += outcome.payload.response;
      requests += outcome.requests ?? 1;
    }
    await expectNotFound(conn, { op: 'nestedProfile', id: ds.users + 1 }, `nestedProfile(${ds.users + 1})`);
    // Counted by the client on each verified profile (the count does not depend on load).
    return { checked: n, payload: { request: req / n, response: res / n }, figures: { requestsPerOp: requests / n } };
  } finally {
    await conn.close();
  }
}

export default defineScenario({
  name: 'nestedProfile',
  description: `A user with ${POSTS_PER_USER} posts and ${COMMENTS_PER_POST} comments each: one GraphQL query vs the REST waterfall vs gRPC unary calls; use --delay MS to make round trips visible`,
  expresses: {
    rest: true,
    'grpc-js': true,
    graphql: true,
    grpc: "the lean HTTP/2 driver pre-builds one method (GetUser); the profile's three rpcs run on the grpc-js row",
    websocket: 'the WebSocket server speaks getUser only; a nested read would be a bespoke message, not a protocol feature',
    sse: 'RPC over SSE carries getUser only; a nested read would be a bespoke event, not a protocol feature',
  },
  notes: [
    `REST: GET /v1/users/:id, then GET /v1/users/:id/posts, then GET /v1/posts/:id/comments per post, up to ${REST_PARALLEL} at once on separate HTTP/1.1 connections (a browser's per-host limit, no pipelining): ${REQUESTS_PER_PROFILE.rest} requests, ${ROUND_TRIPS_PER_PROFILE.rest} round trips.`,
    `GraphQL: one POST /graphql selecting user { posts { comments } }: ${REQUESTS_PER_PROFILE.graphql} request, ${ROUND_TRIPS_PER_PROFILE.graphql} round trip.`,
    `gRPC (grpc-js client): GetUser and GetUserPosts together, then GetPostComments per post, multiplexed on one HTTP/2 connection: ${REQUESTS_PER_PROFILE.grpc} calls, ${ROUND_TRIPS_PER_PROFILE.grpc} round trips.`,
    'requestsPerOp is counted by each client on the profiles it verifies; payload B is the sum of all response bodies of one profile.',
  ],
  ops: (ctx) => {
    const next = idSequence(ctx.users, ctx.seed);
    return () => ({ op: 'nestedProfile', id: next() });
  },
  verify: verifyNestedProfile,
});
