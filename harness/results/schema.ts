// The result file's schema, written once in zod: the TypeScript types are inferred from it,
// results are validated with it when written and when read, and the JSON Schema in
// results/schema/ is generated from it (`npm run schema`) for tools outside this project.
import { z } from 'zod';
import { configSchema } from '../config.ts';

export const SCHEMA_VERSION = 1;

const byteCount = z
  .object({ out: z.number().nonnegative(), in: z.number().nonnegative() })
  .describe('bytes sent (out) and received (in) by the client');

export const latencySummarySchema = z
  .object({
    count: z.number().int().nonnegative(),
    min: z.number().nonnegative(),
    mean: z.number().nonnegative(),
    p50: z.number().nonnegative(),
    p90: z.number().nonnegative(),
    p99: z.number().nonnegative(),
    p999: z.number().nonnegative(),
    max: z.number().nonnegative(),
    histogram: z.string().describe('HdrHistogram, compressed and base64-encoded (hdr-histogram-js / HdrHistogram V2 format)'),
  })
  .describe('latency in microseconds');

export const pinningSchema = z.object({
  method: z.enum(['taskset', 'none']),
  server: z.string().nullable(),
  generator: z.string().nullable(),
  reason: z.string(),
});

export const environmentSchema = z.object({
  cpuModel: z.string(),
  cpus: z.number().int().positive(),
  memoryBytes: z.number().nonnegative(),
  os: z.string(),
  node: z.string().describe('process.version of the process that wrote the result'),
  // Optional: results written before they were recorded still read.
  execPath: z.string().optional().describe('process.execPath: the node binary that ran'),
  v8: z.string().optional().describe('process.versions.v8'),
  packages: z.record(z.string(), z.string()),
  commit: z.string().nullable(),
  commitDirty: z.boolean().nullable(),
  hostname: z.string(),
  loadAverage: z.array(z.number()),
  pinning: pinningSchema,
});

const openLoopLimits = {
  connections: z.number().int().positive(),
  inflight: z.number().int().positive().describe('calls outstanding per connection at most'),
  maxInflight: z.number().int().positive().describe('calls queued or outstanding at most; beyond: dropped'),
};

export const loadSchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('closed'), connections: z.number().int().positive(), inflight: z.number().int().positive() }),
  z.object({ model: z.literal('rate'), rate: z.number().positive(), ...openLoopLimits }),
  z.object({ model: z.literal('poisson'), rate: z.number().positive(), ...openLoopLimits }),
  z.object({
    model: z.literal('stages'),
    stages: z.array(z.object({ rate: z.number().positive(), durationS: z.number().positive() })).min(1),
    ...openLoopLimits,
  }),
]);

export const runStateSchema = z.enum(['ok', 'failed', 'aborted']);

// Issue 14: the library a protocol row's server ran on (servers/<protocol>/index.ts implementations).
export const implementationSchema = z.object({
  name: z.string().min(1).describe('implementation name, as --impl takes it (fastify, node-http, graphql-yoga, ...)'),
  version: z
    .string()
    .nullable()
    .describe("installed version of its main package, Node's for node: built-ins; null when not known (external target)"),
});

