// The fanout scenario's settings (harness/config.ts carries them as optional fields: the
// request/response scenarios never read them). Defaults are applied here, once.
import { z } from 'zod';

const oneOrMany = <T extends z.ZodNumber>(n: T) => z.union([n, z.array(n).min(1).max(50)]);

/** `subscribers`, `eventRate`, `pollIntervalMs`: a number, or a list to sweep over. */
export const subscribersField = oneOrMany(z.number().int().min(1).max(100_000));
export const eventRateField = oneOrMany(z.number().positive().max(100_000));
export const pollIntervalField = oneOrMany(z.number().int().min(10).max(600_000));

export const fanoutOptionsSchema = z
  .object({
    /**
     * When events come: 'poisson' (random, exponential gaps; user updates do not arrive on a
     * beat) or 'uniform' (every 1/rate s). Seeded from dataset.seed: the same run, the same times.
     */
    arrivals: z.enum(['poisson', 'uniform']).default('poisson'),
    /** Heartbeat interval: WebSocket ping, SSE `: ka`, gRPC PING; the subscriber watchdog allows 1.5 of them. */
    heartbeatMs: z.number().int().min(10).max(600_000).default(30_000),
    /** SSE `retry:` the server announces (the client's reconnection delay). */
    retryMs: z.number().int().min(0).max(600_000).default(1000),
    /** Reconnect backoff of the other transports: first delay, doubled per failure up to max (the guide's 1 s .. 30 s). */
    backoffInitialMs: z.number().int().min(0).max(600_000).default(1000),
    backoffMaxMs: z.number().int().min(1).max(600_000).default(30_000),
    /** Long polling: a poll with nothing new is held this long. */
    longPollTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** After the window, late events still count as delivered for this long (short polling adds one interval). */
    drainMs: z.number().int().min(0).max(600_000).default(2000),
    /** A protocol keeps up while it loses nothing and its delivery p99 stays under this (short polling: plus the interval). */
    p99LimitMs: z.number().positive().max(600_000).default(1000),
    /** Subscribers per subscriber process (more processes when K is larger). */
    subscribersPerProcess: z.number().int().min(1).max(100_000).default(2500),
    /** Connection attempts in flight at once per subscriber process. */
    connectConcurrency: z.number().int().min(1).max(10_000).default(200),
    /** Subscribers per source address (127.0.0.2, .3, ...): each address has its own ~28k ephemeral ports. */
    subscribersPerAddress: z.number().int().min(1).max(60_000).default(2000),
    /** Open-file limit raised for every child (prlimit); each subscriber costs the server one descriptor. */
    fdLimit: z.number().int().min(1024).max(1_048_576).default(65_536),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Events the server keeps for resume. */
    bufferSize: z.number().int().min(1).max(10_000_000).default(10_000),
    /**
     * Mid-window reconnects: this share of the subscribers loses its connection at the window's
     * middle, closed by the server ('server'), cut by the client ('client') or half of each
     * ('both'); they resume, and the run reports loss, duplicates and time to resume.
     */
    drop: z
      .object({ fraction: z.number().min(0).max(1).default(0), side: z.enum(['server', 'client', 'both']).default('server') })
      .strict()
      .prefault({}),
  })
  .strict();

export type FanoutOptions = z.output<typeof fanoutOptionsSchema>;
export type FanoutOptionsInput = z.input<typeof fanoutOptionsSchema>;

export const listOf = (x: number | number[] | undefined, fallback: number[]): number[] =>
  x === undefined ? fallback : Array.isArray(x) ? x : [x];
