// The node:http edge every GraphQL server here puts before its library (graphql-yoga in
// servers/graphql.ts, mercurius in servers/graphql-mercurius.ts), so both see the same requests
// and refuse the same ones the same way: the request's scope for statement counts, the planted
// CPU (--inject-server-cpu-us), the body-size bounds, and the deadline scenario's service delay.
import type http from 'node:http';
import { openRequest, type RequestScope } from './request-scope.ts';
import { cpuBurner } from './inject-cpu.ts';

export interface GraphQLEdgeOptions {
  /** Largest POST body accepted; 413 above. */
  maxBodyBytes: number;
  injectCpuUs?: number | undefined;
  serviceDelayMs?: number | undefined;
}

/** A GraphQL error answer from the edge, on a connection that is then closed (its body, if any, is never read). */
export function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/**
 * Whether the edge refused a POST for its size. Neither library has a limit it checks before
 * buffering (yoga none at all; fastify's bodyLimit leaves an over-long body to be read on a
 * keep-alive connection), so the size is checked here from the declared length. A chunked body
 * declares none and cannot be counted without reading it ahead of the library: 411.
 */
function refusedForSize(req: http.IncomingMessage, res: http.ServerResponse, maxBodyBytes: number): boolean {
  if (req.method !== 'POST') return false;
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] !== undefined) {
    sendError(res, 411, 'LENGTH_REQUIRED', 'send the body with a Content-Length');
    return true;
  }
  if (Number(declared) > maxBodyBytes) {
    sendError(res, 413, 'PAYLOAD_TOO_LARGE', `body over ${maxBodyBytes} bytes`);
    return true;
  }
  return false;
}

/**
 * The request listener for http.createServer: each request in its own scope, ended when its
 * response is done (or its connection gone), so the store charges it the statements it ran
 * (servers/request-scope.ts); `serve` gets the scope to re-enter where the library leaves it.
 */
export function graphqlEdge(
  o: GraphQLEdgeOptions,
  serve: (req: http.IncomingMessage, res: http.ServerResponse, scope: RequestScope) => void,
): http.RequestListener {
  // --inject-server-cpu-us: busy work on every request, before anything else (servers/inject-cpu.ts).
  const burn = cpuBurner(o.injectCpuUs);
  const delayMs = o.serviceDelayMs ?? 0;
  return (req, res) => {
    const scope = openRequest();
    res.once('close', scope.end);
    scope.run(() => {
      burn?.();
      if (refusedForSize(req, res, o.maxBodyBytes)) return;
      // deadline scenario: the request is handed to the library serviceDelayMs (a timer) after it arrived.
      if (delayMs > 0) setTimeout(() => serve(req, res, scope), delayMs);
      else serve(req, res, scope);
    });
  };
}
