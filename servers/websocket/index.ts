// WebSocket on ws: what the server is (servers/types.ts ServerIndex); the message handling is in servers/websocket.ts.
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
  ],
  scheme: 'ws',
  urlPath: WS_PATH,
  pathHint: `ws://HOST:PORT${WS_PATH}, one JSON message per call: {"id":1,"op":"getUser","params":{"id":1}}`,
  rows: ['websocket'],
};
