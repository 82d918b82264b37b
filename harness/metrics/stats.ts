// Small pure statistics over repeated measurements.
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n - 1). */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

// Two-sided 95% Student t critical values for 1..30 degrees of freedom.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101,
  2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tCritical95(df: number): number {
  return df >= 1 && df <= 30 ? (T95[df - 1] as number) : 1.96;
}

/** 95% confidence interval of the mean (Student t); null below two samples. */
export function ci95(xs: readonly number[]): [number, number] | null {
  if (xs.length < 2) return null;
  const half = (tCritical95(xs.length - 1) * stdev(xs)) / Math.sqrt(xs.length);
  const m = mean(xs);
  return [m - half, m + half];
}

/** Coefficient of variation (sample stdev / mean); null below two samples or at mean 0. */
export function cv(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  return m === 0 ? null : stdev(xs) / Math.abs(m);
}

export interface FigureSpread extends Spread {
  ci95: [number, number] | null;
  cv: number | null;
}

export function figureSpread(xs: readonly number[]): FigureSpread {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  const ci = ci95(xs);
  const c = cv(xs);
  const s = spread(xs);
  return {
    median: r(s.median),
    min: r(s.min),
    max: r(s.max),
    n: s.n,
    ci95: ci && [r(ci[0]), r(ci[1])],
    cv: c === null ? null : r(c),
  };
}
