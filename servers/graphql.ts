// GraphQL with graphql-yoga on node:http: POST /graphql. Unknown users resolve to null with a
// GraphQL error whose extensions.code is NOT_FOUND, so clients can tell "no such user" from
// other failures (GraphQL answers HTTP 200 either way).
// Queries are limited as the guide recommends: depth at most 5 (graphql-depth-limit, the
// guide's own library and counting) and complexity at most 1000 (graphql-query-complexity,
// each field 1 plus its children, times first/limit on list fields). A query over either
// limit is refused before it runs, with a GraphQL error whose extensions.code is
// DEPTH_LIMIT_EXCEEDED or COMPLEXITY_LIMIT_EXCEEDED. Two cheaper bounds come first: the
// parser stops at maxTokens (graphql-js parses and validates recursively and some rules are
// quadratic, so a 1 MiB query of nested braces or thousands of aliases would overflow the
// stack, a 500, or take seconds of CPU), and a query whose fragments expand to more than
// MAX_SELECTIONS fields is refused before either library walks it (see expandedSelections).
// The limits (servers/graphql-limits.ts), resolvers (servers/graphql-resolvers.ts) and HTTP edge
// (servers/graphql-http.ts) are shared with the mercurius server; this file is yoga's own part.
import http from 'node:http';
import { parse, type GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { USER_SCHEMA_SDL } from './graphql-schema.ts';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, type ConnectionLimits } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { pickEncoding, sendCompressed } from './compression.ts';
import { GRAPHQL_PATH } from './graphql/index.ts';
import { DEFAULT_MAX_COMPLEXITY, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOKENS, costChecker } from './graphql-limits.ts';
import { MAX_LIST_LIMIT, authorsLoader, resolvers, type AuthorContext } from './graphql-resolvers.ts';
import { graphqlEdge, sendError } from './graphql-http.ts';

// Defined with the server's metadata (servers/graphql/index.ts); claims import it from here.
export { GRAPHQL_PATH };
// The limits and resolvers moved to their own modules when mercurius joined yoga; their old
// home still exports them for the tests and claims that import them from here.
export {
  DEFAULT_MAX_COMPLEXITY,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_TOKENS,
  LIST_FACTOR,
  MAX_SELECTIONS,
  checkCost,
  expandedSelections,
  listCostEstimator,
} from './graphql-limits.ts';
export { MAX_LIST_LIMIT, userCursor } from './graphql-resolvers.ts';

export interface GraphQLServerOptions extends ServerOptions, ConnectionLimits {
  maxDepth?: number;
  maxComplexity?: number;
  /** Most lexical tokens in a query; default 1000, a GRAPHQL_PARSE_FAILED error above. */
  maxTokens?: number;
  /** Largest POST body accepted; default 1 MiB, 413 above. */
  maxBodyBytes?: number;
}

/**
 * Runs the limits after yoga's own validation, and only on documents that passed it: both
 * libraries assume a valid document (graphql-depth-limit follows fragment spreads without
 * checking that they exist or do not cycle), and the spec's errors say more about a broken one.
 */
function costLimitPlugin(maxDepth: number, maxComplexity: number): Plugin<YogaInitialContext> {
  const check = costChecker(maxDepth, maxComplexity);
  return {
    onValidate({ params: { schema, documentAST }, context }) {
      return ({ valid, result, setResult }) => {
        if (!valid) return;
        const { variables, operationName } = context.params ?? {};
        const errors: GraphQLError[] = check(schema, documentAST, variables ?? {}, operationName ?? undefined);
        if (errors.length) setResult([...result, ...errors]);
      };
    },
  };
}

/** graphql-js's own token limit, which yoga does not set. */
function maxTokensPlugin(maxTokens: number): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parse(source, { ...options, maxTokens }));
    },
  };
}

export async function startGraphQL({
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
  const schema = createSchema({ typeDefs: USER_SCHEMA_SDL, resolvers: resolvers(store, dataloader, maxPageUsers) });

  const yoga = createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: false,
    landingPage: false,
    logging: false,
    plugins: [maxTokensPlugin(maxTokens), costLimitPlugin(maxDepth, maxComplexity)],
    // A DataLoader per request (servers/graphql-resolvers.ts): one store call for the authors of one execution.
    ...(dataloader && { context: (): AuthorContext => ({ authors: authorsLoader(store) }) }),
  });

  // whatwg-node (under yoga) builds a URL from the Host header, and when that does not parse it
  // answers 500 with the stack trace in the body: refuse it as a bad request.
  const serve = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!URL.canParse(`http://${req.headers.host ?? 'localhost'}/`))
      return sendError(res, 400, 'BAD_REQUEST', 'invalid Host header');
    // compression scenario: yoga's answer, compressed per Accept-Encoding (servers/compression.ts).
    const encoding = compression ? pickEncoding(req.headers['accept-encoding']) : undefined;
    if (encoding) {
      void Promise.resolve(yoga.handleNodeRequestAndResponse(req, res))
        .then((response) => sendCompressed(response, res, encoding))
        .catch(() => res.destroy());
      return;
    }
    void yoga(req, res);
  };
  // The edge (servers/graphql-http.ts) scopes each request, plants --inject-server-cpu-us, bounds the
  // body and applies the deadline scenario's delay; yoga's promises keep the scope from there on.
  const server = http.createServer(httpServerOptions(limits), graphqlEdge({ maxBodyBytes, ...limits }, serve));
  // chat scenario: graphql-ws on the same port and path, only when asked (servers/chat-graphql.ts).
  const chatWs = chat
    ? (await import('./chat-graphql.ts')).attachChat(server, GRAPHQL_PATH, USER_SCHEMA_SDL, resolvers(store, dataloader))
    : undefined;
  const boundPort = await listenOn(server, host, port, 'graphql');

  return {
    port: boundPort,
    async close(): Promise<void> {
      // Upgraded chat sockets are not HTTP connections: closeAllConnections() leaves them.
      await chatWs?.close();
      // Keep-alive sockets would hold server.close() open until they idle out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await yoga.dispose();
    },
  };
}

export const start: StartServer = (options) => startGraphQL(options);
