// The HTTP half of the RPC-over-SSE contract, shared by both SSE servers (servers/sse.ts on bare
// node:http, servers/sse-better.ts on better-sse): the routes, the POST /v1/rpc body (size
// limit, JSON) and its checks, answered on the POST itself when refused. What differs between
// the two is the event stream (opening it, writing events, keep-alive), which each owns.
import type http from 'node:http';
import type net from 'node:net';
import type { ServerOptions } from './types.ts';
import type { ConnectionLimits } from './http-limits.ts';

export interface SseServerOptions extends ServerOptions, ConnectionLimits {
  /** Interval of the keep-alive comment that keeps idle streams alive through proxies; default 15 s. */
  keepAliveMs?: number;
  /** Largest POST body accepted; default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * Most bytes an event stream may have queued in this process (past what the kernel holds)
   * before the server drops it rather than answer on it; default 1 MiB.
   */
  maxBufferedBytes?: number;
}

/** Cap on listUsers' limit, as ListUsersRequest.page_size says the server caps it. */
export const MAX_PAGE = 1000;

/** The ops an rpc may name. */
export type RpcOp = 'getUser' | 'listUsers' | 'listUsersPage' | 'chat';

/** What an rpc names, with its params as an object (empty when absent). */
export interface RpcFields {
  streamId: string;
  requestId: number | string;
  op: RpcOp;
  params: Record<string, unknown>;
}

/**
 * With pages over the default cap (payloadSize: 1 MB each), a client that keeps a few pages in
 * flight queues several MB while it reads them: allow 16 of the largest, ~250 B a user.
 */
