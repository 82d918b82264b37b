// Response compression for the compression scenario (ServerTuning.compression). REST uses
// @fastify/compress; GraphQL (yoga on node:http) compresses yoga's finished answer here with
// the same settings, so the two HTTP rows differ only in what they compress, not how.
// Both follow @fastify/compress's defaults: no compression under 1024 bytes, gzip at zlib's
// default level (6), brotli at quality 4 in text mode (brotli's own default, 11, costs far
// more CPU and is meant for static assets).
import type http from 'node:http';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import fastifyCompress from '@fastify/compress';

export const COMPRESS_THRESHOLD = 1024;
export const BROTLI_OPTIONS: zlib.BrotliOptions = {
  params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 4 },
};
export type HttpEncoding = 'br' | 'gzip';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export async function registerRestCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, {
    global: true,
    encodings: ['br', 'gzip'],
    threshold: COMPRESS_THRESHOLD,
    brotliOptions: BROTLI_OPTIONS,
  });
}

/**
 * The encoding to answer with for an Accept-Encoding header: br over gzip, as @fastify/compress
 * prefers; q-values are not weighed (our clients send one token).
 */
export function pickEncoding(accept: string | string[] | undefined): HttpEncoding | undefined {
  const tokens = String(accept ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.split(';')[0]!.trim());
  if (tokens.includes('br')) return 'br';
  if (tokens.includes('gzip')) return 'gzip';
  return undefined;
}

/** Compress with the scenario's settings (async: the work runs on libuv's pool, still this process's CPU). */
export function compressBody(body: Buffer, encoding: HttpEncoding): Promise<Buffer> {
  return encoding === 'br' ? brotli(body, BROTLI_OPTIONS) : gzip(body);
}

/**
 * Send a fetch Response (yoga's answer) on a node response, compressed with `encoding` when
 * its body is at least COMPRESS_THRESHOLD bytes. The body is buffered whole: a GraphQL
 * answer is one JSON document, and a Content-Length keeps the client's framing simple.
 */
export async function sendCompressed(response: Response, res: http.ServerResponse, encoding: HttpEncoding): Promise<void> {
  const plain = Buffer.from(await response.arrayBuffer());
  const compress = plain.length >= COMPRESS_THRESHOLD;
  const body = compress ? await compressBody(plain, encoding) : plain;
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') headers[k] = v;
  });
  headers['content-length'] = String(body.length);
  headers.vary = 'Accept-Encoding';
  if (compress) headers['content-encoding'] = encoding;
  res.writeHead(response.status, headers);
  res.end(body);
}
