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
import http from 'node:http';
import {
  GraphQLError,
  Kind,
  BREAK,
  getNullableType,
  isListType,
  parse,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { createSchema, createYoga, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import depthLimit from 'graphql-depth-limit';
import { createComplexityRule, type ComplexityEstimator } from 'graphql-query-complexity';
import DataLoader from 'dataloader';
import { USER_SCHEMA_SDL } from './graphql-schema.ts';
import type { NewUser, UserStore } from './store.ts';
import { openRequest } from './request-scope.ts';
import type { Post } from './dataset.ts';
import type { UserJson } from '../proto/contract.ts';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, type ConnectionLimits } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { pickEncoding, sendCompressed } from './compression.ts';
import { GRAPHQL_PATH } from './graphql/index.ts';
import { cpuBurner } from './inject-cpu.ts';

// Defined with the server's metadata (servers/graphql/index.ts); claims import it from here.
export { GRAPHQL_PATH };

/** users(limit) answers at most this many users. */
export const MAX_LIST_LIMIT = 1000;
/** The guide's limits ("max 5 levels", "max 1000"). */
export const DEFAULT_MAX_DEPTH = 5;
export const DEFAULT_MAX_COMPLEXITY = 1000;
/** graphql-armor's default; the driver's getUser query is about 30 tokens. */
export const DEFAULT_MAX_TOKENS = 1000;
/** The guide's listFactor: the multiplier of a list field that has no first/limit to go by. */
export const LIST_FACTOR = 10;
/** Most field selections a query may have once its fragments are expanded (graphql-query-complexity's own default cap). */
export const MAX_SELECTIONS = 10_000;

export interface GraphQLServerOptions extends ServerOptions, ConnectionLimits {
  maxDepth?: number;
  maxComplexity?: number;
  /** Most lexical tokens in a query; default 1000, a GRAPHQL_PARSE_FAILED error above. */
  maxTokens?: number;
  /** Largest POST body accepted; default 1 MiB, 413 above. */
  maxBodyBytes?: number;
}

const MULTIPLIER_ARGS = new Set(['first', 'limit']);

/**
 * Cost of one field: 1, plus its selection's cost times the number of items for a list
 * (first/limit as given, else the argument's schema default, else LIST_FACTOR).
 */
export const listCostEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!isListType(getNullableType(field.type))) return 1 + childComplexity;
  const arg = field.args.find((a) => MULTIPLIER_ARGS.has(a.name));
  const n = arg ? (args[arg.name] ?? arg.defaultValue) : undefined;
  return 1 + (typeof n === 'number' ? Math.max(0, n) : LIST_FACTOR) * childComplexity;
};

/** Whether a document's cost can change with its variables (a variable count or @include/@skip). */
function costDependsOnVariables(doc: DocumentNode): boolean {
  let found = false;
  visit(doc, {
    Directive(node) {
      if (node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) return ((found = true), BREAK);
      return undefined;
    },
    Field(node) {
      if (node.arguments?.some((a) => MULTIPLIER_ARGS.has(a.name.value) && a.value.kind === Kind.VARIABLE))
        return ((found = true), BREAK);
      return undefined;
    },
  });
  return found;
}

/**
 * Field selections in a valid document with every fragment spread expanded, each fragment
 * sized once: linear in the document. A fragment spread twice in one that is itself spread
 * twice, and so on, expands exponentially (30 such fragments fit in 1000 tokens), and both
 * libraries walk the expanded tree, graphql-depth-limit without any bound; this count is
 * what they are kept from.
 */
export function expandedSelections(doc: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const sized = new Map<string, number>();
  const size = (set: SelectionSetNode | undefined): number => {
    let n = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) n += 1 + size(sel.selectionSet);
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += size(sel.selectionSet);
      else {
        let m = sized.get(sel.name.value);
        // Validation has ruled out unknown and cyclic fragments before this runs.
        if (m === undefined) sized.set(sel.name.value, (m = size(fragments.get(sel.name.value)?.selectionSet)));
        n += m;
      }
    }
    return n;
  };
  let total = 0;
  for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION) total += size(d.selectionSet);
  return total;
}

const DEPTH_CODE = 'DEPTH_LIMIT_EXCEEDED';
const COMPLEXITY_CODE = 'COMPLEXITY_LIMIT_EXCEEDED';

/** Depth and complexity errors for a document the spec's own rules found valid (costVerdict's errors). */
export function checkCost(...args: Parameters<typeof costVerdict>): GraphQLError[] {
  return costVerdict(...args).errors;
}

/**
 * `cacheable` is false when the verdict holds for this request only: when the complexity
 * could not be computed because the variables did not coerce (execution refuses such a
 * request anyway, but the next one, with good variables, must still be checked), or when the
 * document has several operations and only the one named by this request was costed.
 */
