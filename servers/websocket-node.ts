// WebSocket with `websocket` (WebSocket-Node), the second WebSocket server library beside ws
// (servers/websocket.ts): same path (/v1/ws), same JSON messages (servers/websocket-messages.ts),
// same limits where the library has them.
// - Message-level faults (binary on a JSON connection, not JSON, bad params) get an error message
//   and the connection stays up, as on ws.
// - Protocol faults close the connection with RFC 6455's code, sent by the library: 1009 over
//   maxPayloadBytes (one frame or the sum of fragments), 1007 for text that is not UTF-8, 1002 for
//   malformed frames. Two differences from ws: a frame declaring a 64-bit length past 2^32 is 1002
//   here (the library refuses such lengths as a protocol error before comparing them with the limit;
//   ws says 1009), and the library accepts unmasked client frames, which RFC 6455 5.1 says a server
//   must refuse: this module refuses them with 1002 (`refuseUnmaskedFrames`).
// - Heartbeat: as ws's (servers/ws-heartbeat.ts), not the library's keepalive: every heartbeatMs each
//   peer is pinged, and one that has not ponged since the previous round is dropped without a close
//   frame (1006 at the peer). The library's own keepalive would count any frame as alive and re-arm
//   a timer on every message, a per-message cost ws does not have.
// - Not available: permessage-deflate (the library implements no extension), so the compression
//   scenario fails at start here rather than measure uncompressed frames.
import http from 'node:http';
import { server as WebSocketServer, type connection as Connection, type IServerConfig, type Message } from 'websocket';
import type { ServerOptions, StartServer } from './types.ts';
import { httpServerOptions, type ConnectionLimits } from './http-limits.ts';
import { listenOn } from './listen.ts';
import { binaryAnswerer, negotiateEncoding } from './websocket-encodings.ts';
import { WS_PATH } from './websocket/index.ts';
import { cpuBurner } from './inject-cpu.ts';
import { inRequest } from './request-scope.ts';
import { DEFAULT_MAX_PAYLOAD, MAX_LIST_LIMIT, errorMessage, handleMessage, handleStreamMessage } from './websocket-messages.ts';

export interface WebSocketNodeServerOptions extends ServerOptions, ConnectionLimits {
  /** Largest message accepted, in one frame or in fragments; default 1 MiB, close code 1009 above. */
  maxPayloadBytes?: number;
  /** Ping every peer this often; one that has not answered the previous ping is dropped. Default 30 s. */
  heartbeatMs?: number;
  /** Not supported by the library: true fails at start. */
  perMessageDeflate?: boolean;
}

/** The frame the library hands to its (undocumented, per-connection) processFrame. */
interface ParsedFrame {
  mask: boolean;
}
type FrameProcessor = (this: Connection, frame: ParsedFrame) => void;

/**
 * RFC 6455 5.1: a server must close the connection on a frame that is not masked. WebSocket-Node
 * 1.0.x parses the mask bit but never checks it; the check wraps the connection's processFrame,
 * which its socket reader calls for every whole frame.
 */
function refuseUnmaskedFrames(conn: Connection): void {
  const own = conn as unknown as { processFrame?: FrameProcessor };
  const processFrame = own.processFrame;
  if (typeof processFrame !== 'function')
    throw new Error('websocket: connection.processFrame is gone; update refuseUnmaskedFrames');
  own.processFrame = function (frame) {
    if (!frame.mask) return conn.drop(1002, 'client frames must be masked');
    processFrame.call(this, frame);
  };
}

