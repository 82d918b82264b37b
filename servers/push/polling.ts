// HTTP polling on plain node:http, short and long, over one route:
//   GET /v1/poll                 -> {"last":L,"events":[]}: the position to poll from
//   GET /v1/poll?after=N         -> {"last":L,"events":[...every buffered event after N...]}
//   GET /v1/poll?after=N&wait=1  -> long poll: answered at once if there is anything after N,
//                                   else held until the next event or longPollTimeoutMs
//                                   (then answered with no events).
// Bodies are built from each event's pre-serialized JSON; answers carry Content-Length so
// keep-alive connections are reused poll after poll. An empty answer is the cost polling
// pays for being told "nothing new": its bytes are counted by the client.
import http from 'node:http';
import type net from 'node:net';
import { dropFirst, listen, type PushServer, type PushServerOptions, type StartPushServer } from './types.ts';
import type { EventLog } from './events.ts';

export const POLL_PATH = '/v1/poll';

export function pollBody(log: EventLog, after: number | undefined): string {
  if (after === undefined) return `{"last":${log.lastId},"events":[]}`;
  const events = log.since(after);
  let body = `{"last":${log.lastId},"events":[`;
  for (let i = 0; i < events.length; i++) body += (i ? ',' : '') + events[i]!.json;
  return body + ']}';
}

function send(res: http.ServerResponse, body: string): void {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

interface Held {
  res: http.ServerResponse;
  after: number;
  timer: NodeJS.Timeout;
}

export const start: StartPushServer = (o) => startPolling(o);

export async function startPolling({ host, port, log, longPollTimeoutMs = 30_000 }: PushServerOptions): Promise<PushServer> {
  const sockets = new Set<net.Socket>();
  const held = new Set<Held>();

  const server = http.createServer((req, res) => {
    const q = req.url?.indexOf('?') ?? -1;
    const pathname = q === -1 ? req.url : req.url!.slice(0, q);
    if (pathname !== POLL_PATH || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const params = new URLSearchParams(q === -1 ? '' : req.url!.slice(q + 1));
    const afterParam = params.get('after');
    const after = afterParam !== null && /^\d+$/.test(afterParam) ? Number(afterParam) : undefined;
    const wait = params.get('wait') === '1';
    if (!wait || after === undefined || after < log.lastId) return send(res, pollBody(log, after));
    const h: Held = {
      res,
      after,
      timer: setTimeout(() => {
        held.delete(h);
        send(res, pollBody(log, after));
      }, longPollTimeoutMs),
    };
    held.add(h);
    res.on('close', () => {
      clearTimeout(h.timer);
      held.delete(h);
    });
  });
  server.on('connection', (s: net.Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Keep-alive connections idle between short polls: keep them for the longest interval asked for.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;

  const unsubscribe = log.subscribe(() => {
    if (held.size === 0) return;
    // Most held polls ask for the same thing (after the previous event): build each body once.
    const bodies = new Map<number, string>();
    for (const h of held) {
      let body = bodies.get(h.after);
      if (body === undefined) bodies.set(h.after, (body = pollBody(log, h.after)));
      clearTimeout(h.timer);
      send(h.res, body);
    }
    held.clear();
  });

  const boundPort = await listen(server, host, port);
  return {
    port: boundPort,
    subscribers: () => sockets.size,
    drop: (count) => dropFirst(sockets, count, (s) => s.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const h of held) clearTimeout(h.timer);
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
