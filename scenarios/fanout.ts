// fanout: server push to K subscribers over push transports (harness/workloads/fanout-transports.ts),
// run by its own runner (harness/workloads/fanout.ts). Its rows are transports, not protocol
// rows, so it lists `transports` (the transports module is fanout's own registry: a transport
// added there runs here) instead of an `expresses` record over the request/response protocols.
import { z } from 'zod';
import { FANOUT_TRANSPORTS } from '../harness/workloads/fanout-transports.ts';
import { defineScenario } from './types.ts';
import { defineOptions, parseNumberList } from './options.ts';

const oneOrMany = <T extends z.ZodNumber>(n: T) => z.union([n, z.array(n).min(1).max(50)]);

/** Heartbeats, reconnects, limits and scale knobs (the config's old `fanout` block). */
export const fanoutOptionsSchema = z
  .object({
    /**
     * When events come: 'poisson' (random, exponential gaps; user updates do not arrive on a
     * beat) or 'uniform' (every 1/rate s). Seeded from dataset.seed: the same run, the same times.
     */
    arrivals: z.enum(['poisson', 'uniform']).default('poisson').describe('event arrivals: poisson (seeded) or uniform'),
    /** Heartbeat interval: WebSocket ping, SSE `: ka`, gRPC PING; the subscriber watchdog allows 1.5 of them. */
    heartbeatMs: z.number().int().min(10).max(600_000).default(30_000).describe('heartbeat interval, ms'),
    /** SSE `retry:` the server announces (the client's reconnection delay). */
    retryMs: z.number().int().min(0).max(600_000).default(1000).describe('SSE retry: the server announces, ms'),
    /** Reconnect backoff of the other transports: first delay, doubled per failure up to max (the guide's 1 s .. 30 s). */
    backoffInitialMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(1000)
      .describe('first reconnect delay, ms (doubled per failure)'),
    backoffMaxMs: z.number().int().min(1).max(600_000).default(30_000).describe('longest reconnect delay, ms'),
    /** Long polling: a poll with nothing new is held this long. */
    longPollTimeoutMs: z.number().int().min(100).max(600_000).default(30_000).describe('long poll held this long, ms'),
    /** After the window, late events still count as delivered for this long (short polling adds one interval). */
    drainMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(2000)
      .describe('late events still count this long after the window, ms'),
    /** A protocol keeps up while it loses nothing and its delivery p99 stays under this (short polling: plus the interval). */
    p99LimitMs: z.number().positive().max(600_000).default(1000).describe('keeps up while delivery p99 stays under this, ms'),
    /** Subscribers per subscriber process (more processes when K is larger). */
    subscribersPerProcess: z.number().int().min(1).max(100_000).default(2500).describe('subscribers per subscriber process'),
    /** Connection attempts in flight at once per subscriber process. */
    connectConcurrency: z.number().int().min(1).max(10_000).default(200).describe('connection attempts at once per process'),
    /** Subscribers per source address (127.0.0.2, .3, ...): each address has its own ~28k ephemeral ports. */
    subscribersPerAddress: z.number().int().min(1).max(60_000).default(2000).describe('subscribers per source address'),
    /** Open-file limit raised for every child (prlimit); each subscriber costs the server one descriptor. */
    fdLimit: z.number().int().min(1024).max(1_048_576).default(65_536).describe('open-file limit of every child'),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000).describe('connect timeout, ms'),
    /** Events the server keeps for resume. */
    bufferSize: z.number().int().min(1).max(10_000_000).default(10_000).describe('events the server keeps for resume'),
    /**
     * Mid-window reconnects: this share of the subscribers loses its connection at the window's
     * middle, closed by the server ('server'), cut by the client ('client') or half of each
     * ('both'); they resume, and the run reports loss, duplicates and time to resume.
     */
    drop: z
      .object({ fraction: z.number().min(0).max(1).default(0), side: z.enum(['server', 'client', 'both']).default('server') })
      .strict()
      .prefault({})
      .describe('mid-window reconnects: { fraction, side: server | client | both }'),
  })
  .strict();

export type FanoutOptions = z.output<typeof fanoutOptionsSchema>;
export type FanoutOptionsInput = z.input<typeof fanoutOptionsSchema>;

/** The scenario's options: the plan's three sweep axes (a number, or a list that runs each) and the knobs above. */
export const fanoutScenarioOptions = defineOptions(
  z.object({
    subscribers: oneOrMany(z.number().int().min(1).max(100_000))
      .default(1000)
      .describe('concurrent subscribers per run; a list runs each (connection scale)'),
    eventRate: oneOrMany(z.number().positive().max(100_000))
      .default(10)
      .describe('events per second the server emits; a list runs each (polling vs push sweep)'),
    pollIntervalMs: oneOrMany(z.number().int().min(10).max(600_000))
      .default(1000)
      .describe('short-polling interval, ms; a list runs each'),
    ...fanoutOptionsSchema.shape,
  }),
  {
    subscribers: {
      flag: 'subscribers',
      help: 'concurrent subscribers, or a comma list to run each (e.g. 1,1000,10000)',
      parse: parseNumberList,
    },
    eventRate: { flag: 'event-rate', help: 'events per second the server emits, or a comma list', parse: parseNumberList },
    pollIntervalMs: { flag: 'poll-interval', help: 'short-polling interval in ms, or a comma list', parse: parseNumberList },
  },
);
export type FanoutScenarioOptions = z.output<typeof fanoutScenarioOptions.schema>;

export const listOf = (x: number | number[]): number[] => (Array.isArray(x) ? x : [x]);

export default defineScenario({
  name: 'fanout',
  workload: 'fanout',
  description:
    'Server push to K subscribers: user-updated events at a set rate over SSE, WebSocket, gRPC streams, GraphQL subscriptions (SSE, graphql-ws), short and long polling',
  options: fanoutScenarioOptions,
  transports: FANOUT_TRANSPORTS,
  notes: [
    'Each event carries one user of the data set, an event id (1, 2, ...) and its creation time; servers serialize it once and write it to every subscriber (GraphQL executes the subscription per subscriber, as GraphQL does).',
    'Delivery latency runs from creation in the server to the socket read in the subscriber, both on CLOCK_MONOTONIC (process.hrtime), one clock for every process of the host.',
    "Lost = emitted in the window x subscribers - delivered by the end of the drain; duplicated = an event a subscriber already had. Bytes per event are the subscribers' socket bytes over the window (empty polls included) over the events received in it.",
    'SSE, WebSocket, gRPC and polling resume from the last event id after a lost connection; GraphQL subscriptions start live again (what was missed is lost).',
  ],
});