/** ws's heartbeat on WebSocket-Node's connections: ping each round, drop a peer that did not pong since the last. */
function startHeartbeat(wss: WebSocketServer, intervalMs: number): () => void {
  const alive = new WeakSet<Connection>();
  wss.on('connect', (conn) => {
    alive.add(conn);
    conn.on('pong', () => alive.add(conn));
  });
  const timer = setInterval(() => {
    // A copy: drop() takes the connection out of wss.connections at once.
    for (const conn of [...wss.connections]) {
      if (!alive.has(conn)) {
        conn.drop(1006, 'peer not responding', true);
        continue;
      }
      alive.delete(conn);
      conn.ping(Buffer.alloc(0));
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export async function startWebSocketNode({
  host,
  port,
  store,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD,
  heartbeatMs = 30_000,
  maxPageUsers = MAX_LIST_LIMIT,
  compression = false,
  perMessageDeflate = false,
  ...limits
}: WebSocketNodeServerOptions) {
  if (compression || perMessageDeflate)
    throw new Error('the websocket-node server has no permessage-deflate (WebSocket-Node implements no extension); use ws');
  // As on ws: the http server's timeouts cover the upgrade request and sockets that never upgrade.
  const server = http.createServer(httpServerOptions(limits), (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('WebSocket upgrade required\n');
  });
  // parseCookies and parseExtensions are options of 1.0.35 that @types/websocket does not list.
  const config: IServerConfig & { parseCookies: boolean; parseExtensions: boolean } = {
    httpServer: server,
    // One limit for a frame and for a message: a 1 MiB message in one frame is accepted, as on ws
    // (the library's default frame limit is 64 KiB).
    maxReceivedFrameSize: maxPayloadBytes,
    maxReceivedMessageSize: maxPayloadBytes,
    // One frame per message, as ws sends: the library would split answers over 16 KiB into
    // fragments, and the wire bytes of the two servers would no longer compare.
    fragmentOutgoingMessages: false,
    // The heartbeat below replaces the library's keepalive (see the header).
    keepalive: false,
    // Neither is used by this API; parsing them would be work ws does not do.
    parseCookies: false,
    parseExtensions: false,
  };
  const wss = new WebSocketServer(config);
  const stopHeartbeat = startHeartbeat(wss, heartbeatMs);
  // --inject-server-cpu-us: busy work on every message, before it is read (servers/inject-cpu.ts).
  const burn = cpuBurner(limits.injectCpuUs);
  const delayMs = limits.serviceDelayMs ?? 0;

  wss.on('request', (request) => {
    // ws answers an upgrade on another path 400.
    if (request.resourceURL.pathname !== WS_PATH) return request.reject(400);
    // encodings scenario: the first offered subprotocol this server speaks; none known, none
    // echoed, and a conforming client fails the handshake (servers/websocket-encodings.ts).
    const offered = request.requestedProtocols;
    const protocol = offered.length > 0 ? negotiateEncoding(new Set(offered)) : false;
    const conn = request.accept(protocol || null, request.origin);
    refuseUnmaskedFrames(conn);
    // Faults close the connection with their code (sent by the library); nothing to add.
    conn.on('error', () => {});
    const answerBinary = binaryAnswerer(conn.protocol ?? '', store);
    if (answerBinary) {
      conn.on('message', (m: Message) => {
        burn?.();
        // As on ws, a text frame is read as the binary encoding too (and answered with its error).
        const data = m.type === 'binary' ? m.binaryData : Buffer.from(m.utf8Data);
        conn.sendBytes(asBuffer(answerBinary(data)));
      });
      return;
    }
    conn.on('message', (m: Message) => {
      burn?.();
      if (m.type === 'binary') {
        conn.sendUTF(errorMessage(null, 'bad_request', 'binary frames are not accepted; send JSON text'));
        return;
      }
      const text = m.utf8Data;
      // listUsersStream answers with many messages; the substring test keeps getUser to one JSON.parse.
      // Each message is one request scope (servers/request-scope.ts): its store statements are charged to it.
      const streamed = text.includes('"listUsersStream"') ? inRequest(() => handleStreamMessage(store, text)) : undefined;
      if (streamed) for (const s of streamed) conn.sendUTF(s);
      // deadline scenario: the message is answered serviceDelayMs (a timer) after it arrived.
      else if (delayMs > 0)
        setTimeout(() => conn.connected && conn.sendUTF(inRequest(() => handleMessage(store, text, maxPageUsers))), delayMs);
      else conn.sendUTF(inRequest(() => handleMessage(store, text, maxPageUsers)));
    });
  });

  const boundPort = await listenOn(server, host, port, 'websocket-node');

  return {
    port: boundPort,
    async close(): Promise<void> {
      stopHeartbeat();
      wss.unmount();
      // As ws's terminate(): no closing handshake, the socket goes now.
      for (const conn of [...wss.connections]) conn.drop(1001, 'server closing', true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const start: StartServer = (options) => startWebSocketNode(options);
