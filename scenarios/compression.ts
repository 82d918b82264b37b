// compression: payloadSize's operation (one page of users as one answer) at its medium and
// large sizes, sent plain and compressed: gzip and brotli (Content-Encoding) for REST and
// GraphQL, permessage-deflate for WebSocket. Bytes saved show in wire bytes per op (identity
// row vs compressed row), the price in CPU per op on both sides; clients really decompress.
// Variants are <encoding>-<size>: identity-medium, gzip-large, br-medium, deflate-large, ...
import type { PayloadEncoding } from '../clients/payload.ts';
import { PAGE_USERS, largePageTuning, pageOps, verifyPages } from './payloadSize.ts';
import { defineScenario } from './types.ts';

/** The small page (~250 B) is left out: it is under every threshold (1024 B) and goes uncompressed. */
const SIZES = ['medium', 'large'] as const;
const variants = (encodings: readonly PayloadEncoding[]): string[] => SIZES.flatMap((s) => encodings.map((e) => `${e}-${s}`));

/** The encoding a variant names: 'gzip-large' -> gzip. */
export function encodingOf(variant: string | undefined): PayloadEncoding {
  const e = (variant ?? '').split('-')[0];
  if (e === 'identity' || e === 'gzip' || e === 'br' || e === 'deflate') return e;
  throw new Error(`variant ${JSON.stringify(variant)} names no encoding (identity, gzip, br, deflate)`);
}

export default defineScenario({
  name: 'compression',
  description:
    'gzip/brotli (REST, GraphQL) and permessage-deflate (WebSocket) on ~10 KB and ~1 MB pages: bytes saved vs CPU spent on both sides',
  expresses: {
    rest: true,
    graphql: true,
    websocket: true,
    'grpc-js':
      'grpc-js 1.14 servers never compress responses (server-interceptors.js: "response compression is currently not supported"); grpc.default_compression_algorithm on the client compresses only its requests, here a few bytes',
    grpc: 'the lean HTTP/2 driver frames unary GetUser only, and the grpc-js server does not compress responses either',
    sse: 'not measured: an event stream is compressed only as one long gzip response flushed per event, a different thing from per-answer compression',
  },
  variants: {
    rest: variants(['identity', 'gzip', 'br']),
    graphql: variants(['identity', 'gzip', 'br']),
    websocket: variants(['identity', 'deflate']),
  },
  notes: [
    `Pages of ${PAGE_USERS.medium} users (~10 KB of JSON) and ${PAGE_USERS.large} (~1 MB), from payloadSize. payload = the decompressed answer; wire bytes/op = what crossed the socket; identity rows run on a server with compression off.`,
    "REST: @fastify/compress (threshold 1024 B, gzip level 6, brotli quality 4 text mode, its defaults), client sends Accept-Encoding: gzip or br. GraphQL: yoga's answer compressed with node:zlib at the same settings (servers/compression.ts). WebSocket: ws permessage-deflate on both sides, ws defaults (threshold 1024 B, level 6, context takeover).",
    "Clients decompress every answer (zlib sync calls for HTTP, ws's inflater for WebSocket), so client CPU/op includes it; the server's includes compression (zlib work on the libuv pool is the same process's CPU).",
  ],
  ops: pageOps,
  verify: verifyPages,
  server: (ctx) => ({ ...largePageTuning(), compression: encodingOf(ctx.variant) !== 'identity' }),
  client: async (protocol, variant) => {
    const p = await import('../clients/payload.ts');
    const e = encodingOf(variant);
    if (protocol === 'rest') return p.restPage(e);
    if (protocol === 'graphql') return p.graphqlPage(e);
    if (protocol === 'websocket') return p.websocketPage(e);
    return undefined;
  },
});
