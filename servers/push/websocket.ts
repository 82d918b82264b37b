// WebSocket push with ws: ws://host:port/v1/events[?lastEventId=N][&sub=ID].
// - Every connection first gets `{"hello":{"lastEventId":L}}` (L: the newest event id), the
//   position a client that has seen nothing yet resumes from.
// - With ?lastEventId=N the server replays every buffered event after N before going live,
//   in the same tick as it joins the live set: nothing lost or sent twice in between.
// - Each event is one text frame holding the event JSON, built once per event and handed to
//   every socket as the same Buffer (no per-subscriber serialization).
// - Heartbeat: every heartbeatMs each peer is pinged; one that has not ponged since the
//   previous ping is terminated, so a half-open peer is reaped within two intervals.
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BUFFERED,
  dropFirst,
  listen,
  type PushServer,
  type PushServerOptions,
  type StartPushServer,
} from './types.ts';
import { startWsHeartbeat } from '../ws-heartbeat.ts';

export const WS_EVENTS_PATH = '/v1/events';

export const start: StartPushServer = (o) => startWebSocketPush(o);

export async function startWebSocketPush({
  host,
  port,
  log,
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
  maxBufferedBytes = DEFAULT_MAX_BUFFERED,
}: PushServerOptions): Promise<PushServer & { reaped(): number; heartbeatRounds(): number }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('WebSocket upgrade required\n');
  });
  server.headersTimeout = 10_000;
  const wss = new WebSocketServer({ server, path: WS_EVENTS_PATH, perMessageDeflate: false, maxPayload: 64 * 1024 });
  const live = new Set<WebSocket>();
  const bySubscriber = new Map<string, WebSocket>();
  const heartbeat = startWsHeartbeat(wss, heartbeatMs);

  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const lastParam = url.searchParams.get('lastEventId');
    const sub = url.searchParams.get('sub');
    if (sub) {
      bySubscriber.get(sub)?.terminate();
      bySubscriber.set(sub, ws);
    }
    (ws as unknown as { _socket?: net.Socket })._socket?.setNoDelay(true);
    ws.on('error', () => {});
    // Subscribers have nothing to say; a message is ignored rather than answered.
    ws.on('close', () => {
      live.delete(ws);
      if (sub && bySubscriber.get(sub) === ws) bySubscriber.delete(sub);
    });
    ws.send(`{"hello":{"lastEventId":${log.lastId}}}`);
    if (lastParam !== null && /^\d+$/.test(lastParam)) {
      for (const e of log.since(Number(lastParam))) ws.send(e.jsonBytes, { binary: false });
    }
    live.add(ws);
  });

  const unsubscribe = log.subscribe((e) => {
    for (const ws of live) {
      if (ws.bufferedAmount > maxBufferedBytes) ws.terminate();
      else ws.send(e.jsonBytes, { binary: false });
    }
  });

  const boundPort = await listen(server, host, port);
  return {
    port: boundPort,
    subscribers: () => live.size,
    /** Peers terminated by the heartbeat so far (half-open or frozen). */
    reaped: heartbeat.reaped,
    heartbeatRounds: heartbeat.rounds,
    drop: (count) =>
      dropFirst(live, count, (ws) => {
        // 1012 "service restart": a server-side close the client is expected to recover from.
        ws.close(1012, 'dropped');
        live.delete(ws);
      }),
    async close() {
      heartbeat.stop();
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
