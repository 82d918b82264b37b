// The result file's schema, written once in zod: the TypeScript types are inferred from it,
// results are validated with it when written and when read, and the JSON Schema in
// results/schema/ is generated from it (`npm run schema`) for tools outside this project.
import { z } from 'zod';
import { configSchema } from './config.ts';

export const SCHEMA_VERSION = 1;

const byteCount = z.object({ out: z.number().nonnegative(), in: z.number().nonnegative() }).describe('bytes sent (out) and received (in) by the client');

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
  node: z.string(),
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
  dropped: z.number().int().nonnegative().optional().describe('open loop: calls not sent because the in-flight limit was reached'),
  cpuUsPerOp: z.object({ server: z.number().nullable(), client: z.number().nullable() }).describe('CPU microseconds per successful call; null when not observable'),
  cpuCores: z.object({ server: z.number().nullable(), client: z.number().nullable() }).describe('mean CPU use over the window in cores'),
  bytesPerOp: byteCount.nullable().describe('socket bytes per call in steady state, setup excluded'),
  setupBytes: byteCount.nullable().describe('one-time bytes to open one connection'),
  payloadBytes: z.object({ request: z.number().nonnegative(), response: z.number().nonnegative() }).nullable().describe('application payload per call'),
  errors: z.object({ total: z.number().int().nonnegative(), byKind: z.record(z.string(), z.number().int().nonnegative()) }),
  generatorBound: z.boolean(),
  bound: z.enum(['server', 'generator', 'neither', 'unknown']),
  serverRssBytes: z.number().nullable(),
  verified: z.number().int().nonnegative().describe('ids checked against the store before measuring'),
  load: loadSchema,
  workers: z.number().int().positive().optional().describe('load-generator processes whose histograms were merged for this run'),
  sweep: z.object({ fraction: z.number().positive(), maxOpsPerSec: z.number() }).optional().describe('a step of --sweep: requested rate = fraction x the closed-loop maximum'),
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
  target: z.object({ url: z.string(), external: z.boolean() }).optional().describe('set when the server was not started by the harness'),
  probe: z
    .object({ ms: z.number(), baselineMs: z.number(), slowed: z.boolean(), reruns: z.number().int().nonnegative().default(0) })
    .optional()
    .describe('fixed-work CPU probe timed before the run; reruns: runs discarded because the probe said the machine was slowed'),
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
export type Pinning = z.infer<typeof pinningSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type LoadDescription = z.infer<typeof loadSchema>;
export type RunState = z.infer<typeof runStateSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
export type ProtocolSummary = z.infer<typeof protocolSummarySchema>;
export type BenchResult = z.infer<typeof benchResultSchema>;
