// Open-loop load (wrk2, k6 arrival-rate): calls start on a schedule fixed from the run's
// start, whatever the server does. Each call's latency is recorded twice: from when it
// *should* have started (corrected for coordinated omission) and from when it was actually
// sent (raw). A call that comes due while `maxInflight` calls are already queued or
// outstanding is dropped and counted, never silently skipped.
import type { ByteCount, CallOutcome, Connection, Operation, PayloadBytes } from '../../clients/types.ts';
import { createHistogram, type Histogram } from '../metrics/histogram.ts';
import { sumBytes } from './closed.ts';
import { IntervalRecorder, type IntervalCounts, type IntervalOptions } from './intervals.ts';
import { requestedRate, type OpenLoadModel } from './model.ts';
import { makeSchedule, measuredMs } from './schedule.ts';

/** Time source and timer, injected so the engine runs on virtual time in tests. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): () => void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(t);
  },
};

export interface OpenLoopOptions extends IntervalOptions {
  connections: readonly Connection[];
  /** Calls outstanding per connection (1 = no pipelining, as wrk2). */
  perConnection: number;
  /** Calls queued or outstanding at most; a call due beyond this is dropped. */
  maxInflight: number;
  model: OpenLoadModel;
  warmupMs: number;
  /** Measured window for rate/poisson; stages carry their own durations. */
  durationMs: number;
  timeoutMs: number;
  seed?: number;
  nextOp: () => Operation;
  clock?: Clock;
  onPhase?: (phase: 'measure' | 'end') => void;
  onProgress?: (p: { phase: 'warmup' | 'measure'; elapsedMs: number; totalMs: number; opsPerSec: number }) => void;
  progressIntervalMs?: number;
  /** Ends the run early (an interrupt): the window closes now and in-flight calls are abandoned. */
  stop?: AbortSignal;
}

export interface OpenLoopResult {
  /** The run was stopped before its measured window ended. */
  aborted: boolean;
  /** From the intended start: what a user arriving on schedule would have waited. */
  histogram: Histogram;
  /** From the actual send. */
  rawHistogram: Histogram;
  ops: number;
  measuredMs: number;
  errors: { total: number; byKind: Record<string, number> };
  dropped: number;
  requestedRate: number;
  /** Calls actually sent per second during the measured window. */
  achievedRate: number;
  windowBytes: ByteCount | null;
  windowCompletions: number;
  payload: PayloadBytes | null;
  /** The window by interval, by completion time: the intervals' ops add up to `ops`. */
  series: IntervalCounts[];
}

interface Due {
  intended: number;
  measured: boolean;
}

interface Slot {
  conn: Connection;
  outstanding: number;
}

