// Latency buckets of the live metrics (--metrics-port): fixed boundaries, and an interval's
// encoded HdrHistogram folded into them. Pure.
//
// Why these boundaries: Prometheus aggregates histograms by adding bucket counters, so every
// process (every shard) must use the same boundaries, fixed in code and not derived from the data.
// Loopback calls here take 50 us to a few ms; a stolen CPU or a stall moves p99 into tens of ms;
// the default call timeout is 10 s. Six boundaries per decade (1, 1.5, 2, 3, 5, 7) from 50 us to
// 10 s keep neighbours at most 1.67x apart (3 to 5; 1.5x or less elsewhere), which bounds how far
// histogram_quantile's linear interpolation inside one bucket can stray, while a row stays at 34
// series (33 boundaries and +Inf): 5 protocols x a few implementations x shards stays far below what
// Prometheus minds. The 1-2-5 series (3 a decade) would leave 2.5x wide buckets around 1-5 ms,
// where p99s sit. Boundaries are whole microseconds so that the comparison with HdrHistogram's
// integer microsecond values is exact (no float rounding at a boundary).
import hdr from 'hdr-histogram-js';
import { decodeHistogram, type Histogram } from '../metrics/histogram.ts';

const STEPS_PER_DECADE = [1, 1.5, 2, 3, 5, 7];
const LOWEST_US = 50;
const HIGHEST_US = 10_000_000;

function boundaries(): number[] {
  const out: number[] = [];
  for (let decade = 10; decade <= HIGHEST_US; decade *= 10)
    for (const step of STEPS_PER_DECADE) {
      const us = Math.round(step * decade);
      if (us >= LOWEST_US && us <= HIGHEST_US) out.push(us);
    }
  return out;
}

/** Upper bounds (le) of the latency buckets in microseconds, ascending; +Inf is implied. */
export const BUCKET_BOUNDS_US: readonly number[] = boundaries();

/** Counts per bucket (not yet cumulative: index i counts values in (bound[i-1], bound[i]]; the last is +Inf), and the sum. */
export interface BucketCounts {
  counts: number[];
  /** Sum of the values in microseconds. */
  sumUs: number;
  count: number;
}

export function emptyBuckets(): BucketCounts {
  return { counts: new Array<number>(BUCKET_BOUNDS_US.length + 1).fill(0), sumUs: 0, count: 0 };
}

/** Adds b into a (both over the same fixed bounds). */
export function addBuckets(a: BucketCounts, b: BucketCounts): void {
  b.counts.forEach((c, i) => (a.counts[i] = (a.counts[i] ?? 0) + c));
  a.sumUs += b.sumUs;
  a.count += b.count;
}

/** Index of the first bound >= us (binary search), or the +Inf bucket. */
function bucketOf(us: number): number {
  let lo = 0;
  let hi = BUCKET_BOUNDS_US.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((BUCKET_BOUNDS_US[mid] as number) >= us) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * An HdrHistogram's values in the fixed buckets. HdrHistogram keeps 3 significant digits: below
 * 2048 us every microsecond is its own value, so those bucket edges are exact; above, a value is
 * known within 0.1% and is placed by the lowest value of its HdrHistogram bucket.
 */
export function bucketsOfHistogram(h: Histogram): BucketCounts {
  const out = emptyBuckets();
  if (h.totalCount === 0) return out;
  // The public Histogram interface cannot iterate; the pure-JS implementation (ours: no WebAssembly) can.
  if (!(h instanceof hdr.JsHistogram)) throw new Error('bucketsOfHistogram needs a JavaScript HdrHistogram');
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    const n = v.countAddedInThisIterationStep;
    const low = h.lowestEquivalentValue(v.valueIteratedTo);
    const i = bucketOf(low);
    out.counts[i] = (out.counts[i] ?? 0) + n;
    out.sumUs += n * h.medianEquivalentValue(v.valueIteratedTo);
    out.count += n;
  }
  return out;
}

export function bucketsOfEncoded(encoded: string): BucketCounts {
  return bucketsOfHistogram(decodeHistogram(encoded));
}
