// What every subscriber shares: reconnecting with exponential backoff, resume position,
// byte counts across connections, and the dead-connection watchdog.
import type net from 'node:net';
import type { UserJson } from '../../proto/contract.ts';
import { monoUs } from '../../servers/push/events.ts';
import type { ByteCount } from '../types.ts';
import type { Subscriber, SubscriberOptions, SubscriberSink } from './types.ts';

/** Delay before reconnect attempt `failures` (0 = first): base * 2^failures, capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
}

// One watchdog timer per heartbeat interval for every subscriber of the process, rather than
// a timer per subscriber re-armed on every read (10,000 timers re-armed per event is most of
// a core). Each subscriber only stamps the time of its last read.
const watchdogs = new Map<number, { timer: NodeJS.Timeout; members: Set<ReconnectingSubscriber> }>();

function watch(s: ReconnectingSubscriber, heartbeatMs: number): void {
  let w = watchdogs.get(heartbeatMs);
  if (!w) {
    const members = new Set<ReconnectingSubscriber>();
    const timer = setInterval(
      () => {
        const deadline = performance.now() - 1.5 * heartbeatMs;
        for (const m of members) m.checkAlive(deadline);
      },
      Math.max(1, Math.floor(heartbeatMs / 4)),
    );
    timer.unref();
    watchdogs.set(heartbeatMs, (w = { timer, members }));
  }
  w.members.add(s);
}

function unwatch(s: ReconnectingSubscriber, heartbeatMs: number): void {
  const w = watchdogs.get(heartbeatMs);
  if (!w) return;
  w.members.delete(s);
  if (w.members.size === 0) {
    clearInterval(w.timer);
    watchdogs.delete(heartbeatMs);
  }
}

/**
 * Attempts at the first connection before start() gives up. A real client retries a refused
 * or timed-out first connection too; thousands connecting at once can overrun a server's
 * accept queue, and one failure there is the queue, not the subscriber.
 */
export const MAX_FIRST_ATTEMPTS = 3;

const NOTHING = (): void => {};