// fanout scenario (harness/workloads/fanout.ts): one event stream fanned out to K subscribers.
export const deliverySchema = z
  .object({
    subscribers: z.number().int().nonnegative().describe('subscribers asked for (K)'),
    connected: z.number().int().nonnegative().describe('subscribers whose subscription opened'),
    eventRate: z.number().positive().describe('events per second the server emitted'),
    pollIntervalMs: z.number().nullable().describe('short polling: the interval; null for push and long polling'),
    latencyUs: latencySummarySchema
      .nullable()
      .describe('delivery latency: event creation (server) to receipt (subscriber), one CLOCK_MONOTONIC for both'),
    clock: z.string().describe('how creation and receipt times were read'),
    emitted: z.number().int().nonnegative().describe('events created in the measured window'),
    expected: z.number().int().nonnegative().describe('emitted x subscribers'),
    delivered: z.number().int().nonnegative().describe('first receipts of window events, summed over subscribers'),
    lost: z.number().int().nonnegative().describe('expected - delivered: never received by the end of the drain'),
    duplicated: z.number().int().nonnegative().describe('receipts of a window event a subscriber already had'),
    bytesPerEvent: byteCount
      .nullable()
      .describe('subscriber socket bytes over the window / events received in it (out: subscriber to server)'),
    serverCpuUsPerEvent: z.number().nullable(),
    polls: z
      .object({ empty: z.number().int().nonnegative(), emptyBytes: byteCount, emptyBytesPerEvent: z.number().nullable() })
      .nullable()
      .describe('polling: polls answered with no event in the window, their bytes, and those bytes per delivered event'),
    connectMs: z.number().nonnegative().describe('time to open every subscription'),
    serverLoopDelayUs: z
      .object({ p50: z.number(), p99: z.number(), max: z.number() })
      .nullable()
      .describe("the push server's event-loop delay over the window"),
    serverEmitLateUs: z
      .object({ p50: z.number(), p99: z.number(), max: z.number() })
      .nullable()
      .optional()
      .describe(
        'how late the server created events against their schedule (events are stamped with their due time, so this lateness is inside latencyUs)',
      ),
    resume: z
      .object({
        lostConnections: z.number().int().nonnegative(),
        resumed: z.number().int().nonnegative(),
        resumeUs: latencySummarySchema
          .nullable()
          .describe('from a subscriber noticing its connection was gone to its subscription open again'),
      })
      .describe('connections lost during the run (drops, cuts, watchdog) and their resumption'),
    keepingUp: z.boolean().describe('no event lost, every subscriber connected, delivery p99 within the limit'),
    limitReason: z.string().nullable().describe('why the protocol is not keeping up'),
  })
  .describe('fanout: delivery of pushed (or polled) events');

// --- issue 17, items 1-2 (per-interval series; harness/results/series.ts) ---
export const seriesIntervalSchema = z
  .object({
    tMs: z.number().nonnegative().describe("interval start, ms from the measured window's start (startedAtMs)"),
    durationMs: z.number().nonnegative().describe('interval length; the last one of an interrupted window may be shorter'),
    ops: z
      .number()
      .int()
      .nonnegative()
      .describe('successful calls completed in the interval (fanout: deliveries); they add up to the run'),
    errors: z.number().int().nonnegative(),
    latencyUs: z
      .object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() })
      .nullable()
      .describe("the interval's own latency (fanout: delivery latency), microseconds; null when nothing completed"),
    achievedRate: z.number().nonnegative().describe('calls sent per second in the interval (fanout: events emitted per second)'),
    cpu: z
      .object({ server: z.number().nullable(), client: z.number().nullable() })
      .describe('CPU use over the interval in cores, read from /proc at its edges; null when not observable'),
    bytes: byteCount
      .nullable()
      .describe('socket bytes over the interval (fanout: subscriber sockets), read when it closed: a late close shifts some'),
    histogram: z
      .string()
      .describe("the interval's latency HdrHistogram, encoded: intervals merge exactly across workers and shards"),
    events: z.number().int().nonnegative().optional().describe('fanout: events the server created in the interval'),
    stealPct: z.number().nullable().optional().describe("the worst CPU's steal over the interval, percent (/proc/stat)"),
    hiccupUs: z
      .object({ p99: z.number(), max: z.number() })
      .nullable()
      .optional()
      .describe('how late 1 ms sleeps woke during the interval, all machine meters merged, microseconds'),
  })
  .describe('one interval of a run: its own figures and histogram');
// --- end of issue 17, items 1-2 (the run-record fields are at the end of runRecordSchema) ---