function costVerdict(
  schema: GraphQLSchema,
  doc: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  maxDepth: number,
  maxComplexity: number,
): { errors: GraphQLError[]; cacheable: boolean } {
  const selections = expandedSelections(doc);
  if (selections > MAX_SELECTIONS) {
    const error = new GraphQLError(`Query expands to ${selections} field selections, over the limit of ${MAX_SELECTIONS}`, {
      extensions: { code: COMPLEXITY_CODE, selections, limit: MAX_SELECTIONS },
    });
    return { errors: [error], cacheable: true };
  }
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  const complexityRule = createComplexityRule({
    maximumComplexity: maxComplexity,
    estimators: [listCostEstimator],
    variables,
    // With one operation the name is not needed, and the library reads operation.name.value,
    // which an anonymous operation does not have.
    ...(operations > 1 && operationName ? { operationName } : {}),
    createError: (max, actual) =>
      new GraphQLError(`Query complexity (${actual}) exceeds limit (${max})`, {
        extensions: { code: COMPLEXITY_CODE, complexity: actual, limit: max },
      }),
  });
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, doc, [depthLimit(maxDepth), complexityRule]);
  } catch (err) {
    // graphql-query-complexity throws (rather than reports) past 10,000 selections; the
    // count above should have stopped any such query, so this is a backstop.
    if (err instanceof GraphQLError)
      return { errors: [new GraphQLError(err.message, { extensions: { code: COMPLEXITY_CODE } })], cacheable: false };
    throw err;
  }
  const out: GraphQLError[] = [];
  let cacheable = operations === 1;
  const depthReported = new Set<string>();
  for (const e of errors) {
    if (e.extensions.code === COMPLEXITY_CODE) out.push(e);
    // graphql-depth-limit reports every selection past the limit; one error per operation
    // (its message names the operation) says all there is to say.
    else if (/exceeds maximum operation depth/.test(e.message) && !depthReported.has(e.message)) {
      depthReported.add(e.message);
      // graphql-depth-limit names the operation in quotes; an anonymous one would read "''".
      const message = e.message.startsWith("'' ") ? `The query${e.message.slice(2)}` : e.message;
      out.push(new GraphQLError(message, { nodes: e.nodes, extensions: { code: DEPTH_CODE, limit: maxDepth } }));
    }
    // Anything else is the complexity library failing to coerce variables; execution reports
    // that itself, with the spec's wording, so it is not repeated here.
    else if (!/exceeds maximum operation depth/.test(e.message)) cacheable = false;
  }
  return { errors: out, cacheable };
}

/**
 * Runs the limits after yoga's own validation, and only on documents that passed it: both
 * libraries assume a valid document (graphql-depth-limit follows fragment spreads without
 * checking that they exist or do not cycle), and the spec's errors say more about a broken one.
 */
