// RPC over Server-Sent Events on plain node:http (no framework, so the transport's own cost
// stays visible), shaped like MCP's HTTP+SSE transport:
//   GET  /v1/events  opens a long-lived text/event-stream; the first event names the stream.
//   POST /v1/rpc     {"streamId","requestId","op","params"} -> 202 at once; the answer is
//                    written as an event on that stream, correlated by requestId.
// The event stream is chunked, as node:http sends any response without Content-Length on
// HTTP/1.1: that is what an application on node:http gets, and clients must de-chunk.
import http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, type ConnectionLimits } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { relayOf } from './chat.ts';
import { cpuBurner } from './inject-cpu.ts';
import { inRequest } from './request-scope.ts';

export interface SseServerOptions extends ServerOptions, ConnectionLimits {
  /** Interval of the `: ka` comment that keeps idle streams alive through proxies; default 15 s. */
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
const MAX_PAGE = 1000;

export const start: StartServer = (options) => startSseServer(options);

export async function startSseServer({
  host,
  port,
  store,
  keepAliveMs = 15_000,
  maxBodyBytes = 64 * 1024,
  maxPageUsers = MAX_PAGE,
  // With pages over the default cap (payloadSize: 1 MB each), a client that keeps a few pages
  // in flight queues several MB here while it reads them: allow 16 of the largest, ~250 B a user.
  maxBufferedBytes = maxPageUsers > MAX_PAGE ? maxPageUsers * 250 * 16 : 1024 * 1024,
  ...limits
}: SseServerOptions) {
  const streams = new Map<string, http.ServerResponse>();
  // --inject-server-cpu-us: busy work on every rpc POST; the event streams are push (servers/inject-cpu.ts).
  const burn = cpuBurner(limits.injectCpuUs);
  /** Connections that carry an event stream (at most one each). */
  const streamSockets = new WeakSet<net.Socket>();

  /**
   * Whether a stream may be given more. One whose client has stopped reading, so that over
   * maxBufferedBytes wait in this process, is destroyed instead (its 'close' handler takes it
   * out of `streams`): such a client must not grow the server's memory without bound. This
   * is checked before each answer, not within one, so a large answer (a 1000-user page is
   * about 330 KB) never costs a reader that keeps up its stream; a stream holds at most
   * maxBufferedBytes plus one answer.
   */
  function keepsUp(stream: http.ServerResponse): boolean {
    if (stream.writableLength <= maxBufferedBytes) return true;
    stream.destroy();
    return false;
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  function openStream(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    if (streamSockets.has(socket)) {
      // HTTP/1.1 answers in order and an event stream never ends, so a second stream asked
      // for on the same connection could never be delivered: the client is broken.
      socket.destroy();
      return;
    }
    streamSockets.add(socket);
    const streamId = randomUUID();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    streams.set(streamId, res);
    res.write(`retry: 1000\nevent: session\ndata: ${JSON.stringify({ streamId })}\n\n`);
    // 'close' fires on client disconnect and after res.end() in close(): either way the
    // stream is gone and must not be written to again. A response still queued behind a
    // pipelined request never gets the socket, nor a 'close' of its own: the socket's covers it.
    const drop = () => streams.delete(streamId);
    res.on('close', drop);
    socket.once('close', drop);
    req.socket.setTimeout(0);
  }

  /** Validate and run one RPC: a bad request is answered on the POST itself, a valid one with 202 and an event. */
  function rpc(msg: unknown, res: http.ServerResponse): void {
    if (typeof msg !== 'object' || msg === null) return sendJson(res, 400, err('invalid_request', 'body must be a JSON object'));
    const { streamId, requestId, op, params } = msg as Record<string, unknown>;
    if (typeof streamId !== 'string') return sendJson(res, 400, err('invalid_request', 'streamId must be a string'));
    if (typeof requestId !== 'number' && typeof requestId !== 'string')
      return sendJson(res, 400, err('invalid_request', 'requestId must be a number or string'));
    if (op !== 'getUser' && op !== 'listUsers' && op !== 'listUsersPage' && op !== 'chat')
      return sendJson(res, 400, err('unknown_op', `unknown op ${JSON.stringify(op)}`));
    const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    const stream = streams.get(streamId);
    if (!stream) return sendJson(res, 404, err('unknown_stream', `no open stream ${JSON.stringify(streamId).slice(0, 80)}`));
    if (!keepsUp(stream)) return sendJson(res, 404, err('unknown_stream', 'stream dropped: its client stopped reading'));

    res.writeHead(202, { 'Content-Length': '0' });
    res.end();

    // requestId goes out as JSON (a string id keeps its quotes); numbers are the hot path.
    const rid = typeof requestId === 'number' ? String(requestId) : JSON.stringify(requestId);
    if (op === 'getUser') {
      const id = Number(p.id);
      const user = Number.isInteger(id) ? store.getUser(id) : undefined;
      if (!user) {
        stream.write(
          `event: error\ndata: {"requestId":${rid},"error":${JSON.stringify({ code: 'not_found', message: `no user with id ${String(p.id)}` })}}\n\n`,
        );
        return;
      }
      // The `id:` line lets a client correlate a result without parsing its JSON. It must
      // hold no newline: a string requestId is written in its JSON form, which has none.
      stream.write(`event: result\nid: ${rid}\ndata: {"requestId":${rid},"result":${JSON.stringify(user)}}\n\n`);
      return;
    }
    if (op === 'chat') {
      // chat scenario: the relay (servers/chat.ts) as a `chat` event on the sender's stream,
      // matched by seq; a refused message is an error event for its requestId.
      const relay = relayOf(p);
      if (typeof relay === 'string')
        stream.write(
          `event: error\ndata: {"requestId":${rid},"error":${JSON.stringify({ code: 'bad_request', message: relay })}}\n\n`,
        );
      else stream.write(`event: chat\ndata: ${JSON.stringify(relay)}\n\n`);
      return;
    }
    const afterId = Math.max(0, Math.floor(Number(p.afterId) || 0));
    const limit = Math.min(maxPageUsers, Math.max(0, Math.floor(Number(p.limit) || 0)));
    const users = store.listUsers(afterId, limit);
    if (op === 'listUsersPage') {
      // payloadSize: the whole page as ONE result event (JSON has no newline, so one data line).
      stream.write(`event: result\nid: ${rid}\ndata: {"requestId":${rid},"result":${JSON.stringify(users)}}\n\n`);
      return;
    }
    // One write per item, as a streaming source would produce them; node corks the socket
    // for the rest of this tick, so they still leave in few packets.
    for (const u of users) stream.write(`event: item\ndata: {"requestId":${rid},"item":${JSON.stringify(u)}}\n\n`);
    stream.write(`event: end\ndata: {"requestId":${rid},"count":${users.length}}\n\n`);
  }

  function readRpc(req: http.IncomingMessage, res: http.ServerResponse): void {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) {
      // Do not read a body we refuse; close so its bytes are not taken for the next request.
      res.setHeader('Connection', 'close');
      sendJson(res, 413, err('too_large', `body over ${maxBodyBytes} bytes`));
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
        sendJson(res, 413, err('too_large', `body over ${maxBodyBytes} bytes`));
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
        return sendJson(res, 400, err('invalid_json', 'body is not valid JSON'));
      }
      // deadline scenario: the rpc is run (202 and event) serviceDelayMs (a timer) after it arrived.
      // Each rpc is one request scope (servers/request-scope.ts): its store statements are charged to it.
      if (limits.serviceDelayMs) return void setTimeout(() => inRequest(() => rpc(msg, res)), limits.serviceDelayMs);
      inRequest(() => rpc(msg, res));
    });
  }

  const server = http.createServer(httpServerOptions(limits), (req, res) => {
    const path = req.url ?? '';
    if (path === '/v1/rpc') {
      burn?.();
      if (req.method !== 'POST') return sendJson(res, 405, err('method_not_allowed', 'use POST'));
      return readRpc(req, res);
    }
    if (path === '/v1/events') {
      if (req.method !== 'GET') return sendJson(res, 405, err('method_not_allowed', 'use GET'));
      return openStream(req, res);
    }
    sendJson(res, 404, err('not_found', `no route ${req.method} ${path.slice(0, 100)}`));
  });

  // One timer for all streams rather than one per stream; unref so it never holds the process.
  const ka = setInterval(() => {
    for (const res of streams.values()) if (keepsUp(res)) res.write(': ka\n\n');
  }, keepAliveMs);
  ka.unref();

  const boundPort = await listenOn(server, host, port, 'sse');

  return {
    port: boundPort,
    /** Event streams open now: a client that vanished or was dropped is no longer counted. */
    openStreams: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ka);
        for (const res of streams.values()) res.end();
        streams.clear();
        server.close(() => resolve());
        // Streams and keep-alive POST sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

function err(code: string, message: string) {
  return { error: { code, message } };
}
