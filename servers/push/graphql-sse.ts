// GraphQL subscriptions over graphql-yoga's SSE transport ("distinct connections" mode):
// GET /graphql?query=subscription{...} with Accept: text/event-stream. Each event is an
// `event: next` with the execution result as data; yoga pings with `:` every 12 s (fixed in
// yoga). No resume: a GraphQL subscription that is reconnected starts live again.
import http from 'node:http';
import type net from 'node:net';
import { createYoga } from 'graphql-yoga';
import { pushSchema } from './graphql-common.ts';
import { dropFirst, listen, type PushServer, type PushServerOptions, type StartPushServer } from './types.ts';

export const GRAPHQL_PUSH_PATH = '/graphql';

export const start: StartPushServer = (o) => startGraphqlSse(o);

export async function startGraphqlSse({ host, port, log }: PushServerOptions): Promise<PushServer> {
  const { schema, stop } = pushSchema(log);
  const yoga = createYoga({ schema, graphqlEndpoint: GRAPHQL_PUSH_PATH, graphiql: false, landingPage: false, logging: false });
  const streams = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    streams.add(req.socket);
    res.on('close', () => streams.delete(req.socket));
    void yoga(req, res);
  });
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  server.on('connection', (s: net.Socket) => s.setNoDelay(true));
  const boundPort = await listen(server, host, port);
  return {
    port: boundPort,
    subscribers: () => streams.size,
    drop: (count) => dropFirst(streams, count, (s) => s.destroy()),
    async close() {
      stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await yoga.dispose();
    },
  };
}
