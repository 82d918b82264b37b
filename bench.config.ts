// The file users edit. Every field is optional; the defaults are shown. Command-line flags
// override these values for one run. Units are in the field names or comments.
import { defineConfig } from './harness/config.ts';

export default defineConfig({
  scenario: 'getUser',
  // protocols: ['rest', 'grpc', 'grpc-js', 'websocket', 'graphql', 'sse'], // default: all the scenario can express
  duration: 10, // seconds measured per protocol
  warmup: 3, // seconds of warm-up before that; samples discarded
  // Concurrency: unset, every row has 32 calls outstanding, laid out as its transport is used in
  // practice: HTTP/1.1 rows (rest, graphql, SSE's POSTs, autocannon) 32 connections x 1 call, since
  // no mainstream HTTP/1.1 client pipelines; multiplexed rows (gRPC, h2c, WebSocket) 4 connections
  // x 8 streams. Set either and it holds literally on every row (the other fills to 32 outstanding);
  // more than one call per HTTP/1.1 connection pipelines and labels the row `pipelined-N`.
  // connections: 4, // connections from the load generator, every row
  // inflight: 8, // calls outstanding per connection, every row (closed loop; open loop: at most)
  // pipelining: 8, // HTTP/1.1 rows only: N pipelined per connection, 32/N connections (not with inflight)
  timeoutMs: 10_000, // a call unanswered this long counts as a timeout
  host: '127.0.0.1', // servers bind here; load only ever targets it
  dataset: { users: 10_000, seed: 42 },
  verifySample: 50, // ids checked per protocol against the store before measuring
  pin: true, // taskset: server on CPU 0, generator on the others
  resultsDir: 'results',
  // Each scenario's own options, by scenario (`npm run bench -- --list` shows them all with their
  // defaults; flags such as --page-size set them for one run). The old top-level keys pageSize,
  // offsetDepth, batchSize, subscribers, eventRate, pollIntervalMs and the fanout block still work.
  // scenarios: {
  //   listUsers: { pageSize: 100, offsetDepth: 9000 },
  //   createUsers: { batchSize: 100 },
  //   nPlusOne: { pageSize: 100 }, // posts per request, at most 100 asked for
  //   fanout: { subscribers: 1000, eventRate: 10, pollIntervalMs: 1000, heartbeatMs: 30_000 },
  // },
  // Pass/fail thresholds per scenario and protocol ('*' = every protocol); a run that breaks one
  // prints `threshold broken: ...` and exits 1. Latency needs a unit (us, ms, s). Over repeats,
  // errors and dropped are totals, everything else the median. Figures: opsPerSec, p50, p90,
  // p99, p999, mean, max, errors, dropped, cpuUsPerOp.server, cpuUsPerOp.client, bytesPerOp,
  // bytesPerOp.out, bytesPerOp.in, serverRssBytes.
  // thresholds: {
  //   getUser: {
  //     '*': ['errors == 0', 'dropped == 0'],
  //     rest: ['p99 < 2ms', 'opsPerSec > 20000'],
  //     grpc: ['p50 <= 800us', 'cpuUsPerOp.server < 50'],
  //   },
  // },
});
