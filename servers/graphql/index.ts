// GraphQL on graphql-yoga (the reference) and on mercurius with graphql-jit: what the server is
// (servers/types.ts ServerIndex). Both serve servers/graphql-schema.ts with the resolvers of
// servers/graphql-resolvers.ts; yoga's routes are in servers/graphql.ts, mercurius' in
// servers/graphql-mercurius.ts.
import type { ServerIndex } from '../types.ts';

/** Queries and mutations are POSTed here; the chat scenario's graphql-ws socket opens the same path. */
export const GRAPHQL_PATH = '/graphql';

export const index: ServerIndex = {
  implementations: [
    {
      name: 'graphql-yoga',
      versionOf: 'graphql-yoga',
      description: 'graphql-yoga on node:http, graphql-js execution',
      // graphql-ws serves the chat scenario; dataloader batches nPlusOne; the depth and complexity
      // rules run on every request.
      packages: ['graphql', 'graphql-yoga', 'graphql-ws', 'dataloader', 'graphql-depth-limit', 'graphql-query-complexity'],
      load: async () => (await import('../graphql.ts')).start,
    },
    {
      name: 'mercurius-jit',
      versionOf: 'mercurius',
      description: 'mercurius on fastify, queries compiled by graphql-jit from their second run; loaders batch nPlusOne',
      // fastify carries the routes; the depth and complexity rules run before every execution.
      packages: ['graphql', 'mercurius', 'graphql-jit', 'fastify', 'graphql-depth-limit', 'graphql-query-complexity'],
      load: async () => (await import('../graphql-mercurius.ts')).start,
    },
  ],
  scheme: 'http',
  urlPath: '',
  pathHint: `POST http://HOST:PORT${GRAPHQL_PATH} {"query":"{ user(id: 1) { id username } }"}`,
  rows: ['graphql'],
};
