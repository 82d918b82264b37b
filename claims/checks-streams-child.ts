// Child process of the streams check (claims/checks-streams.ts): a fastify server that answers
// one large list of users two ways, so the parent can read THIS process's resident memory alone
// from /proc/<pid>/status while it answers:
//   GET /users/buffered?n=N  the handler builds the whole array and returns it; fastify
//                            JSON.stringify's it into one body (the usual way to answer a list)
//   GET /users/streamed?n=N  a Readable that produces the same JSON text 256 users at a time,
//                            pulled only as fast as the socket drains
// Both bodies are byte-identical (the parent compares their SHA-256). Users cycle the seeded data
// set (10,000 users) with ids 1..N, so N can exceed it.
import Fastify from 'fastify';
import { Readable } from 'node:stream';
import { DEFAULT_DATASET, generateUser } from '../servers/dataset.ts';
import type { UserJson } from '../proto/contract.ts';

let base: UserJson[] | undefined;
const PER_CHUNK = 256;
export const SERVE_ARG = 'serve';

/** User i (0-based) of a list of any length: the data set cycled, ids 1..N. */
export function cycledUser(i: number): UserJson {
  base ??= Array.from({ length: DEFAULT_DATASET.users }, (_, k) => generateUser(DEFAULT_DATASET, k + 1));
  return { ...base[i % base.length]!, id: i + 1 };
}

/** The text of JSON.stringify([user 0, ..., user n-1]), a chunk of PER_CHUNK users at a time. */
export function* jsonArrayChunks(n: number): Generator<string> {
  yield '[';
  for (let from = 0; from < n; from += PER_CHUNK) {
    let s = '';
    for (let i = from; i < Math.min(n, from + PER_CHUNK); i++) s += (i === 0 ? '' : ',') + JSON.stringify(cycledUser(i));
    yield s;
  }
  yield ']';
}

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  const count = (q: unknown): number => Math.max(0, Math.floor(Number((q as { n?: string }).n ?? 0)) || 0);
  app.get('/users/buffered', async (req) => Array.from({ length: count(req.query) }, (_, i) => cycledUser(i)));
  app.get('/users/streamed', (req, reply) => {
    // objectMode false: the strings become bytes, and the Readable's byte highWaterMark, not a
    // count of chunks, decides how far production runs ahead of the socket.
    const body = Readable.from(jsonArrayChunks(count(req.query)), { objectMode: false });
    return reply.type('application/json; charset=utf-8').send(body);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closing = false;
  const stop = (): void => {
    if (closing) return; // the parent asks twice (a message, then SIGTERM)
    closing = true;
    void app.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  // The check is gone (finished, crashed or killed): never outlive it.
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('message', (m: { type?: string }) => m.type === 'shutdown' && stop());
  process.send?.({ type: 'ready', port });
}

// Imported (by a test, for jsonArrayChunks) it only defines; started with the argument `serve` it serves.
if (process.argv[2] === SERVE_ARG) void main();
