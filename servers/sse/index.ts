// RPC over Server-Sent Events on node:http: what the server is (servers/types.ts ServerIndex);
// the transport is in servers/sse.ts.
import type { ServerIndex } from '../types.ts';

export const index: ServerIndex = {
  implementations: [
    {
      name: 'node-http',
      versionOf: null,
      description: 'node:http, text/event-stream written by hand',
      // node:http only: no npm package to record.
      packages: [],
      load: async () => (await import('../sse.ts')).start,
    },
  ],
  scheme: 'http',
  urlPath: '',
  pathHint: 'GET http://HOST:PORT/v1/events (event stream), POST http://HOST:PORT/v1/rpc (answered on the stream)',
  rows: ['sse'],
};
