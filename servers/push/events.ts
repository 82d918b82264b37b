// The event source every push server fans out: user-updated events, each with a monotonically
// increasing id and its creation time, kept in a ring buffer so a subscriber that reconnects
// (SSE Last-Event-ID, WebSocket lastEventId, gRPC after_event_id, a poll's `after`) gets what
// it missed and nothing twice.
//
// Clock: creation and receipt times are both read from CLOCK_MONOTONIC through
// process.hrtime.bigint(), which libuv reads with clock_gettime(CLOCK_MONOTONIC). On Linux
// that clock is system-wide, so a server and a subscriber in different processes on one host
// read the same clock and receipt - creation is a delivery latency with no offset to correct.
// performance.timeOrigin + performance.now() is not exactly shared: timeOrigin is a
// CLOCK_REALTIME reading taken at each process's start, so the sum differs between processes
// by a few microseconds (measured 1-2 us here) and by any wall-clock step between their starts.
import type { UserJson } from '../../proto/contract.ts';
import type { UserStore } from '../store.ts';
import { mulberry32 } from '../dataset.ts';

/** Microseconds of CLOCK_MONOTONIC, shared by every process on the host (Linux). */
export function monoUs(): number {
  // Whole microseconds fit a double exactly for ~285 years of uptime.
  return Number(process.hrtime.bigint() / 1000n);
}

export interface UserEvent {
  /** 1, 2, 3, ... in emission order; a subscriber's resume point. */
  eventId: number;
  /** monoUs() when the event was created, before any transport touched it. */
  createdUs: number;
  user: UserJson;
  /**
   * The event as JSON, built once and written to every subscriber by every JSON transport:
   * `{"eventId":N,"createdUs":T,"user":{...}}`. Fan-out servers serialize once per event,
   * not once per subscriber; the id and time come first so lean clients read them without
   * parsing the user.
   */
  json: string;
  /** The same bytes, UTF-8, for transports that write Buffers. */
  jsonBytes: Buffer;
}

export function eventJson(eventId: number, createdUs: number, user: UserJson): string {
  return `{"eventId":${eventId},"createdUs":${createdUs},"user":${JSON.stringify(user)}}`;
}

/** The user an event carries: users in id order, round and round the data set. */
export function userIdForEvent(eventId: number, users: number): number {
  return ((eventId - 1) % users) + 1;
}

export type EventListener = (e: UserEvent) => void;

export interface EventLogOptions {
  /** Events kept for resume; a subscriber that fell further behind loses the oldest. Default 10,000. */
  bufferSize?: number;
}

/** The events, their ring buffer and the listeners (the push servers). */
export class EventLog {
  private readonly ring: (UserEvent | undefined)[];
  private last = 0;
  private readonly listeners = new Set<EventListener>();
  readonly bufferSize: number;

  constructor(
    private readonly store: UserStore,
    options: EventLogOptions = {},
  ) {
    this.bufferSize = Math.max(1, options.bufferSize ?? 10_000);
    this.ring = new Array<UserEvent | undefined>(this.bufferSize);
  }

  /** Id of the newest event; 0 before the first. A new subscriber starts after it. */
  get lastId(): number {
    return this.last;
  }

  /**
   * Create the next event and hand it to every listener. `createdUs` defaults to now; a
   * scheduled source passes the time the event was due, so an event the server was too busy
   * to create on time still counts its wait in its delivery latency (no coordinated omission).
   */
  emit(createdUs = monoUs()): UserEvent {
    const eventId = ++this.last;
    const user = this.store.getUser(userIdForEvent(eventId, this.store.countUsers()));
    if (!user) throw new Error(`store has no user for event ${eventId}`);
    const json = eventJson(eventId, createdUs, user);
    const e: UserEvent = { eventId, createdUs, user, json, jsonBytes: Buffer.from(json) };
    this.ring[eventId % this.bufferSize] = e;
    for (const l of this.listeners) l(e);
    return e;
  }