export function defaultMaxBufferedBytes(maxPageUsers: number): number {
  return maxPageUsers > MAX_PAGE ? maxPageUsers * 250 * 16 : 1024 * 1024;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function rpcError(code: string, message: string) {
  return { error: { code, message } };
}

/**
 * Whether a stream may be given more. One whose client has stopped reading, so that over
 * maxBufferedBytes wait in this process, is destroyed instead (its 'close' handler takes it out
 * of the server's streams): such a client must not grow the server's memory without bound. This
 * is checked before each answer, not within one, so a large answer (a 1000-user page is about
 * 330 KB) never costs a reader that keeps up its stream; a stream holds at most
 * maxBufferedBytes plus one answer.
 */
export function keepsUp(stream: http.ServerResponse, maxBufferedBytes: number): boolean {
  if (stream.writableLength <= maxBufferedBytes) return true;
  stream.destroy();
  return false;
}

/**
 * Take the connection for an event stream, or destroy it when it already carries one: HTTP/1.1
 * answers in order and an event stream never ends, so a second stream asked for on the same
 * connection could never be delivered (the client is broken).
 */
export function claimStreamSocket(socket: net.Socket, streamSockets: WeakSet<net.Socket>): boolean {
  if (streamSockets.has(socket)) {
    socket.destroy();
    return false;
  }
  streamSockets.add(socket);
  return true;
}

/** An rpc that was accepted (202 sent): its fields, its stream, and its requestId as JSON text. */
export interface AdmittedRpc<S> extends RpcFields {
  stream: S;
  /** requestId as it goes out in events: a string id keeps its JSON quotes; numbers are the hot path. */
  rid: string;
}

/**
 * Check an rpc and the stream it names, and answer its POST: 400 for a bad rpc, 404 for a stream
 * that is gone or was dropped for not reading (keepsUp), else 202 and the rpc, whose answer the
 * caller writes on the stream. `resOf` gives the node response under a server's stream.
 */
export function admitRpc<S>(
  msg: unknown,
  res: http.ServerResponse,
  streams: ReadonlyMap<string, S>,
  resOf: (stream: S) => http.ServerResponse,
  maxBufferedBytes: number,
): AdmittedRpc<S> | undefined {
  if (typeof msg !== 'object' || msg === null)
    return void sendJson(res, 400, rpcError('invalid_request', 'body must be a JSON object'));
  const { streamId, requestId, op, params } = msg as Record<string, unknown>;
  if (typeof streamId !== 'string') return void sendJson(res, 400, rpcError('invalid_request', 'streamId must be a string'));
  if (typeof requestId !== 'number' && typeof requestId !== 'string')
    return void sendJson(res, 400, rpcError('invalid_request', 'requestId must be a number or string'));
  if (op !== 'getUser' && op !== 'listUsers' && op !== 'listUsersPage' && op !== 'chat')
    return void sendJson(res, 400, rpcError('unknown_op', `unknown op ${JSON.stringify(op)}`));
  const stream = streams.get(streamId);
  if (!stream)
    return void sendJson(res, 404, rpcError('unknown_stream', `no open stream ${JSON.stringify(streamId).slice(0, 80)}`));
  if (!keepsUp(resOf(stream), maxBufferedBytes))
    return void sendJson(res, 404, rpcError('unknown_stream', 'stream dropped: its client stopped reading'));
  res.writeHead(202, { 'Content-Length': '0' });
  res.end();
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  const rid = typeof requestId === 'number' ? String(requestId) : JSON.stringify(requestId);
  return { streamId, requestId, op, params: p, stream, rid };
}

/** listUsers / listUsersPage: the page the params ask for, capped at maxPageUsers. */
export function pageParams(p: Record<string, unknown>, maxPageUsers: number): { afterId: number; limit: number } {
  const afterId = Math.max(0, Math.floor(Number(p.afterId) || 0));
  const limit = Math.min(maxPageUsers, Math.max(0, Math.floor(Number(p.limit) || 0)));
  return { afterId, limit };
}

/**
 * Read a POST body up to maxBodyBytes and hand its JSON to `then`, serviceDelayMs (a timer) after
 * it arrived (deadline scenario). A body over the limit is 413 and the connection closed; one that
 * is not JSON is 400.
 */
export function readRpcBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  maxBodyBytes: number,
  serviceDelayMs: number | undefined,
  then: (msg: unknown) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBodyBytes) {
    // Do not read a body we refuse; close so its bytes are not taken for the next request.
    res.setHeader('Connection', 'close');
    sendJson(res, 413, rpcError('too_large', `body over ${maxBodyBytes} bytes`));
    req.resume();
    return;
  }
  const parts: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (c: Buffer) => {
    if (refused) return;
    size += c.length;
    if (size > maxBodyBytes) {
      // Chunked bodies have no declared length: refuse once the limit is passed.
      refused = true;
      res.setHeader('Connection', 'close');
      sendJson(res, 413, rpcError('too_large', `body over ${maxBodyBytes} bytes`));
      return;
    }
    parts.push(c);
  });
  req.on('end', () => {
    if (refused) return;
    let msg: unknown;
    try {
      msg = JSON.parse((parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)).toString('utf8'));
    } catch {
      return sendJson(res, 400, rpcError('invalid_json', 'body is not valid JSON'));
    }
    if (serviceDelayMs) return void setTimeout(() => then(msg), serviceDelayMs);
    then(msg);
  });
}

/**
 * The request listener of an SSE server: POST /v1/rpc (after the injected CPU, on every rpc
 * POST; the event streams are push) and GET /v1/events; any other method 405, any other path 404.
 */
export function sseRoutes(
  burn: (() => void) | undefined,
  rpc: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  events: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): http.RequestListener {
  return (req, res) => {
    const path = req.url ?? '';
    if (path === '/v1/rpc') {
      burn?.();
      if (req.method !== 'POST') return sendJson(res, 405, rpcError('method_not_allowed', 'use POST'));
      return rpc(req, res);
    }
    if (path === '/v1/events') {
      if (req.method !== 'GET') return sendJson(res, 405, rpcError('method_not_allowed', 'use GET'));
      return events(req, res);
    }
    sendJson(res, 404, rpcError('not_found', `no route ${req.method} ${path.slice(0, 100)}`));
  };
}
