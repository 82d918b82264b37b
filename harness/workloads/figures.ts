// Rounding and percentile helpers the workloads (and the push server's report) share, so a
// figure is rounded and summarised the same way whichever workload produced it. Pure.

/** x rounded to `digits` decimals; null stays null. */
export function round<T extends number | null>(x: T, digits: number): T {
  if (x === null) return x;
  const f = 10 ** digits;
  return (Math.round((x as number) * f) / f) as T;
}

export interface Trio {
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of raw samples (nearest rank; few samples, no histogram needed); null when empty. */
export function percentileTrio(xs: readonly number[]): Trio | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

/** A trio in whole microseconds, or null when it is missing or not finite (a histogram with no samples). */
export function roundTrio(t: Trio | null): Trio | null {
  return t && Number.isFinite(t.p99) ? { p50: Math.round(t.p50), p99: Math.round(t.p99), max: Math.round(t.max) } : null;
}
