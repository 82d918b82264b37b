// Closed-loop load: every connection keeps `inflight` calls outstanding; a slot issues its
// next call when the previous one completes. This finds maximum throughput; it is not a
// latency model under a fixed arrival rate (closed loops hide coordinated omission).
import type { ByteCount, CallOutcome, Connection, Operation, PayloadBytes } from '../../clients/types.ts';
import { createHistogram, type Histogram } from '../metrics/histogram.ts';
import { IntervalRecorder, type IntervalCounts, type IntervalOptions } from './intervals.ts';

export interface ClosedLoopOptions extends IntervalOptions {
  connections: readonly Connection[];
  /** Calls outstanding per connection. */
  inflight: number;
  warmupMs: number;
  durationMs: number;
  /** A call outstanding longer than this counts as a timeout and its slot moves on. */
  timeoutMs: number;
  nextOp: () => Operation;
  /** Monotonic clock in ms (injected in tests). */
  now?: () => number;
  onPhase?: (phase: 'measure' | 'end') => void;
  onProgress?: (p: { phase: 'warmup' | 'measure'; elapsedMs: number; totalMs: number; opsPerSec: number }) => void;
  progressIntervalMs?: number;
  /** Ends the run early (an interrupt): the window closes now and in-flight calls are abandoned. */
  stop?: AbortSignal;
}

export interface ClosedLoopResult {
  /** The run was stopped before its measured window ended. */
  aborted: boolean;
  histogram: Histogram;
  /** Successful calls started in the measured window. */
  ops: number;
  measuredMs: number;
  errors: { total: number; byKind: Record<string, number> };
  windowBytes: ByteCount | null;
  windowCompletions: number;
  /** Mean application payload per successful measured call. */
  payload: PayloadBytes | null;
  /** Items carried by measured calls that report them (pages, streams, batches). */
  items: number;
  /** Time to each measured call's first item, for calls that report one. */
  firstItemHistogram: Histogram | null;
  /** The window by interval, by completion time: the intervals' ops add up to `ops`. */
  series: IntervalCounts[];
}

export function sumBytes(conns: readonly Connection[]): ByteCount | null {
  let out = 0;
  let inn = 0;
  for (const c of conns) {
    const b = c.wireBytes();
    if (!b) return null;
    out += b.out;
    inn += b.in;
  }
  return { out, in: inn };
}

interface Slot {
  conn: Connection;
  /** Start time of the outstanding call, or -1. */
  startedAt: number;
  /** Bumped when a call is abandoned by timeout, so its late answer is ignored. */
  generation: number;
}

