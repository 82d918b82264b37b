// GraphQL on mercurius (fastify) with graphql-jit: the second GraphQL implementation (issue 14),
// `mercurius-jit`. The same schema, resolvers, limits and HTTP edge as graphql-yoga's server
// (servers/graphql-schema.ts, graphql-resolvers.ts, graphql-limits.ts, graphql-http.ts), errors in
// yoga's shape (servers/graphql-mercurius-errors.ts), so one client and one equivalence check
// serve both and the two differ in the library only: fastify's routing and JSON, mercurius'
// parse and validation cache, and a query compiled by graphql-jit from its second run on.
// nPlusOne's batching uses mercurius' own loaders (one batch per type and tick) rather than DataLoader.
import http from 'node:http';
import Fastify, { type FastifyReply } from 'fastify';
import mercurius, { type MercuriusContext, type MercuriusLoaders } from 'mercurius';
import { parse, type DocumentNode } from 'graphql';
import { USER_SCHEMA_SDL } from './graphql-schema.ts';
import type { UserStore } from './store.ts';
import type { RequestScope } from './request-scope.ts';
import type { StartServer } from './types.ts';
import { httpServerOptions, resolveLimits } from './http-limits.ts';
import { registerRestCompression } from './compression.ts';
import { GRAPHQL_PATH } from './graphql/index.ts';
import { DEFAULT_MAX_COMPLEXITY, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKENS, costChecker } from './graphql-limits.ts';
import { MAX_LIST_LIMIT, resolvers, usersByIds } from './graphql-resolvers.ts';
import { graphqlEdge } from './graphql-http.ts';
import { BAD_REQUEST, QueryRefused, formatErrors } from './graphql-mercurius-errors.ts';
import type { GraphQLServerOptions } from './graphql.ts';

/** graphql-jit compiles a query the second time it runs (mercurius' `jit: 1`); the first runs on graphql-js. */
export const JIT_AFTER_RUNS = 1;

/**
 * mercurius loaders for the authors of posts and comments (nPlusOne with dataloader): every
 * author one execution asks for in a tick, in one store call (one SQL statement on SQLite).
 */
function authorLoaders(store: UserStore): MercuriusLoaders {
  const load = async (queries: { obj: { authorId: number } }[]) => {
    // mercurius keys a load by its whole parent object, so one author may be asked for twice.
    const ids = [...new Set(queries.map((q) => q.obj.authorId))];
    const found = usersByIds(store, ids);
    const byId = new Map(ids.map((id, i) => [id, found[i]]));
    return queries.map(({ obj }) => {
      const u = byId.get(obj.authorId);
      // Every author id in the data set is a user of it; a miss is a bug, not a client error.
      if (!u) throw new Error(`data set has no user ${obj.authorId}`);
      return u;
    });
  };
  return { Post: { author: load }, Comment: { author: load } };
}

/** The operation a request names, from its body (POST) or query string (GET). */
function operationNameOf(context: MercuriusContext): string | undefined {
  const req = context.reply.request;
  const params = (req.method === 'GET' ? req.query : req.body) as { operationName?: unknown } | undefined;
  return typeof params?.operationName === 'string' ? params.operationName : undefined;
}

export async function startMercurius({
  host,
  port,
  store,
  maxDepth = DEFAULT_MAX_DEPTH,
  maxComplexity = DEFAULT_MAX_COMPLEXITY,
  maxTokens = DEFAULT_MAX_TOKENS,
  maxBodyBytes = 1024 * 1024,
  dataloader = false,
  maxPageUsers = MAX_LIST_LIMIT,
  compression = false,
  chat = false,
  ...limits
}: GraphQLServerOptions) {
  if (chat) throw new Error('mercurius-jit does not serve the chat scenario (graphql-ws); run it on graphql-yoga');
  const l = resolveLimits(limits);
  // fastify parses a body from socket events, outside the request's scope: the handler re-enters it.
  const scopes = new WeakMap<http.IncomingMessage, RequestScope>();
  const app = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    // fastify sets these on the server it is given too (requestTimeout 0 unless told).
    keepAliveTimeout: l.idleTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    // Strict bodies: fastify's default ajv would coerce a query given as 42 to "42" and parse it.
    ajv: { customOptions: { coerceTypes: false } },
    serverFactory: (handler) =>
      http.createServer(
        httpServerOptions(l),
        graphqlEdge({ maxBodyBytes, ...limits }, (req, res, scope) => {
          scopes.set(req, scope);
          handler(req, res);
        }),
      ),
  });
  app.addHook('preHandler', (req, _reply, done) => {
    const scope = scopes.get(req.raw);
    if (scope) scope.run(done);
    else done();
  });
  // fastify parses text/plain by default; GraphQL over HTTP takes JSON (and application/graphql), so anything else is 415.
  app.removeContentTypeParser('text/plain');
  // compression scenario: answers compressed per Accept-Encoding, as the REST server does (servers/compression.ts).
  if (compression) await registerRestCompression(app);

  await app.register(mercurius, {
    schema: USER_SCHEMA_SDL,
    resolvers: resolvers(store, false, maxPageUsers) as never,
    ...(dataloader && { loaders: authorLoaders(store) }),
    path: GRAPHQL_PATH,
    graphiql: false,
    jit: JIT_AFTER_RUNS,
    graphql: { parseOptions: { maxTokens } },
    errorFormatter: (execution, context) => formatErrors(execution as never, context.reply?.request.headers.accept),
  });

  // mercurius reads a query that does not parse as a JSON-encoded AST, which would reach the
  // validator unchecked: a document the parser did not make (it has no location) is refused
  // with the parser's own error.
  app.graphql.addHook('preValidation', (_schema, document: DocumentNode & { loc?: unknown }, context) => {
    if (!document.loc) parse((context as { __currentQuery?: string }).__currentQuery ?? '', { maxTokens });
  });
  // The limits run before execution on every request, with its variables (mercurius caches its
  // validation by query text, so a variable-dependent cost cannot be a validation rule).
  const checkCost = costChecker(maxDepth, maxComplexity);
  app.graphql.addHook('preExecution', (schema, document, context, variables) => {
    const errors = checkCost(schema, document, (variables ?? {}) as Record<string, unknown>, operationNameOf(context));
    if (errors.length) throw new QueryRefused(errors);
  });

  // yoga's answer to other methods on the endpoint: 405, as a GraphQL error, sent before fastify
  // looks at the body (whose content type would otherwise be refused first, 415).
  const methodNotAllowed = async (_req: unknown, reply: FastifyReply) =>
    reply
      .code(405)
      .header('Allow', 'GET, POST')
      .send({ errors: [{ message: 'GraphQL only supports GET and POST requests.', extensions: { code: BAD_REQUEST } }] });
  app.route({
    method: app.supportedMethods.filter((m) => !['GET', 'HEAD', 'POST'].includes(m)),
    url: GRAPHQL_PATH,
    onRequest: methodNotAllowed,
    handler: methodNotAllowed,
  });

  await app.listen({ host, port });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('mercurius did not bind a TCP port');
  return {
    port: address.port,
    async close(): Promise<void> {
      // Keep-alive sockets would hold the close open until they idle out.
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

export const start: StartServer = (options) => startMercurius(options);
