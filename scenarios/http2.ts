// http2: REST getUser over HTTP/1.1 vs cleartext HTTP/2 (h2c, prior knowledge) on the same
// fastify routes, with a browser's request headers so HPACK has something to compress.
// Rows: http1 (lean HTTP/1.1 driver, by default 32 connections of one call, pipelined only when
// asked), h2c (lean HTTP/2 driver, one session per generator connection), h2c-shared (every
// generator connection a stream group on ONE session: many concurrent requests over one TCP
// connection), h2c-node (node:http2's own client, one session per connection: what an
// application on node pays). By default the h2c rows run 4 connections of 8 streams, so the
// comparison is 32 HTTP/1.1 connections against 32 streams on 4 (h2c-shared: one) connections.
import { verifyEquivalence, type VerifyReport } from '../harness/run/verify.ts';
import { BROWSER_HEADERS, browserHeaderBytes, h2c, h2cNode, h2cShared, http1Browser } from '../clients/rest-h2.ts';
import type { ByteCount, ClientModule, Target } from '../clients/types.ts';
import type { DatasetOptions } from '../servers/dataset.ts';
import { defineScenario } from './types.ts';

export const HTTP2_VARIANTS = ['http1', 'h2c', 'h2c-shared', 'h2c-node'] as const;
export type Http2Variant = (typeof HTTP2_VARIANTS)[number];

/** Sequential calls on a fresh connection for the first-vs-steady header figures. */
const HEADER_PROBE_CALLS = 8;

export function clientFor(variant: string | undefined): ClientModule {
  if (variant === 'h2c') return h2c;
  if (variant === 'h2c-shared') return h2cShared();
  if (variant === 'h2c-node') return h2cNode;
  return http1Browser;
}

export interface HeadBytes {
  /** The first request on a fresh connection (HPACK's dynamic table still empty). */
  first: ByteCount;
  /** Mean of the following requests (fields already in the table are 1-byte references). */
  steady: ByteCount;
}

/**
 * Socket bytes of getUser calls (one id) made one at a time on a fresh connection, setup excluded:
 * out is the request (a GET has no body, so it is all head and framing), in is the response
 * minus its JSON body (status line or HEADERS frame, headers, DATA framing).
 */
export async function measureHeadBytes(
  client: ClientModule,
  target: Target,
  ds: DatasetOptions,
  calls = HEADER_PROBE_CALLS,
): Promise<HeadBytes> {
  const conn = await client.connect(target);
  try {
    // One id throughout, so the calls differ only in what HPACK remembers (an id with more
    // digits would add bytes to every path and body).
    const id = Math.max(1, Math.ceil(ds.users / 2));
    const per: ByteCount[] = [];
    for (let i = 0; i < calls; i++) {
      const before = conn.wireBytes();
      const o = await conn.call({ op: 'getUser', id });
      const after = conn.wireBytes();
      if (!o.ok) throw new Error(`getUser failed while measuring header bytes: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`);
      if (!before || !after) throw new Error('this client does not expose its socket bytes');
      per.push({ out: after.out - before.out, in: after.in - before.in - o.payload.response });
    }
    const rest = per.slice(1);
    const mean = (k: keyof ByteCount): number => Math.round((rest.reduce((s, b) => s + b[k], 0) / rest.length) * 10) / 10;
    return { first: per[0]!, steady: { out: mean('out'), in: mean('in') } };
  } finally {
    await conn.close();
  }
}

async function verifyHttp2(client: ClientModule, target: Target, ds: DatasetOptions, sample: number): Promise<VerifyReport> {
  const report = await verifyEquivalence(client, target, ds, sample);
  return { ...report, figures: { headBytes: await measureHeadBytes(client, target, ds) } };
}

const headerLine = Object.entries(BROWSER_HEADERS)
  .map(([k, v]) => `${k} (${v.length} B)`)
  .join(', ');

export default defineScenario({
  name: 'http2',
  description:
    'REST getUser over HTTP/1.1 vs h2c (fastify http2): header bytes with browser headers (HPACK), throughput, streams on one connection vs HTTP/1.1 connections',
  variants: { rest: HTTP2_VARIANTS },
  expresses: {
    rest: true,
    grpc: 'gRPC always runs on HTTP/2: there is no HTTP/1.1 row to compare it with (its HPACK bytes are in the getUser scenario)',
    'grpc-js': 'gRPC always runs on HTTP/2: there is no HTTP/1.1 row to compare it with',
    websocket: 'one long-lived connection with its own framing after the HTTP/1.1 upgrade; no per-request headers to compress',
    graphql: 'the same HTTP question as REST (graphql-yoga on node:http); REST carries it here',
    sse: "RPC over SSE posts on HTTP/1.1 and pushes on one stream; the comparison is REST's",
  },
  notes: [
    `Every request carries the same browser-like headers on both protocols, ${browserHeaderBytes()} B as HTTP/1.1 text: ${headerLine}; plus Host/:authority, method and path.`,
    "http1: lean HTTP/1.1 driver (wrk-like), one call per connection unless --pipelining asks for more. h2c: lean HTTP/2 driver (h2load-like) with prior knowledge (no Upgrade, no TLS), one session per generator connection, in-flight calls as concurrent streams. h2c-shared: the same driver, all generator connections of a generator process on ONE session (one TCP connection); its setup bytes are that session's divided by the connections. h2c-node: node:http2's own client, one session per connection (an application's view; its client CPU is node:http2's).",
    'Server: the same fastify routes, created with { http2: true } (node:http2 createServer) for the h2c rows. nghttp2 (inside node:http2, curl, h2load) sends authorization never-indexed, so the bearer token costs its Huffman-coded length on every request; the other fields become 1-byte HPACK references after the first request, :path stays a literal.',
    'headBytes on each run record: socket bytes of one request (out) and of a response minus its body (in), for the first request on a fresh connection and the mean of the next 7.',
  ],
  server: (ctx) => ({ http2: ctx.variant?.startsWith('h2c') === true }),
  client: (protocol, variant) => (protocol === 'rest' ? Promise.resolve(clientFor(variant)) : undefined),
  // h2c rows carry their calls as concurrent streams; the http1 row is the REST row's HTTP/1.1.
  clientTransport: (protocol, variant) => (protocol === 'rest' && variant?.startsWith('h2c') ? 'http2' : undefined),
  verify: verifyHttp2,
});