export async function runClosedLoop(o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const now = o.now ?? (() => performance.now());
  const histogram = createHistogram();
  const byKind: Record<string, number> = {};
  let errors = 0;
  let ops = 0;
  let completions = 0;
  let payloadReq = 0;
  let payloadRes = 0;
  let items = 0;
  let firstItemHistogram: Histogram | null = null;

  const t0 = now();
  const measureStart = t0 + o.warmupMs;
  const measureEnd = measureStart + o.durationMs;
  let phase: 'warmup' | 'measure' | 'drain' = o.warmupMs > 0 ? 'warmup' : 'measure';
  let bytesAtStart: ByteCount | null = null;
  let completionsAtStart = 0;
  const intervals = new IntervalRecorder(o.intervalMs ?? 1000, o.durationMs);

  const enterMeasure = (): void => {
    phase = 'measure';
    bytesAtStart = sumBytes(o.connections);
    intervals.start(bytesAtStart);
    completionsAtStart = completions;
    o.onPhase?.('measure');
  };
  if (phase === 'measure') enterMeasure();

  const countError = (kind: string, measured: boolean): void => {
    if (!measured) return;
    errors++;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    intervals.error(now() - measureStart);
  };

  const slots: Slot[] = [];
  for (const conn of o.connections) for (let i = 0; i < o.inflight; i++) slots.push({ conn, startedAt: -1, generation: 0 });

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let active = slots.length;

  const issue = (slot: Slot): void => {
    const t = now();
    if (phase === 'warmup' && t >= measureStart) enterMeasure();
    if (t >= measureEnd || phase === 'drain') {
      slot.startedAt = -1;
      if (--active === 0) resolveDone();
      return;
    }
    const measured = phase === 'measure';
    if (measured) intervals.sent(t - measureStart);
    const gen = slot.generation;
    slot.startedAt = t;
    slot.conn.call(o.nextOp()).then(
      (outcome: CallOutcome) => {
        if (slot.generation !== gen) return; // already counted as a timeout
        const end = now();
        completions++;
        if (outcome.ok) {
          if (measured) {
            ops++;
            const us = Math.max(1, Math.round((end - t) * 1000));
            histogram.recordValue(us);
            intervals.ok(end - measureStart, us);
            payloadReq += outcome.payload.request;
            payloadRes += outcome.payload.response;
            if (outcome.items !== undefined) items += outcome.items;
            if (outcome.firstItemUs !== undefined)
              (firstItemHistogram ??= createHistogram()).recordValue(Math.max(1, Math.round(outcome.firstItemUs)));
          }
        } else {
          countError(outcome.kind, measured);
          // A dead connection fails at once; retrying in a tight loop would starve the timers.
          if (outcome.kind === 'connection_reset') {
            setTimeout(() => issue(slot), 10);
            return;
          }
        }
        issue(slot);
      },
      (err: unknown) => {
        if (slot.generation !== gen) return;
        completions++;
        countError('client_error', measured);
        if (measured && process.env.BENCH_DEBUG) console.error(err);
        issue(slot);
      },
    );
  };

  // One timer reports progress, closes intervals and reaps calls that overran the timeout.
  let liveIntervals = 0;
  let lastOps = 0;
  let lastTick = t0;
  const tickMs = o.progressIntervalMs ?? 1000;
  let nextProgress = t0 + tickMs;
  const timer = setInterval(
    () => {
      const t = now();
      if (phase === 'warmup' && t >= measureStart) enterMeasure();
      if (phase !== 'warmup')
        for (const i of intervals.closeDue(t - measureStart, () => sumBytes(o.connections))) {
          o.onInterval?.(i);
          liveIntervals++;
        }
      for (const slot of slots) {
        if (slot.startedAt >= 0 && t - slot.startedAt > o.timeoutMs) {
          slot.generation++;
          countError('timeout', slot.startedAt >= measureStart && slot.startedAt < measureEnd);
          issue(slot);
        }
      }
      if (t >= nextProgress && o.onProgress && phase !== 'drain') {
        const inMeasure = t >= measureStart;
        const done = inMeasure ? ops + errors : completions;
        const rate = ((done - lastOps) * 1000) / Math.max(1, t - lastTick);
        lastOps = done;
        lastTick = t;
        nextProgress = t + tickMs;
        o.onProgress({
          phase: inMeasure ? 'measure' : 'warmup',
          elapsedMs: inMeasure ? Math.min(o.durationMs, t - measureStart) : t - t0,
          totalMs: inMeasure ? o.durationMs : o.warmupMs,
          opsPerSec: Math.round(rate),
        });
      }
    },
    Math.min(100, tickMs),
  );

  const endTimer = setTimeout(
    () => {
      if (phase === 'warmup') enterMeasure();
      phase = 'drain';
      o.onPhase?.('end');
    },
    Math.max(0, measureEnd - now()),
  );

  let abortedAt: number | undefined;
  const onStop = (): void => {
    abortedAt = now();
    if (phase === 'warmup') enterMeasure();
    phase = 'drain';
    o.onPhase?.('end');
    resolveDone();
  };
  if (o.stop?.aborted) onStop();
  else o.stop?.addEventListener('abort', onStop, { once: true });

  for (const slot of slots) issue(slot);
  await done;
  o.stop?.removeEventListener('abort', onStop);
  clearInterval(timer);
  clearTimeout(endTimer);
  if ((phase as string) !== 'drain') {
    phase = 'drain';
    o.onPhase?.('end');
  }
  const bytesAtEnd = sumBytes(o.connections);
  const measuredMs = abortedAt === undefined ? o.durationMs : Math.max(0, Math.min(o.durationMs, abortedAt - measureStart));
  const series = intervals.finish(measuredMs, bytesAtEnd);
  for (const i of series.slice(liveIntervals)) o.onInterval?.(i);
  const windowBytes =
    bytesAtStart && bytesAtEnd
      ? { out: bytesAtEnd.out - (bytesAtStart as ByteCount).out, in: bytesAtEnd.in - (bytesAtStart as ByteCount).in }
      : null;

  return {
    aborted: abortedAt !== undefined,
    histogram,
    ops,
    measuredMs,
    errors: { total: errors, byKind },
    windowBytes,
    windowCompletions: completions - completionsAtStart,
    payload: ops > 0 ? { request: payloadReq / ops, response: payloadRes / ops } : null,
    items,
    firstItemHistogram,
    series,
  };
}