// Loose: scenario-specific figures (delivery, sqlStatementsPerRequest, ...) ride along.
export const runRecordSchema = z.looseObject({
  protocol: z.string(),
  server: z.string(),
  driver: z.string(),
  state: runStateSchema,
  error: z.string().optional().describe('why the run failed'),
  /** 0-based index among repeats of the same protocol (interleaved A B C A B C). */
  repeat: z.number().int().nonnegative().default(0),
  variant: z.string().optional().describe('names a variant of the scenario (e.g. dataloader / naive)'),
  opsPerSec: z.number().nonnegative().describe('successful calls per second over the measured window'),
  ops: z.number().int().nonnegative(),
  measuredSeconds: z.number().nonnegative(),
  latencyUs: latencySummarySchema.nullable().describe('open loop: from the intended start (corrected for coordinated omission)'),
  rawLatencyUs: latencySummarySchema.nullable().optional().describe('open loop: from the actual send'),
  requestedRate: z.number().nullable().optional(),
  achievedRate: z.number().nullable().optional(),
  dropped: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('open loop: calls not sent because the in-flight limit was reached'),
  cpuUsPerOp: z
    .object({ server: z.number().nullable(), client: z.number().nullable() })
    .describe('CPU microseconds per successful call; null when not observable'),
  cpuCores: z
    .object({ server: z.number().nullable(), client: z.number().nullable() })
    .describe('mean CPU use over the window in cores'),
  bytesPerOp: byteCount.nullable().describe('socket bytes per call in steady state, setup excluded'),
  setupBytes: byteCount.nullable().describe('one-time bytes to open one connection'),
  payloadBytes: z
    .object({ request: z.number().nonnegative(), response: z.number().nonnegative() })
    .nullable()
    .describe('application payload per call'),
  errors: z.object({ total: z.number().int().nonnegative(), byKind: z.record(z.string(), z.number().int().nonnegative()) }),
  generatorBound: z.boolean(),
  bound: z.enum(['server', 'generator', 'both', 'neither', 'unknown']),
  serverRssBytes: z.number().nullable(),
  verified: z.number().int().nonnegative().describe('ids checked against the store before measuring'),
  load: loadSchema,
  workers: z.number().int().positive().optional().describe('load-generator processes whose histograms were merged for this run'),
  sweep: z
    .object({ fraction: z.number().positive(), maxOpsPerSec: z.number() })
    .optional()
    .describe('a step of --sweep: requested rate = fraction x the closed-loop maximum'),
  autocannon: z
    .object({
      requestsPerSec: z.number(),
      latencyMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() }),
      non2xx: z.number(),
      errors: z.number(),
      timeouts: z.number(),
    })
    .optional()
    .describe("autocannon's own figures on a row it drove (its latencies are whole milliseconds)"),
  target: z
    .object({ url: z.string(), external: z.boolean() })
    .optional()
    .describe('set when the server was not started by the harness'),
  // --- issue 16, item 3 (server stats across hosts) ---
  serverCpuSource: z
    .enum(['child', 'stats-url'])
    .nullable()
    .optional()
    .describe(
      "where the server CPU figures came from: 'child' /proc of the harness's own server process; 'stats-url' the " +
        "target's --server-stats endpoint (npm run serve --admin-port) at the window's edges; null: unknown (absent: older file)",
    ),
  // --- end of issue 16, item 3 ---
  delivery: deliverySchema.optional(),
  items: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('listUsers, createUsers, nPlusOne: items (users, posts) carried by the measured successful calls'),
  itemsPerSec: z.number().optional().describe('items per second over the measured window'),
  itemsPerOp: z.number().optional().describe('items per successful call (page size, batch size)'),
  bytesPerItem: z.number().optional().describe('socket bytes both ways per item over the measured window (framing included)'),
  serverCpuUsPerItem: z.number().optional().describe('server CPU microseconds per item'),
  clientCpuUsPerItem: z.number().optional().describe('client (generator) CPU microseconds per item'),
  firstItemUs: latencySummarySchema
    .optional()
    .describe(
      "listUsers: time from a call's start to its first item; equals lastItemUs for a JSON page, which is usable only whole",
    ),
  lastItemUs: latencySummarySchema
    .optional()
    .describe('listUsers, createUsers: time to the last item (the same figures as latencyUs)'),
  storedUsers: z
    .object({ atStart: z.number(), atEnd: z.number(), added: z.number() })
    .optional()
    .describe("createUsers: the server store's user count when the measured window opened and closed (set when it changed)"),
  sqlStatementsPerRequest: z
    .number()
    .optional()
    .describe(
      '--store sqlite: SQL statements the store executed per request, counted by wrapping its prepared statements and charged to the request that ran them, over the requests the server completed in the measured window (exact; servers without request scopes: the count at the window edges over the calls)',
    ),
  requestsPerOp: z
    .number()
    .optional()
    .describe(
      'nestedProfile: protocol requests (HTTP requests, gRPC calls) one operation took, counted by the client on the verified operations',
    ),
  network: z
    .object({
      delayMs: z.number().describe('one-way delay between generator and server; a round trip costs twice this'),
      method: z
        .literal('tcp-proxy')
        .describe('made by the delaying TCP proxy in the harness process (harness/run/delay-proxy.ts)'),
      overheadUs: z.number().describe("the proxy's own round-trip cost: median ping-pong through it at delay 0 minus direct"),
      netem: z
        .object({ available: z.boolean(), reason: z.string() })
        .describe('whether tc netem could have made the delay on this kernel, and why not'),
    })
    .optional()
    .describe('--delay: how the network delay of this run was made'),
  memoryPerConnectionBytes: z
    .object({ rss: z.number(), heap: z.number() })
    .nullable()
    .optional()
    .describe(
      'fanout: server RSS and V8 heap growth from no subscriber to all connected (each after a full GC), per connected subscriber',
    ),
  probe: z
    .object({ ms: z.number(), baselineMs: z.number(), slowed: z.boolean(), reruns: z.number().int().nonnegative().default(0) })
    .optional()
    .describe(
      'schemaVersion 1 files before issue 13: fixed-work CPU probe timed before the run (now machine.probe, the loopback probe)',
    ),
  // --- issue 13, items 1-2 (disturbance measured per run, reruns): machine, attempt, superseded ---
  machine: z
    .object({
      stealPct: z.number().nullable().describe("the worst CPU's steal over the measured window, percent (/proc/stat)"),
      stealPctByCpu: z.record(z.string(), z.number().nullable()).describe('steal per CPU over the window'),
      hiccupUs: z
        .object({ p99: z.number(), max: z.number() })
        .nullable()
        .describe('how late 1 ms sleeps woke, over all meters (one idle process per CPU, jHiccup), microseconds'),
      hiccupUsByCpu: z.record(z.string(), z.object({ p99: z.number(), max: z.number() })),
      probe: z
        .object({
          roundTrips: z.number().int(),
          p50Us: z.number(),
          p99Us: z.number(),
          calibratedP50Us: z.number().nullable().describe("this machine's stored quiet p50 (~/.cache/protocol-bench)"),
        })
        .nullable()
        .describe('loopback probe before the run: 1-byte round trips between processes pinned to different CPUs'),
      cpuPressurePct: z
        .number()
        .nullable()
        .describe(
          '/proc/pressure/cpu: share of 0.5 s before the run in which some task waited for a CPU, percent (null: no PSI)',
        ),
      disturbed: z.boolean(),
      reasons: z.array(z.string()).describe('which thresholds (config machine) the readings crossed'),
    })
    .optional()
    .describe('disturbance of the machine during the run (harness/metrics/disturbance.ts)'),
  attempt: z.number().int().positive().optional().describe('1, 2, ...: a disturbed run is run again; every attempt is kept'),
  superseded: z
    .boolean()
    .optional()
    .describe('true on every attempt but the last: summaries, compare, thresholds and merge use the last'),
  // --- end of issue 13, items 1-2 ---
  // Issue 13, item 3 (fair concurrency): how the calls were laid out on connections. Optional:
  // results written before it, and fanout records (their `load` says K subscribers x 1), lack it.
  layout: z
    .object({ connections: z.number().int().positive(), inflightPerConnection: z.number().int().positive() })
    .optional()
    .describe(
      'request/response rows: connections opened and calls outstanding on each; more than one on an HTTP/1.1 row is pipelining (variant pipelined-N)',
    ),
  // --- issue 14, items 2-3 (a row is a protocol and an implementation) ---
  // Optional: results written before it lack it and read as each server's reference.
  implementation: implementationSchema
    .nullable()
    .optional()
    .describe(
      "the server implementation the row ran on (--impl); null: an external --target not told which (--target-impl). Rows are told apart by it when it is not the server's reference (harness/results/row-identity.ts)",
    ),
  // --- end of issue 14 ---
  // --- issue 17, items 1-2 (per-interval series): startedAtMs, intervalMs, series. Optional: old files read ---
  startedAtMs: z
    .number()
    .optional()
    .describe('Unix epoch ms at which the measured window opened: anchors the series of runs and shards to each other'),
  intervalMs: z.number().positive().optional().describe('the length of each interval of `series`'),
  series: z
    .array(seriesIntervalSchema)
    .optional()
    .describe('the measured window interval by interval (a call counts in the interval it completed in)'),
  // --- end of issue 17, items 1-2 ---
  // --- issue 16, items 1-2 (generator shards, harness/run/shard.ts; their merge, harness/results/merge.ts) ---
  shard: z
    .object({
      index: z.number().int().nonnegative().describe('0-based, as JOB_COMPLETION_INDEX'),
      count: z.number().int().positive(),
      host: z.string().describe('hostname of the shard'),
      startAtMs: z.number().optional().describe("this row's shared start (epoch ms): its warm-up began then"),
      lateMs: z.number().nonnegative().optional().describe('how late the shard was ready for that start (0: on time)'),
    })
    .optional()
    .describe('set on the rows of a generator shard (--shard I/N): which share of the load this row drove'),
  window: z
    .object({ startMs: z.number(), endMs: z.number() })
    .optional()
    .describe('the measured window in epoch ms (runs with --start-at; a merged row: the span of its shards)'),
  // A merged row's shard rows, each as its shard wrote it (recursive: a getter, as zod 4 wants).
  get shards() {
    return z.array(runRecordSchema).optional().describe('a merged sharded row: the rows of its shards, by index');
  },
  // --- end of issue 16, items 1-2 ---
});

export const figureSpreadSchema = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  n: z.number().int().positive(),
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  cv: z.number().nullable(),
});

export const protocolSummarySchema = z.object({
  protocol: z.string(),
  variant: z.string().optional(),
  // Issue 14: set only when the row's implementation is not its server's reference (as the row key).
  implementation: z.string().optional().describe("the row's implementation when it is not the server's reference"),
  repeats: z.number().int().positive(),
  figures: z.record(z.string(), figureSpreadSchema),
});

export const benchResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.literal('protocol-bench'),
  state: z.enum(['complete', 'partial', 'aborted']),
  scenario: z.string(),
  description: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  config: configSchema,
  environment: environmentSchema,
  notes: z.array(z.string()),
  runs: z.array(runRecordSchema),
  summary: z.array(protocolSummarySchema).optional().describe('per protocol, every figure over the repeats'),
});

export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type SeriesInterval = z.infer<typeof seriesIntervalSchema>;
export type Pinning = z.infer<typeof pinningSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type LoadDescription = z.infer<typeof loadSchema>;
export type RunState = z.infer<typeof runStateSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
export type ProtocolSummary = z.infer<typeof protocolSummarySchema>;
export type BenchResult = z.infer<typeof benchResultSchema>;
