// A fixed-work CPU probe, timed before each run: on a shared machine a neighbour can slow a
// run by half, and a run started on a visibly slowed machine should say so.
import { createHash } from 'node:crypto';

const BLOCK = Buffer.alloc(64 * 1024, 7);

/** Time a fixed amount of hashing (about 10-20 ms on this kind of machine), in ms. */
export function timeProbe(rounds = 200): number {
  const t = performance.now();
  let h = createHash('sha256');
  for (let i = 0; i < rounds; i++) {
    h.update(BLOCK);
    if (i % 50 === 49) {
      h.digest();
      h = createHash('sha256');
    }
  }
  h.digest();
  return performance.now() - t;
}

export interface ProbeReading {
  ms: number;
  baselineMs: number;
  slowed: boolean;
}

/** Tracks the fastest probe seen this session as the machine's unloaded speed. Pure given readings. */
export class ProbeTracker {
  private baseline = Infinity;
  constructor(private readonly slowdown: number) {}

  /** Take three probes, keep the median, compare with the fastest median seen so far. */
  read(probe: () => number = timeProbe): ProbeReading {
    const xs = [probe(), probe(), probe()].sort((a, b) => a - b);
    const ms = xs[1] as number;
    this.baseline = Math.min(this.baseline, ms);
    return { ms: round(ms), baselineMs: round(this.baseline), slowed: ms > this.baseline * this.slowdown };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
