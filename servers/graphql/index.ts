// GraphQL on graphql-yoga: what the server is (servers/types.ts ServerIndex); the schema and
// resolvers are in servers/graphql.ts.
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
  ],
  scheme: 'http',
  urlPath: '',
  pathHint: `POST http://HOST:PORT${GRAPHQL_PATH} {"query":"{ user(id: 1) { id username } }"}`,
  rows: ['graphql'],
};
