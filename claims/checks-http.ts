// HTTP behaviour, checked by doing it against the reference REST and GraphQL servers started
// in this process (same code the bench runs in a child), with raw sockets so every byte and
// every close is seen as it happens. ETag / Last-Modified and rate limiting are REST server
// knobs (off in the benchmark), turned on for their checks; a missing header is reported
// unavailable, never refuted.
import net from 'node:net';
import http from 'node:http';
import Fastify from 'fastify';
import { startRest } from '../servers/rest.ts';
import { startGraphQL, GRAPHQL_PATH } from '../servers/graphql.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { parseResponse, type Http1Response } from '../clients/wire/http1.ts';
import { exact, held, unavailable, type CheckResult } from './observe.ts';
import { fmt, type Observation } from './decide.ts';

const HOST = '127.0.0.1';

interface Exchange {
  data: Buffer;
  /** closed: the server closed the connection; open: still open when we stopped waiting. */
  ended: 'closed' | 'open' | 'error';
  ms: number;
}

/** Write `bytes` on a new connection; collect until the server closes or `waitMs` passes. */
export function exchange(port: number, bytes: Buffer | string, waitMs = 500): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    const s = net.connect(port, HOST, () => s.write(bytes));
    let done = false;
    const finish = (ended: Exchange['ended']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), ended, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish('open'), waitMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('close', () => finish('closed'));
    s.on('error', () => finish('error'));
  });
}

/** Every complete response in `buf`, in order. */
export function responses(buf: Buffer): (Http1Response & { head: string })[] {
  const out: (Http1Response & { head: string })[] = [];
  let rest = buf;
  for (;;) {
    const r = parseResponse(rest);
    if (!r) return out;
    out.push({ ...r, head: rest.toString('latin1', 0, rest.indexOf('\r\n\r\n')) });
    rest = rest.subarray(r.wireBytes);
  }
}

const header = (head: string, name: string): string | undefined => new RegExp(`\\r\\n${name}:\\s*([^\\r]*)`, 'i').exec(head)?.[1];
const get = (path: string, extra = '', version = '1.1'): string => `GET ${path} HTTP/${version}\r\nHost: ${HOST}\r\n${extra}\r\n`;

