// REST over HTTP/1.1 with fastify:
//   GET  /v1/users/:id -> the user as JSON; 404 for unknown ids, 400 for ids that are not
//                         non-negative integers.
//   GET  /v1/users/:id/posts, GET /v1/posts/:id/comments -> the nestedProfile waterfall's
//                         lists (404 for an unknown user or post).
//   POST /v1/users     -> 201 with the created user; 400 with the schema's message on a body
//                         of the wrong shape, 413 over the body limit, 415 for non-JSON.
// Every error is {"error": <code>, "message": "..."}; other methods on these paths get 405
// with an Allow header, which fastify does not do by itself (it answers 404).
import type { FastifyError, FastifyInstance } from 'fastify';
import type { NewUser } from './store.ts';
import { openRequest, type RequestScope } from './request-scope.ts';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, resolveLimits, type ConnectionLimits } from './http-limits.ts';
import { createFastify } from './rest-h2c.ts';
import { registerRestCompression } from './compression.ts';
import { lastModified, registerConditionalGet, registerRateLimit } from './rest-http-features.ts';
import { cpuBurner } from './inject-cpu.ts';
import { DEFAULT_BODY_LIMIT, ERROR_CODES, MAX_PAGE, NEW_USERS_SCHEMA, NEW_USER_SCHEMA } from './rest-contract.ts';

export interface RestServerOptions extends ServerOptions, ConnectionLimits {
  /** Largest request body accepted; default 1 MiB, 413 above. */
  bodyLimitBytes?: number;
}

// The contract moved to servers/rest-contract.ts (shared with the node:http server); re-exported for its importers.
export { DEFAULT_BODY_LIMIT, NEW_USER_SCHEMA };

/** Answer 405 with Allow for every method fastify knows but the path does not serve. */
function allowOnly(app: FastifyInstance, url: string, allowed: string[]): void {
  const allow = allowed.join(', ');
  const others = app.supportedMethods.filter((m) => !allowed.includes(m));
  app.route({
    method: others,
    url,
    handler: async (req, reply) =>
      reply
        .code(405)
        .header('Allow', allow)
        .send({ error: 'method_not_allowed', message: `${req.method} is not allowed on ${url}; use ${allow}` }),
  });
}

/**
 * Each request in its own scope (servers/request-scope.ts), ended when its response is done or
 * its connection gone, so the store charges it the statements it ran. Opened first thing; entered
 * again before the handler, since body parsing runs from socket events, outside the request's context.
 */
function countRequests(app: FastifyInstance): void {
  const scopes = new WeakMap<object, RequestScope>();
  app.addHook('onRequest', (req, reply, done) => {
    const scope = openRequest();
    scopes.set(req.raw, scope);
    reply.raw.once('close', scope.end);
    scope.run(done);
  });
  app.addHook('preHandler', (req, _reply, done) => {
    const scope = scopes.get(req.raw);
    if (scope) scope.run(done);
    else done();
  });
}

