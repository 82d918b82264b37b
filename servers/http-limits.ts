// Connection limits shared by the servers that sit on node:http (REST via fastify, GraphQL,
// WebSocket's upgrade server, SSE). Every value is an option of the server's start function
// so tests can use short ones; the defaults suit a benchmark whose connections are busy.
import type http from 'node:http';

export interface ConnectionLimits {
  /** Close a keep-alive connection idle this long between requests; default 120 s. */
  idleTimeoutMs?: number;
  /**
   * Time a client has to send complete request headers, counted from the connection's start
   * for its first request, so a socket that never sends anything is closed too (408);
   * default 60 s, node's own.
   */
  headersTimeoutMs?: number;
  /**
   * Time a client has to send a whole request, headers and body; default 120 s (node's is 300 s,
   * for bodies far over our 1 MiB limits).
   */
  requestTimeoutMs?: number;
  /** Silence after which the kernel probes an accepted socket (SO_KEEPALIVE), to shed half-open peers; default 60 s. */
  tcpKeepAliveMs?: number;
}

export const DEFAULT_LIMITS: Required<ConnectionLimits> = {
  idleTimeoutMs: 120_000,
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 120_000,
  tcpKeepAliveMs: 60_000,
};

export function resolveLimits(l: ConnectionLimits): Required<ConnectionLimits> {
  const r = {
    idleTimeoutMs: l.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs,
    headersTimeoutMs: l.headersTimeoutMs ?? DEFAULT_LIMITS.headersTimeoutMs,
    requestTimeoutMs: l.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs,
    tcpKeepAliveMs: l.tcpKeepAliveMs ?? DEFAULT_LIMITS.tcpKeepAliveMs,
  };
  // node:http refuses headersTimeout > requestTimeout (both non-zero).
  if (r.headersTimeoutMs > r.requestTimeoutMs) r.headersTimeoutMs = r.requestTimeoutMs;
  return r;
}

/** Options for http.createServer: timeouts, and TCP keep-alive set on every accepted socket. */
export function httpServerOptions(l: ConnectionLimits): http.ServerOptions {
  const r = resolveLimits(l);
  return {
    keepAliveTimeout: r.idleTimeoutMs,
    headersTimeout: r.headersTimeoutMs,
    requestTimeout: r.requestTimeoutMs,
    // headersTimeout and requestTimeout are only enforced when node sweeps its connections
    // (every 30 s by default), so short test values need a sweep at least as often.
    connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(r.headersTimeoutMs / 4))),
    keepAlive: true,
    keepAliveInitialDelay: r.tcpKeepAliveMs,
  };
}
