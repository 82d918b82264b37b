// REST on bare node:http, no framework: the floor of HTTP/1.1 on this runtime, beside fastify
// (servers/rest.ts). Same routes, answers and errors as the fastify server:
//   GET  /v1/users/:id -> the user as JSON; 404 unknown, 400 for ids that are not non-negative integers.
//   GET  /v1/users/:id/posts, GET /v1/posts/:id/comments -> nestedProfile's lists (404 unknown).
//   GET  /v1/users?offset=|after=&limit= -> a page; POST /v1/users -> 201 + Location;
//   POST /v1/users/batch -> 201 {created, ids}. Bodies: 400 with the schema's message (the same rules
//   as fastify's ajv, servers/json-schema-check.ts), 400 invalid_json, 413 over the limit (and
//   Connection: close), 415 for anything but application/json.
// Every error is {"error": <code>, "message": "..."}; other methods on the users paths get 405 with Allow.
// Not served: the opt-in features fastify gets from plugins (h2c, compression, ETag, rate limit);
// asking for one fails at start rather than measure a server without it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { NewUser } from './store.ts';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, resolveLimits, type ConnectionLimits } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { openRequest, type RequestScope } from './request-scope.ts';
import { cpuBurner } from './inject-cpu.ts';
import { compileCheck } from './json-schema-check.ts';
import {
  DEFAULT_BODY_LIMIT,
  ERROR_CODES,
  MAX_PAGE,
  MAX_PARAM_LENGTH,
  NEW_USERS_SCHEMA,
  NEW_USER_SCHEMA,
} from './rest-contract.ts';

export interface NodeHttpRestOptions extends ServerOptions, ConnectionLimits {
  /** Largest request body accepted; default 1 MiB, 413 above. */
  bodyLimitBytes?: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const USERS = '/v1/users';
const USERS_SLASH = '/v1/users/';
const checkNewUser = compileCheck(NEW_USER_SCHEMA);
const checkNewUsers = compileCheck(NEW_USERS_SCHEMA);

// The headers of every plain JSON answer, content-length filled in per answer. One array for all:
// writeHead serializes the headers into the response's header string before it returns and keeps no
// reference, so the hot path allocates no header list.
const JSON_HEADERS = ['content-type', JSON_TYPE, 'content-length', ''];

/** A JSON answer; fastify's header names and values, so both servers put the same bytes on the wire. */
function sendJson(res: ServerResponse, status: number, body: string, extra?: readonly string[]): void {
  const length = String(Buffer.byteLength(body));
  if (extra) {
    res.writeHead(status, ['content-type', JSON_TYPE, 'content-length', length, ...extra]);
  } else {
    JSON_HEADERS[3] = length;
    res.writeHead(status, JSON_HEADERS);
  }
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string, code = ERROR_CODES[status] ?? 'bad_request'): void {
  sendJson(res, status, JSON.stringify({ error: code, message }));
}

/**
 * An error found while reading a body, answered with Connection: close as fastify does: the rest of
 * a refused body may still be on its way, and closing keeps it from being read as the next request.
 */
function sendBodyError(res: ServerResponse, status: number, message: string, code = ERROR_CODES[status] ?? 'bad_request'): void {
  sendJson(res, status, JSON.stringify({ error: code, message }), ['connection', 'close']);
}

function notAllowed(res: ServerResponse, method: string, route: string, allow: string): void {
  const body = JSON.stringify({ error: 'method_not_allowed', message: `${method} is not allowed on ${route}; use ${allow}` });
  sendJson(res, 405, body, ['allow', allow]);
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  sendError(res, 404, `no route ${req.method} ${(req.url ?? '').slice(0, 100)}`);
}

/**
 * JSON.parse as secure-json-parse (fastify's) does it: a leading BOM skipped, and a body with a
 * `__proto__` key, or a `constructor` key holding `prototype`, refused. The reviver runs only
 * when the text contains either word, so ordinary bodies parse at JSON.parse's own speed.
 */
export function parseJsonSafely(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text.includes('__proto__') && !text.includes('constructor')) return JSON.parse(text);
  return JSON.parse(text, function (key, value: unknown) {
    if (key === '__proto__') throw new SyntaxError('Object contains forbidden prototype property');
    if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))
      throw new SyntaxError('Object contains forbidden prototype property');
    return value;
  });
}