export abstract class ReconnectingSubscriber implements Subscriber {
  lastEventId = 0;
  /** The server told us where we stand (or we saw an event): resume from lastEventId. */
  protected positioned = false;
  reconnects = 0;
  setupBytes: ByteCount | null = null;
  protected socket: net.Socket | undefined;
  /** performance.now() of the last byte read: the watchdog's clock (it needs no shared clock). */
  protected lastReadMs = 0;
  /** Numbers the connections: a handler of an older one sees a stale number and stands down. */
  protected connectionNo = 0;
  private priorBytes: ByteCount = { out: 0, in: 0 };
  private failures = 0;
  /** Failed attempts before the first open (a subscriber that never got in gives up after a few). */
  private firstFailures = 0;
  private everOpened = false;
  private connected = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private settle: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    protected readonly o: SubscriberOptions,
    protected readonly sink: SubscriberSink,
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.attempt();
    });
  }

  /** Open one connection and subscribe; call opened() when events can flow, lost() when it ends. */
  protected abstract openConnection(): void;
  /** Tear the current connection down abruptly (no close handshake). */
  protected abstract destroyConnection(): void;

  /** Reconnect delay base; SSE overrides it with the server's retry: value. */
  protected reconnectBaseMs(): number {
    return this.o.backoff.initialMs;
  }

  bytes(): ByteCount {
    const s = this.socket;
    return s ? { out: this.priorBytes.out + s.bytesWritten, in: this.priorBytes.in + s.bytesRead } : { ...this.priorBytes };
  }

  cut(): void {
    if (this.connected) this.destroyConnection();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.connectTimer);
    if (this.o.heartbeatMs > 0) unwatch(this, this.o.heartbeatMs);
    this.destroyConnection();
  }

  /** Called by the watchdog: a connection silent since before `deadline` is half-open. */
  checkAlive(deadline: number): void {
    if (this.connected && this.lastReadMs < deadline) this.destroyConnection();
  }

  /** Subclasses call this for every read, with the read's receipt time. */
  protected touched(): void {
    this.lastReadMs = performance.now();
  }

  /** Subclasses call this when they have a socket (before the subscription is open). */
  protected attach(socket: net.Socket): void {
    this.socket = socket;
    this.lastReadMs = performance.now();
  }

  /** An event arrived: advance the resume point and tell the sink. */
  protected delivered(eventId: number, createdUs: number, recvUs: number, user?: UserJson): void {
    if (eventId > this.lastEventId || !this.positioned) this.lastEventId = eventId;
    this.positioned = true;
    this.sink.event(eventId, createdUs, recvUs, user);
  }

  /** The server gave our position (first connection only; a resumed one keeps its own). */
  protected position(lastId: number): void {
    if (this.positioned) return;
    this.lastEventId = lastId;
    this.positioned = true;
  }

  protected opened(): void {
    clearTimeout(this.connectTimer);
    if (this.closed) return;
    const resumed = this.everOpened;
    this.failures = 0;
    this.connected = true;
    this.lastReadMs = performance.now();
    if (!this.everOpened) {
      this.everOpened = true;
      if (this.socket) this.setupBytes = { out: this.socket.bytesWritten, in: this.socket.bytesRead };
      if (this.o.heartbeatMs > 0) watch(this, this.o.heartbeatMs);
    }
    this.sink.open(monoUs(), resumed);
    const s = this.settle;
    this.settle = undefined;
    s?.resolve();
  }

  /** The connection is gone (closed, failed, cut, timed out); idempotent per connection. */
  protected lost(reason: string): void {
    clearTimeout(this.connectTimer);
    const s = this.socket;
    if (s) {
      this.priorBytes = { out: this.priorBytes.out + s.bytesWritten, in: this.priorBytes.in + s.bytesRead };
      this.socket = undefined;
    }
    const wasConnected = this.connected;
    this.connected = false;
    if (this.closed) return;
    if (!this.everOpened && this.settle && ++this.firstFailures >= MAX_FIRST_ATTEMPTS) {
      // The first attempts failed: the caller counts this subscriber as not connected.
      const settle = this.settle;
      this.settle = undefined;
      this.closed = true;
      settle.reject(new Error(reason));
      return;
    }
    if (wasConnected) this.sink.lost(monoUs(), reason);
    else this.failures++;
    const delay = backoffDelay(wasConnected ? 0 : this.failures, this.reconnectBaseMs(), this.o.backoff.maxMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnects++;
      this.attempt();
    }, delay);
  }

  /**
   * Connection `no` has ended (closed, failed, or found bad): tear it down and report it, once;
   * later reports of it (its 'error' then its 'close', say) are ignored.
   */
  protected connectionEnded(no: number, reason: string, teardown: () => void): void {
    if (no !== this.connectionNo) return;
    this.connectionNo++;
    teardown();
    this.lost(reason);
  }

  /** Report the connection gone when its socket is ended by the server, fails or closes. */
  protected endWithSocket(socket: net.Socket, gone: (reason: string) => void, endReason: string): void {
    socket.on('end', () => gone(endReason));
    socket.on('error', (err) => gone(err.message));
    socket.on('close', () => gone('connection closed'));
  }

  /** After destroyConnection has destroyed the socket: its 'close' comes on a later tick, so count the cut now. */
  protected cutNow(): void {
    const no = this.connectionNo;
    queueMicrotask(() => this.connectionEnded(no, 'cut', NOTHING));
  }

  private attempt(): void {
    if (this.closed) return;
    this.connectTimer = setTimeout(() => {
      if (!this.connected) this.destroyConnection();
    }, this.o.connectTimeoutMs);
    try {
      this.openConnection();
    } catch (err) {
      this.lost(err instanceof Error ? err.message : String(err));
    }
  }
}
