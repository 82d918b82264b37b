// WebSocket on ws and on WebSocket-Node: what the server is (servers/types.ts ServerIndex); the servers are
// servers/websocket.ts and servers/websocket-node.ts, their messages servers/websocket-messages.ts.
import type { ServerIndex } from '../types.ts';

/** The one path the server upgrades; clients open ws://HOST:PORT/v1/ws. */
export const WS_PATH = '/v1/ws';

export const index: ServerIndex = {
  implementations: [
    {
      name: 'ws',
      versionOf: 'ws',
      description: 'ws server, one JSON message per call',
      // msgpackr encodes the encodings scenario's binary answers.
      packages: ['ws', 'msgpackr'],
      load: async () => (await import('../websocket.ts')).start,
    },
    {
      name: 'websocket-node',
      versionOf: 'websocket',
      description: 'WebSocket-Node (npm websocket) server, one JSON message per call; no permessage-deflate',
      // msgpackr encodes the encodings scenario's binary answers, as on ws.
      packages: ['websocket', 'msgpackr'],
      load: async () => (await import('../websocket-node.ts')).start,
    },
  ],
  scheme: 'ws',
  urlPath: WS_PATH,
  pathHint: `ws://HOST:PORT${WS_PATH}, one JSON message per call: {"id":1,"op":"getUser","params":{"id":1}}`,
  rows: ['websocket'],
};