async function timeRequests(port: number, n: number, keepAlive: boolean): Promise<number> {
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        { host: HOST, port, path: `/v1/users/${1 + (i % 100)}`, agent, headers: keepAlive ? {} : { Connection: 'close' } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
    });
    times.push(performance.now() - t0);
  }
  if (agent) agent.destroy();
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/** Median latency, ms, of `n` sequential requests on one keep-alive connection. */
async function medianLatency(n: number, send: (agent: http.Agent, i: number) => Promise<void>): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  try {
    await send(agent, 0); // open the connection first
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await send(agent, i);
      times.push(performance.now() - t0);
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

function request(agent: http.Agent, port: number, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (body !== undefined)
      Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = http.request({ host: HOST, port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The guide's "partial data" row: a 3-field view over GraphQL against REST's whole user, one
 * request at a time on a keep-alive connection each, both servers in this process. Rounds
 * alternate the two so a slow phase of the machine hits both.
 */
async function partialView(restPort: number, gqlPort: number, rounds = 3, n = 200): Promise<Observation> {
  const partial = (i: number): string => JSON.stringify({ query: `{ user(id: "${1 + (i % 100)}") { id username email } }` });
  const full = (i: number): string =>
    JSON.stringify({
      query: `{ user(id: "${1 + (i % 100)}") { id username email age roles address { street city country postalCode } createdAt } }`,
    });
  const ratios: number[] = [];
  const seen: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const rest = await medianLatency(n, (a, i) => request(a, restPort, 'GET', `/v1/users/${1 + (i % 100)}`));
    const gql = await medianLatency(n, (a, i) => request(a, gqlPort, 'POST', GRAPHQL_PATH, partial(i)));
    const gqlFull = await medianLatency(n, (a, i) => request(a, gqlPort, 'POST', GRAPHQL_PATH, full(i)));
    ratios.push(gql / rest);
    seen.push(
      `GraphQL 3 fields ${fmt(gql * 1000)} us, GraphQL whole user ${fmt(gqlFull * 1000)} us, REST whole user ${fmt(rest * 1000)} us`,
    );
  }
  return {
    samples: ratios,
    unit: 'x',
    detail: `median of ${n} sequential requests per round, on loopback (no transfer time for the fields saved): ${seen.join('; ')}`,
  };
}

export async function httpCheck(): Promise<CheckResult> {
  const store = createMemoryStore(DEFAULT_DATASET);
  const rest = await startRest({ host: HOST, port: 0, store });
  // A separate instance with short timeouts, so the 408 arrives in well under a second.
  const restShort = await startRest({ host: HOST, port: 0, store, headersTimeoutMs: 400, requestTimeoutMs: 400 });
  const gql = await startGraphQL({ host: HOST, port: 0, store });
  // Conditional GETs and rate limiting are knobs of the REST server, off for the benchmark
  // (same bytes and work on the getUser path); this instance turns them on.
  const restFeatures = await startRest({
    host: HOST,
    port: 0,
    store,
    conditionalGet: true,
    rateLimit: { max: 20, windowMs: 60_000 },
  });
  const bare = Fastify({ logger: false });
  bare.post('/v1/things', async () => ({ ok: true }));
  bare.delete('/v1/things/:id', async (_req, reply) =>
    reply.code(204).send({ deleted: true, note: 'a body a 204 must not carry' }),
  );
  await bare.listen({ host: HOST, port: 0 });
  const barePort = (bare.server.address() as net.AddressInfo).port;
  const out: CheckResult = {};
  try {
    // HTTP/1.0: one request per connection unless the client asks to keep it.
    const h10 = await exchange(rest.port, get('/v1/users/1', '', '1.0'), 1000);
    const h10ka = await exchange(rest.port, get('/v1/users/1', 'Connection: keep-alive\r\n', '1.0'), 500);
    const r10 = responses(h10.data)[0];
    const r10ka = responses(h10ka.data)[0];
    out.http10 = held(
      r10?.status === 200 && h10.ended === 'closed' && r10ka?.status === 200 && h10ka.ended === 'open',
      `HTTP/1.0 GET: ${r10?.status ?? 'no answer'}, connection ${h10.ended} after ${Math.round(h10.ms)} ms; with Connection: keep-alive: ${r10ka?.status ?? 'no answer'}, connection ${h10ka.ended === 'open' ? 'kept open' : h10ka.ended}`,
    );

    // Pipelining: three requests in one write, answers in request order.
    const pipe = await exchange(rest.port, get('/v1/users/3') + get('/v1/users/1') + get('/v1/users/2'), 500);
    const ids = responses(pipe.data).map((r) => (JSON.parse(r.body.toString()) as { id: number }).id);
    out.pipelining = held(
      ids.join(',') === '3,1,2',
      `3 pipelined GETs (ids 3, 1, 2) answered with ids ${ids.join(', ') || 'none'}`,
    );

    // 405 with Allow on the server's POST-only route (POST /v1/users/batch; /v1/users also
    // serves GET since listUsers), and what fastify does on its own.
    const r405 = responses((await exchange(rest.port, get('/v1/users/batch'), 500)).data)[0];
    const rBare = responses((await exchange(barePort, get('/v1/things'), 500)).data)[0];
    const allow = r405 ? header(r405.head, 'allow') : undefined;
    out.status405 = held(
      r405?.status === 405 && /POST/.test(allow ?? ''),
      `reference REST server: ${r405?.status ?? 'no answer'}, Allow: ${allow ?? 'none'}; a bare fastify app answers ${rBare?.status ?? 'nothing'} for GET on a POST-only route (the reference server registers the other methods itself)`,
    );

    // 408: headers started and never finished.
    const slow = await exchange(restShort.port, `GET /v1/users/1 HTTP/1.1\r\nHost: ${HOST}\r\n`, 3000);
    const r408 = slow.data.toString('latin1').split('\r\n')[0] ?? '';
    out.status408 = held(
      /^HTTP\/1\.1 408/.test(r408) && slow.ended === 'closed',
      `unfinished headers with a 400 ms limit: "${r408 || 'no answer'}", connection ${slow.ended} after ${Math.round(slow.ms)} ms`,
    );

    // 413: a declared body one byte over 1 MiB, to REST and to GraphQL.
    const big = 1024 * 1024 + 1;
    const post = (path: string): string =>
      `POST ${path} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${big}\r\n\r\n{"x":"`;
    const r413 = responses((await exchange(rest.port, post('/v1/users'), 1000)).data)[0];
    const g413 = responses((await exchange(gql.port, post('/graphql'), 1000)).data)[0];
    out.status413 = held(
      r413?.status === 413 && g413?.status === 413,
      `POST with Content-Length ${big}: REST ${r413?.status ?? 'no answer'}, GraphQL ${g413?.status ?? 'no answer'}`,
    );

    // 204: the body the handler tries to send must not reach the wire.
    const del = await exchange(barePort, `DELETE /v1/things/1 HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 300);
    const headEnd = del.data.indexOf('\r\n\r\n');
    const afterHead = headEnd < 0 ? -1 : del.data.length - headEnd - 4;
    const s204 = del.data.toString('latin1').split('\r\n')[0] ?? '';
    out.status204 = held(
      / 204 /.test(s204) && afterHead === 0,
      `fastify DELETE answering 204 with a JSON body: "${s204}", ${afterHead} bytes after the head`,
    );

    // Idempotency: GET x5 the same; POST x5 five new users.
    const gets = await Promise.all(
      [1, 2, 3, 4, 5].map(() => exchange(rest.port, get('/v1/users/7', 'Connection: close\r\n'), 500)),
    );
    const bodies = new Set(gets.map((g) => responses(g.data)[0]?.body.toString()));
    const before = store.countUsers();
    const newUser = JSON.stringify({
      username: 'guide',
      email: 'guide@example.com',
      age: 30,
      roles: ['user'],
      address: { street: 'Main Street 1', city: 'Berlin', country: 'DE', postalCode: '10115' },
    });
    const posts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = responses(
        (
          await exchange(
            rest.port,
            `POST /v1/users HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(newUser)}\r\nConnection: close\r\n\r\n${newUser}`,
            500,
          )
        ).data,
      )[0];
      if (r?.status === 201) posts.push((JSON.parse(r.body.toString()) as { id: number }).id);
    }
    out.idempotency = held(
      bodies.size === 1 && new Set(posts).size === 5 && store.countUsers() === before + 5,
      `GET /v1/users/7 x5: ${bodies.size} distinct bod${bodies.size === 1 ? 'y' : 'ies'}; the same POST x5: ${posts.length} x 201 with ${new Set(posts).size} distinct ids. The server serves no PUT or DELETE`,
    );

    // Conditional requests: only if the server sends validators.
    const first = responses((await exchange(restFeatures.port, get('/v1/users/1'), 500)).data)[0];
    const etag = first ? header(first.head, 'etag') : undefined;
    if (etag === undefined) out.etag = unavailable('the REST server sent no ETag with conditionalGet on');
    else {
      const again = responses((await exchange(restFeatures.port, get('/v1/users/1', `If-None-Match: ${etag}\r\n`), 500)).data)[0];
      out.etag = held(
        again?.status === 304 && again.body.length === 0,
        `If-None-Match ${etag}: ${again?.status ?? 'no answer'}, ${again?.body.length ?? '?'} body bytes (200 carried ${first!.body.length}); response ${again?.wireBytes ?? '?'} B vs ${first!.wireBytes} B`,
      );
    }
    const lastModified = first ? header(first.head, 'last-modified') : undefined;
    if (lastModified === undefined)
      out.lastModified = unavailable('the REST server sent no Last-Modified with conditionalGet on');
    else {
      const again = responses(
        (await exchange(restFeatures.port, get('/v1/users/1', `If-Modified-Since: ${lastModified}\r\n`), 500)).data,
      )[0];
      out.lastModified = held(
        again?.status === 304 && again.body.length === 0,
        `If-Modified-Since ${lastModified}: ${again?.status ?? 'no answer'}`,
      );
    }
    const limit = first ? Number(header(first.head, 'x-ratelimit-limit') ?? header(first.head, 'ratelimit-limit')) : NaN;
    if (!Number.isFinite(limit))
      out.rateLimit = unavailable('the REST server sent no X-RateLimit-Limit header with rateLimit on');
    else if (limit > 5000)
      out.rateLimit = unavailable(`the rate limit is ${limit} requests per window: too many to exhaust in a check`);
    else {
      let last: (Http1Response & { head: string }) | undefined;
      const remaining: number[] = [];
      for (let i = 0; i <= limit; i++) {
        last = responses((await exchange(restFeatures.port, get('/v1/users/1', 'Connection: close\r\n'), 500)).data)[0];
        const rem = last ? Number(header(last.head, 'x-ratelimit-remaining')) : NaN;
        if (Number.isFinite(rem)) remaining.push(rem);
        if (last?.status === 429) break;
      }
      const retry = last ? header(last.head, 'retry-after') : undefined;
      out.rateLimit = held(
        last?.status === 429 && retry !== undefined,
        `limit ${limit}: last answer ${last?.status ?? 'none'}, Retry-After ${retry ?? 'absent'}, remaining went ${remaining.slice(0, 3).join(', ')} ... ${remaining.slice(-2).join(', ')}`,
      );
    }

    // Keep-alive vs a new connection per request, on loopback.
    const diffs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const fresh = await timeRequests(rest.port, 100, false);
      const reused = await timeRequests(rest.port, 100, true);
      diffs.push(fresh - reused);
    }
    out.keepalive = {
      samples: diffs,
      unit: 'ms',
      detail: `a new TCP connection per request costs ${diffs.map((d) => fmt(d * 1000)).join(', ')} us more (median of 100 requests, 3 rounds)`,
    };

    // Over-fetching: GraphQL asks for 3 fields, REST returns the whole user.
    const query = JSON.stringify({ query: '{ user(id: "1") { id username email } }' });
    const gqlRes = responses(
      (
        await exchange(
          gql.port,
          `POST /graphql HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(query)}\r\n\r\n${query}`,
          1000,
        )
      ).data,
    )[0];
    const restReq = get('/v1/users/1');
    const restRes = responses((await exchange(rest.port, restReq, 500)).data)[0];
    if (!gqlRes || !restRes) out.overFetching = unavailable('no answer from the GraphQL or REST server');
    else {
      const gqlReqBytes = Buffer.byteLength(
        `POST /graphql HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(query)}\r\n\r\n${query}`,
      );
      out.overFetching = exact(
        gqlRes.body.length / restRes.body.length,
        'x',
        `response body: GraphQL ${gqlRes.body.length} B (3 fields) vs REST ${restRes.body.length} B (all 7); whole exchange with headers: GraphQL ${gqlReqBytes + gqlRes.wireBytes} B vs REST ${Buffer.byteLength(restReq) + restRes.wireBytes} B`,
      );
    }

    out.partialView = await partialView(rest.port, gql.port);
  } finally {
    await Promise.all([rest.close(), restShort.close(), restFeatures.close(), gql.close(), bare.close()]);
  }
  return out;
}