function costLimitPlugin(maxDepth: number, maxComplexity: number): Plugin<YogaInitialContext> {
  // Yoga caches parsed documents, so one query string is one DocumentNode: a cost that does
  // not depend on variables is computed once, like yoga's own validation cache does.
  const verdicts = new WeakMap<DocumentNode, GraphQLError[]>();
  return {
    onValidate({ params: { schema, documentAST }, context }) {
      return ({ valid, result, setResult }) => {
        if (!valid) return;
        let errors = verdicts.get(documentAST);
        if (!errors) {
          const { variables, operationName } = context.params ?? {};
          const verdict = costVerdict(schema, documentAST, variables ?? {}, operationName ?? undefined, maxDepth, maxComplexity);
          errors = verdict.errors;
          if (verdict.cacheable && !costDependsOnVariables(documentAST)) verdicts.set(documentAST, errors);
        }
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

async function loadAuthor(loader: DataLoader<number, UserJson | undefined>, id: number): Promise<UserJson> {
  const u = await loader.load(id);
  if (!u) throw new Error(`data set has no user ${id}`);
  return u;
}

/** Opaque Relay cursor of a user: base64 of "user:<id>"; clients must not build them. */
export function userCursor(id: number): string {
  return Buffer.from(`user:${id}`).toString('base64');
}

function cursorId(cursor: string): number | undefined {
  const m = /^user:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

interface AuthorContext {
  authors?: DataLoader<number, UserJson | undefined>;
}

function resolvers(store: UserStore, dataloader = false, maxPageUsers = MAX_LIST_LIMIT) {
  const count = (first: number | null | undefined, fallback: number) => Math.max(0, first ?? fallback);
  const author = (authorId: number): UserJson => {
    const u = store.getUser(authorId);
    // Every author id in the data set is a user of it; a miss is a bug, not a client error.
    if (!u) throw new Error(`data set has no user ${authorId}`);
    return u;
  };
  return {
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
        const limit = Math.min(count(args.limit, 100), maxPageUsers);
        return store.listUsers(afterId, limit);
      },
      // nPlusOne's feed: the most recent posts (SQLite store; the memory store has no such index).
      posts: (_: unknown, args: { first?: number | null }) => {
        if (!store.latestPosts)
          throw new GraphQLError('posts needs the SQLite store (--store sqlite)', { extensions: { code: 'NOT_IMPLEMENTED' } });
        return store.latestPosts(Math.min(count(args.first, 10), MAX_LIST_LIMIT));
      },
      userConnection: (_: unknown, args: { first?: number | null; after?: string | null }) => {
        const afterId = args.after ? cursorId(args.after) : 0;
        if (afterId === undefined)
          throw new GraphQLError('after is not a cursor this server gave', { extensions: { code: 'BAD_USER_INPUT' } });
        const first = Math.min(count(args.first, 100), MAX_LIST_LIMIT);
        // One extra row says whether there is a next page without a count query.
        const rows = store.listUsers(afterId, first + 1);
        const page = rows.slice(0, first);
        const edges = page.map((node) => ({ cursor: userCursor(node.id), node }));
        return {
          edges,
          pageInfo: { hasNextPage: rows.length > first, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
        };
      },
    },
    Mutation: {
      createUsers: (_: unknown, args: { input: NewUser[] }) => {
        // graphql-js builds input objects with a null prototype; plain copies go to the store.
        const input = args.input.map((u) => ({ ...u, roles: [...u.roles], address: { ...u.address } }));
        const users = store.createUsers?.(input) ?? input.map((u) => store.createUser(u));
        return { created: users.length, ids: users.map((u) => u.id) };
      },
    },
    User: {
      posts: (u: UserJson, args: { first?: number | null }) => store.postsByUser(u.id).slice(0, count(args.first, 10)),
      followers: (u: UserJson, args: { first?: number | null }) => {
        const n = count(args.first, 10);
        const ids = new Set<number>();
        for (const p of store.postsByUser(u.id)) {
          for (const c of store.commentsByPost(p.id)) {
            if (ids.size >= n) return [...ids].map(author);
            if (c.authorId !== u.id) ids.add(c.authorId);
          }
        }
        return [...ids].map(author);
      },
    },
    Post: {
      author: (p: Post, _: unknown, ctx: AuthorContext) =>
        dataloader && ctx.authors ? loadAuthor(ctx.authors, p.authorId) : author(p.authorId),
      comments: (p: Post, args: { first?: number | null }) => store.commentsByPost(p.id).slice(0, count(args.first, 5)),
    },
    Comment: {
      author: (c: { authorId: number }, _: unknown, ctx: AuthorContext) =>
        dataloader && ctx.authors ? loadAuthor(ctx.authors, c.authorId) : author(c.authorId),
    },
  };
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
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
    // A DataLoader per request: it batches the authors one execution asks for into one
    // store call (one SQL statement on SQLite) and caches them for that request only.
    ...(dataloader && {
      context: (): AuthorContext => ({
        authors: new DataLoader<number, UserJson | undefined>(
          async (ids) => store.usersByIds?.(ids) ?? ids.map((id) => store.getUser(id)),
        ),
      }),
    }),
  });

  // --inject-server-cpu-us: busy work on every request, before anything else (servers/inject-cpu.ts).
  const burn = cpuBurner(limits.injectCpuUs);
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    burn?.();
    // whatwg-node (under yoga) builds a URL from the Host header, and when that does not
    // parse it answers 500 with the stack trace in the body: refuse it as a bad request.
    if (!URL.canParse(`http://${req.headers.host ?? 'localhost'}/`))
      return sendError(res, 400, 'BAD_REQUEST', 'invalid Host header');
    // Yoga buffers a whole body before parsing it and has no limit of its own, so the size
    // is checked here, from the declared length. A chunked body declares none and cannot be
    // counted without reading it ahead of yoga: it is refused with 411 Length Required.
    if (req.method === 'POST') {
      const declared = req.headers['content-length'];
      if (declared === undefined && req.headers['transfer-encoding'] !== undefined) {
        return sendError(res, 411, 'LENGTH_REQUIRED', 'send the body with a Content-Length');
      }
      if (Number(declared) > maxBodyBytes) {
        // Closing (Connection: close above) means the refused body is never read.
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `body over ${maxBodyBytes} bytes`);
      }
    }
    // compression scenario: yoga's answer, compressed per Accept-Encoding (servers/compression.ts).
    const encoding = compression ? pickEncoding(req.headers['accept-encoding']) : undefined;
    if (encoding) {
      void Promise.resolve(yoga.handleNodeRequestAndResponse(req, res))
        .then((response) => sendCompressed(response, res, encoding))
        .catch(() => res.destroy());
      return;
    }
    // deadline scenario: the request is handed to yoga serviceDelayMs (a timer) after it arrived.
    if (limits.serviceDelayMs) return void setTimeout(() => void yoga(req, res), limits.serviceDelayMs);
    void yoga(req, res);
  };
  // Each request in its own scope, ended when its response is done (or its connection gone):
  // the store charges it the statements it ran (servers/request-scope.ts).
  const server = http.createServer(httpServerOptions(limits), (req, res) => {
    const scope = openRequest();
    res.once('close', scope.end);
    scope.run(() => handle(req, res));
  });
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