export function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const clock = o.clock ?? realClock;
  const histogram = createHistogram();
  const rawHistogram = createHistogram();
  const byKind: Record<string, number> = {};
  let errors = 0;
  let ops = 0;
  let dropped = 0;
  let sentInWindow = 0;
  let completions = 0;
  let payloadReq = 0;
  let payloadRes = 0;

  const t0 = clock.now();
  const windowMs = measuredMs(o.model, o.durationMs);
  const measureStart = t0 + o.warmupMs;
  const measureEnd = measureStart + windowMs;
  const schedule = makeSchedule(o.model, o.warmupMs, o.durationMs, o.seed ?? 1);
  const intervals = new IntervalRecorder(o.intervalMs ?? 1000, windowMs);
  let liveIntervals = 0;
  let nextAt = t0 + schedule();

  const slots: Slot[] = o.connections.map((conn) => ({ conn, outstanding: 0 }));
  let rr = 0;
  const queue: Due[] = [];
  let queueHead = 0;
  let outstanding = 0;
  /** Outstanding calls by token, for the timeout reaper. */
  const live = new Map<number, { sentAt: number; measured: boolean; slot: Slot }>();
  let token = 0;

  let phase: 'warmup' | 'measure' | 'end' = 'warmup';
  let bytesAtStart: ByteCount | null = null;
  let completionsAtStart = 0;
  let cancelWake: (() => void) | undefined;
  let finished = false;
  let resolveDone!: (r: OpenLoopResult) => void;
  const done = new Promise<OpenLoopResult>((r) => (resolveDone = r));

  const countError = (kind: string, measured: boolean): void => {
    if (!measured) return;
    errors++;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    intervals.error(clock.now() - measureStart);
  };

  const advancePhase = (now: number): void => {
    if (phase === 'warmup' && now >= measureStart) {
      phase = 'measure';
      bytesAtStart = sumBytes(o.connections);
      intervals.start(bytesAtStart);
      completionsAtStart = completions;
      o.onPhase?.('measure');
    }
    if (phase === 'measure' && now >= measureEnd) {
      phase = 'end';
      o.onPhase?.('end');
    }
  };

  const freeSlot = (): Slot | undefined => {
    for (let i = 0; i < slots.length; i++) {
      const s = slots[(rr + i) % slots.length]!;
      if (s.outstanding < o.perConnection) {
        rr = (rr + i + 1) % slots.length;
        return s;
      }
    }
    return undefined;
  };

  const send = (due: Due, slot: Slot): void => {
    const sentAt = clock.now();
    if (sentAt >= measureStart && sentAt < measureEnd) {
      sentInWindow++;
      intervals.sent(sentAt - measureStart);
    }
    slot.outstanding++;
    outstanding++;
    const id = ++token;
    live.set(id, { sentAt, measured: due.measured, slot });
    slot.conn.call(o.nextOp()).then(
      (outcome: CallOutcome) => complete(id, due, sentAt, outcome),
      () => complete(id, due, sentAt, { ok: false, kind: 'client_error' }),
    );
  };

  const complete = (id: number, due: Due, sentAt: number, outcome: CallOutcome): void => {
    const entry = live.get(id);
    if (!entry) return; // reaped as a timeout already
    live.delete(id);
    entry.slot.outstanding--;
    outstanding--;
    completions++;
    const end = clock.now();
    if (outcome.ok) {
      if (due.measured) {
        ops++;
        const us = Math.max(1, Math.round((end - due.intended) * 1000));
        histogram.recordValue(us);
        intervals.ok(end - measureStart, us);
        rawHistogram.recordValue(Math.max(1, Math.round((end - sentAt) * 1000)));
        payloadReq += outcome.payload.request;
        payloadRes += outcome.payload.response;
      }
    } else {
      countError(outcome.kind, due.measured);
    }
    pump();
  };

  /** Send queued calls while connections have room. */
  const flush = (): void => {
    while (queueHead < queue.length) {
      const slot = freeSlot();
      if (!slot) break;
      send(queue[queueHead++]!, slot);
    }
    if (queueHead > 1024 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
  };

  const pump = (): void => {
    if (finished) return;
    const now = clock.now();
    advancePhase(now);
    // Everything that has come due, in schedule order.
    while (nextAt <= now) {
      const measured = nextAt >= measureStart && nextAt < measureEnd;
      if (outstanding + (queue.length - queueHead) >= o.maxInflight) {
        if (measured) dropped++;
      } else {
        queue.push({ intended: nextAt, measured });
      }
      nextAt = t0 + schedule();
    }
    flush();
    if (nextAt === Infinity && phase === 'end' && outstanding === 0 && queueHead >= queue.length) return finish();
    cancelWake?.();
    // Wake for the next call, or at the window's edges so phases switch on time.
    const wakeAt = Math.min(nextAt, phase === 'warmup' ? measureStart : phase === 'measure' ? measureEnd : Infinity);
    cancelWake = wakeAt === Infinity ? undefined : clock.setTimer(pump, wakeAt - now);
  };

  // Progress and the timeout reaper share one periodic timer.
  let lastOps = 0;
  let lastTick = t0;
  const tickMs = o.progressIntervalMs ?? 1000;
  let nextProgress = t0 + tickMs;
  let cancelTick: (() => void) | undefined;
  const tick = (): void => {
    if (finished) return;
    const now = clock.now();
    if (phase !== 'warmup')
      for (const i of intervals.closeDue(now - measureStart, () => sumBytes(o.connections))) {
        o.onInterval?.(i);
        liveIntervals++;
      }
    for (const [id, e] of live) {
      if (now - e.sentAt > o.timeoutMs) {
        live.delete(id);
        e.slot.outstanding--;
        outstanding--;
        completions++;
        countError('timeout', e.measured);
      }
    }
    if (now >= nextProgress && o.onProgress && phase !== 'end') {
      const inMeasure = now >= measureStart;
      const count = inMeasure ? ops + errors : completions;
      o.onProgress({
        phase: inMeasure ? 'measure' : 'warmup',
        elapsedMs: inMeasure ? Math.min(windowMs, now - measureStart) : now - t0,
        totalMs: inMeasure ? windowMs : o.warmupMs,
        opsPerSec: Math.round(((count - lastOps) * 1000) / Math.max(1, now - lastTick)),
      });
      lastOps = count;
      lastTick = now;
      nextProgress = now + tickMs;
    }
    pump();
    cancelTick = clock.setTimer(tick, Math.min(100, tickMs));
  };

  let abortedAt: number | undefined;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    o.stop?.removeEventListener('abort', onStop);
    const effectiveMs = abortedAt === undefined ? windowMs : Math.max(0, Math.min(windowMs, abortedAt - measureStart));
    cancelWake?.();
    cancelTick?.();
    const bytesAtEnd = sumBytes(o.connections);
    const start = bytesAtStart as ByteCount | null;
    const series = intervals.finish(effectiveMs, bytesAtEnd);
    for (const i of series.slice(liveIntervals)) o.onInterval?.(i);
    resolveDone({
      histogram,
      rawHistogram,
      ops,
      aborted: abortedAt !== undefined,
      measuredMs: effectiveMs,
      errors: { total: errors, byKind },
      dropped,
      requestedRate: requestedRate(o.model),
      achievedRate: effectiveMs > 0 ? sentInWindow / (effectiveMs / 1000) : 0,
      windowBytes: start && bytesAtEnd ? { out: bytesAtEnd.out - start.out, in: bytesAtEnd.in - start.in } : null,
      windowCompletions: completions - completionsAtStart,
      payload: ops > 0 ? { request: payloadReq / ops, response: payloadRes / ops } : null,
      series,
    });
  };

  const onStop = (): void => {
    abortedAt = clock.now();
    advancePhase(Math.max(abortedAt, measureStart));
    if (phase !== 'end') {
      phase = 'end';
      o.onPhase?.('end');
    }
    finish();
  };
  if (o.stop?.aborted) queueMicrotask(onStop);
  else o.stop?.addEventListener('abort', onStop, { once: true });

  cancelTick = clock.setTimer(tick, Math.min(100, tickMs));
  pump();
  return done;
}
