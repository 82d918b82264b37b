// RPC over Server-Sent Events on plain node:http (no framework, so the transport's own cost
// stays visible), shaped like MCP's HTTP+SSE transport:
//   GET  /v1/events  opens a long-lived text/event-stream; the first event names the stream.
//   POST /v1/rpc     {"streamId","requestId","op","params"} -> 202 at once; the answer is
//                    written as an event on that stream, correlated by requestId.
// The event stream is chunked, as node:http sends any response without Content-Length on
// HTTP/1.1: that is what an application on node:http gets, and clients must de-chunk.
// The POST side (routes, body, checks) is shared with the better-sse server: servers/sse-rpc.ts.
import http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { StartServer } from './types.ts';
import { httpServerOptions } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { relayOf } from './chat.ts';
import { cpuBurner } from './inject-cpu.ts';
import {
  MAX_PAGE,
  admitRpc,
  claimStreamSocket,
  defaultMaxBufferedBytes,
  keepsUp,
  pageParams,
  readRpcBody,
  sseRoutes,
  type SseServerOptions,
} from './sse-rpc.ts';
// Each rpc is one request scope (servers/request-scope.ts): its store statements are charged to it.
import { inRequest } from './request-scope.ts';

export type { SseServerOptions } from './sse-rpc.ts';

export const start: StartServer = (options) => startSseServer(options);

export async function startSseServer({
  host,
  port,
  store,
  keepAliveMs = 15_000,
  maxBodyBytes = 64 * 1024,
  maxPageUsers = MAX_PAGE,
  maxBufferedBytes = defaultMaxBufferedBytes(maxPageUsers),
  ...limits
}: SseServerOptions) {
  const streams = new Map<string, http.ServerResponse>();
  // --inject-server-cpu-us: busy work on every rpc POST; the event streams are push (servers/inject-cpu.ts).
  const burn = cpuBurner(limits.injectCpuUs);
  /** Connections that carry an event stream (at most one each). */
  const streamSockets = new WeakSet<net.Socket>();

  function openStream(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    if (!claimStreamSocket(socket, streamSockets)) return;
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

  /** Check and run one RPC: a bad request is answered on the POST itself, a valid one with 202 and an event. */
  function rpc(msg: unknown, res: http.ServerResponse): void {
    const call = admitRpc(msg, res, streams, (stream) => stream, maxBufferedBytes);
    if (!call) return;
    const { stream, op, params: p, rid } = call;
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
    const { afterId, limit } = pageParams(p, maxPageUsers);
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

  const server = http.createServer(
    httpServerOptions(limits),
    sseRoutes(
      burn,
      (req, res) => readRpcBody(req, res, maxBodyBytes, limits.serviceDelayMs, (msg) => inRequest(() => rpc(msg, res))),
      openStream,
    ),
  );

  // One timer for all streams rather than one per stream; unref so it never holds the process.
  const ka = setInterval(() => {
    for (const res of streams.values()) if (keepsUp(res, maxBufferedBytes)) res.write(': ka\n\n');
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
