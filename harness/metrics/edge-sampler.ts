// Readings at a measured window's interval edges (issue 17): the runner reads CPU time from /proc
// (metrics/cpu.ts: on time however busy the process is) and /proc/stat (steal) at the window's
// start and at every interval end, so each interval of the series has its own CPU and steal.
// Each reading carries the time it was actually taken: a late timer widens an interval's CPU
// span, it does not misstate the rate (results/series.ts divides by the real span).
import type { EdgeReading } from '../results/series.ts';

export interface EdgeSampler {
  readonly readings: readonly EdgeReading[];
  /** Stops the timer; takes a last reading now when the window ended early (an interrupt). Idempotent. */
  stop(): void;
}

/**
 * Reads `read()` now (edge 0, the window's start at `startMs`) and at startMs + k x intervalMs
 * for k = 1 .. edges - 1, the last one at the window's end `endMs`.
 */
export function sampleAtEdges(
  read: (atMs: number) => EdgeReading,
  o: { startMs: number; endMs: number; intervalMs: number },
  now: () => number,
): EdgeSampler {
  const readings: EdgeReading[] = [read(now())];
  const edgeAt = (k: number): number => Math.min(o.endMs, o.startMs + k * o.intervalMs);
  const edges = Math.max(1, Math.ceil((o.endMs - o.startMs) / o.intervalMs)) + 1;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (readings.length >= edges) return;
    timer = setTimeout(
      () => {
        readings.push(read(now()));
        schedule();
      },
      Math.max(0, edgeAt(readings.length) - now()),
    );
    timer.unref();
  };
  schedule();
  return {
    readings,
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      if (readings.length < edges && now() > readings[readings.length - 1]!.atMs) readings.push(read(now()));
    },
  };
}
