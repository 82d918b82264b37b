// How late this process's timers ran while a timing check was under way: a short timer re-armed
// in a loop records its worst overshoot (jHiccup's idea, in-process). A test that promises
// "within N ms" by timers widens its bound by the lag it measured, so a machine in a slow phase
// (CPU steal, a busy neighbour) passes while a broken timer still fails on a quiet one.

export interface TimerLagMeter {
  /** Stops the meter; the worst overshoot seen, ms. */
  stop(): number;
}

export function startTimerLag(intervalMs = 5): TimerLagMeter {
  let worst = 0;
  let stopped = false;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const due = performance.now() + intervalMs;
    timer = setTimeout(() => {
      worst = Math.max(worst, performance.now() - due);
      if (!stopped) arm();
    }, intervalMs);
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      return worst;
    },
  };
}