  /**
   * Events after `afterId`, oldest first. Those that already left the buffer are missing
   * from the answer (the subscriber sees the gap and counts them lost); an id from the future
   * (another server's, or garbage) gives nothing.
   */
  since(afterId: number): UserEvent[] {
    if (!Number.isFinite(afterId) || afterId >= this.last) return [];
    const from = Math.max(Math.floor(afterId) + 1, this.last - this.bufferSize + 1, 1);
    const out: UserEvent[] = [];
    for (let id = from; id <= this.last; id++) {
      const e = this.ring[id % this.bufferSize];
      if (e && e.eventId === id) out.push(e);
    }
    return out;
  }

  get(eventId: number): UserEvent | undefined {
    const e = this.ring[eventId % this.bufferSize];
    return e && e.eventId === eventId ? e : undefined;
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export type Arrivals = 'uniform' | 'poisson';

/**
 * When each event is due, from the start: `uniform` every 1/rate seconds; `poisson` with
 * exponential gaps of mean 1/rate from a seeded PRNG (events that come when they come, as
 * user updates do; with uniform arrivals a poll interval that is a multiple of the event
 * period would never come back empty). The same (arrivals, rate, start, seed) always gives
 * the same times, so the runner can recount a window the server could not report.
 */
export class EmissionSchedule {
  private readonly times: number[] = [];
  private readonly rand: (() => number) | undefined;

  constructor(
    readonly arrivals: Arrivals,
    readonly rate: number,
    readonly startUs: number,
    seed = 1,
  ) {
    if (!(rate > 0)) throw new Error(`event rate must be positive, got ${rate}`);
    if (arrivals === 'poisson') this.rand = mulberry32(seed);
  }

  /** Due time of event k (0-based), monoUs. */
  due(k: number): number {
    if (!this.rand) return this.startUs + (k * 1e6) / this.rate;
    while (this.times.length <= k) {
      const prev = this.times.length ? this.times[this.times.length - 1]! : this.startUs;
      // 1 - u is in (0, 1]: never log(0).
      this.times.push(prev - (Math.log(1 - this.rand()) * 1e6) / this.rate);
    }
    return this.times[k]!;
  }

  /** Events due in [fromUs, toUs) and the index of the first. */
  countIn(fromUs: number, toUs: number): { first: number; count: number } {
    let k = 0;
    while (this.due(k) < fromUs) k++;
    const first = k;
    while (this.due(k) < toUs) k++;
    return { first, count: k - first };
  }
}

/**
 * Emits on a schedule until `endUs` (monoUs). Due times are fixed from the start, so a late
 * timer is caught up rather than the rate drifting down, and each event is stamped with its
 * due time (see EventLog.emit); at most `maxBurst` events are emitted per tick when far behind.
 */
export class EventTicker {
  private timer: NodeJS.Timeout | undefined;
  private emitted = 0;
  private stopped = false;
  /** How late each event was created, microseconds (the server's own backlog). */
  readonly lateUs: number[] = [];

  constructor(
    private readonly log: EventLog,
    private readonly plan: EmissionSchedule,
    private readonly endUs: number,
    private readonly onDone: () => void = () => {},
    private readonly maxBurst = 1000,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private dueUs(k: number): number {
    return this.plan.due(k);
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = this.dueUs(this.emitted);
    if (next >= this.endUs) {
      this.stopped = true;
      this.onDone();
      return;
    }
    // setTimeout has millisecond granularity; wake up early rather than late and let tick()
    // emit whatever is due.
    const waitMs = Math.max(0, Math.floor((next - monoUs()) / 1000));
    this.timer = setTimeout(() => this.tick(), waitMs);
  }

  private tick(): void {
    const now = monoUs();
    let burst = 0;
    while (!this.stopped && burst < this.maxBurst) {
      const due = this.dueUs(this.emitted);
      if (due > now || due >= this.endUs) break;
      this.emitted++;
      burst++;
      if (this.lateUs.length < 1_000_000) this.lateUs.push(now - due);
      this.log.emit(due);
    }
    this.schedule();
  }
}
