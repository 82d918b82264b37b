// A fixed-size ring of timed samples (epoch ms, microseconds): a hiccup meter's recent wake-ups,
// kept so any later window can be cut into intervals with a histogram each (issue 17). About
// 9 minutes of 1 ms sleeps at the default capacity, in 6 MB.
import { createHistogram, encodeHistogram } from './histogram.ts';

export class SampleRing {
  private readonly at: Float64Array;
  private readonly us: Uint32Array;
  private next = 0;
  private filled = false;

  constructor(readonly capacity = 1 << 19) {
    this.at = new Float64Array(capacity);
    this.us = new Uint32Array(capacity);
  }

  push(atMs: number, us: number): void {
    this.at[this.next] = atMs;
    this.us[this.next] = Math.min(0xffffffff, us);
    if (++this.next === this.capacity) {
      this.next = 0;
      this.filled = true;
    }
  }

  /** The oldest time still held (Infinity when empty). */
  oldestMs(): number {
    if (this.filled) return this.at[this.next]!;
    return this.next > 0 ? this.at[0]! : Infinity;
  }

  /**
   * An encoded histogram per interval [startMs + i x intervalMs, + intervalMs) for i < count;
   * null for an interval that begins before the oldest sample held (overwritten: it would be partial).
   */
  perInterval(startMs: number, intervalMs: number, count: number): (string | null)[] {
    const oldest = this.oldestMs();
    const values: (number[] | null)[] = Array.from({ length: count }, (_, i) => (startMs + i * intervalMs >= oldest ? [] : null));
    const n = this.filled ? this.capacity : this.next;
    for (let k = 0; k < n; k++) {
      const i = Math.floor((this.at[k]! - startMs) / intervalMs);
      if (i >= 0 && i < count) values[i]?.push(this.us[k]!);
    }
    // One histogram at a time: a long run's intervals never all hold one at once.
    return values.map((xs) => {
      if (!xs) return null;
      const h = createHistogram();
      for (const v of xs) h.recordValue(Math.max(1, v));
      return encodeHistogram(h);
    });
  }
}
