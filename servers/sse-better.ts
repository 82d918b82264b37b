// RPC over Server-Sent Events with better-sse: the same contract as servers/sse.ts (GET
// /v1/events, POST /v1/rpc answered on the stream; the POST side is shared, servers/sse-rpc.ts),
// with the event stream written the way a better-sse application writes it. It differs from the
// hand-written server in substance, which is why it is here:
// - each stream is a Session: a WHATWG Request and Response built from the node objects, an
//   AbortController, its response head sent on the next turn (setImmediate), not at once;
// - each event goes through the library: JSON.stringify of an object (not a template around one
//   stringified user), two newline-sanitising regex passes, an `id:` on every event (a random
//   UUID unless given; the requestId here), an EventEmitter 'push' per event;
// - keep-alive is a timer per session, not one for all streams; `retry` is the library's field.
import http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import { createSession, type Session } from 'better-sse';
import type { StartServer } from './types.ts';
import { httpServerOptions } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { relayOf } from './chat.ts';
import { cpuBurner } from './inject-cpu.ts';
import * as rpcHttp from './sse-rpc.ts';
import type { SseServerOptions } from './sse-rpc.ts';
// Each rpc is one request scope (servers/request-scope.ts): its store statements are charged to it.
import { inRequest } from './request-scope.ts';

/** A stream: the library's session, and the node response under it (for its queued bytes and close()). */
interface Stream {
  session: Session;
  res: http.ServerResponse;
}

export const start: StartServer = (options) => startBetterSseServer(options);

export async function startBetterSseServer({
  host,
  port,
  store,
  keepAliveMs = 15_000,
  maxBodyBytes = 64 * 1024,
  maxPageUsers = rpcHttp.MAX_PAGE,
  maxBufferedBytes = rpcHttp.defaultMaxBufferedBytes(maxPageUsers),
  ...limits
}: SseServerOptions) {
  const streams = new Map<string, Stream>();
  // --inject-server-cpu-us: busy work on every rpc POST, as in servers/sse.ts.
  const burn = cpuBurner(limits.injectCpuUs);
  const streamSockets = new WeakSet<net.Socket>();

  async function openStream(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const socket = req.socket;
    if (!rpcHttp.claimStreamSocket(socket, streamSockets)) return;
    socket.setTimeout(0);
    // retry as servers/sse.ts sends it (the library's default is 2000).
    let session: Session;
    try {
      session = await createSession(req, res, { keepAlive: keepAliveMs, retry: 1000 });
    } catch {
      // better-sse builds a URL from the Host header and throws on one that is not a host (found
      // by test/fuzz.test.ts); unhandled, that rejection takes the server process down. A 400.
      res.setHeader('Connection', 'close');
      return rpcHttp.sendJson(res, 400, rpcHttp.rpcError('invalid_request', 'Host header is not a host'));
    }
    if (res.destroyed || socket.destroyed) {
      // Gone before the session connected (its head goes out on setImmediate). By better-sse
      // 0.16.1's source, its disconnect has then already run and initialize() still starts the
      // keep-alive interval, which nothing would stop: stop it here. (Not seen in tests: a
      // client's close has so far always been handled after the setImmediate.)
      clearInterval((session as unknown as { keepAliveTimer?: NodeJS.Timeout }).keepAliveTimer);
      return;
    }
    const streamId = randomUUID();
    streams.set(streamId, { session, res });
    // As in servers/sse.ts: the session's own disconnect, and the socket's close for a response
    // still queued behind a pipelined request (it never gets a 'close' of its own).
    const drop = () => streams.delete(streamId);
    session.once('disconnected', drop);
    socket.once('close', drop);
    session.push({ streamId }, 'session', streamId);
  }

  /** Check and run one RPC: a bad request is answered on the POST itself, a valid one with 202 and an event. */
  function rpc(msg: unknown, res: http.ServerResponse): void {
    const call = rpcHttp.admitRpc(msg, res, streams, (stream) => stream.res, maxBufferedBytes);
    if (!call) return;
    const { stream, requestId, op, params: p, rid } = call;
    const { session } = stream;
    // The event id is the requestId in its JSON form, as servers/sse.ts writes it (a client may
    // correlate a result by it); better-sse would otherwise make up a UUID for every event.
    if (op === 'getUser') {
      const id = Number(p.id);
      const user = Number.isInteger(id) ? store.getUser(id) : undefined;
      if (user) session.push({ requestId, result: user }, 'result', rid);
      else session.push({ requestId, error: { code: 'not_found', message: `no user with id ${String(p.id)}` } }, 'error', rid);
      return;
    }
    if (op === 'chat') {
      const relay = relayOf(p);
      if (typeof relay === 'string') session.push({ requestId, error: { code: 'bad_request', message: relay } }, 'error', rid);
      else session.push(relay, 'chat', rid);
      return;
    }
    const { afterId, limit } = rpcHttp.pageParams(p, maxPageUsers);
    const users = store.listUsers(afterId, limit);
    if (op === 'listUsersPage') {
      session.push({ requestId, result: users }, 'result', rid);
      return;
    }
    // One push (one write) per item, as servers/sse.ts writes them.
    for (const item of users) session.push({ requestId, item }, 'item', rid);
    session.push({ requestId, count: users.length }, 'end', rid);
  }

  const server = http.createServer(
    httpServerOptions(limits),
    rpcHttp.sseRoutes(
      burn,
      (req, res) => rpcHttp.readRpcBody(req, res, maxBodyBytes, limits.serviceDelayMs, (msg) => inRequest(() => rpc(msg, res))),
      (req, res) => void openStream(req, res),
    ),
  );
  const boundPort = await listenOn(server, host, port, 'sse');

  return {
    port: boundPort,
    /** Event streams open now: a client that vanished or was dropped is no longer counted. */
    openStreams: () => streams.size,
    close: () =>
      new Promise<void>((resolve) => {
        // Ending the response disconnects its session, which stops its keep-alive timer.
        for (const { res } of streams.values()) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
