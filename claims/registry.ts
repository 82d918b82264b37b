// The guide's claims, one entry each, in this project's words: the guide's figure and line,
// how the harness measures it (a bench scenario and a figure taken from its result, or a
// check that does the thing or computes the size), and the rule that decides it. Every id of
// ../shared/claims-reference.yaml appears here once (test/claims-registry.test.ts); a claim
// that cannot be tested on one loopback host says why instead.
import type { Rule } from './decide.ts';
import type { Observation } from './decide.ts';
import {
  BY_P99,
  BY_SERVER_CPU,
  BY_WIRE,
  FANOUT,
  FANOUT_LOAD,
  medianOf,
  ops,
  p50,
  p99,
  perRepeat,
  serverCpu,
  wire,
  type BenchContext,
  type BenchRunId,
  type Ranking,
} from './figures.ts';
import { fmt } from './decide.ts';
import { pollingBandwidth, pollingLatency, pollingServerLoad } from './figures-push.ts';

/** In-process checks (claims/checks.ts); each returns observations by key. */
export type CheckId =
  | 'sizes'
  | 'micro'
  | 'gql'
  | 'http'
  | 'grpc'
  | 'ws'
  | 'sse'
  | 'nPlusOne'
  | 'h2'
  | 'pagination'
  | 'wire'
  | 'offsetDrift'
  | 'grpcExtras'
  | 'cache'
  | 'clientStream'
  | 'wsConnections'
  | 'pageload'
  | 'streams';

export type Measure =
  | { kind: 'bench'; runs: BenchRunId[]; metric: string; extract: (ctx: BenchContext) => Observation }
  | { kind: 'check'; check: CheckId; key: string; metric: string }
  | { kind: 'untestable'; reason: string };

export interface ClaimEntry {
  /** Id in claims-reference.yaml. */
  ref: string;
  /** Line of the guide the claim is quoted from. */
  line: number;
  section: string;
  /** The claim, in this project's words. */
  claim: string;
  /** The guide's own figure or wording. */
  guide: string;
  kind: 'quantitative' | 'behavioral';
  /** Whether one loopback host can test it: 'partly' entries say which part in `part`. */
  testable: 'yes' | 'partly' | 'no';
  part?: string;
  measure: Measure;
  rule?: Rule;
  /** A condition the claim needs that one 2-core loopback host cannot provide: always inconclusive. */
  needs?: string;
  /**
   * The behaviour is a setting the harness gave its own server, not something the protocol
   * does (issue 15.10): what the verdict then shows, in words ("the REST server the harness
   * configured answers ..."). The verdict is labelled as such.
   */
  ownSetting?: string;
}

const S = {
  intro: 'Why Protocol Selection is Critical in System Design',
  framework: 'The Protocol Selection Interview Framework',
  http: 'What is HTTP/REST?',
  anatomy: 'HTTP Request/Response Anatomy',
  status: 'HTTP Status Codes - Interview Guide',
  restBP: 'REST API Design Best Practices',
  h2: 'HTTP/2 & HTTP/3 - Modern Improvements',
  whenRest: 'When to Use HTTP/REST',
  restPerf: 'REST API Performance Optimization',
  restTalk: 'Interview Talking Points for REST',
  grpcWhat: 'What is gRPC?',
  protobuf: 'Protocol Buffers (protobuf)',
  grpcPatterns: 'gRPC Communication Patterns',
  grpcPerf: 'gRPC Performance Deep Dive',
  grpcFeatures: 'gRPC Features',
  grpcVsRest: 'gRPC vs REST - Detailed Comparison',
  grpcTalk: 'Interview Talking Points for gRPC',
  wsWhat: 'What is WebSocket?',
  wsHandshake: 'WebSocket Handshake & Protocol',
  wsPatterns: 'WebSocket Communication Patterns',
  wsScale: 'WebSocket Scalability & Best Practices',
  wsAlt: 'WebSocket vs Alternatives',
  wsTalk: 'Interview Talking Points for WebSocket',
  gqlWhat: 'What is GraphQL?',
  gqlVsRest: 'GraphQL vs REST - The Problem GraphQL Solves',
  gqlCore: 'GraphQL Core Concepts',
  gqlResolver: 'GraphQL Resolver Implementation',
  gqlPerf: 'GraphQL Performance Optimization',
  gqlBP: 'GraphQL Best Practices',
  gqlWhen: 'When to Use GraphQL',
  gqlCmp: 'GraphQL vs REST - Detailed Comparison',
  gqlTalk: 'Interview Talking Points for GraphQL',
  sseWhat: 'What is Server-Sent Events?',
  sseProto: 'SSE Protocol Details',
  sseClient: 'SSE Client Implementation',
} as const;

const check = (c: CheckId, key: string, metric: string): Measure => ({ kind: 'check', check: c, key, metric });
const bench = (runs: BenchRunId[], metric: string, extract: (ctx: BenchContext) => Observation): Measure => ({
  kind: 'bench',
  runs,
  metric,
  extract,
});
const untestable = (reason: string): Measure => ({ kind: 'untestable', reason });
const holds: Rule = { op: 'holds' };

// Rows of the getUser scenario. The lean gRPC driver ('grpc') is the one that saturates the
// gRPC server; the stock client row ('grpc-js') is generator-bound at saturation. A claim about
// a protocol is decided on its fastest implementation in the run (claims/figures.ts chooseRuns).
const REST = { protocol: 'rest' };
const GRPC = { protocol: 'grpc' };
const GRPC_JS = { protocol: 'grpc-js' };
const WS = { protocol: 'websocket' };
const GQL = { protocol: 'graphql' };

const tput = { unit: 'x', boundMatters: true, saturated: true } as const;
// Issue 15.5: the guide's gRPC throughput figures are a Go server's; here they are measured on Node's best.
const ON_THIS_STACK = "on this stack (Node 24, gRPC's fastest implementation here, this VM)";
const SETTLED_BY_GO =
  'the claim as written is about a Go server: a grpc-go server behind the same contract, measured the same way, would settle it';
const lat = { unit: 'x', boundMatters: true, quiet: true } as const;
const bytes = { boundMatters: false } as const;
/** CPU per operation on both ends together (null when either is unknown). */
const bothCpu = (r: Parameters<typeof serverCpu>[0]): number | null =>
  r.cpuUsPerOp.server === null || r.cpuUsPerOp.client === null ? null : r.cpuUsPerOp.server + r.cpuUsPerOp.client;

/** Median of a figure for detail text, "n/a" when the run is missing; `rankBy` as the claim's perRepeat (figures.ts). */
function med(
  ctx: BenchContext,
  id: BenchRunId,
  part: { protocol: string; variant?: string },
  f: Parameters<typeof medianOf>[3],
  unit = '',
  rankBy?: Ranking,
): string {
  const m = medianOf(ctx, id, part, f, rankBy);
  return m === null ? 'n/a' : `${fmt(m)}${unit}`;
}

/** A figure from a scenario nobody has built yet still names what it will read. */
function fromScenario(
  id: BenchRunId,
  parts: { protocol: string; variant?: string }[],
  f: Parameters<typeof perRepeat>[3],
  unit: string,
  boundMatters = true,
): (ctx: BenchContext) => Observation {
  return (ctx) => perRepeat(ctx, id, parts, f, { unit, boundMatters });
}

