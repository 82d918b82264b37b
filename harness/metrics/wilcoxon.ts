// Two-sided Wilcoxon signed-rank test, pure. bench:ci --base runs base and candidate in adjacent
// pairs (A B, B A, ...): a pair shares the machine's phase, so the pair's own difference cancels
// what the phase did to both, where the rank-sum test (mann-whitney.ts) sees the phases as noise.
//
// Zero differences are dropped (Wilcoxon's method); tied magnitudes share their mid-rank. Exact
// p-value (the 2^n equally likely sign assignments) up to EXACT_MAX_PAIRS non-zero differences,
// normal approximation with tie and continuity correction beyond.
import { midRanks, normalUpperTail } from './mann-whitney.ts';

export interface SignedRankResult {
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** Non-zero differences the test used. */
  n: number;
  /** Two-sided p-value; 1 when no difference is non-zero. */
  p: number;
  method: 'exact' | 'normal';
}

export const EXACT_MAX_PAIRS = 30;

/** The smallest two-sided p-value the exact test can give with n non-zero differences (no ties). */
export function minAchievableSignedRankP(n: number): number {
  return Math.min(1, 2 / 2 ** n);
}

export function signedRank(differences: readonly number[]): SignedRankResult {
  if (differences.some((d) => !Number.isFinite(d))) throw new RangeError('signedRank needs finite differences');
  const d = differences.filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { wPlus: 0, n: 0, p: 1, method: 'exact' };
  const ranks = midRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if ((d[i] as number) > 0) wPlus += ranks[i] as number;
  return n <= EXACT_MAX_PAIRS
    ? { wPlus, n, p: exactP(ranks, wPlus), method: 'exact' }
    : { wPlus, n, p: normalP(ranks, wPlus), method: 'normal' };
}

// Every rank is + or - with probability 1/2 under the null. Mid-ranks are multiples of 1/2, so
// doubled ranks are integers and a DP over them counts the assignments giving each doubled W+.
function exactP(ranks: readonly number[], wPlus: number): number {
  const doubled = ranks.map((r) => Math.round(r * 2));
  const total = doubled.reduce((s, r) => s + r, 0);
  let counts = new Float64Array(total + 1);
  counts[0] = 1;
  for (const r of doubled) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= total; s++) {
      const c = counts[s] as number;
      if (c === 0) continue;
      next[s] = (next[s] as number) + c;
      next[s + r] = (next[s + r] as number) + c;
    }
    counts = next;
  }
  const all = 2 ** ranks.length;
  const w = Math.round(wPlus * 2);
  let lower = 0;
  let upper = 0;
  for (let s = 0; s <= total; s++) {
    if (s <= w) lower += counts[s] as number;
    if (s >= w) upper += counts[s] as number;
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / all);
}

function normalP(ranks: readonly number[], wPlus: number): number {
  const n = ranks.length;
  const mean = (n * (n + 1)) / 4;
  // Tie correction: each group of t tied magnitudes lowers the variance by (t^3 - t) / 48.
  const groups = new Map<number, number>();
  for (const r of ranks) groups.set(r, (groups.get(r) ?? 0) + 1);
  let tie = 0;
  for (const t of groups.values()) tie += (t ** 3 - t) / 48;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tie);
  if (sd === 0) return 1;
  const z = (Math.abs(wPlus - mean) - 0.5) / sd;
  return Math.min(1, 2 * normalUpperTail(Math.max(0, z)));
}
