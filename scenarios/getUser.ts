import { defineScenario } from './types.ts';

export default defineScenario({
  name: 'getUser',
  description: 'Fetch one user by id (unary request/response); ids drawn uniformly from the seeded data set',
  expresses: { rest: true, grpc: true, 'grpc-js': true, websocket: true, graphql: true, sse: true },
  // The contract every implementation serves and the equivalence check proves: no server tuning.
  implementations: 'all',
  notes: [
    'REST: GET /v1/users/:id (fastify, HTTP/1.1 keep-alive). gRPC: unary GetUser (grpc-js server) over HTTP/2.',
    'WebSocket: one JSON text frame each way, correlated by request id. GraphQL: POST /graphql with a query and variables (graphql-yoga).',
    'SSE: RPC over SSE. The request is an HTTP POST (answered 202) and the user arrives as an event on a long-lived text/event-stream, correlated by request id, as RPC-over-SSE transports do; so each call costs an HTTP request plus an event.',
  ],
});
