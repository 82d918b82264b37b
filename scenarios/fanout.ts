import { FANOUT_TRANSPORTS } from '../harness/workloads/fanout-transports.ts';
import { defineScenario } from './types.ts';

export default defineScenario({
  name: 'fanout',
  workload: 'fanout',
  description:
    'Server push to K subscribers: user-updated events at a set rate over SSE, WebSocket, gRPC streams, GraphQL subscriptions (SSE, graphql-ws), short and long polling',
  protocols: [],
  transports: FANOUT_TRANSPORTS,
  notes: [
    'Each event carries one user of the data set, an event id (1, 2, ...) and its creation time; servers serialize it once and write it to every subscriber (GraphQL executes the subscription per subscriber, as GraphQL does).',
    'Delivery latency runs from creation in the server to the socket read in the subscriber, both on CLOCK_MONOTONIC (process.hrtime), one clock for every process of the host.',
    "Lost = emitted in the window x subscribers - delivered by the end of the drain; duplicated = an event a subscriber already had. Bytes per event are the subscribers' socket bytes over the window (empty polls included) over the events received in it.",
    'SSE, WebSocket, gRPC and polling resume from the last event id after a lost connection; GraphQL subscriptions start live again (what was missed is lost).',
  ],
});
