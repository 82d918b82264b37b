// Two-sided Mann-Whitney U test (Wilcoxon rank-sum), pure. Used by compare.ts to judge whether
// the repeats of a candidate differ from the repeats of a base beyond their noise.
//
// Exact p-value (permutation distribution of the rank sum, ties handled with mid-ranks) for
// the small samples a benchmark has; normal approximation with tie and continuity correction
// beyond EXACT_MAX_N observations, where the exact counts would lose precision anyway.

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u1: number;
  /** U of the second sample: n1 * n2 - u1. */
  u2: number;
  n1: number;
  n2: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/** Beyond this many observations in total the normal approximation is used. */
export const EXACT_MAX_N = 50;

/** The smallest two-sided p-value an exact test can give with these sample sizes (no ties). */
export function minAchievableP(n1: number, n2: number): number {
  return Math.min(1, 2 / binomial(n1 + n2, n1));
}

export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs at least one value in each sample');
  if ([...a, ...b].some((x) => !Number.isFinite(x))) throw new RangeError('mannWhitneyU needs finite values');
  const ranks = midRanks([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i] as number;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const p = n1 + n2 <= EXACT_MAX_N ? exactP(ranks, n1, u1) : normalP(ranks, n1, n2, u1);
  return { u1, u2, n1, n2, p, method: n1 + n2 <= EXACT_MAX_N ? 'exact' : 'normal' };
}

/** Ranks 1..n of the pooled values; tied values share the mean of their ranks. */
export function midRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((p, q) => p.x - q.x);
  const ranks = new Array<number>(xs.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { x: number }).x === (order[start] as { x: number }).x) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[(order[k] as { i: number }).i] = rank;
    start = end + 1;
  }
  return ranks;
}

// The permutation distribution of U: over every way of choosing n1 of the pooled observations
// as "the first sample", the U it would give. Mid-ranks are multiples of 1/2, so doubling them
// makes the rank sums integers a DP table can index. Two-sided p = 2 * the smaller tail (as
// scipy's permutation method does); with ties the distribution need not be symmetric.
function exactP(ranks: readonly number[], n1: number, u1: number): number {
  const doubled = ranks.map((r) => Math.round(r * 2));
  const maxSum = doubled.reduce((s, r) => s + r, 0);
  // ways[k][s]: subsets of size k of the observations seen so far with doubled rank sum s.
  const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (const r of doubled) {
    // Descending k: ways[k] is still the table before this observation when ways[k + 1] reads it.
    for (let k = n1 - 1; k >= 0; k--) {
      const from = ways[k] as Float64Array;
      const to = ways[k + 1] as Float64Array;
      for (let s = maxSum - r; s >= 0; s--) if (from[s]) to[s + r] = (to[s + r] as number) + (from[s] as number);
    }
  }
  const dist = ways[n1] as Float64Array;
  const observed = 2 * u1 + n1 * (n1 + 1); // the doubled rank sum that gives u1
  let total = 0;
  let lower = 0;
  let upper = 0;
  for (let s = 0; s <= maxSum; s++) {
    const c = dist[s] as number;
    if (!c) continue;
    total += c;
    // Doubled sums are integers, so exact comparison is safe; the observed value counts in both tails.
    if (s <= observed) lower += c;
    if (s >= observed) upper += c;
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

function normalP(ranks: readonly number[], n1: number, n2: number, u1: number): number {
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of counts.values()) tieTerm += t ** 3 - t;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 1; // every value tied: no evidence of any difference
  const z = Math.max(0, Math.abs(u1 - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance); // 0.5: continuity correction
  return Math.min(1, 2 * normalUpperTail(z));
}

/** P(Z > z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

// Complementary error function, Chebyshev fit from Numerical Recipes (fractional error < 1.2e-7).
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}
