// deadline: every server takes SERVICE_DELAY_MS to answer getUser (a timer; ServerTuning
// serviceDelayMs) and every call has a DEADLINE_MS deadline, shorter than that. A call that
// ends with its protocol's deadline error (gRPC DEADLINE_EXCEEDED, an HTTP client abort, a
// WebSocket/SSE client timer) is the scenario's success, so the latency histogram is the time
// to failure and p50/p99 minus the deadline is the overshoot; an answer is an error (the
// deadline was not enforced). Clients: clients/deadline.ts.
import { canonicalUser } from '../proto/contract.ts';
import { idSequence } from '../harness/load/ids.ts';
import { firstDifference, type VerifyReport } from '../harness/run/verify.ts';
import type { ClientModule, Target } from '../clients/types.ts';
import { generateUser, type DatasetOptions } from '../servers/dataset.ts';
import { defineScenario, type ScenarioContext } from './types.ts';
import { EquivalenceError } from '../harness/errors.ts';

/** How long every server waits before answering. */
export const SERVICE_DELAY_MS = 100;
/** Each call's deadline: well under the service time, well over timer jitter. */
export const DEADLINE_MS = 20;

/** The verify step: short deadlines fail, a long one (10x the service time) gets the store's user. */
export async function verifyDeadline(
  client: ClientModule,
  target: Target,
  ds: DatasetOptions,
  sample: number,
): Promise<VerifyReport> {
  const next = idSequence(ds.users, ds.seed ^ 0x5eed);
  const n = Math.max(1, Math.min(sample, 5));
  const conn = await client.connect(target);
  try {
    const failMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = next();
      const t0 = performance.now();
      const o = await conn.call({ op: 'getUserWithDeadline', id, deadlineMs: DEADLINE_MS, expect: 'deadline' });
      if (!o.ok)
        throw new EquivalenceError(
          `getUser(${id}) with a ${DEADLINE_MS} ms deadline did not fail at the deadline: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`,
        );
      failMs.push(performance.now() - t0);
    }
    const long = SERVICE_DELAY_MS * 10;
    for (let i = 0; i < n; i++) {
      const id = next();
      const o = await conn.call({ op: 'getUserWithDeadline', id, deadlineMs: long, expect: 'answer' }, { decode: true });
      if (!o.ok)
        throw new EquivalenceError(
          `getUser(${id}) with a ${long} ms deadline failed: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`,
        );
      const diff = firstDifference(canonicalUser(generateUser(ds, id)), o.user ?? null);
      if (diff) throw new EquivalenceError(`getUser(${id}) differs from the store: ${diff}`);
    }
    return {
      checked: 2 * n,
      payload: { request: 0, response: 0 },
      figures: { deadlineMs: DEADLINE_MS, serviceDelayMs: SERVICE_DELAY_MS },
    };
  } finally {
    await conn.close();
  }
}

export default defineScenario({
  name: 'deadline',
  description: `getUser with a ${DEADLINE_MS} ms deadline against a server that takes ${SERVICE_DELAY_MS} ms: time to the deadline error (gRPC DEADLINE_EXCEEDED, HTTP client abort, WebSocket/SSE client timer)`,
  expresses: {
    rest: true,
    'grpc-js': true,
    websocket: true,
    graphql: true,
    sse: true,
    grpc: 'the lean HTTP/2 driver sends no grpc-timeout and never cancels a stream; gRPC deadlines are measured on the grpc-js row',
  },
  notes: [
    `Every server handles each request ${SERVICE_DELAY_MS} ms after it arrives (a timer, serviceDelayMs); each call has a ${DEADLINE_MS} ms deadline. A call that ends with the deadline error counts as ok, so latency = time to failure (overshoot = latency - ${DEADLINE_MS * 1000} us); a call answered before its deadline counts as an error (client_error answered_before_deadline).`,
    'grpc-js: the `deadline` call option; grpc-js sends grpc-timeout, ends the call with DEADLINE_EXCEEDED on its own timer and the server drops the call (its delayed GetUser sees call.cancelled and does not answer). The HTTP/2 connection stays up.',
    'REST and GraphQL: node:http on a keep-alive Agent, the request destroyed at the deadline. HTTP/1.1 has no per-request cancel, so each aborted call costs its TCP connection and the next call connects again (wire bytes include the reconnections).',
    "WebSocket and SSE: the row's lean client, given up on by a client timer; no cancel message exists, so the server still sends the answer 100 ms later and the client drops it (its bytes are in wire B/op). The connection and the event stream stay up.",
    "Payload B: requests only, where the client sizes them (the GraphQL body, the GetUser message; REST sends no body; the WebSocket/SSE timer wrapper does not see the request: 0); answers are never read. The verify step also checks that a deadline of 10x the service time gets the store's user.",
    'Client-side deadlines (REST, GraphQL, WebSocket, SSE): an answer handled after the deadline had passed (the timer was due but the event loop ran the socket first) counts as the deadline failure, at the time it was handled. Suggested load: --load closed:4x1 (one call in flight per connection, so calls cannot pile up on the delayed servers).',
  ],
  ops: (ctx: ScenarioContext) => {
    const next = idSequence(ctx.users, ctx.seed);
    return () => ({ op: 'getUserWithDeadline', id: next(), deadlineMs: DEADLINE_MS, expect: 'deadline' });
  },
  server: () => ({ serviceDelayMs: SERVICE_DELAY_MS }),
  verify: verifyDeadline,
  client: async (protocol) => (await import('../clients/deadline.ts')).DEADLINE_CLIENTS[protocol],
  // REST and GraphQL go through a node:http keep-alive Agent, which opens a socket per call in
  // flight and never pipelines: --inflight 4 is 4 sockets of one call, not "pipelined-4".
  clientTransport: (protocol) => (protocol === 'rest' || protocol === 'graphql' ? 'http1-pool' : undefined),
});