export async function startRest({
  host,
  port,
  store,
  bodyLimitBytes = DEFAULT_BODY_LIMIT,
  http2 = false,
  maxPageUsers = MAX_PAGE,
  compression = false,
  conditionalGet = false,
  rateLimit,
  ...limits
}: RestServerOptions) {
  const l = resolveLimits(limits);
  const app = createFastify(http2, {
    logger: false,
    bodyLimit: bodyLimitBytes,
    http: httpServerOptions(l),
    // fastify sets these on the server after creating it (requestTimeout 0 unless told), so
    // they are given here as well as in `http`.
    keepAliveTimeout: l.idleTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    // Strict bodies: fastify's default ajv coerces "30" to 30 and silently drops unknown
    // properties; a wrong type or an unknown field should be a 400 instead.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  countRequests(app);
  // compression scenario: answers compressed per Accept-Encoding (before the routes, so its hooks reach them).
  if (compression) await registerRestCompression(app);
  if (conditionalGet) await registerConditionalGet(app);
  if (rateLimit) await registerRateLimit(app, rateLimit);
  const cacheControl = limits.cacheControl; // claims only (HTTP caching), set on GET /v1/users/:id below
  // deadline scenario: every request waits serviceDelayMs (a timer) before its route runs.
  const delayMs = limits.serviceDelayMs ?? 0;
  if (delayMs > 0) app.addHook('onRequest', (_req, _reply, done) => void setTimeout(done, delayMs));
  // --inject-server-cpu-us: busy work at the start of every route's handler (servers/inject-cpu.ts). Wrapped
  // at registration, not an onRequest hook: a hook adds fastify's hook runner to each request, measured here
  // as ~3 us more than the spin itself (N = 3 raised server CPU per call by ~6 us), and N should be what is added.
  const burn = cpuBurner(limits.injectCpuUs);
  if (burn)
    app.addHook('onRoute', (route) => {
      const handler = route.handler;
      route.handler = function (this: typeof app, req, reply) {
        burn();
        return handler.call(this, req, reply);
      };
    });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) return reply.code(500).send({ error: 'internal', message: 'internal server error' });
    // The rest of a refused body may still be on its way; closing keeps it from being read
    // as the next request (and from being read at all).
    if (status === 413) reply.header('Connection', 'close');
    const code =
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
        ? 'invalid_json'
        : (ERROR_CODES[status] ?? 'bad_request');
    return reply.code(status).send({ error: code, message: err.message });
  });
  // fastify parses text/plain by default; this API takes JSON only, so anything else is 415.
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.slice(0, 100)}` }),
  );

  app.get<{ Params: { id: string } }>('/v1/users/:id', async (req, reply) => {
    const raw = req.params.id;
    // Digits only: Number() would take "1e3", " 7", "0x10" and "" as ids.
    if (!/^\d+$/.test(raw)) {
      return reply.code(400).send({
        error: 'bad_request',
        message: `user id must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`,
      });
    }
    const user = store.getUser(Number(raw));
    if (!user) return reply.code(404).send({ error: 'not_found', message: `no user with id ${raw}` });
    // claims (HTTP caching): the freshness a caching client is given; the benchmark sends no Cache-Control.
    if (cacheControl) reply.header('Cache-Control', cacheControl);
    if (conditionalGet) {
      // Users are never edited, so their creation time is their last change.
      const lm = lastModified(new Date(user.createdAt), req.headers['if-modified-since']);
      reply.header('Last-Modified', lm.header);
      if (lm.notModified) return reply.code(304).send();
    }
    return user;
  });
  allowOnly(app, '/v1/users/:id', ['GET', 'HEAD']);

  // nestedProfile: the REST waterfall's second and third steps. An unknown user or post is a
  // 404 (not an empty list), as GET /v1/users/:id is.
  app.get<{ Params: { id: string } }>('/v1/users/:id/posts', async (req, reply) => {
    const raw = req.params.id;
    if (!/^\d+$/.test(raw))
      return reply.code(400).send({ error: 'bad_request', message: 'user id must be a non-negative integer' });
    if (!store.getUser(Number(raw))) return reply.code(404).send({ error: 'not_found', message: `no user with id ${raw}` });
    return store.postsByUser(Number(raw));
  });
  app.get<{ Params: { id: string } }>('/v1/posts/:id/comments', async (req, reply) => {
    const raw = req.params.id;
    if (!/^\d+$/.test(raw))
      return reply.code(400).send({ error: 'bad_request', message: 'post id must be a non-negative integer' });
    const comments = store.commentsByPost(Number(raw));
    if (comments.length === 0) return reply.code(404).send({ error: 'not_found', message: `no post with id ${raw}` });
    return comments;
  });

  app.post<{ Body: NewUser }>('/v1/users', { schema: { body: NEW_USER_SCHEMA } }, async (req, reply) => {
    const user = store.createUser(req.body);
    return reply.code(201).header('Location', `/v1/users/${user.id}`).send(user);
  });
  // createUsers: one POST with a JSON array of users, stored in one go (SQLite: one
  // transaction); 201 with {created, ids}, as gRPC's CreateUsersResponse.
  app.post<{ Body: NewUser[] }>('/v1/users/batch', { schema: { body: NEW_USERS_SCHEMA } }, async (req, reply) => {
    const users = store.createUsers?.(req.body) ?? req.body.map((u) => store.createUser(u));
    return reply.code(201).send({ created: users.length, ids: users.map((u) => u.id) });
  });
  allowOnly(app, '/v1/users/batch', ['POST']);

  // listUsers: a page by offset (?offset=&limit=) or by cursor (?after=<last id>&limit=).
  // The two differ only in the store call: OFFSET must walk past every skipped row, a cursor
  // seeks by primary key, which is what the deep-offset rows on the SQLite store show.
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/users', async (req, reply) => {
    const q = req.query;
    const int = (v: string | undefined, dflt: number): number | undefined =>
      v === undefined ? dflt : /^\d+$/.test(v) ? Number(v) : undefined;
    const limit = int(q.limit, 100);
    const offset = int(q.offset, 0);
    const after = int(q.after, 0);
    if (limit === undefined || offset === undefined || after === undefined || (q.offset !== undefined && q.after !== undefined)) {
      return reply
        .code(400)
        .send({ error: 'bad_request', message: 'use either offset or after, with limit; all non-negative integers' });
    }
    const n = Math.min(limit, maxPageUsers);
    const users =
      q.offset !== undefined ? (store.listUsersByOffset?.(offset, n) ?? store.listUsers(offset, n)) : store.listUsers(after, n);
    const last = users[users.length - 1];
    return { users, nextAfter: users.length === n && last ? last.id : null };
  });
  allowOnly(app, '/v1/users', ['GET', 'HEAD', 'POST']);

  // Calibration only: fastify's hello-world, the ceiling getUser is compared against.
  app.get('/v1/hello', async () => ({ hello: 'world' }));

  await app.listen({ host, port });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('fastify did not bind a TCP port');
  return { port: address.port, close: () => app.close() };
}

export const start: StartServer = (options) => startRest(options);
