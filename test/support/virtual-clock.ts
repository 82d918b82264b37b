// Virtual time for engine tests: timers fire in time order, instantly, and promise
// continuations run between them, so load tests of minutes take milliseconds and are exact.
import type { Clock } from '../../harness/load/open.ts';

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, delayMs: number): () => void {
    const timer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Run timers in order until `done` settles (or no timer is left). */
  async runUntil<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    void done.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      await new Promise((r) => setImmediate(r)); // let promise continuations run
      if (settled) break;
      if (this.timers.length === 0) throw new Error('virtual clock: no timers left but the run has not finished');
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    return done;
  }
}
