// WebSocket with ws: one long-lived connection at /v1/ws carrying JSON text messages.
// Request  {"id": <requestId>, "op": "getUser", "params": {"id": <userId>}}
// Success  {"id": <requestId>, "result": <user>}
// Error    {"id": <requestId>, "error": {"code": "not_found" | "bad_request" | "unknown_op", "message": "..."}}
// A frame that cannot be read as a request (binary, not JSON) gets an error with id null; the
// connection stays up, as one bad message should not cost the client its other calls.
// Frames that break the protocol itself close the connection with RFC 6455's code, sent by ws:
// 1009 over maxPayloadBytes, 1007 for text that is not UTF-8, 1002 for malformed frames.
// A heartbeat pings every peer and terminates one that did not pong since the last round.
import http from 'node:http';
import { WebSocketServer, type PerMessageDeflateOptions, type WebSocket } from 'ws';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, type ConnectionLimits } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { binaryAnswerer, negotiateEncoding } from './websocket-encodings.ts';
import { startWsHeartbeat } from './ws-heartbeat.ts';
import { WS_PATH } from './websocket/index.ts';
import { cpuBurner } from './inject-cpu.ts';
import { inRequest } from './request-scope.ts';
import { DEFAULT_MAX_PAYLOAD, MAX_LIST_LIMIT, errorMessage, handleMessage, handleStreamMessage } from './websocket-messages.ts';

// Defined with the server's metadata (servers/websocket/index.ts); tests and claims import it from here.
export { WS_PATH };
// The message protocol moved to servers/websocket-messages.ts (shared with the second implementation); re-exported here.
export { DEFAULT_MAX_PAYLOAD, MAX_LIST_LIMIT, handleMessage, handleStreamMessage };

export interface WebSocketServerOptions extends ServerOptions, ConnectionLimits {
  /** Off by default: compression costs CPU on both sides and the guide's claims are about plain frames. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message accepted; default 1 MiB, close code 1009 above. */
  maxPayloadBytes?: number;
  /** Ping every peer this often; one that has not answered the previous ping is terminated. Default 30 s. */
  heartbeatMs?: number;
}

export async function startWebSocket({
  host,
  port,
  store,
  perMessageDeflate = false,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD,
  heartbeatMs = 30_000,
  maxPageUsers = MAX_LIST_LIMIT,
  compression = false,
  ...limits
}: WebSocketServerOptions) {
  // compression scenario: offer permessage-deflate with ws's defaults (threshold 1024 B, zlib
  // level 6, context takeover); it is used only when the client asks for it too.
  if (compression && perMessageDeflate === false) perMessageDeflate = true;
  // The http server's timeouts cover the upgrade request and sockets that never upgrade;
  // once upgraded, the heartbeat below and TCP keep-alive (set on accept) take over.
  const server = http.createServer(httpServerOptions(limits), (_req, res) => {
    // Only the upgrade is served; a plain GET says what is expected instead of hanging.
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('WebSocket upgrade required\n');
  });
  const wss = new WebSocketServer({
    server,
    path: WS_PATH,
    perMessageDeflate,
    maxPayload: maxPayloadBytes,
    handleProtocols: negotiateEncoding,
  });
  const heartbeat = startWsHeartbeat(wss, heartbeatMs);
  // --inject-server-cpu-us: busy work on every message, before it is read (servers/inject-cpu.ts).
  const burn = cpuBurner(limits.injectCpuUs);

  wss.on('connection', (ws: WebSocket) => {
    // ws has already sent the close frame with the code for the fault (1009, 1007, 1002) and
    // destroys the socket itself if the peer does not answer it: terminating here would
    // throw that close frame away before it is flushed.
    ws.on('error', () => {});
    // encodings scenario: a 'msgpack' or 'protobuf' subprotocol means binary bodies (getUser only).
    const answerBinary = binaryAnswerer(ws.protocol, store);
    if (answerBinary) {
      ws.on('message', (data) => {
        burn?.();
        ws.send(answerBinary(data));
      });
      return;
    }
    ws.on('message', (data, isBinary) => {
      burn?.();
      if (isBinary) {
        ws.send(errorMessage(null, 'bad_request', 'binary frames are not accepted; send JSON text'));
        return;
      }
      // Without fragmentation or compression `data` is one Buffer; the other shapes only
      // appear when the peer fragments, so they take the slower path.
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
      // listUsersStream answers with many messages; a cheap substring test keeps getUser's
      // hot path to one JSON.parse (a false hit just falls through to handleMessage).
      // Each message is one request scope (servers/request-scope.ts): its store statements are charged to it.
      const streamed = text.includes('"listUsersStream"') ? inRequest(() => handleStreamMessage(store, text)) : undefined;
      if (streamed) for (const m of streamed) ws.send(m);
      // deadline scenario: the message is answered serviceDelayMs (a timer) after it arrived.
      else if (limits.serviceDelayMs)
        setTimeout(() => ws.send(inRequest(() => handleMessage(store, text, maxPageUsers))), limits.serviceDelayMs);
      else ws.send(inRequest(() => handleMessage(store, text, maxPageUsers)));
    });
  });

  const boundPort = await listenOn(server, host, port, 'websocket');

  return {
    port: boundPort,
    async close(): Promise<void> {
      heartbeat.stop();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      // wss.close() leaves an external http server open; close it and any idle sockets.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const start: StartServer = (options) => startWebSocket(options);
