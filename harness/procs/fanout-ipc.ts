// Messages between the fanout runner and its children: one push server, several subscriber
// processes. Every time in them is monoUs() (CLOCK_MONOTONIC microseconds, one clock for the
// whole host), so the runner can fix the window's edges and every process acts on them.
import type { FanoutTransport } from '../workloads/fanout-transports.ts';
import type { DeliveryReport } from '../../clients/push/delivery.ts';
import type { ByteCount } from '../../clients/types.ts';
import type { Arrivals } from '../../servers/push/events.ts';
import type { IntervalCounts } from '../load/intervals.ts';

export interface FanoutServerJob {
  transport: FanoutTransport;
  host: string;
  dataset: { users: number; seed: number };
  heartbeatMs: number;
  retryMs: number;
  longPollTimeoutMs: number;
  bufferSize: number;
}

export interface MemSample {
  rssBytes: number;
  heapUsedBytes: number;
  /** Subscriptions the server holds now. */
  subscribers: number;
}

export interface EmitReport {
  /** Events created in [fromUs, toUs) and their ids. */
  inWindow: number;
  firstId: number;
  lastId: number;
  total: number;
  end: MemSample | null;
  /** Event-loop delay over the window (monitorEventLoopDelay), microseconds. */
  loopDelayUs: { p50: number; p99: number; max: number } | null;
  /** How late the server created events against their schedule, microseconds (its own backlog). */
  emitLateUs: { p50: number; p99: number; max: number } | null;
  /** The server did not report by the deadline (saturated): counts come from the schedule. */
  missing?: string;
}

export type FanoutServerToRunner =
  | { type: 'ready'; port: number }
  | { type: 'mem'; seq: number; sample: MemSample }
  | { type: 'emitted'; report: EmitReport }
  | { type: 'dropped'; count: number }
  | { type: 'error'; message: string };

export type RunnerToFanoutServer =
  | { type: 'mem'; seq: number }
  | { type: 'emit'; rate: number; arrivals: Arrivals; seed: number; startUs: number; fromUs: number; toUs: number }
  | { type: 'drop'; count: number }
  | { type: 'shutdown' };

export interface FanoutSubscriberJob {
  transport: FanoutTransport;
  host: string;
  /** Subscribers in this process, and the global index of its first (names, source addresses). */
  count: number;
  firstIndex: number;
  /** Source addresses, one per `perAddress` subscribers by global index. */
  localAddresses: string[];
  perAddress: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  backoff: { initialMs: number; maxMs: number };
  connectTimeoutMs: number;
  /** Connection attempts in flight at once (the server's accept queue is finite). */
  connectConcurrency: number;
  /** Decode the first subscriber's events fully and check them against the data set. */
  verify: boolean;
  dataset: { users: number; seed: number };
  /** Issue 17: length of the window's intervals (absent: 1000 ms). */
  intervalMs?: number;
}

export interface SubscriberResult extends DeliveryReport {
  /**
   * Between the two snapshots at the window's edges: socket bytes of every subscriber (out =
   * to the server), event receipts, empty polls and their bytes, all read at the same instants.
   */
  windowBytes: ByteCount;
  windowReceipts: number;
  windowEmptyPolls: number;
  windowEmptyPollBytes: ByteCount;
  /** Events fully decoded and found equal to the data set's user. */
  verified: number;
  mismatch?: string;
  /** Subscribers with an open subscription when the report was made. */
  openAtEnd: number;
  reconnects: number;
  /** Issue 17: deliveries by interval of receipt (the drain's in the last), with bytes and latency. */
  series?: IntervalCounts[];
}

export type SubscriberToRunner =
  | { type: 'ready' }
  | { type: 'connected'; ok: number; failed: number; connectMs: number; setupBytes: ByteCount | null; firstError?: string }
  | { type: 'result'; result: SubscriberResult }
  | { type: 'interval'; interval: IntervalCounts }
  | { type: 'cut'; count: number }
  | { type: 'error'; message: string };

export type RunnerToSubscriber =
  /** The server's port comes with the order to connect: subscriber processes start alongside the server. */
  | { type: 'connect'; port: number }
  | { type: 'window'; fromUs: number; toUs: number; reportAtUs: number }
  | { type: 'cut'; count: number }
  | { type: 'shutdown' };
