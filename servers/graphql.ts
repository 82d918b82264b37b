// GraphQL with graphql-yoga on node:http: POST /graphql. Unknown users resolve to null with a
// GraphQL error whose extensions.code is NOT_FOUND, so clients can tell "no such user" from
// other failures (GraphQL answers HTTP 200 either way).
import http from 'node:http';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { USER_SCHEMA_SDL } from './graphql-schema.ts';
import type { StartServer } from './types.ts';

export const GRAPHQL_PATH = '/graphql';
/** users(limit) answers at most this many users. */
export const MAX_LIST_LIMIT = 1000;

export const start: StartServer = async ({ host, port, store }) => {
  const schema = createSchema({
    typeDefs: USER_SCHEMA_SDL,
    resolvers: {
      Query: {
        user: (_: unknown, args: { id: string }) => {
          // ID arrives as a string whatever the client sent; "12abc" must not become 12.
          const id = Number(args.id);
          const user = Number.isInteger(id) ? store.getUser(id) : undefined;
          // Throwing a GraphQLError from a nullable field gives data.user = null plus the
          // error; yoga does not mask GraphQLErrors, so the code reaches the client.
          if (!user) throw new GraphQLError(`no user with id ${args.id}`, { extensions: { code: 'NOT_FOUND' } });
          return user;
        },
        users: (_: unknown, args: { afterId?: number | null; limit?: number | null }) => {
          const afterId = Math.max(0, args.afterId ?? 0);
          const limit = Math.min(Math.max(0, args.limit ?? 100), MAX_LIST_LIMIT);
          return store.listUsers(afterId, limit);
        },
      },
    },
  });

  const yoga = createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: false,
    landingPage: false,
    logging: false,
  });

  const server = http.createServer(yoga);
  // Like the REST server: keep idle keep-alive connections well past a warm-up pause.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('graphql server did not bind a TCP port');

  return {
    port: address.port,
    async close(): Promise<void> {
      // Keep-alive sockets would hold server.close() open until they idle out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await yoga.dispose();
    },
  };
};
