// RPC over Server-Sent Events on node:http (reference) or better-sse: what the server is
// (servers/types.ts ServerIndex); the transport is in servers/sse.ts and servers/sse-better.ts.
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
    {
      name: 'better-sse',
      versionOf: 'better-sse',
      description: 'better-sse sessions on node:http (its serialiser, event ids, per-session keep-alive); POST side shared',
      packages: ['better-sse'],
      load: async () => (await import('../sse-better.ts')).start,
    },
  ],
  scheme: 'http',
  urlPath: '',
  pathHint: 'GET http://HOST:PORT/v1/events (event stream), POST http://HOST:PORT/v1/rpc (answered on the stream)',
  rows: ['sse'],
};
