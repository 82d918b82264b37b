// Subscribers: one per push transport (clients/push/<transport>.ts). A subscriber holds one
// subscription open, reconnects and resumes by itself, and reports every event it receives
// to its sink, with the receipt time read once per socket read (CLOCK_MONOTONIC, monoUs()).
import type { ByteCount } from '../types.ts';
import type { UserJson } from '../../proto/contract.ts';

export interface SubscriberOptions {
  host: string;
  port: number;
  /** Source address to bind (127.0.0.x spreads thousands of sockets over several port ranges). */
  localAddress?: string;
  /** Names the subscriber to the server (a reconnect replaces its stale connection). */
  id: string;
  /**
   * The server's heartbeat interval. A connection silent for 1.5 intervals is taken for dead
   * (half-open) and replaced; checked every quarter interval, so within two intervals. 0: off.
   */
  heartbeatMs: number;
  /** Short polling: time between the starts of two polls. */
  pollIntervalMs: number;
  /**
   * Reconnect delays: initialMs, doubled after each failed attempt up to maxMs, back to
   * initialMs after a successful open (the guide's 1, 2, 4, ... 30 s). SSE uses the server's
   * `retry:` value as its initial delay instead, as EventSource does.
   */
  backoff: { initialMs: number; maxMs: number };
  /** Give up a connection attempt after this long (then back off and retry). */
  connectTimeoutMs: number;
  /** Decode every event fully and hand the user to the sink (the equivalence check). */
  decode?: boolean;
}

export interface SubscriberSink {
  /** An event arrived. `user` only when options.decode. */
  event(eventId: number, createdUs: number, recvUs: number, user?: UserJson): void;
  /** The subscription is open (first time: resumed = false). */
  open(atUs: number, resumed: boolean): void;
  /** The connection was lost (or cut); a reconnect is scheduled. */
  lost(atUs: number, reason: string): void;
  /** Polling only: a poll answered with no event, and its bytes each way. */
  emptyPoll?(recvUs: number, out: number, inBytes: number): void;
}

export interface Subscriber {
  /** Resolves when the subscription first opens; rejects if that first attempt fails. */
  start(): Promise<void>;
  /** Socket bytes over every connection this subscriber has had, setup included. */
  bytes(): ByteCount;
  /** Bytes of the first connection's setup (handshake, request, response head). */
  readonly setupBytes: ByteCount | null;
  /** Newest event id seen (or the position the server gave); the resume point. */
  readonly lastEventId: number;
  readonly reconnects: number;
  /** Client-side network cut: the socket is destroyed without a goodbye; the subscriber reconnects. */
  cut(): void;
  /** Stop for good. */
  close(): void;
}

export type CreateSubscriber = (options: SubscriberOptions, sink: SubscriberSink) => Subscriber;

export interface SubscriberModule {
  createSubscriber: CreateSubscriber;
}
