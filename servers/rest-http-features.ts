// Optional HTTP features of the REST server that the guide describes and the claims check by
// doing them: conditional GETs (ETag / If-None-Match and Last-Modified / If-Modified-Since,
// answered 304 without a body) and rate limiting (X-RateLimit-* headers, 429 with
// Retry-After). Both are off unless a knob asks for them: the benchmark's getUser path stays
// the same bytes and the same work as before, and a rate limit would turn a load test into a
// stream of 429s.
import type { FastifyInstance } from 'fastify';
import etag from '@fastify/etag';
import rateLimit from '@fastify/rate-limit';

export interface RateLimitOptions {
  /** Requests allowed per window and client address. */
  max: number;
  windowMs: number;
}

/**
 * ETag on every 200 (a hash of the body, by @fastify/etag, which also answers a matching
 * If-None-Match with 304). Last-Modified is the route's own business: see lastModified().
 */
export async function registerConditionalGet(app: FastifyInstance): Promise<void> {
  // Weak: the same user serialised the same way is the same representation.
  await app.register(etag, { weak: true });
}

/**
 * Last-Modified for a resource changed at `changedAt`, and whether the request's
 * If-Modified-Since makes the answer a 304 (HTTP dates have whole seconds, so compare those).
 */
export function lastModified(changedAt: Date, ifModifiedSince: string | undefined): { header: string; notModified: boolean } {
  const header = changedAt.toUTCString();
  if (ifModifiedSince === undefined) return { header, notModified: false };
  const since = Date.parse(ifModifiedSince);
  return { header, notModified: Number.isFinite(since) && Math.floor(changedAt.getTime() / 1000) <= Math.floor(since / 1000) };
}

/** X-RateLimit-Limit / -Remaining / -Reset on every answer, 429 with Retry-After past the limit (@fastify/rate-limit). */
export async function registerRateLimit(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    max: opts.max,
    timeWindow: opts.windowMs,
    // The default 429 body is fastify's; keep the server's {"error", "message"} shape.
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: 'too_many_requests',
      message: `rate limit of ${ctx.max} requests per ${ctx.after} exceeded; retry after ${ctx.after}`,
    }),
  });
}
