// The file users edit. Every field is optional; the defaults are shown. Command-line flags
// override these values for one run. Units are in the field names or comments.
import { defineConfig } from './harness/config.ts';

export default defineConfig({
  scenario: 'getUser',
  // protocols: ['rest', 'grpc', 'grpc-js', 'websocket', 'graphql', 'sse'], // default: all the scenario can express
  duration: 10, // seconds measured per protocol
  warmup: 3, // seconds of warm-up before that; samples discarded
  connections: 4, // connections from the load generator
  inflight: 8, // calls outstanding per connection (closed loop)
  timeoutMs: 10_000, // a call unanswered this long counts as a timeout
  host: '127.0.0.1', // servers bind here; load only ever targets it
  dataset: { users: 10_000, seed: 42 },
  verifySample: 50, // ids checked per protocol against the store before measuring
  pin: true, // taskset: server on CPU 0, generator on the others
  resultsDir: 'results',
});