/** The media type of a Content-Type header, lower case, without parameters. */
function mediaType(header: string): string {
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

/**
 * Read a JSON body as fastify does for a route with a body schema, then call `then` with the value
 * (undefined when the request has no body at all), or answer the error itself: 415 for a non-JSON
 * (or, with a body, absent) content type, 413 over `limit` (declared or counted), 400 for an empty
 * body, a length that differs from Content-Length, or text that is not JSON.
 */
function readJson(req: IncomingMessage, res: ServerResponse, limit: number, then: (body: unknown) => void): void {
  const type = req.headers['content-type'];
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (type === undefined) {
    if ((declared === undefined || declared === '0') && !chunked) return then(undefined);
    return sendError(res, 415, 'Unsupported Media Type');
  }
  if (mediaType(type) !== 'application/json') return sendError(res, 415, 'Unsupported Media Type');
  const length = Number(declared);
  if (length > limit) return sendBodyError(res, 413, 'Request body is too large');
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limit) {
      req.off('data', onData).off('end', onEnd);
      sendBodyError(res, 413, 'Request body is too large');
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = (): void => {
    if (!Number.isNaN(length) && received !== length)
      return sendBodyError(res, 400, 'Request body size did not match Content-Length');
    if (received === 0) return sendBodyError(res, 400, "Body cannot be empty when content-type is set to 'application/json'");
    const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)).toString('utf8');
    let body: unknown;
    try {
      body = parseJsonSafely(text);
    } catch {
      return sendBodyError(res, 400, "Body is not valid JSON but content-type is set to 'application/json'", 'invalid_json');
    }
    then(body);
  };
  // A client gone mid-body ends the request with an error: nothing to answer, and nothing to throw.
  req
    .on('data', onData)
    .on('end', onEnd)
    .on('error', () => {});
}

/** A path parameter as fastify's router gives it: percent-decoded, or undefined when the encoding is broken. */
function decodeParam(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

const isId = (s: string): boolean => /^\d+$/.test(s);

/**
 * The origin-form path of a request target, as fastify's router (find-my-way) reads it: an
 * absolute-form target (`http://host/path`, RFC 9112 3.2.2) is cut to its path ('/' when it has
 * none), `*` stays; anything else that does not start with '/' is a bad URL (null).
 */
export function originForm(target: string): string | null {
  if (target.charCodeAt(0) === 47 || target === '*') return target;
  const schemeEnd = target.indexOf('://');
  const scheme = schemeEnd < 0 ? '' : target.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const from = schemeEnd + 3;
  const slash = target.indexOf('/', from);
  const query = target.indexOf('?', from);
  const end = Math.min(slash < 0 ? target.length : slash, query < 0 ? target.length : query);
  // No host, or a fragment (never valid in a request target): bad.
  if (end === from || target.includes('#', from)) return null;
  if (!URL.canParse(target)) return null;
  return end === target.length ? '/' : end === query ? `/${target.slice(query)}` : target.slice(slash);
}

/** Where the path of an origin-form target ends: at '?' or '#' (find-my-way splits on both). */
function pathEnd(target: string): number {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 || c === 35) return i;
  }
  return target.length;
}

