// REST on fastify and on bare node:http: what the server is (servers/types.ts ServerIndex); the routes are in
// servers/rest.ts and servers/rest-node-http.ts, the contract they share in servers/rest-contract.ts.
import type { ServerIndex } from '../types.ts';

export const index: ServerIndex = {
  implementations: [
    {
      name: 'fastify',
      versionOf: 'fastify',
      description: 'fastify 5 on node:http, JSON schema validation of the body',
      // The plugins are registered only by the scenarios that ask (compression, claims), but they
      // run inside this server's process whenever they are.
      packages: ['fastify', '@fastify/compress', '@fastify/etag', '@fastify/rate-limit'],
      load: async () => (await import('../rest.ts')).start,
    },
    {
      name: 'node-http',
      versionOf: null,
      description: 'bare node:http, no framework: the floor of HTTP/1.1 on this runtime; same routes, limits and errors',
      packages: [],
      load: async () => (await import('../rest-node-http.ts')).start,
    },
  ],
  scheme: 'http',
  urlPath: '',
  pathHint: 'GET http://HOST:PORT/v1/users/{id}, POST http://HOST:PORT/v1/users',
  rows: ['rest'],
};
