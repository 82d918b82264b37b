// The REST server's fastify instance on HTTP/1.1 (default) or on cleartext HTTP/2 (h2c,
// the http2 scenario). fastify 5 with `http2: true` and no `https` builds the server with
// node:http2 createServer: HTTP/2 with prior knowledge only (no Upgrade, no ALPN), so an
// HTTP/1.1 client is not served on that port. Routes, hooks and replies are unchanged:
// fastify hands them node's compatibility request/response objects.
import Fastify, { type FastifyHttpOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type http from 'node:http';
import type { Http2Server } from 'node:http2';

export function createFastify(http2: boolean, options: FastifyHttpOptions<http.Server>): FastifyInstance {
  if (!http2) return Fastify(options);
  // `http` would go to http2.createServer as its options; the HTTP/1.1 timeouts in it mean
  // nothing there. An idle session is closed after the same idle time instead.
  const { http: _http1Options, keepAliveTimeout, requestTimeout: _requestTimeout, ...common } = options;
  // Only the server type parameter differs (serverFactory and friends, which we do not set).
  const base = common as unknown as FastifyServerOptions<Http2Server>;
  const app = Fastify({ ...base, http2: true, ...(keepAliveTimeout !== undefined && { http2SessionTimeout: keepAliveTimeout }) });
  // The routes are written against the HTTP/1.1 instance type; at run time fastify's
  // request/reply API is the same on both (node's http2 compatibility layer underneath).
  return app as unknown as FastifyInstance;
}
