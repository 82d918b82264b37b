// Per-interval counts of a load loop's measured window (issue 17): each interval has its own
// HdrHistogram, and a call belongs to the interval in which it completed, so the intervals' ops
// add up exactly to the window's ops. Calls started in the window that complete after it (the
// drain) fall in the last interval. Time is relative: ms since the measured window's start.
import type { ByteCount } from '../../clients/types.ts';
import { createHistogram, encodeHistogram, mergeEncoded, type Histogram } from '../metrics/histogram.ts';
import type { ProgressEvent } from '../workloads/types.ts';

/** What a load loop takes for its series (closed.ts, open.ts). */
export interface IntervalOptions {
  /** Length of the measured window's intervals; default 1000 ms. */
  intervalMs?: number;
  /** Each interval as it closes (the last one closes after the drain). */
  onInterval?: (i: IntervalCounts) => void;
}

/** One interval as a load generator reports it (the runner adds CPU and machine figures). */
export interface IntervalCounts {
  /** Start, ms from the measured window's start. */
  tMs: number;
  durationMs: number;
  /** Successful calls completed in the interval. */
  ops: number;
  errors: number;
  /** Calls sent in the interval (open loop: actually sent, not scheduled). */
  sent: number;
  /** Socket bytes over the interval, read when it closed; null when the connections do not count them. */
  bytes: ByteCount | null;
  /** Latency of the interval's successful calls, encoded (metrics/histogram.ts). */
  histogram: string;
}

interface Open {
  ops: number;
  errors: number;
  sent: number;
  histogram: Histogram | null;
}

const empty = (): Open => ({ ops: 0, errors: 0, sent: 0, histogram: null });

export class IntervalRecorder {
  private readonly open: Open[];
  private readonly closed: IntervalCounts[] = [];
  private bytesAtLastClose: ByteCount | null = null;

  constructor(
    readonly intervalMs: number,
    /** The planned measured window: it fixes how many intervals there are. */
    windowMs: number,
  ) {
    if (!(intervalMs > 0)) throw new Error(`interval must be positive, got ${intervalMs}`);
    this.open = Array.from({ length: Math.max(1, Math.ceil(windowMs / intervalMs)) }, empty);
  }

  /** The window opened: the bytes every later interval is counted from. */
  start(bytes: ByteCount | null): void {
    this.bytesAtLastClose = bytes;
  }

  private at(relMs: number): Open {
    // Clamped: a late completion (drain, timer lag) belongs to the last interval, never beyond.
    const i = Math.min(this.open.length - 1, Math.max(this.closed.length, Math.floor(relMs / this.intervalMs)));
    return this.open[i]!;
  }

  ok(relMs: number, latencyUs: number): void {
    const o = this.at(relMs);
    o.ops++;
    (o.histogram ??= createHistogram()).recordValue(latencyUs);
  }

  error(relMs: number): void {
    this.at(relMs).errors++;
  }

  sent(relMs: number): void {
    this.at(relMs).sent++;
  }

  /**
   * Closes every interval whose end has passed (`relNowMs`), except the last, which closes at
   * finish (drained calls still land in it). Returns the newly closed ones, for live progress.
   */
  closeDue(relNowMs: number, bytesNow: () => ByteCount | null): IntervalCounts[] {
    const out: IntervalCounts[] = [];
    while (this.closed.length < this.open.length - 1 && (this.closed.length + 1) * this.intervalMs <= relNowMs)
      out.push(this.closeNext(this.intervalMs, bytesNow()));
    return out;
  }

  /**
   * The window ended (or was interrupted after `measuredMs`): closes what is left and returns
   * every interval. Counts of intervals past an interrupted window's end fold into its last one.
   */
  finish(measuredMs: number, bytesNow: ByteCount | null): IntervalCounts[] {
    const kept = Math.max(this.closed.length + 1, Math.min(this.open.length, Math.ceil(measuredMs / this.intervalMs)));
    const last = this.open[kept - 1]!;
    for (const extra of this.open.splice(kept)) {
      last.ops += extra.ops;
      last.errors += extra.errors;
      last.sent += extra.sent;
      if (extra.histogram) (last.histogram ??= createHistogram()).add(extra.histogram);
    }
    while (this.closed.length < kept) {
      const i = this.closed.length;
      const duration =
        i === kept - 1 ? Math.max(0, Math.min(this.intervalMs, measuredMs - i * this.intervalMs)) : this.intervalMs;
      this.closeNext(duration, i === kept - 1 ? bytesNow : this.bytesAtLastClose);
    }
    return [...this.closed];
  }

  private closeNext(durationMs: number, bytes: ByteCount | null): IntervalCounts {
    const i = this.closed.length;
    const o = this.open[i]!;
    const from = this.bytesAtLastClose;
    const c: IntervalCounts = {
      tMs: i * this.intervalMs,
      durationMs,
      ops: o.ops,
      errors: o.errors,
      sent: o.sent,
      bytes: from && bytes ? { out: bytes.out - from.out, in: bytes.in - from.in } : null,
      histogram: encodeHistogram(o.histogram ?? createHistogram()),
    };
    this.bytesAtLastClose = bytes;
    o.histogram = null; // encoded: the next intervals need the memory, not this one
    this.closed.push(c);
    return c;
  }
}

/** Pure: several workers' intervals merged by index (their windows open within ms of each other). */
export function mergeIntervalCounts(perWorker: readonly (readonly IntervalCounts[])[]): IntervalCounts[] {
  const n = Math.max(0, ...perWorker.map((s) => s.length));
  return Array.from({ length: n }, (_, i) => {
    const xs = perWorker.map((s) => s[i]).filter((x): x is IntervalCounts => x !== undefined);
    const sum = (f: (x: IntervalCounts) => number): number => xs.reduce((a, x) => a + f(x), 0);
    const allBytes = xs.every((x) => x.bytes);
    return {
      tMs: xs[0]!.tMs,
      durationMs: Math.max(...xs.map((x) => x.durationMs)),
      ops: sum((x) => x.ops),
      errors: sum((x) => x.errors),
      sent: sum((x) => x.sent),
      bytes: allBytes ? { out: sum((x) => x.bytes!.out), in: sum((x) => x.bytes!.in) } : null,
      histogram: encodeHistogram(mergeEncoded(xs.map((x) => x.histogram))),
    };
  });
}

/**
 * Live intervals of several workers: interval i is merged and handed on once every worker has
 * closed it (the workers' windows open within ms of each other), in order.
 */
export function liveIntervals(
  workers: number,
  onMerged: (i: IntervalCounts) => void,
): { add: (worker: number, i: IntervalCounts) => void } {
  const perWorker: IntervalCounts[][] = Array.from({ length: workers }, () => []);
  let sent = 0;
  return {
    add(worker, interval) {
      perWorker[worker]!.push(interval);
      while (perWorker.every((xs) => xs.length > sent)) {
        const [merged] = mergeIntervalCounts(perWorker.map((xs) => [xs[sent]!]));
        sent++;
        onMerged(merged!);
      }
    },
  };
}

/** The live 'measure' event's figures for a closed interval of a window `totalMs` long. */
export function intervalEvent(
  { tMs, durationMs, ops, errors, histogram }: IntervalCounts,
  totalMs: number,
): Omit<ProgressEvent, 'protocol' | 'phase'> {
  return {
    elapsedMs: tMs + durationMs,
    totalMs,
    opsPerSec: durationMs > 0 ? Math.round((ops * 1000) / durationMs) : 0,
    interval: { tMs, durationMs, ops, errors, histogram },
  };
}