export const REGISTRY: ClaimEntry[] = [
  // ------------------------------------------------------------------ introduction
  {
    ref: 'intro-ws-1ms-vs-rest-100ms',
    line: 61,
    section: S.intro,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the ratio of REST to WebSocket round-trip latency with one call in flight; the absolute 100 ms is WAN and handshake time that loopback does not have',
    claim: 'A WebSocket round trip is about 100x faster than a REST request',
    guide: 'Latency: 1ms (WebSocket) vs 100ms (REST)',
    measure: bench(['getUser-rtt'], 'REST p50 / WebSocket p50, getUser, 1 connection x 1 in flight', (ctx) =>
      perRepeat(ctx, 'getUser-rtt', [REST, WS], (r, w) => p50(r)! / p50(w)!, {
        ...lat,
        detail: `p50 REST ${med(ctx, 'getUser-rtt', REST, p50, ' us')}, WebSocket ${med(ctx, 'getUser-rtt', WS, p50, ' us')}`,
      }),
    ),
    rule: { op: '>=', value: 100 },
  },
  {
    ref: 'intro-rest-10k-rps',
    line: 62,
    section: S.intro,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the REST half; Kafka is not in the harness',
    claim: 'REST tops out around 10K requests/s',
    guide: 'Throughput: ... 10K req/sec (REST)',
    measure: bench(
      ['getUser'],
      "REST getUser ops/s, one server process on one core, saturated (REST's fastest implementation here)",
      (ctx) => perRepeat(ctx, 'getUser', [REST], ops, { unit: 'ops/s', boundMatters: true, saturated: true }),
    ),
    rule: { op: 'approx', value: 10_000, factor: 1.5 },
  },
  {
    ref: 'intro-grpc-70pct-bandwidth',
    line: 63,
    section: S.intro,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'gRPC uses 70% less bandwidth than REST',
    guide: 'Bandwidth: 70% reduction with gRPC vs REST',
    measure: check(
      'wire',
      'grpcSaving',
      '1 - gRPC wire bytes / REST wire bytes per getUser, both ways, warm connection, the same client headers on both (minimal; typical API client)',
    ),
    rule: { op: '>=', value: 0.7 },
  },
  {
    ref: 'intro-mqtt-battery-and-cost',
    line: 64,
    section: S.intro,
    kind: 'quantitative',
    testable: 'no',
    claim: 'MQTT uses a tenth of the power of HTTP polling; a wrong protocol costs 10x the servers and $100K+/month',
    guide: 'Battery life: MQTT uses 1/10th power of HTTP polling',
    measure: untestable(
      'MQTT is not in the harness, radio power cannot be measured on loopback, and cost figures are not measurable',
    ),
  },
  {
    ref: 'intro-1m-ws-connections',
    line: 75,
    section: S.intro,
    kind: 'quantitative',
    testable: 'partly',
    part: 'a single-host lower bound on concurrent WebSocket connections',
    claim: 'WebSocket scales to 1M+ concurrent connections',
    guide: 'Concurrent connections: 1M+ WebSocket connections',
    measure: untestable(
      '1M connections is a cluster figure: one 2-core host with 24 GiB would need ~16 loopback source addresses and tens of GB; no ws-connections scenario exists',
    ),
    needs: 'a cluster of hosts',
  },
  // ------------------------------------------------------------------ framework
  {
    ref: 'grpc-5-10x-better-than-rest',
    line: 89,
    section: S.framework,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'gRPC performs 5-10x better than REST for microservices',
    guide: 'gRPC provides 5-10x better performance than REST',
    measure: bench(
      ['getUser', 'getUser-rtt'],
      'gRPC ops/s / REST ops/s at saturation (lean drivers, one server core each)',
      (ctx) =>
        perRepeat(ctx, 'getUser', [REST, GRPC], (r, g) => ops(g) / ops(r), {
          ...tput,
          detail: `latency with 1 call in flight, REST p50 / gRPC p50: ${(() => {
            const r = medianOf(ctx, 'getUser-rtt', REST, p50);
            const g = medianOf(ctx, 'getUser-rtt', GRPC, p50);
            return r && g ? fmt(r / g) : 'n/a';
          })()}; server CPU us/call REST ${med(ctx, 'getUser', REST, serverCpu)}, gRPC ${med(ctx, 'getUser', GRPC, serverCpu)}`,
        }),
    ),
    rule: { op: '>=', value: 5 },
  },
  {
    ref: 'mobile-rest-battery-efficiency',
    line: 93,
    section: S.framework,
    kind: 'quantitative',
    testable: 'no',
    claim: 'Mobile clients need REST for battery efficiency',
    guide: 'we need HTTP/REST for battery efficiency',
    measure: untestable('battery and radio behaviour of a phone cannot be measured on loopback'),
  },
  {
    ref: 'ws-sticky-sessions-1m',
    line: 97,
    section: S.framework,
    kind: 'behavioral',
    testable: 'no',
    claim: 'WebSocket at 1M connections needs sticky sessions',
    guide: 'At 1M concurrent connections, we need sticky sessions',
    measure: untestable('needs a load balancer in front of several server hosts'),
  },
  // ------------------------------------------------------------------ HTTP basics
  {
    ref: 'http10-one-request-per-connection',
    line: 135,
    section: S.http,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'HTTP/1.0 serves one request per connection (unless keep-alive is asked for)',
    guide: 'HTTP/1.0 (1996): One request per connection',
    measure: check(
      'http',
      'http10',
      'raw HTTP/1.0 GET to the REST server: closed after the answer; with Connection: keep-alive it stays open',
    ),
    rule: holds,
  },
  {
    ref: 'http11-pipelining',
    line: 136,
    section: S.http,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'HTTP/1.1 keeps connections alive and pipelines requests',
    guide: 'HTTP/1.1 (1999): Keep-alive, pipelining',
    measure: check('http', 'pipelining', '3 GETs written back to back on one socket: 3 answers, in request order'),
    rule: holds,
  },
  {
    ref: 'http-example-content-length-324',
    line: 193,
    section: S.anatomy,
    kind: 'quantitative',
    testable: 'yes',
    claim: "The example response's Content-Length matches its body",
    guide: 'Content-Length: 324',
    measure: check('sizes', 'exampleBody', 'UTF-8 bytes of the body printed at L198-203, as printed'),
    rule: { op: '==', value: 324 },
  },
  {
    ref: 'status-405-get-on-post-only',
    line: 234,
    section: S.status,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'GET on a POST-only endpoint answers 405',
    guide: '405 Method Not Allowed → GET on POST-only endpoint',
    measure: check(
      'http',
      'status405',
      'GET /v1/users/batch (POST-only) on the REST server: 405 with Allow; and a bare fastify app for comparison',
    ),
    rule: holds,
    ownSetting:
      'the REST server the harness wrote answers 405 with Allow because it registers every other method on its routes itself (servers/rest.ts allowOnly); fastify alone answers 404',
  },
  {
    ref: 'status-408-request-timeout',
    line: 235,
    section: S.status,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A client that takes too long gets 408',
    guide: '408 Request Timeout → Client took too long',
    measure: check(
      'http',
      'status408',
      'REST server with a 400 ms request timeout; headers sent and never finished: 408, then close',
    ),
    rule: holds,
    ownSetting:
      "the REST server the harness configured (a 400 ms request timeout, node:http's headersTimeout and requestTimeout) answers 408 and closes; node's own defaults are 60 s and 300 s",
  },
  {
    ref: 'status-413-body-limit',
    line: 238,
    section: S.status,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A body over the limit answers 413',
    guide: '413 Payload Too Large → Request body exceeds limit',
    measure: check('http', 'status413', 'POST of 1 MiB + 1 byte to REST /v1/users and to /graphql: 413 from both'),
    rule: holds,
    ownSetting:
      "the REST and GraphQL servers the harness configured (a 1 MiB body limit: fastify's bodyLimit and the GraphQL server's) answer 413; the limit is the server's choice, not HTTP's",
  },
  {
    ref: 'status-204-no-body',
    line: 219,
    section: S.status,
    kind: 'behavioral',
    testable: 'yes',
    claim: '204 carries no body',
    guide: '204 No Content → DELETE successful, no body returned',
    measure: check(
      'http',
      'status204',
      'fastify DELETE route answering 204 while trying to send a JSON body: bytes after the head',
    ),
    rule: holds,
  },
  {
    ref: 'rest-method-idempotency',
    line: 273,
    section: S.restBP,
    kind: 'behavioral',
    testable: 'partly',
    part: 'GET and POST on the REST server (it serves no PUT or DELETE); this tests the harness server, not HTTP',
    claim: 'GET is idempotent; POST creates a new resource each time',
    guide: 'Idempotent: Multiple identical requests = same result',
    measure: check(
      'http',
      'idempotency',
      'GET /v1/users/1 x5 gives the same body; POST /v1/users x5 creates 5 users with distinct ids',
    ),
    rule: holds,
  },
  {
    ref: 'offset-pagination-degrades',
    line: 338,
    section: S.restBP,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Offset pagination slows down at large offsets; cursors do not',
    guide: '✗ Performance degrades with large offsets',
    // The same 100 users 9,000 rows deep, by OFFSET and by cursor, timed at the database (the
    // listUsers bench on SQLite serves the same rows, but JSON and HTTP add to each page and
    // its server CPU varied 0.86-1.33x between repeats, hiding the difference).
    measure: check(
      'pagination',
      'offsetDeepVsCursor',
      "SQLite query time for 100 users 9,000 rows deep: LIMIT/OFFSET / keyset cursor (the store's own statements)",
    ),
    // Degrades: the deep OFFSET page takes at least a fifth longer than the same page by cursor.
    rule: { op: '>=', value: 1.2 },
  },
  {
    ref: 'offset-pagination-inconsistent',
    line: 339,
    section: S.restBP,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Offset pages duplicate or skip items when data changes between pages',
    guide: '✗ Inconsistent results if data changes',
    part: 'the skip: GET /v1/users orders by ascending id only and a new user takes the next id, so no insert can fall ahead of an offset and the duplicate half (a newest-first order) cannot happen through this API',
    // Through the REST API as a client reads it; the delete is an admin job's, on its own database
    // connection (the contract has no delete route). The table size and page size are the check's
    // choices; any delete before the offset shifts every later page by one.
    measure: check(
      'offsetDrift',
      'offsetSkips',
      'REST GET /v1/users on SQLite, 200 users in pages of 20, by ?offset= and by ?after= cursor, one user of page 1 deleted (and one created) before page 2: users skipped or repeated by each',
    ),
    // Held: the offset pages skip (or repeat) a user and the cursor pages neither.
    rule: holds,
  },
  // ------------------------------------------------------------------ HTTP/2
  {
    ref: 'h1-head-of-line-blocking',
    line: 399,
    section: S.h2,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'On one HTTP/1.1 connection a request waits for the one before it; HTTP/2 runs them in parallel',
    guide: 'Request 2: Must wait for Request 1',
    measure: check(
      'h2',
      'hol',
      '3 requests to a 100 ms handler: one HTTP/1.1 keep-alive socket vs one HTTP/2 session, completion times',
    ),
    rule: holds,
  },
  {
    ref: 'h2-multiplexing-3-5x-page-load',
    line: 405,
    section: S.h2,
    kind: 'quantitative',
    testable: 'partly',
    part: "a page of one document and 30 same-origin sub-resources (small JSON answers, no bandwidth limit, no dependency chains: the case most favourable to multiplexing), cleartext, 50 ms round trip with each new connection's TCP handshake emulated; the ratio grows with the page (HTTP/1.1 needs about N/6 round trips for N sub-resources, HTTP/2 one), so N decides the verdict: 30 is about a median page's requests to its own origin (the detail shows N = 10 and 100 too); TLS is not modelled",
    claim: 'HTTP/2 multiplexing loads pages 3-5x faster',
    guide: 'Result: 3x-5x faster page loads',
    // Issue 15.13: pages of N = 10, 30 and 100 over the delay proxy, with and without an emulated handshake.
    measure: check(
      'pageload',
      'pageLoad',
      'page-load time (visit start to last body byte: 1 document, then 30 GET /v1/users/:id at once) over HTTP/1.1 (keep-alive, at most 6 connections, no pipelining) / over HTTP/2 (one connection, all streams at once), fresh connections per load, 25 ms one way through the delay proxy plus one round trip per new connection; one ratio per round',
    ),
    rule: { op: 'between', lo: 3, hi: 5 },
  },
  {
    ref: 'h2-hpack-87pct-header-reduction',
    line: 409,
    section: S.h2,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'HPACK cuts request headers from 800+ bytes to 50-100 bytes (87%)',
    guide: 'HTTP/2 Headers: 50-100 bytes (87% reduction)',
    measure: check(
      'h2',
      'hpack',
      "1 - HTTP/2 request bytes / HTTP/1.1 head bytes for the guide's example request (L173-180), as node:http2 (nghttp2) writes it on the wire: decided on a repeated request (the dynamic table), the first reported apart",
    ),
    rule: { op: '>=', value: 0.87 },
  },
  {
    ref: 'h2-bandwidth-40pct',
    line: 422,
    section: S.h2,
    kind: 'quantitative',
    testable: 'yes',
    part: 'bytes; the page-load time at L421 needs RTT',
    claim: 'HTTP/2 uses 40% less bandwidth',
    guide: 'Bandwidth: 40% reduction',
    measure: check(
      'h2',
      'bandwidth',
      '1 - h2c bytes / HTTP/1.1 bytes on the wire for 100 small JSON GETs with the same handler, Content-Length on both (node:http2 vs node:http clients and servers)',
    ),
    rule: { op: '>=', value: 0.4 },
  },
  {
    ref: 'h2-server-push',
    line: 413,
    section: S.h2,
    kind: 'behavioral',
    testable: 'partly',
    part: 'node:http2 only; browsers dropped push (Chrome 106)',
    claim: 'HTTP/2 servers can push resources before they are asked for',
    guide: 'Server pushes: style.css, script.js (proactively)',
    measure: check(
      'h2',
      'push',
      'node:http2 server pushStream() for /style.css on a GET of /; the node:http2 client receives the pushed stream',
    ),
    rule: holds,
  },
  {
    ref: 'h3-quic-claims',
    line: 448,
    section: S.h2,
    kind: 'quantitative',
    testable: 'no',
    claim: 'HTTP/3 is 20-30% faster than HTTP/2 on lossy networks',
    guide: '20-30% faster than HTTP/2 on lossy networks',
    measure: untestable(
      'Node has no stable HTTP/3/QUIC server, loopback does not lose packets, and the adoption figures are external statistics',
    ),
  },
  // ------------------------------------------------------------------ when to use REST
  {
    ref: 'rest-not-for-sub-10ms',
    line: 520,
    section: S.whenRest,
    kind: 'quantitative',
    testable: 'partly',
    part: 'on-host stack latency only',
    claim: 'REST cannot meet latency requirements under 10 ms (HTTP overhead)',
    guide: '5. Low-Latency Requirements (<10ms): Problem: HTTP overhead',
    measure: bench(['getUser-rtt', 'getUser'], 'REST getUser p99, 1 call in flight', (ctx) =>
      perRepeat(ctx, 'getUser-rtt', [REST], p99, {
        unit: 'us',
        boundMatters: true,
        quiet: true,
        rankBy: BY_P99,
        detail: `p99 at saturation (32 in flight): ${med(ctx, 'getUser', REST, p99, ' us', BY_P99)}`,
      }),
    ),
    rule: { op: '>=', value: 10_000 },
  },
  {
    ref: 'rest-large-data-buffering',
    line: 516,
    section: S.whenRest,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Large REST responses are buffered and cost memory; streams do not',
    guide: 'Problem: Buffering, memory',
    part: 'the peak RSS one fastify server process adds answering 1M users buffered vs streamed; the list size decides how wide the gap is (buffered grows with it, streamed does not)',
    measure: check(
      'streams',
      'restBuffering',
      'peak RSS growth of a fastify server process answering 1M users (--quick: 300,000) as one buffered JSON body over the same bytes streamed, per round',
    ),
    // Buffered costs a copy of the whole answer (the array, its JSON text, the bytes); a stream
    // holds a few chunks. Twice the streamed growth is a margin well above the noise of RSS.
    rule: { op: '>=', value: 2 },
    ownSetting:
      "the fastify handlers the harness wrote: one returns the whole array (fastify serializes it into one body), the other hands fastify a Readable; HTTP/1.1 lets a REST answer stream (chunked), so buffering is the handler's choice",
  },
  // ------------------------------------------------------------------ REST performance
  {
    ref: 'etag-304-saves-bandwidth',
    line: 545,
    section: S.restPerf,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A matching If-None-Match gets 304 with no body',
    guide: 'Response: 304 Not Modified (no body, saves bandwidth)',
    measure: check('http', 'etag', 'GET /v1/users/1, then again with If-None-Match: the ETag: 304 and 0 body bytes'),
    rule: holds,
    ownSetting:
      'the REST server with the conditional GET support the harness turned on for this check (servers/rest-http-features.ts) answers 304',
  },
  {
    ref: 'last-modified-304',
    line: 550,
    section: S.restPerf,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'If-Modified-Since at or after Last-Modified gets 304',
    guide: 'Response: 304 Not Modified',
    measure: check('http', 'lastModified', 'GET /v1/users/1, then with If-Modified-Since: the Last-Modified: 304'),
    rule: holds,
    ownSetting:
      'the REST server with the conditional GET support the harness turned on for this check (servers/rest-http-features.ts) answers 304',
  },
  {
    ref: 'cache-control-max-age',
    line: 531,
    section: S.restPerf,
    kind: 'behavioral',
    testable: 'partly',
    part: "what a standard client cache (undici's RFC 9111 cache; node's fetch keeps none) does with a max-age answer",
    claim: 'Responses with max-age are served from cache without reaching the origin',
    guide: 'Cache-Control: public, max-age=3600, stale-while-revalidate=60',
    measure: check(
      'cache',
      'maxAge',
      "20 GETs of /v1/users/1 within max-age, one after another through undici's RFC 9111 cache: requests reaching the REST origin (counted at its store)",
    ),
    rule: holds,
    ownSetting:
      "the REST server the harness gave the guide's own Cache-Control (public, max-age=3600, stale-while-revalidate=60) for this check (the benchmarked server sends none); the cache honouring it is undici's",
  },
  {
    ref: 'gzip-70-90pct',
    line: 563,
    section: S.restPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'gzip shrinks JSON responses by 70-90%',
    guide: 'gzip: 70-90% reduction, widely supported',
    measure: check(
      'sizes',
      'gzip',
      "1 - gzip/identity (zlib level 6) for a ~5 KB page of the harness's users, the size the guide's own example uses (L575)",
    ),
    rule: { op: 'between', lo: 0.7, hi: 0.9 },
  },
  {
    ref: 'brotli-20pct-better-than-gzip',
    line: 564,
    section: S.restPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Brotli compresses 20% better than gzip (and needs HTTP/2)',
    guide: 'br (Brotli): 20% better than gzip, HTTP/2+',
    measure: check('sizes', 'brotli', '1 - br/gzip for the ~5 KB users page, brotli at quality 4 (@fastify/compress default)'),
    rule: { op: '>=', value: 0.2 },
  },
  {
    ref: 'json-5kb-to-500b',
    line: 575,
    section: S.restPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A 5 KB JSON payload compresses to about 500 bytes',
    guide: 'JSON payload: 5KB → 500 bytes (90% reduction)',
    measure: check('sizes', 'json5kb', 'gzip bytes of the ~5 KB users page'),
    rule: { op: '<=', value: 500 },
  },
  {
    ref: 'compression-cpu-minimal',
    line: 578,
    section: S.restPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Compression costs little CPU (throughput drop under 10%)',
    guide: 'CPU cost: Minimal (worth the trade-off)',
    // The 10 KB page (payloadSize medium), a typical API answer, with @fastify/compress's defaults.
    measure: bench(['compression'], 'REST ops/s with gzip / without, 10 KB page, compression scenario', (ctx) =>
      perRepeat(
        ctx,
        'compression',
        [
          { protocol: 'rest', variant: 'gzip-medium' },
          { protocol: 'rest', variant: 'identity-medium' },
        ],
        (g, i) => ops(g) / ops(i),
        {
          ...tput,
          detail: `server CPU us/page gzip ${med(ctx, 'compression', { protocol: 'rest', variant: 'gzip-medium' }, serverCpu)}, plain ${med(ctx, 'compression', { protocol: 'rest', variant: 'identity-medium' }, serverCpu)}; wire B/page gzip ${med(ctx, 'compression', { protocol: 'rest', variant: 'gzip-medium' }, wire)}, plain ${med(ctx, 'compression', { protocol: 'rest', variant: 'identity-medium' }, wire)}`,
        },
      ),
    ),
    rule: { op: '>=', value: 0.9 },
  },
  {
    ref: 'compression-page-load-30-50pct',
    line: 576,
    section: S.restPerf,
    kind: 'quantitative',
    testable: 'no',
    claim: 'Compression makes pages load 30-50% faster',
    guide: 'Page load time: 30-50% faster',
    measure: untestable(
      'loopback bandwidth is effectively unlimited, so transfer time never dominates; would need a rate-limited link',
    ),
  },
  {
    ref: 'keepalive-saves-50-100ms',
    line: 590,
    section: S.restPerf,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the loopback cost of a new TCP connection; the 50-100 ms is WAN RTT',
    claim: 'Keep-alive saves 50-100 ms per request',
    guide: '50-100ms saved per request',
    measure: check(
      'http',
      'keepalive',
      'median latency of GET /v1/users/1 on a new connection each time minus on one keep-alive connection (node:http), ms',
    ),
    rule: { op: '>=', value: 50 },
    // The delaying proxy (harness/run/delay-proxy.ts) cannot stand in: it delays data, not TCP's
    // handshake, and the handshake round trip is what keep-alive saves.
    needs:
      "a link whose round trip delays the TCP handshake too: two hosts on a WAN, or a kernel with sch_netem (this one has none; the harness's delaying proxy delays data, not handshakes)",
  },
  {
    ref: 'rate-limit-429-retry-after',
    line: 607,
    section: S.restPerf,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Over the rate limit the server answers 429 with Retry-After',
    guide: 'HTTP/1.1 429 Too Many Requests / Retry-After: 60',
    measure: check(
      'http',
      'rateLimit',
      'REST server: X-RateLimit-* headers count down and the request past the limit gets 429 with Retry-After',
    ),
    rule: holds,
    ownSetting:
      'the REST server with the rate limiter the harness turned on for this check (servers/rest-http-features.ts, 20 requests a minute) answers 429 with Retry-After',
  },
  {
    ref: 'http-caching-cuts-load-80-90pct',
    line: 680,
    section: S.restTalk,
    kind: 'quantitative',
    testable: 'partly',
    part: "the cache's hit ratio on stated workloads (2,000 reads, Zipf s=1 over 10,000 users, seed 7, TTL longer than the run; the detail shows longer runs and a uniform draw): set by the workload and the TTL, not the protocol",
    claim: 'HTTP caching cuts server load by 80-90%',
    guide: 'HTTP caching reduces server load by 80-90%',
    measure: check(
      'cache',
      'loadCut',
      '1 - origin requests / client requests: 2,000 GETs of /v1/users/:id, ids Zipf s=1 over 10,000 users (seeded), one at a time through one RFC 9111 cache (undici), max-age 3600 s',
    ),
    rule: { op: 'between', lo: 0.8, hi: 0.9 },
    // The cut is the workload's hit ratio: 9% (uniform) to 72% (10,000 Zipf reads) here. A verdict
    // on the harness's chosen workload would be a verdict on that choice, not on the claim.
    needs:
      "the guide's workload (its request mix, key popularity and TTL): the cut is the cache's hit ratio on a workload, and the ones measured here span 9% to over 70%",
  },
  {
    ref: 'http-overhead-800-vs-28-grpc',
    line: 702,
    section: S.restTalk,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'HTTP costs ~800 bytes of overhead per request against ~28 for gRPC (~28x)',
    guide: 'HTTP overhead: ~800 bytes per request vs ~28 bytes for gRPC',
    measure: check(
      'wire',
      'overheadRatio',
      'REST overhead / gRPC overhead per getUser (wire bytes minus payload, both ways), the same client headers on both (minimal; typical API client)',
    ),
    rule: { op: 'approx', value: 800 / 28, factor: 1.5 },
  },
  {
    ref: 'rest-latency-breakdown-wan',
    line: 721,
    section: S.restTalk,
    kind: 'quantitative',
    testable: 'no',
    claim: 'A first REST request costs 130-370 ms (DNS, TCP, TLS, request)',
    guide: 'Total: 130-370ms for first request',
    measure: untestable(
      'DNS, TCP and TLS over a WAN and CDN distances do not exist on loopback (the sums 130 and 370 are arithmetically right)',
    ),
  },
  {
    ref: 'rest-scale-arithmetic',
    line: 734,
    section: S.restTalk,
    kind: 'quantitative',
    testable: 'no',
    claim: 'Caching and a CDN let the system handle 10x scale',
    guide: 'Result: System can handle 10x scale',
    measure: untestable('a capacity-planning narrative with no measurable quantity'),
  },
  // ------------------------------------------------------------------ gRPC
  {
    ref: 'grpc-10x-smaller-payloads',
    line: 752,
    section: S.grpcWhat,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Protobuf payloads are 10x smaller than JSON',
    guide: '10x smaller payloads than JSON',
    measure: check(
      'sizes',
      'jsonOverProtobufGuide',
      "JSON bytes / protobuf bytes of the guide's user (L1057-1063, guide field numbers)",
    ),
    rule: { op: '>=', value: 10 },
  },
  {
    ref: 'grpc-four-patterns',
    line: 756,
    section: S.grpcWhat,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'gRPC offers unary, server-, client- and bidirectional streaming',
    guide: '4 communication patterns',
    measure: check(
      'grpc',
      'fourPatterns',
      'GetUser, ListUsers, CreateUsers and Chat against the grpc-js reference server with the grpc-js client',
    ),
    rule: holds,
  },
  {
    ref: 'proto-file-compiles-as-written',
    line: 790,
    section: S.protobuf,
    kind: 'behavioral',
    testable: 'yes',
    claim: "The guide's user.proto compiles as written",
    guide: 'google.protobuf.Timestamp created_at = 7;',
    measure: check('sizes', 'protoCompiles', 'protobufjs parse + resolveAll of L778-869 verbatim'),
    rule: holds,
  },
  {
    ref: 'protobuf-compat-unknown-fields',
    line: 767,
    section: S.protobuf,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Protobuf is backward and forward compatible',
    guide: 'Backward and forward compatible',
    measure: check(
      'sizes',
      'protoCompat',
      "the guide's User v1 and a v2 with a new field 8 and a new nested message: each decodes the other's bytes without error",
    ),
    rule: holds,
  },
  {
    ref: 'grpc-unary-5-10ms-vs-rest-50-100ms',
    line: 907,
    section: S.grpcPatterns,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the latency ratio; absolute milliseconds are WAN-like',
    claim: 'A unary gRPC call is 5-10x faster than REST (5-10 ms vs 50-100 ms)',
    guide: 'Latency: 5-10ms (vs 50-100ms REST)',
    measure: bench(['getUser-rtt'], 'REST p50 / gRPC p50, getUser, 1 call in flight (lean drivers)', (ctx) =>
      perRepeat(ctx, 'getUser-rtt', [REST, GRPC], (r, g) => p50(r)! / p50(g)!, {
        ...lat,
        detail: `p50 REST ${med(ctx, 'getUser-rtt', REST, p50, ' us')}, gRPC ${med(ctx, 'getUser-rtt', GRPC, p50, ' us')}, gRPC with the grpc-js client ${med(ctx, 'getUser-rtt', GRPC_JS, p50, ' us')}`,
      }),
    ),
    rule: { op: '>=', value: 5 },
  },
  {
    ref: 'grpc-100k-rps-single-server',
    line: 909,
    section: S.grpcPatterns,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'One gRPC server handles 100K calls/s',
    guide: 'Throughput: 100K RPS on single server',
    measure: bench(['getUser'], `getUser calls/s of one gRPC server process (one core), lean driver, ${ON_THIS_STACK}`, (ctx) =>
      perRepeat(ctx, 'getUser', [GRPC], ops, {
        unit: 'ops/s',
        boundMatters: true,
        saturated: true,
        detail: `a Node gRPC server runs its calls on one thread: one process uses about one core; ${SETTLED_BY_GO}`,
      }),
    ),
    rule: { op: '>=', value: 100_000 },
  },
  {
    ref: 'grpc-stream-backpressure-cancel-memory',
    line: 948,
    section: S.grpcPatterns,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Server streams handle backpressure, cancel at any time and use little memory',
    guide: 'Backpressure handling',
    part: 'a grpc-js server stream of 200,000 users to a client in the same process; the stream size decides how far below it the bounds sit',
    measure: check(
      'streams',
      'grpcServerStream',
      'ListUsers streaming 200,000 users: lead over a paused reader, cancel mid-stream and while blocked on drain, live heap growth',
    ),
    rule: holds,
    ownSetting:
      "the stream handler the harness wrote stops when write() returns false and goes on at 'drain'; grpc-js only signals (and HTTP/2 flow control holds the bytes): a handler that ignores the signal buffers the whole stream, measured beside it",
  },
  {
    ref: 'grpc-client-streaming-less-overhead',
    line: 993,
    section: S.grpcPatterns,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A client stream sends many requests with less overhead than unary calls',
    guide: 'Reduced network overhead',
    // claims/checks-client-stream.ts: the contract has no unary CreateUser, so unary calls are one-record CreateUsers calls.
    part: 'wire bytes per record (1,000 records, 3 rounds); unary calls are one-record CreateUsers calls, one at a time on one channel',
    measure: check(
      'clientStream',
      'lessOverhead',
      'wire bytes per record both ways, 1,000 one-record CreateUsers calls over one CreateUsers stream of the same records',
    ),
    // Unary-shaped over streamed: any saving at all is "reduced overhead"; the decision margin keeps a tie from counting.
    rule: { op: '>', value: 1 },
  },
  {
    ref: 'grpc-bidi-full-duplex',
    line: 1032,
    section: S.grpcPatterns,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Bidirectional streams are full duplex',
    guide: 'Full-duplex communication',
    measure: check('grpc', 'bidi', 'Chat stream: replies arrive while the client is still sending, in order'),
    rule: holds,
  },
  {
    ref: 'json-user-145-bytes',
    line: 1066,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: "The guide's example user is 145 bytes of minified JSON",
    guide: 'Size: 145 bytes (minified)',
    measure: check('sizes', 'guideUserJson', 'Buffer.byteLength(JSON.stringify(user)) for the user at L1057-1063'),
    rule: { op: '==', value: 145 },
  },
  {
    ref: 'protobuf-user-28-bytes',
    line: 1071,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'The same user is 28 bytes of protobuf',
    guide: 'Size: 28 bytes (binary)',
    measure: check(
      'sizes',
      'guideUserProtobuf',
      "protobufjs encoding of that user with the guide's own User message (field numbers L784-790)",
    ),
    rule: { op: '==', value: 28 },
  },
  {
    ref: 'rest-user-with-headers-950-bytes',
    line: 1067,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A REST getUser costs ~950 bytes with HTTP/1.1 headers',
    guide: 'With HTTP/1.1 headers: ~950 bytes',
    measure: check(
      'wire',
      'rest950',
      'REST wire bytes per getUser, both ways, keep-alive, fastify answers; decided on a typical API client (Authorization: Bearer, Accept, Content-Type, User-Agent), minimal and browser-like shown',
    ),
    rule: { op: 'approx', value: 950, factor: 1.25 },
  },
  {
    ref: 'grpc-with-h2-headers-50-bytes',
    line: 1072,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A gRPC getUser costs ~50 bytes with HTTP/2 headers',
    guide: 'With HTTP/2 headers: ~50 bytes (compressed)',
    measure: check(
      'wire',
      'grpcWire',
      'gRPC wire bytes per GetUser, both ways, warm HTTP/2 session (node:http2, as grpc-js), minimal and typical API client headers',
    ),
    rule: { op: 'approx', value: 50, factor: 1.25 },
  },
  {
    ref: 'grpc-payload-19x-smaller',
    line: 1073,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'gRPC is 19x smaller on the wire than REST',
    guide: 'Result: 19x smaller!',
    measure: check(
      'wire',
      'wireRatio',
      'REST wire bytes / gRPC wire bytes per getUser, the same client headers on both (minimal; typical API client)',
    ),
    rule: { op: '>=', value: 19 },
  },
  {
    ref: 'bandwidth-savings-27gb-month',
    line: 1078,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the arithmetic over measured bytes per call',
    claim: 'At 1M calls/day gRPC saves 27 GB/month of bandwidth',
    guide: 'Bandwidth savings: 900 MB/day = 27 GB/month',
    measure: check(
      'wire',
      'savingsGb',
      '(REST - gRPC wire bytes per call) x 1M calls/day x 30 days, GB, the same client headers on both (minimal; typical API client)',
    ),
    rule: { op: 'approx', value: 27, factor: 1.25 },
  },
  {
    ref: 'grpc-40pct-faster-5ms-saved',
    line: 1103,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the relative latency; absolute milliseconds are not reproducible on loopback',
    claim: 'gRPC calls are 40% faster than REST',
    guide: 'Result: 40% faster, 5ms saved per call',
    measure: bench(['getUser-rtt'], 'gRPC p50 / REST p50, getUser, 1 call in flight', (ctx) =>
      perRepeat(ctx, 'getUser-rtt', [GRPC, REST], (g, r) => p50(g)! / p50(r)!, {
        ...lat,
        detail: `p50 gRPC ${med(ctx, 'getUser-rtt', GRPC, p50, ' us')}, REST ${med(ctx, 'getUser-rtt', REST, p50, ' us')}`,
      }),
    ),
    rule: { op: '<=', value: 0.6 },
  },
  {
    ref: 'json-serialization-1ms',
    line: 1088,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'JSON serialization takes ~1 ms per call (protobuf ~0.1 ms)',
    guide: 'JSON serialization: 1ms',
    measure: check('micro', 'jsonStringifyUs', "JSON.stringify of the harness's user, microseconds per call"),
    rule: { op: 'approx', value: 1000, factor: 2 },
  },
  {
    ref: 'grpc-50-cores-freed',
    line: 1107,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'At 10K calls/s gRPC frees 50 cores',
    guide: 'Savings: 50 seconds/sec = 50 cores freed!',
    measure: bench(['getUser'], '(REST - gRPC server CPU us per call) x 10K calls/s, in cores', (ctx) =>
      perRepeat(ctx, 'getUser', [REST, GRPC], (r, g) => ((serverCpu(r)! - serverCpu(g)!) * 10_000) / 1e6, {
        unit: 'cores',
        boundMatters: true,
        rankBy: BY_SERVER_CPU,
        detail:
          `server CPU us/call REST ${med(ctx, 'getUser', REST, serverCpu, '', BY_SERVER_CPU)}, ` +
          `gRPC ${med(ctx, 'getUser', GRPC, serverCpu, '', BY_SERVER_CPU)} (negative: gRPC costs more)`,
      }),
    ),
    rule: { op: '>=', value: 50 },
  },
  {
    ref: 'rest-node-10-20k-rps',
    line: 1118,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A Node.js REST server does 10-20K requests/s',
    guide: 'Throughput: 10-20K requests/second',
    measure: bench(
      ['getUser'],
      "REST getUser ops/s, one server process on one core (REST's fastest implementation here)",
      (ctx) => perRepeat(ctx, 'getUser', [REST], ops, { unit: 'ops/s', boundMatters: true, saturated: true }),
    ),
    rule: { op: 'between', lo: 10_000, hi: 20_000 },
  },
  {
    ref: 'rest-clustering-50k-rps',
    line: 1119,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'partly',
    part: 'one process only: the claim is about a cluster on a larger machine',
    claim: 'Clustered, a Node.js REST server does 50K requests/s',
    guide: 'With clustering: 50K requests/second',
    measure: bench(['getUser'], 'REST getUser ops/s of one process (the cluster figure needs more cores)', (ctx) =>
      perRepeat(ctx, 'getUser', [REST], ops, { unit: 'ops/s', boundMatters: true, saturated: true }),
    ),
    rule: { op: 'approx', value: 50_000, factor: 1.25 },
    needs: 'more cores than the 2 of this machine (one for the server, one for the generator)',
  },
  {
    ref: 'grpc-go-100-200k-rps',
    line: 1124,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'no',
    claim: 'A gRPC server in Go does 100-200K requests/s',
    guide: 'Throughput: 100-200K requests/second',
    measure: untestable(
      'about a gRPC server in Go, which the harness does not have; ' +
        `grpc-100k-rps-single-server measures the same figure ${ON_THIS_STACK}. ${SETTLED_BY_GO}`,
    ),
  },
  {
    ref: 'grpc-10x-higher-throughput',
    line: 1127,
    section: S.grpcPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'gRPC has 10x the throughput of REST',
    guide: 'Result: 10x higher throughput with gRPC',
    measure: bench(['getUser'], `gRPC ops/s / REST ops/s, getUser, one server process each, ${ON_THIS_STACK}`, (ctx) =>
      perRepeat(ctx, 'getUser', [REST, GRPC], (r, g) => ops(g) / ops(r), {
        ...tput,
        detail: `the guide sets gRPC in Go against REST in Node.js; here both are Node; ${SETTLED_BY_GO}`,
      }),
    ),
    rule: { op: '>=', value: 10 },
  },
  {
    ref: 'grpc-deadline-exceeded',
    line: 1144,
    section: S.grpcFeatures,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A call past its deadline fails with DEADLINE_EXCEEDED and the server sees it cancelled',
    guide: 'if status.Code(err) == codes.DeadlineExceeded {',
    measure: check(
      'grpc',
      'deadline',
      'grpc-js: 1 s deadline on a GetUser whose handler takes 2 s: status 4 at ~1.0 s, server call cancelled',
    ),
    rule: holds,
  },
  {
    ref: 'grpc-interceptors',
    line: 1156,
    section: S.grpcFeatures,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'gRPC interceptors act as middleware',
    guide: '**2. Interceptors (Middleware)**',
    measure: check(
      'grpcExtras',
      'interceptors',
      'check-only grpc-js server with a logging and an auth server interceptor; 3 calls through a client interceptor adding the token, 3 without it: passed, refused UNAUTHENTICATED before the handler, all logged',
    ),
    rule: holds,
    ownSetting:
      "the interceptors are the check's own, on a check-only grpc-js server (the reference server has none): the verdict shows grpc-js's interceptor API carries middleware, not that the bench's server uses any",
  },
  {
    ref: 'grpc-client-side-round-robin',
    line: 1188,
    section: S.grpcFeatures,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Client-side round robin spreads calls evenly',
    guide: 'Round Robin: Distribute evenly',
    measure: check(
      'grpc',
      'roundRobin',
      '3 grpc-js servers, one channel with loadBalancingConfig round_robin, 300 calls: each server within 5% of 100; pick_first for contrast',
    ),
    rule: holds,
  },
  {
    ref: 'grpc-health-check',
    line: 1212,
    section: S.grpcFeatures,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'The gRPC health API reports SERVING / NOT_SERVING / SERVICE_UNKNOWN',
    guide: "SERVICE_UNKNOWN: Service doesn't exist",
    measure: check(
      'grpcExtras',
      'health',
      'grpc.health.v1 client against a check-only grpc-js server with UserService and grpc-health-check: Check and Watch while serving, after NOT_SERVING, and for an unknown service',
    ),
    rule: holds,
    ownSetting:
      "the reference server registers no health service; the check adds grpc-node's (grpc-health-check's HealthImplementation) beside UserService and sets the statuses itself: the verdict shows that implementation answers as the protocol specifies",
  },
  {
    ref: 'grpc-caching-complex',
    line: 1311,
    section: S.grpcVsRest,
    kind: 'behavioral',
    testable: 'partly',
    part: 'what a standard HTTP cache does with a gRPC call (a POST over HTTP/2) and with a REST GET; "complex" holds in that sense only',
    claim: 'Caching gRPC is complex; REST caching is native',
    guide: '│ Caching         │ Complex      │ Native       │',
    measure: check(
      'cache',
      'grpcPost',
      'a grpc-js GetUser as recorded on the wire, replayed 20 times through one RFC 9111 cache (undici, h2c), against 20 REST GETs with max-age: requests reaching each origin',
    ),
    rule: holds,
  },
  {
    ref: 'grpc-1m-req-day-10x-servers',
    line: 1336,
    section: S.grpcTalk,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'At 1M requests/day gRPC needs 10x fewer servers and 10x less bandwidth',
    guide: '* 10x fewer servers needed',
    measure: bench(
      ['getUser'],
      'REST wire bytes / gRPC wire bytes per call (the bandwidth half); servers from measured capacity',
      (ctx) =>
        perRepeat(ctx, 'getUser', [REST, GRPC], (r, g) => wire(r)! / wire(g)!, {
          ...bytes,
          unit: 'x',
          rankBy: BY_WIRE,
          detail: `bytes of the bench's lean clients (minimal headers; per client profile see grpc-payload-19x-smaller); 1M requests/day is 11.6/s: ${(() => {
            const r = medianOf(ctx, 'getUser', REST, ops);
            const g = medianOf(ctx, 'getUser', GRPC, ops);
            return r && g
              ? `${((11.6 / r) * 100).toFixed(3)}% of one REST process, ${((11.6 / g) * 100).toFixed(3)}% of one gRPC process: one server either way`
              : 'n/a';
          })()}`,
        }),
    ),
    rule: { op: '>=', value: 10 },
  },
  {
    ref: 'grpc-beats-websocket-server-to-server',
    line: 1348,
    section: S.grpcTalk,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'gRPC streaming is more efficient than WebSocket between servers',
    guide: 'More efficient than WebSocket for server-to-server',
    // Efficiency as CPU per message on both ends (a server-to-server link pays both), not
    // messages/s: the stock grpc-js client saturates its core before the server does.
    measure: bench(['chat'], 'WebSocket CPU per message / gRPC bidi CPU per message, server + client, chat scenario', (ctx) =>
      perRepeat(ctx, 'chat', [GRPC_JS, WS], (g, w) => bothCpu(w)! / bothCpu(g)!, {
        unit: 'x',
        boundMatters: false,
        detail: `CPU us/message server + client: gRPC ${med(ctx, 'chat', GRPC_JS, bothCpu)}, WebSocket ${med(ctx, 'chat', WS, bothCpu)}; wire B/message gRPC ${med(ctx, 'chat', GRPC_JS, wire)}, WebSocket ${med(ctx, 'chat', WS, wire)}`,
      }),
    ),
    rule: { op: '>=', value: 1 },
  },
  {
    ref: 'transaction-50ms-vs-500ms',
    line: 1395,
    section: S.grpcTalk,
    kind: 'quantitative',
    testable: 'partly',
    part: 'stack latency only (no network latency on loopback)',
    claim: 'A transaction of sequential calls takes 10x less time over gRPC than REST',
    guide: 'Transaction time: 50ms (gRPC) vs 500ms (REST)',
    measure: bench(
      ['getUser-rtt'],
      'REST p50 / gRPC p50 with 1 call in flight (a chain of N sequential calls scales both by N)',
      (ctx) =>
        perRepeat(ctx, 'getUser-rtt', [REST, GRPC], (r, g) => p50(r)! / p50(g)!, {
          ...lat,
          detail: `10 sequential calls: REST ${(() => {
            const m = medianOf(ctx, 'getUser-rtt', REST, p50);
            return m === null ? 'n/a' : `${fmt((m * 10) / 1000)} ms`;
          })()}, gRPC ${(() => {
            const m = medianOf(ctx, 'getUser-rtt', GRPC, p50);
            return m === null ? 'n/a' : `${fmt((m * 10) / 1000)} ms`;
          })()}`,
        }),
    ),
    rule: { op: '>=', value: 10 },
  },
  {
    ref: 'grpc-batch-stream-10k-records',
    line: 1399,
    section: S.grpcTalk,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A client streams 10K records, gets results as they go, and can cancel mid-stream',
    guide: 'Client streams 10K records',
    // claims/checks-client-stream.ts: the bidi Chat rpc, since CreateUsers answers only at the end.
    part: 'results as they go on the reference Chat echo; the cancel on a check-only server with the same echo, whose handler is watched',
    measure: check(
      'clientStream',
      'batchStream10k',
      'Chat stream of 10,000 records: first result before the last record is sent; cancel after 5,000 reaches the handler',
    ),
    rule: holds,
  },
  {
    ref: 'grpc-rich-error-codes',
    line: 1406,
    section: S.grpcTalk,
    kind: 'behavioral',
    testable: 'yes',
    part: 'NOT_FOUND, DEADLINE_EXCEEDED and UNIMPLEMENTED; the others need handlers that raise them',
    claim: 'gRPC clients see exact status codes',
    guide: 'Rich error model with status codes:',
    measure: check(
      'grpc',
      'errorCodes',
      'unknown user -> NOT_FOUND (5), unknown method -> UNIMPLEMENTED (12), expired deadline -> DEADLINE_EXCEEDED (4)',
    ),
    rule: holds,
  },
  {
    ref: 'grpc-automatic-retries',
    line: 1386,
    section: S.grpcTalk,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'gRPC retries failed calls automatically',
    guide: 'Automatic retries',
    measure: check(
      'grpc',
      'retries',
      'server failing the first 2 attempts with UNAVAILABLE: the call succeeds only when the channel has a retryPolicy',
    ),
    rule: holds,
  },
  // ------------------------------------------------------------------ WebSocket
  {
    ref: 'ws-realtime-under-100ms',
    line: 1439,
    section: S.wsWhat,
    kind: 'quantitative',
    testable: 'yes',
    part: 'on-host latency; no WAN',
    claim: 'WebSocket delivers in under 100 ms',
    guide: 'Real-time: < 100ms latency',
    measure: bench(['getUser'], 'WebSocket getUser round-trip p99 at saturation (32 calls in flight), us', (ctx) =>
      perRepeat(ctx, 'getUser', [WS], p99, {
        unit: 'us',
        boundMatters: true,
        quiet: true,
        rankBy: BY_P99,
        detail:
          'an upper-bound claim: a generator-bound or disturbed run can only inflate latency, so its p99 still bounds the server side from above',
      }),
    ),
    rule: { op: '<=', value: 100_000 },
  },
  {
    ref: 'ws-frame-overhead-2-6-bytes',
    line: 1895,
    section: S.wsTalk,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A WebSocket frame costs 2-6 bytes of overhead',
    guide: 'Overhead: 2-6 bytes per frame (vs 800+ bytes HTTP)',
    measure: bench(['getUser'], 'largest per-message overhead either way (wire bytes minus payload), WebSocket getUser', (ctx) =>
      perRepeat(
        ctx,
        'getUser',
        [WS],
        (w) => Math.max(w.bytesPerOp!.out - w.payloadBytes!.request, w.bytesPerOp!.in - w.payloadBytes!.response),
        {
          ...bytes,
          unit: 'B',
          exact: true,
          round: Math.round,
          rankBy: BY_WIRE,
          detail:
            'ws frames: 2 B server->client and 6 B client->server up to 125 B, 4/8 B up to 64 KiB, 10/14 B beyond (RFC 6455, 2-14 B); REST overhead per call is in http-overhead-800-vs-28-grpc',
        },
      ),
    ),
    rule: { op: 'between', lo: 2, hi: 6 },
  },
  {
    ref: 'ws-handshake-accept-key',
    line: 1464,
    section: S.wsHandshake,
    kind: 'behavioral',
    testable: 'yes',
    claim: "The example handshake's Sec-WebSocket-Accept is right for its key",
    guide: 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    measure: check('sizes', 'acceptKey', 'base64(SHA-1(key + GUID)) for the key at L1455 equals the accept at L1464'),
    rule: holds,
  },
  {
    ref: 'ws-no-http-overhead-after-handshake',
    line: 1469,
    section: S.wsHandshake,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'After the handshake a message carries a frame header only, no HTTP headers',
    guide: 'No HTTP overhead anymore',
    measure: bench(['getUser'], 'per-message overhead, both ways, WebSocket getUser (<= 14 B means frame header only)', (ctx) =>
      perRepeat(
        ctx,
        'getUser',
        [WS],
        (w) => (Math.max(w.bytesPerOp!.out - w.payloadBytes!.request, w.bytesPerOp!.in - w.payloadBytes!.response) <= 14 ? 1 : 0),
        { ...bytes, unit: '', exact: true, rankBy: BY_WIRE },
      ),
    ),
    rule: holds,
  },
  {
    ref: 'ws-ping-pong-close-frames',
    line: 1482,
    section: S.wsHandshake,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Ping is answered by pong; a close frame is echoed and both sides see code 1000',
    guide: '0x9: Ping frame',
    measure: check(
      'ws',
      'pingPong',
      'reference WebSocket server: server ping -> client pong, client ping -> server pong, close(1000) -> both sides close with 1000',
    ),
    rule: holds,
  },
  {
    ref: 'ws-permessage-deflate',
    line: 1612,
    section: S.wsPatterns,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'permessage-deflate shrinks messages',
    guide: 'Compress with permessage-deflate',
    measure: check(
      'ws',
      'deflate',
      'wire bytes of a 100-user listUsers answer with perMessageDeflate on / off (reference server, ws client)',
    ),
    rule: { op: '<=', value: 0.5 },
  },
  {
    ref: 'ws-100k-connections-per-server',
    line: 1616,
    section: S.wsPatterns,
    kind: 'quantitative',
    testable: 'partly',
    part:
      'a lower bound on one host: 100K idle connections opened and held, not a search for the ceiling; the clients share ' +
      "the server's 2 cores and the fd limit of every process is raised by the check (ours)",
    claim: 'One server holds 100K concurrent WebSocket connections',
    guide: 'Can handle 100K concurrent connections per server',
    measure: check(
      'wsConnections',
      'held',
      'WebSocket connections to one reference ws server process held open at once, each answering a getUser sent after ' +
        'all were open (5 loopback source addresses, 2 client processes on the same host)',
    ),
    rule: { op: '>=', value: 100_000 },
  },
  {
    ref: 'ws-1m-msgs-per-sec',
    line: 1617,
    section: S.wsPatterns,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the per-process delivery rate',
    claim: 'A cluster delivers 1M price updates/s',
    guide: '1M price updates/second across cluster',
    measure: untestable(
      'the fanout scenario measures delivery at a set event rate, not the most a process can push; 1M/s is a cluster figure',
    ),
    needs: 'a cluster, and a fanout run at the highest rate one process sustains',
  },
  {
    ref: 'ws-price-update-200-vs-50-bytes',
    line: 1619,
    section: S.wsPatterns,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A price update is ~200 B as JSON and ~50 B as protobuf (4x)',
    guide: '200 bytes per update (JSON) vs 50 bytes (Protobuf)',
    measure: check(
      'sizes',
      'priceUpdate',
      'JSON bytes / protobuf bytes of one price update {type, symbol, price, change, volume, timestamp}',
    ),
    rule: { op: 'approx', value: 4, factor: 1.25 },
    // The guide gives the two sizes and no message: any schema the harness picks decides the ratio.
    needs:
      "the guide's own price-update message (it gives sizes only; the figure is for a message the harness made up, computed from the encodings' specs)",
  },
  {
    ref: 'ws-reconnect-exponential-backoff',
    line: 1669,
    section: S.wsScale,
    kind: 'behavioral',
    testable: 'yes',
    claim: "The guide's WebSocketManager reconnects with exponential backoff capped at 30 s",
    guide: 'Automatic reconnection with exponential backoff',
    measure: check(
      'ws',
      'backoff',
      "the guide's class (L1627-1666) run verbatim against a closed port with a recording clock: delays 1, 2, 4, 8, 16, 30, 30 s",
    ),
    rule: holds,
  },
  {
    ref: 'ws-queue-during-disconnect',
    line: 1670,
    section: S.wsScale,
    kind: 'behavioral',
    testable: 'yes',
    claim: "The guide's WebSocketManager queues messages while disconnected",
    guide: 'Queue messages during disconnect',
    measure: check(
      'ws',
      'queue',
      "the guide's class run verbatim: send() before the socket opens must not throw, and the message must be sent once it opens",
    ),
    rule: holds,
  },
  {
    ref: 'ws-heartbeat-30s',
    line: 1671,
    section: S.wsScale,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A ping/pong heartbeat detects a dead peer',
    guide: 'Heartbeat/ping-pong every 30 seconds',
    measure: check(
      'ws',
      'heartbeat',
      'reference server with a 300 ms heartbeat; a peer that completes the upgrade and then never answers is dropped within 2 periods, a live one is kept',
    ),
    rule: holds,
  },
  {
    ref: 'ws-msgpack-30pct-smaller',
    line: 1737,
    section: S.wsScale,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'MessagePack is 30% smaller than JSON',
    guide: '✓ 30% smaller than JSON',
    measure: check(
      'sizes',
      'msgpackSaving',
      "1 - MessagePack/JSON bytes of the harness's user (MessagePack sized by the spec's smallest encodings)",
    ),
    rule: { op: 'approx', value: 0.3, factor: 1.25 },
  },
  {
    ref: 'ws-msgpack-faster-to-parse',
    line: 1738,
    section: S.wsScale,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'MessagePack parses faster than JSON',
    guide: '✓ Faster to parse',
    // Parsing itself, timed in process: the encodings scenario's throughput mixes in the socket and the server.
    measure: check('micro', 'msgpackParseRatio', "JSON.parse time / msgpackr unpack time for the harness's user"),
    rule: { op: '>=', value: 1 },
  },
  {
    ref: 'ws-protobuf-70pct-smaller',
    line: 1742,
    section: S.wsScale,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Protobuf messages are 70% smaller than JSON',
    guide: '✓ 70% smaller than JSON',
    measure: check('sizes', 'protobufSaving', "1 - protobuf/JSON bytes of the harness's user"),
    rule: { op: '>=', value: 0.7 },
  },
  {
    ref: 'ws-protobuf-fastest-parsing',
    line: 1744,
    section: S.wsScale,
    kind: 'quantitative',
    testable: 'yes',
    part: 'protobufjs against JSON.parse and msgpackr, in process',
    claim: 'Protobuf parses fastest',
    guide: '✓ Fastest parsing',
    measure: check(
      'micro',
      'protobufFastestRatio',
      "the quicker of JSON.parse and msgpackr unpack / protobufjs decode, for the harness's user",
    ),
    rule: { op: '>=', value: 1 },
  },
  {
    ref: 'ws-auth-first-message',
    line: 1775,
    section: S.wsScale,
    kind: 'behavioral',
    testable: 'partly',
    part: 'would test the harness server',
    claim: 'The server validates the auth message before accepting others',
    guide: 'Server validates before accepting other messages',
    measure: untestable('the reference WebSocket server has no authentication'),
    needs: 'authentication on the reference WebSocket server (not built)',
  },
  {
    ref: 'ws-memory-per-connection',
    line: 1815,
    section: S.wsScale,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Over 10 MB per connection means a leak',
    guide: 'Memory per connection > 10MB → Memory leak',
    measure: check(
      'ws',
      'memoryPerConnection',
      'RSS growth of a WebSocket server process per idle connection, 500 connections, KB',
    ),
    rule: { op: '<=', value: 10 * 1024 },
  },
  {
    ref: 'ws-redis-horizontal-scaling',
    line: 1716,
    section: S.wsScale,
    kind: 'behavioral',
    testable: 'partly',
    part: 'cross-server delivery; "millions" is not testable',
    claim: 'With Redis pub/sub, clients can connect to any server',
    guide: 'Clients can connect to any server',
    measure: untestable('needs Redis, which is not in the stack'),
    needs: 'a Redis server',
  },
  {
    ref: 'polling-latency-2.5s-avg',
    line: 1825,
    section: S.wsAlt,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Polling delivers in 2.5 s on average (half a 5 s interval), WebSocket in 50-100 ms',
    guide: '│ Latency      │ 50-100ms │ 2.5s avg     │',
    measure: bench(
      ['fanout'],
      `mean delivery latency of short polling / half its interval, at each event rate the reference names (${FANOUT.eventRates.join(', ')}/s), fanout scenario, ${FANOUT.subscribers} subscribers`,
      pollingLatency,
    ),
    rule: { op: 'approx', value: 1, factor: 1.25 },
  },
  {
    ref: 'polling-bandwidth-10x',
    line: 1826,
    section: S.wsAlt,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Polling uses 10x the bandwidth of WebSocket',
    guide: '│ Bandwidth    │ Low      │ 10x higher   │',
    measure: bench(
      ['fanout'],
      `wire bytes per delivered event, short polling / WebSocket push, at ${FANOUT.eventRates.join(', ')} events/s, polls every ${FANOUT.pollMs} ms, fanout scenario`,
      pollingBandwidth,
    ),
    rule: { op: '>=', value: 10 },
  },
  {
    ref: 'polling-server-load-10x',
    line: 1827,
    section: S.wsAlt,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Polling puts 10x the load on the server',
    guide: '│ Server Load  │ Low      │ 10x higher   │',
    measure: bench(
      ['fanout-load'],
      `server CPU us per delivered event, short polling (every ${FANOUT_LOAD.pollMs} ms) / WebSocket push, ${FANOUT_LOAD.subscribers} subscribers at ${FANOUT_LOAD.eventRate} event/s, fanout scenario`,
      pollingServerLoad,
    ),
    rule: { op: '>=', value: 10 },
  },
  {
    ref: 'polling-battery',
    line: 1828,
    section: S.wsAlt,
    kind: 'quantitative',
    testable: 'no',
    claim: 'Polling drains batteries',
    guide: '│ Battery      │ Efficient│ Drains fast  │',
    measure: untestable('battery drain cannot be measured on loopback'),
  },
  {
    ref: 'sse-auto-reconnect-vs-ws-manual',
    line: 1839,
    section: S.wsAlt,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'SSE reconnects by itself; WebSocket must be reconnected by the application',
    guide: '│ Auto-reconnect│ Manual  │ Built-in     │',
    measure: check(
      'sse',
      'autoReconnect',
      "Chromium's EventSource reconnects after the server drops the stream; a browser WebSocket stays closed",
    ),
    rule: holds,
  },
  {
    ref: 'sse-text-only',
    line: 1837,
    section: S.wsAlt,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'SSE carries text only, so binary costs a third more than a WebSocket binary frame',
    guide: '│ Data Types   │ Text+Bin │ Text only    │',
    measure: check(
      'wire',
      'binaryOverSse',
      'client socket bytes for a 10 KiB binary blob: over SSE (base64 in a data: line) / as a ws binary frame; the raw blob sent over SSE too',
    ),
    rule: { op: 'between', lo: 1.3, hi: 1.37 },
  },
  // ------------------------------------------------------------------ GraphQL
  {
    ref: 'gql-no-over-under-fetching',
    line: 1928,
    section: S.gqlWhat,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'GraphQL returns only the fields asked for',
    guide: 'No over-fetching or under-fetching',
    measure: check(
      'http',
      'overFetching',
      'response body bytes, GraphQL {id username email} / REST full user (same user, reference servers)',
    ),
    rule: { op: '<', value: 1 },
  },
  {
    ref: 'gql-introspection',
    line: 1925,
    section: S.gqlWhat,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'GraphQL has introspection built in',
    guide: 'Introspection built-in',
    measure: check('gql', 'introspection', '__schema query against the graphql-yoga reference server returns its types'),
    rule: holds,
  },
  {
    ref: 'rest-waterfall-4-requests',
    line: 1970,
    section: S.gqlVsRest,
    kind: 'quantitative',
    testable: 'partly',
    part: 'request counts, and the latency with a 50 ms round trip injected by the harness proxy',
    claim: 'The REST profile takes 4+ requests in a waterfall (200-400 ms); GraphQL one',
    guide: '4+ HTTP requests (waterfall)',
    measure: bench(
      ['nestedProfile', 'nestedProfile-delay'],
      'HTTP requests per profile (user + posts + comments), REST, nestedProfile scenario',
      (ctx) =>
        perRepeat(ctx, 'nestedProfile', [REST], (r) => Number((r as Record<string, unknown>).requestsPerOp ?? NaN), {
          unit: 'requests',
          boundMatters: false,
          exact: true,
          detail: `GraphQL ${med(ctx, 'nestedProfile', GQL, (r) => Number((r as Record<string, unknown>).requestsPerOp ?? NaN))}; p50 per profile with a 50 ms round trip: REST ${med(ctx, 'nestedProfile-delay', REST, (r) => (p50(r) ?? NaN) / 1000, ' ms')}, GraphQL ${med(ctx, 'nestedProfile-delay', GQL, (r) => (p50(r) ?? NaN) / 1000, ' ms')}`,
        }),
    ),
    rule: { op: '>=', value: 4 },
  },
  {
    ref: 'gql-examples-invalid-against-schema',
    line: 1996,
    section: S.gqlVsRest,
    kind: 'behavioral',
    testable: 'yes',
    claim: "The guide's example operations validate against its schema",
    guide: 'posts(limit: 10) {',
    measure: check(
      'gql',
      'examplesValidate',
      "graphql-js validate() of the example operations (L1991-2009, L2179-2198, L2232-2242, L2307-2317, L2485-2491) against the guide's SDL",
    ),
    rule: holds,
  },
  {
    ref: 'gql-field-resolver-lazy',
    line: 2441,
    section: S.gqlResolver,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A field resolver runs only when its field is requested',
    guide: "// Only called if 'posts' field is requested",
    measure: check('nPlusOne', 'lazy', 'graphql-js: User.posts resolver calls for a query without posts (0) and with posts'),
    rule: holds,
  },
  {
    ref: 'gql-subscriptions-over-websocket',
    line: 2306,
    section: S.gqlCore,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'GraphQL subscriptions run over WebSocket',
    guide: '# Example Subscription (WebSocket-based)',
    measure: check(
      'gql',
      'subscriptionTransport',
      "the project's GraphQL push server (graphql-ws): a subscription over a WebSocket receives an emitted event; a bare graphql-yoga's own transport shown beside it",
    ),
    rule: holds,
  },
  {
    ref: 'n-plus-one-101-queries',
    line: 2497,
    section: S.gqlPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Naive resolvers make 101 queries for 100 posts and their authors',
    guide: 'Total: 101 database queries!',
    measure: check(
      'nPlusOne',
      'naiveQueries',
      "graphql-js executes the guide's { posts { title author { username } } } over 100 posts with naive resolvers: database calls",
    ),
    rule: { op: '==', value: 101 },
  },
  {
    ref: 'dataloader-101-to-2-queries',
    line: 2520,
    section: S.gqlPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'DataLoader turns the 101 queries into 2',
    guide: 'Total: 2 queries (50x improvement!)',
    measure: check(
      'nPlusOne',
      'batchedQueries',
      'same query with a per-request batching loader on Post.author (DataLoader semantics: one batch per tick): database calls',
    ),
    rule: { op: '==', value: 2 },
  },
  {
    ref: 'dataloader-50x-faster',
    line: 2525,
    section: S.gqlPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'DataLoader makes the query 50x faster',
    guide: 'Improvement: 50x faster',
    measure: check(
      'nPlusOne',
      'speedup',
      'end-to-end time without / with batching, fake database of 10 ms per query behind a pool of 10 connections (the pg and mysql2 default)',
    ),
    rule: { op: '>=', value: 50 },
  },
  {
    ref: 'complexity-limit-rejects',
    line: 2561,
    section: S.gqlPerf,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A query over the complexity limit is rejected',
    guide: '"message": "Query complexity (52,000) exceeds limit (1,000)"',
    measure: check(
      'gql',
      'complexity',
      "the guide's TooExpensive query (L2550-2561) against the reference server (limit 1000): as written, and with its '...' filled in; a cheap query passes",
    ),
    rule: holds,
  },
  {
    ref: 'depth-limit-rejects-depth-6',
    line: 2574,
    section: S.gqlPerf,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Depth limit 5 rejects a depth-6 query and accepts depth 5',
    guide: '// Rejected: Depth = 6',
    measure: check(
      'gql',
      'depth',
      "the guide's TooDeep query (L2575-2589) against the reference server (graphql-depth-limit 5): as written, and with its '...' filled in; a depth-5 query passes",
    ),
    rule: holds,
  },
  {
    ref: 'apq-90pct-bandwidth',
    line: 2634,
    section: S.gqlPerf,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'Automatic persisted queries cut request bandwidth by 90%',
    guide: '- 90% bandwidth reduction',
    measure: check(
      'sizes',
      'apq',
      "1 - APQ body / full body for the guide's GetUserProfile request (query printed by graphql-js, SHA-256 hash instead)",
    ),
    rule: { op: '>=', value: 0.9 },
  },
  {
    ref: 'gql-deprecation-non-breaking',
    line: 2722,
    section: S.gqlBP,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A deprecated field keeps working and introspection marks it',
    guide: '@deprecated(reason: "Use firstName and lastName")',
    measure: check(
      'gql',
      'deprecation',
      "the guide's User with @deprecated fullName (L2719-2724): the old query still executes; introspection shows isDeprecated and the reason",
    ),
    rule: holds,
  },
  {
    ref: 'gql-http-caching-harder-post',
    line: 2803,
    section: S.gqlWhen,
    kind: 'behavioral',
    testable: 'partly',
    part: 'what a standard HTTP cache does with a GraphQL POST and with a REST GET',
    claim: 'GraphQL over POST is harder to cache',
    guide: '- HTTP caching harder with POST',
    measure: check(
      'cache',
      'graphqlPost',
      'the same GraphQL query POSTed 20 times through one RFC 9111 cache (undici), against 20 REST GETs with max-age: requests reaching each origin',
    ),
    rule: holds,
  },
  {
    ref: 'gql-simple-query-parity',
    line: 2840,
    section: S.gqlCmp,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A simple query costs the same over GraphQL and REST (50 ms each)',
    guide: '│ Simple Query    │ 50ms         │ 50ms         │',
    measure: bench(
      ['getUser-rtt', 'getUser'],
      'GraphQL p50 / REST p50, getUser, 1 call in flight (graphql-yoga vs fastify)',
      (ctx) =>
        perRepeat(ctx, 'getUser-rtt', [GQL, REST], (g, r) => p50(g)! / p50(r)!, {
          ...lat,
          detail: `p50 GraphQL ${med(ctx, 'getUser-rtt', GQL, p50, ' us')}, REST ${med(ctx, 'getUser-rtt', REST, p50, ' us')}; throughput GraphQL/REST ${(() => {
            const g = medianOf(ctx, 'getUser', GQL, ops);
            const r = medianOf(ctx, 'getUser', REST, ops);
            return g && r ? fmt(g / r) : 'n/a';
          })()}`,
        }),
    ),
    rule: { op: 'between', lo: 0.8, hi: 1.2 },
  },
  {
    ref: 'gql-nested-60ms-vs-rest-200ms',
    line: 2841,
    section: S.gqlCmp,
    kind: 'quantitative',
    testable: 'partly',
    part: 'the ratio, with a 50 ms round trip injected by the harness proxy',
    claim: 'Nested data takes 60 ms in one GraphQL request vs 200 ms in 4 REST requests',
    guide: '│ Nested Data     │ 60ms (1 req) │ 200ms (4 req)│',
    measure: bench(['nestedProfile-delay'], 'REST p50 / GraphQL p50 per profile, nestedProfile with a 50 ms round trip', (ctx) =>
      perRepeat(ctx, 'nestedProfile-delay', [REST, GQL], (r, g) => p50(r)! / p50(g)!, {
        ...lat,
        detail: `p50 per profile REST ${med(ctx, 'nestedProfile-delay', REST, (r) => (p50(r) ?? NaN) / 1000, ' ms')}, GraphQL ${med(ctx, 'nestedProfile-delay', GQL, (r) => (p50(r) ?? NaN) / 1000, ' ms')}; without the delay REST/GraphQL is ${(() => {
          const r = medianOf(ctx, 'nestedProfile', REST, p50);
          const g = medianOf(ctx, 'nestedProfile', GQL, p50);
          return r && g ? fmt(r / g) : 'n/a';
        })()}x`,
      }),
    ),
    rule: { op: 'approx', value: 200 / 60, factor: 1.25 },
  },
  {
    ref: 'gql-partial-data-40-vs-50ms',
    line: 2842,
    section: S.gqlCmp,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'A partial view is faster over GraphQL (40 ms vs 50 ms)',
    guide: '│ Partial Data    │ 40ms         │ 50ms         │',
    measure: check(
      'http',
      'partialView',
      'GraphQL p50 for a 3-field user / REST p50 for the whole user, one request at a time on keep-alive connections, loopback (3 alternating rounds)',
    ),
    rule: { op: '<=', value: 0.8 },
  },
  {
    ref: 'gql-cache-hit-30ms-vs-rest-5ms',
    line: 2843,
    section: S.gqlCmp,
    kind: 'quantitative',
    testable: 'partly',
    part: 'relative latency of a cache hit',
    claim: 'A cache hit costs 30 ms over GraphQL vs 5 ms over REST',
    guide: '│ Cache Hit       │ 30ms         │ 5ms          │',
    measure: untestable(
      'a GraphQL cache hit is a server-side response cache: the reference GraphQL server has none, and a standard HTTP cache stores no GraphQL POST (check cache)',
    ),
    needs:
      'a GraphQL response cache on the reference server (not built yet; @graphql-yoga/plugin-response-cache is not a dependency), timed against a REST answer from the HTTP cache the cache check uses',
  },
  {
    ref: 'gql-bandwidth-rest-2-5x-larger',
    line: 2844,
    section: S.gqlCmp,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'REST moves 2-5x the bytes of GraphQL',
    guide: '│ Bandwidth       │ Optimal      │ 2-5x larger  │',
    measure: bench(
      ['nestedProfile'],
      'REST wire bytes / GraphQL wire bytes per profile, nestedProfile scenario',
      fromScenario('nestedProfile', [REST, GQL], (r, g) => wire(r)! / wire(g)!, 'x', false),
    ),
    rule: { op: 'between', lo: 2, hi: 5 },
  },
  {
    ref: 'gql-profile-100-150ms-vs-rest-300-500ms',
    line: 2900,
    section: S.gqlTalk,
    kind: 'quantitative',
    testable: 'partly',
    part: "the ratio with a 50 ms round trip injected by the harness proxy; the guide's profile has 6+ REST calls",
    claim: 'A profile page takes 100-150 ms over GraphQL vs 300-500 ms over REST',
    guide: '└── Total latency: 100-150ms',
    measure: bench(
      ['nestedProfile-delay'],
      'REST p50 / GraphQL p50 per profile, nestedProfile with a 50 ms round trip (the guide: 300-500 / 100-150 ms, 2-5x)',
      (ctx) =>
        perRepeat(ctx, 'nestedProfile-delay', [REST, GQL], (r, g) => p50(r)! / p50(g)!, {
          ...lat,
          detail: `p50 per profile REST ${med(ctx, 'nestedProfile-delay', REST, (r) => (p50(r) ?? NaN) / 1000, ' ms')}, GraphQL ${med(ctx, 'nestedProfile-delay', GQL, (r) => (p50(r) ?? NaN) / 1000, ' ms')}`,
        }),
    ),
    rule: { op: 'between', lo: 2, hi: 5 },
  },
  // ------------------------------------------------------------------ SSE
  {
    ref: 'sse-plain-http-get',
    line: 2969,
    section: S.sseWhat,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'SSE is a plain HTTP GET answered with text/event-stream',
    guide: 'Simple HTTP GET request',
    measure: check(
      'sse',
      'plainGet',
      "plain fetch GET of the reference SSE server's /v1/events: 200, text/event-stream, and an event read from the body",
    ),
    rule: holds,
  },
  {
    ref: 'sse-last-event-id-resume',
    line: 3061,
    section: S.sseClient,
    kind: 'behavioral',
    testable: 'yes',
    part: 'the client side (the header); resuming is up to the server',
    claim: 'On reconnect the browser sends Last-Event-ID',
    guide: '// Sends Last-Event-ID header to resume',
    measure: check(
      'sse',
      'lastEventId',
      "Chromium's EventSource: events with id: 121-123, stream dropped; the reconnect carries Last-Event-ID: 123",
    ),
    rule: holds,
  },
  {
    ref: 'sse-default-retry-3s',
    line: 3062,
    section: S.sseClient,
    kind: 'quantitative',
    testable: 'yes',
    claim: 'The default reconnection delay is 3 s',
    guide: '// Default retry: 3 seconds (configurable by server)',
    measure: check(
      'sse',
      'defaultRetry',
      "Chromium's EventSource, no retry: field: seconds from the stream's end to the reconnect",
    ),
    rule: { op: 'between', lo: 2.5, hi: 3.5 },
  },
  {
    ref: 'sse-retry-field-honoured',
    line: 3010,
    section: S.sseProto,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'The retry: field sets the reconnection delay',
    guide: 'retry: 10000',
    measure: check(
      'sse',
      'retryField',
      "Chromium's EventSource after retry: 10000: seconds from the stream's end to the reconnect",
    ),
    rule: { op: 'between', lo: 9.5, hi: 10.5 },
  },
  {
    ref: 'sse-multiline-data',
    line: 3014,
    section: S.sseProto,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'Several data: lines make one event joined by newlines',
    guide: 'data: First line',
    measure: check(
      'sse',
      'multiline',
      "Chromium's EventSource receiving L3014-3016: event.data === 'First line\\nSecond line\\nThird line'",
    ),
    rule: holds,
  },
  {
    ref: 'sse-named-events',
    line: 3006,
    section: S.sseProto,
    kind: 'behavioral',
    testable: 'yes',
    claim: 'A named event reaches its listener and not onmessage',
    guide: 'event: userLoggedIn',
    measure: check(
      'sse',
      'namedEvents',
      "Chromium's EventSource: event: userLoggedIn goes to addEventListener('userLoggedIn') only",
    ),
    rule: holds,
  },
  {
    ref: 'sse-client-json-parse-plain-text',
    line: 3030,
    section: S.sseClient,
    kind: 'behavioral',
    testable: 'yes',
    claim: "The guide's client works with the guide's own stream",
    guide: 'const data = JSON.parse(event.data);',
    measure: check(
      'sse',
      'guideClientOnGuideStream',
      "the guide's onmessage (L3028-3032) in Chromium on the guide's stream (L2992-2996): no exception",
    ),
    rule: holds,
  },
];

/** Entries by ref, for look-ups. */
export const BY_REF: ReadonlyMap<string, ClaimEntry> = new Map(REGISTRY.map((e) => [e.ref, e]));
