// GraphQL subscriptions over WebSocket with graphql-ws (the graphql-transport-ws protocol) on
// ws: connection_init / connection_ack, then subscribe; each event is a `next` message with
// the execution result. graphql-ws's own keep-alive pings every 12 s. No resume.
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { pushSchema } from './graphql-common.ts';
import { dropFirst, listen, type PushServer, type PushServerOptions, type StartPushServer } from './types.ts';

export const GRAPHQL_WS_PATH = '/graphql';

export const start: StartPushServer = (o) => startGraphqlWs(o);

export async function startGraphqlWs({ host, port, log }: PushServerOptions): Promise<PushServer> {
  const { schema, stop } = pushSchema(log);
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('WebSocket upgrade required\n');
  });
  server.headersTimeout = 10_000;
  const wss = new WebSocketServer({ server, path: GRAPHQL_WS_PATH, perMessageDeflate: false });
  wss.on('connection', (ws) => (ws as unknown as { _socket?: net.Socket })._socket?.setNoDelay(true));
  const disposable = useServer({ schema }, wss);
  const boundPort = await listen(server, host, port);
  return {
    port: boundPort,
    subscribers: () => wss.clients.size,
    drop: (count) => dropFirst(wss.clients, count, (ws) => ws.close(1012, 'dropped')),
    async close() {
      stop();
      for (const ws of wss.clients) ws.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
