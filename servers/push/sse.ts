// Server-Sent Events push on plain node:http: GET /v1/events is a text/event-stream of
// user-updated events, each `id: <eventId>`, `event: user-updated`, `data: <event JSON>`.
// - A new stream (no Last-Event-ID) starts live. Its first block is `retry:` plus a
//   `position` event whose `id:` is the newest event id, so a client (or a browser's
//   EventSource) that loses the stream before any event still resumes from the right place.
// - A stream opened with Last-Event-ID: N first replays every buffered event after N, then
//   goes live, in the same tick: nothing is lost or sent twice between the two.
// - `: ka` comments every heartbeatMs keep idle streams alive; the client counts a stream
//   silent for longer than 1.5 intervals as dead and reconnects.
// - `?sub=<id>` names the subscriber: a new stream for the same subscriber closes the old
//   one. That is how a half-open stream (its client gone silent, the kernel still holding the
//   socket) is cleaned up once the client notices and reconnects; SSE has no upstream
//   message the server could wait for, so the server cannot find it alone before TCP does.
// Streams are chunked, as node:http sends any response without Content-Length.
import http from 'node:http';
import type net from 'node:net';
import type { UserEvent } from './events.ts';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BUFFERED,
  dropFirst,
  DEFAULT_RETRY_MS,
  listen,
  type PushServer,
  type PushServerOptions,
  type StartPushServer,
} from './types.ts';

export const SSE_EVENTS_PATH = '/v1/events';

export function sseFrame(e: UserEvent): string {
  return `id: ${e.eventId}\nevent: user-updated\ndata: ${e.json}\n\n`;
}

export const start: StartPushServer = (o) => startSsePush(o);

export async function startSsePush({
  host,
  port,
  log,
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
  retryMs = DEFAULT_RETRY_MS,
  maxBufferedBytes = DEFAULT_MAX_BUFFERED,
}: PushServerOptions): Promise<PushServer> {
  const streams = new Set<http.ServerResponse>();
  const bySubscriber = new Map<string, http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== SSE_EVENTS_PATH || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const lastHeader = req.headers['last-event-id'];
    const lastId = typeof lastHeader === 'string' && /^\d+$/.test(lastHeader.trim()) ? Number(lastHeader) : undefined;
    const sub = url.searchParams.get('sub');
    if (sub) {
      const old = bySubscriber.get(sub);
      if (old) old.destroy();
      bySubscriber.set(sub, res);
    }
    const socket: net.Socket = req.socket;
    socket.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    let head = `retry: ${retryMs}\n`;
    if (lastId === undefined) head += `id: ${log.lastId}\nevent: position\ndata:\n\n`;
    else {
      head += '\n';
      // One write for the whole replay: a reconnecting subscriber typically missed a few.
      for (const e of log.since(lastId)) head += sseFrame(e);
    }
    res.write(head);
    streams.add(res);
    const drop = (): void => {
      streams.delete(res);
      if (sub && bySubscriber.get(sub) === res) bySubscriber.delete(sub);
    };
    res.on('close', drop);
  });
  // No idle timeouts on streams: the heartbeat keeps them moving and they are meant to last.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5000;

  const unsubscribe = log.subscribe((e) => {
    const frame = sseFrame(e);
    for (const res of streams) {
      // A subscriber that stopped reading must not grow this process without bound; it
      // resumes with Last-Event-ID when it comes back.
      if (res.writableLength > maxBufferedBytes) res.destroy();
      else res.write(frame);
    }
  });

  const ka = setInterval(() => {
    for (const res of streams) res.write(': ka\n\n');
  }, heartbeatMs);
  ka.unref();

  const boundPort = await listen(server, host, port);
  return {
    port: boundPort,
    subscribers: () => streams.size,
    // Server-side close: the connection goes away (FIN); the client resumes.
    drop: (count) => dropFirst(streams, count, (res) => res.socket?.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ka);
        unsubscribe();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
