// Delivery accounting for a set of subscribers: latency from creation to receipt, events
// delivered, duplicated (received twice by the same subscriber), time to resume after a lost
// connection, and empty polls. Pure apart from the histogram: every time is passed in
// (monoUs), so tests drive it with made-up clocks.
//
// Which events count: those created inside the measured window [fromUs, toUs). An event is
// delivered to a subscriber the first time that subscriber receives it, whenever that is;
// lost ones are what the runner finds missing (emitted in the window x subscribers -
// delivered). Duplicates are found per subscriber from the newest id seen plus the ids it
// skipped (an out-of-order arrival fills its gap and is not a duplicate).
import { createHistogram, encodeHistogram, type Histogram } from '../../harness/metrics/histogram.ts';
import type { UserJson } from '../../proto/contract.ts';
import type { SubscriberSink } from './types.ts';

/** Ids skipped by one subscriber are remembered up to this many (then a late one counts as a duplicate). */
const MAX_GAP_IDS = 100_000;

export interface DeliveryCounts {
  /** Receipts (first time per subscriber) of events created in the window. */
  delivered: number;
  /** Receipts of events a subscriber already had, created in the window. */
  duplicated: number;
  /**
   * Receipts of any event (duplicates included), all run long. The subscriber process reads
   * this and the socket byte counts at the same instants (the window's edges), so bytes per
   * event compare like with like even when its timers fire late.
   */
  receipts: number;
  /** Polls answered with no event, and their bytes, all run long. */
  emptyPolls: number;
  emptyPollBytes: { out: number; in: number };
  /** Connections lost after opening (server close, cut, watchdog) and re-opened. */
  lostConnections: number;
  resumed: number;
}

export interface DeliveryReport extends DeliveryCounts {
  /** Delivery latency, microseconds, encoded HdrHistogram. */
  histogram: string;
  /** Time from noticing a lost connection to the resumed subscription being open, us. */
  resumeHistogram: string;
}

export class DeliveryRecorder {
  readonly latency: Histogram = createHistogram();
  readonly resume: Histogram = createHistogram();
  private readonly newest: Float64Array;
  private readonly gaps = new Map<number, Set<number>>();
  private readonly lostAt: Float64Array;
  private fromUs = Infinity;
  private toUs = -Infinity;
  readonly counts: DeliveryCounts = {
    delivered: 0,
    duplicated: 0,
    receipts: 0,
    emptyPolls: 0,
    emptyPollBytes: { out: 0, in: 0 },
    lostConnections: 0,
    resumed: 0,
  };
  /** Decoded users (decode: true subscribers), by event id, for the equivalence check. */
  readonly decoded = new Map<number, UserJson>();
  /** Issue 17: told of each delivery counted (receipt time, latency), for the per-interval series. */
  onDelivered?: (recvUs: number, latencyUs: number) => void;

  constructor(readonly subscribers: number) {
    this.newest = new Float64Array(subscribers);
    this.lostAt = new Float64Array(subscribers);
  }

  setWindow(fromUs: number, toUs: number): void {
    this.fromUs = fromUs;
    this.toUs = toUs;
  }

  private inWindow(us: number): boolean {
    return us >= this.fromUs && us < this.toUs;
  }

  event(sub: number, eventId: number, createdUs: number, recvUs: number, user?: UserJson): void {
    this.counts.receipts++;
    if (user && this.decoded.size < 10_000) this.decoded.set(eventId, user);
    const newest = this.newest[sub]!;
    let first: boolean;
    if (eventId > newest) {
      first = true;
      // Ids skipped now may still come (out of order); remember them, boundedly.
      if (newest > 0 && eventId > newest + 1) {
        let g = this.gaps.get(sub);
        if (!g) this.gaps.set(sub, (g = new Set()));
        for (let id = newest + 1; id < eventId && g.size < MAX_GAP_IDS; id++) g.add(id);
      }
      this.newest[sub] = eventId;
    } else {
      const g = this.gaps.get(sub);
      first = g !== undefined && g.delete(eventId);
    }
    if (!this.inWindow(createdUs)) return;
    if (!first) {
      this.counts.duplicated++;
      return;
    }
    this.counts.delivered++;
    this.latency.recordValue(Math.max(0, recvUs - createdUs));
    this.onDelivered?.(recvUs, Math.max(0, recvUs - createdUs));
  }

  open(sub: number, atUs: number, resumed: boolean): void {
    if (!resumed) return;
    this.counts.resumed++;
    const lost = this.lostAt[sub]!;
    if (lost > 0) this.resume.recordValue(Math.max(0, atUs - lost));
    this.lostAt[sub] = 0;
  }

  lost(sub: number, atUs: number): void {
    this.counts.lostConnections++;
    this.lostAt[sub] = atUs;
  }

  emptyPoll(_recvUs: number, out: number, inBytes: number): void {
    this.counts.emptyPolls++;
    this.counts.emptyPollBytes.out += out;
    this.counts.emptyPollBytes.in += inBytes;
  }

  sink(sub: number): SubscriberSink {
    return {
      event: (eventId, createdUs, recvUs, user) => this.event(sub, eventId, createdUs, recvUs, user),
      open: (atUs, resumed) => this.open(sub, atUs, resumed),
      lost: (atUs) => this.lost(sub, atUs),
      emptyPoll: (recvUs, out, inBytes) => this.emptyPoll(recvUs, out, inBytes),
    };
  }

  report(): DeliveryReport {
    return {
      ...this.counts,
      emptyPollBytes: { ...this.counts.emptyPollBytes },
      histogram: encodeHistogram(this.latency),
      resumeHistogram: encodeHistogram(this.resume),
    };
  }
}
