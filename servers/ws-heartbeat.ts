// The heartbeat both ws servers run: every interval each peer is pinged, and one that has not
// ponged since the previous ping is terminated, so a half-open or frozen peer is reaped within
// two intervals.
import type { WebSocket, WebSocketServer } from 'ws';

export interface WsHeartbeat {
  /** Rounds so far: a frozen peer is reaped by the second round after it froze. */
  rounds(): number;
  /** Peers terminated so far (half-open or frozen). */
  reaped(): number;
  stop(): void;
}

/** Start the heartbeat on `wss`'s peers, this one and those that connect later. */
export function startWsHeartbeat(wss: WebSocketServer, intervalMs: number): WsHeartbeat {
  const alive = new WeakSet<WebSocket>();
  let rounds = 0;
  let reaped = 0;
  wss.on('connection', (ws: WebSocket) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
  });
  const timer = setInterval(() => {
    rounds++;
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        reaped++;
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return { rounds: () => rounds, reaped: () => reaped, stop: () => clearInterval(timer) };
}