export async function startRestNodeHttp({
  host,
  port,
  store,
  bodyLimitBytes = DEFAULT_BODY_LIMIT,
  maxPageUsers = MAX_PAGE,
  ...rest
}: NodeHttpRestOptions) {
  const unsupported = (['http2', 'compression', 'conditionalGet', 'rateLimit', 'cacheControl'] as const).filter((k) => rest[k]);
  if (unsupported.length > 0)
    throw new Error(`the node-http REST server does not serve ${unsupported.join(', ')}; the fastify implementation does`);
  const limits = resolveLimits(rest);
  const burn = cpuBurner(rest.injectCpuUs);
  const delayMs = rest.serviceDelayMs ?? 0;
  // The request scope only feeds the SQL statement counts (servers/request-scope.ts), read only for
  // a store that counts statements: the memory store's hot path does without it.
  const scoped = store.statementCount !== undefined;

  const getUser = (res: ServerResponse, id: number, raw: string): void => {
    const user = store.getUser(id);
    if (user) sendJson(res, 200, JSON.stringify(user));
    else sendError(res, 404, `no user with id ${raw}`);
  };

  /** Every route but the hot GET /v1/users/<digits>, which `dispatch` answers before splitting anything. */
  const route = (req: IncomingMessage, res: ServerResponse, scope: RequestScope | undefined): void => {
    const method = req.method ?? '';
    const url = originForm(req.url ?? '');
    if (url === null) return sendError(res, 400, `'${(req.url ?? '').slice(0, 100)}' is not a valid url component`);
    const q = url.indexOf('?');
    const path = url.slice(0, pathEnd(url));
    const readable = method === 'GET' || method === 'HEAD';
    // The body arrives on socket events, outside the request's scope: enter it again to handle it.
    const withBody = (then: (body: unknown) => void): void =>
      readJson(req, res, bodyLimitBytes, scope ? (body) => scope.run(() => then(body)) : then);

    if (path === USERS) {
      if (readable) return listUsers(res, q < 0 ? '' : url.slice(q + 1));
      if (method === 'POST') return withBody((body) => createUser(res, body));
      return notAllowed(res, method, USERS, 'GET, HEAD, POST');
    }
    if (path === '/v1/users/batch') {
      if (method === 'POST') return withBody((body) => createUsers(res, body));
      return notAllowed(res, method, path, 'POST');
    }
    if (path === '/v1/hello' && readable) return sendJson(res, 200, '{"hello":"world"}');
    const parts = path.split('/');
    // ['', 'v1', 'users', ':id'] and ['', 'v1', 'users', ':id', 'posts'], ['', 'v1', 'posts', ':id', 'comments']
    if (parts[1] !== 'v1' || parts.length < 4 || parts.length > 5) return notFound(req, res);
    if (parts[3]!.length > MAX_PARAM_LENGTH)
      return sendError(res, 414, `'${path.slice(0, 200)}' is exceeding the max param length`);
    const raw = decodeParam(parts[3]!);
    if (parts[2] === 'users' && parts.length === 4) {
      if (!readable) return notAllowed(res, method, '/v1/users/:id', 'GET, HEAD');
      if (raw === undefined) return sendError(res, 400, `'${parts[3]}' is not a valid url component`);
      if (!isId(raw))
        return sendError(res, 400, `user id must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`);
      return getUser(res, Number(raw), raw);
    }
    const posts = parts[2] === 'users' && parts[4] === 'posts';
    if (!readable || !(posts || (parts[2] === 'posts' && parts[4] === 'comments'))) return notFound(req, res);
    if (raw === undefined) return sendError(res, 400, `'${parts[3]}' is not a valid url component`);
    if (!isId(raw)) return sendError(res, 400, `${posts ? 'user' : 'post'} id must be a non-negative integer`);
    const id = Number(raw);
    if (posts) {
      if (!store.getUser(id)) return sendError(res, 404, `no user with id ${raw}`);
      return sendJson(res, 200, JSON.stringify(store.postsByUser(id)));
    }
    const comments = store.commentsByPost(id);
    if (comments.length === 0) return sendError(res, 404, `no post with id ${raw}`);
    sendJson(res, 200, JSON.stringify(comments));
  };

  const createUser = (res: ServerResponse, body: unknown): void => {
    const fault = checkNewUser(body);
    if (fault) return sendError(res, 400, fault);
    const user = store.createUser(body as NewUser);
    sendJson(res, 201, JSON.stringify(user), ['location', `/v1/users/${user.id}`]);
  };

  const createUsers = (res: ServerResponse, body: unknown): void => {
    const fault = checkNewUsers(body);
    if (fault) return sendError(res, 400, fault);
    const input = body as NewUser[];
    const users = store.createUsers?.(input) ?? input.map((u) => store.createUser(u));
    sendJson(res, 201, JSON.stringify({ created: users.length, ids: users.map((u) => u.id) }));
  };

  // listUsers: a page by offset or by cursor, as servers/rest.ts; repeated keys parse as arrays and are refused.
  const listUsers = (res: ServerResponse, query: string): void => {
    const qs = parseQuery(query);
    const int = (v: string | string[] | undefined, dflt: number): number | undefined =>
      v === undefined ? dflt : typeof v === 'string' && isId(v) ? Number(v) : undefined;
    const limit = int(qs.limit, 100);
    const offset = int(qs.offset, 0);
    const after = int(qs.after, 0);
    if (limit === undefined || offset === undefined || after === undefined || (qs.offset !== undefined && qs.after !== undefined))
      return sendError(res, 400, 'use either offset or after, with limit; all non-negative integers');
    const n = Math.min(limit, maxPageUsers);
    const users =
      qs.offset !== undefined ? (store.listUsersByOffset?.(offset, n) ?? store.listUsers(offset, n)) : store.listUsers(after, n);
    const last = users[users.length - 1];
    sendJson(res, 200, JSON.stringify({ users, nextAfter: users.length === n && last ? last.id : null }));
  };

  /** GET /v1/users/<digits> read straight off the URL (no split, no regex, no decode); anything else goes to `route`. */
  const dispatch = (req: IncomingMessage, res: ServerResponse, scope: RequestScope | undefined): void => {
    burn?.();
    const url = req.url ?? '';
    const method = req.method;
    if ((method === 'GET' || method === 'HEAD') && url.startsWith(USERS_SLASH)) {
      let i = USERS_SLASH.length;
      let id = 0;
      for (let c = url.charCodeAt(i); c >= 48 && c <= 57; c = url.charCodeAt(++i)) id = id * 10 + (c - 48);
      // Digits up to the end, the query string or a fragment: a user id. Past 2^53 the sum is inexact, but so is
      // Number(raw) in fastify's route, and no store holds such an id: both answer 404 with the raw text.
      if (
        i > USERS_SLASH.length &&
        i - USERS_SLASH.length <= MAX_PARAM_LENGTH &&
        (i === url.length || url.charCodeAt(i) === 63 || url.charCodeAt(i) === 35)
      ) {
        const user = store.getUser(id);
        if (user) return sendJson(res, 200, JSON.stringify(user));
        return sendError(res, 404, `no user with id ${url.slice(USERS_SLASH.length, i)}`);
      }
    }
    route(req, res, scope);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let scope: RequestScope | undefined;
    if (scoped) {
      scope = openRequest();
      res.once('close', scope.end);
    }
    const go = (): void => {
      // deadline scenario: every request waits serviceDelayMs (a timer) before its route runs.
      if (delayMs > 0) setTimeout(dispatch, delayMs, req, res, scope);
      else dispatch(req, res, scope);
    };
    if (scope) scope.run(go);
    else go();
  };

  const server = http.createServer(httpServerOptions(limits), onRequest);
  const boundPort = await listenOn(server, host, port, 'rest node:http');
  return {
    port: boundPort,
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const start: StartServer = (options) => startRestNodeHttp(options);
