// Latency histograms: HdrHistogram (hdr-histogram-js), values in whole microseconds.
// Histograms leave a process only as encoded (compressed base64) HdrHistograms, so they
// can be merged losslessly across generator workers, processes and machines.
import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../results/schema.ts';

export type { Histogram };

/** 1 us .. 1 h at 3 significant digits; auto-resize keeps a pathological value from throwing. */
export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Lossless merge of encoded histograms (the counts add up bucket by bucket). */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const out = createHistogram();
  for (const e of encoded) out.add(decodeHistogram(e));
  return out;
}

export type { LatencySummary } from '../results/schema.ts';

export function summarize(h: Histogram): LatencySummary {
  const empty = h.totalCount === 0;
  return {
    count: h.totalCount,
    min: empty ? 0 : h.minNonZeroValue,
    mean: empty ? 0 : round1(h.mean),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    histogram: encodeHistogram(h),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
