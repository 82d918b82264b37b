// Paired judgement for `bench:ci --base`: base and candidate ran as adjacent pairs (A B, B A, ...),
// so repeat i of one side shares the machine's phase with repeat i of the other. On a shared VM
// the phase moves a figure 2-3x between runs minutes apart; a pair's ratio cancels what the phase
// did to both sides, where the unpaired test (compare.ts `judge`) sees those phases as noise and
// rarely separates a 10% change. Pure.
import { median } from '../metrics/stats.ts';
import { minAchievableSignedRankP, signedRank } from '../metrics/wilcoxon.ts';
import type { RunRecord } from './types.ts';

/** With fewer undisturbed pairs than this, the disturbed ones are used too and a change is only 'inconclusive'. */
export const MIN_CLEAN_PAIRS = 6;

export interface Pair {
  repeat: number;
  base: number;
  candidate: number;
  /** Either run of the pair was marked disturbed by the machine meters. */
  disturbed: boolean;
}

/** Runs of one row on each side matched by repeat: ok, not superseded, a finite value on both sides. */
export function pairRuns(base: readonly RunRecord[], cand: readonly RunRecord[], read: (r: RunRecord) => unknown): Pair[] {
  const usable = (runs: readonly RunRecord[]) =>
    new Map(runs.filter((r) => r.state === 'ok' && r.superseded !== true).map((r) => [r.repeat, r] as const));
  const b = usable(base);
  const c = usable(cand);
  const pairs: Pair[] = [];
  for (const [repeat, rb] of [...b].sort(([x], [y]) => x - y)) {
    const rc = c.get(repeat);
    const vb = read(rb);
    const vc = rc ? read(rc) : undefined;
    if (!rc || typeof vb !== 'number' || typeof vc !== 'number' || !Number.isFinite(vb) || !Number.isFinite(vc)) continue;
    pairs.push({ repeat, base: vb, candidate: vc, disturbed: rb.machine?.disturbed === true || rc.machine?.disturbed === true });
  }
  return pairs;
}

export interface PairedJudgement {
  /** Pairs the judgement used (the undisturbed ones when there are enough), and how many of them were disturbed. */
  used: readonly Pair[];
  disturbedUsed: number;
  /** Median over the used pairs of candidate / base - 1; null when a base value is 0. */
  change: number | null;
  /** 'paired-wilcoxon': the signed-rank test's p; 'paired-signs': too few pairs for it, every pair must agree. */
  judgement: 'paired-wilcoxon' | 'paired-signs' | 'no-repeats';
  p: number | null;
  beyondNoise: boolean | null;
  beyondMinEffect: boolean;
  direction: 'worse' | 'better' | 'same';
  /** A change found only with disturbed pairs in the judgement: noise, not a finding (issue 13). */
  inconclusive: boolean;
}

export function judgePaired(
  pairs: readonly Pair[],
  better: 'higher' | 'lower',
  opts: { minEffect: number; alpha: number; minPairs?: number },
): PairedJudgement {
  const clean = pairs.filter((p) => !p.disturbed);
  const use = clean.length >= (opts.minPairs ?? MIN_CLEAN_PAIRS) ? clean : pairs;
  const disturbedUsed = use.filter((p) => p.disturbed).length;
  const withBase = use.filter((p) => p.base !== 0);
  const ratios = withBase.map((p) => p.candidate / p.base);
  const change = ratios.length === use.length && ratios.length > 0 ? median(ratios) - 1 : null;
  const up = change !== null ? change > 0 : median(use.map((p) => p.candidate - p.base)) > 0;
  const down = change !== null ? change < 0 : median(use.map((p) => p.candidate - p.base)) < 0;
  const direction = !up && !down ? 'same' : (better === 'higher' ? down : up) ? 'worse' : 'better';
  const beyondMinEffect = change === null ? up || down : Math.abs(change) > opts.minEffect;
  if (use.length < 2) {
    return {
      used: use,
      disturbedUsed,
      change,
      judgement: 'no-repeats',
      p: null,
      beyondNoise: null,
      beyondMinEffect,
      direction,
      inconclusive: false,
    };
  }
  // Log ratios make +10% and -9.1% the same size of change; differences where a base is 0.
  const diffs = change !== null ? ratios.map(Math.log) : use.map((p) => p.candidate - p.base);
  const test = signedRank(diffs);
  let beyondNoise: boolean;
  let judgement: PairedJudgement['judgement'];
  if (minAchievableSignedRankP(diffs.length) >= opts.alpha) {
    // The test cannot reject at this size: every pair must move the way the median moved.
    judgement = 'paired-signs';
    beyondNoise = (up && diffs.every((d) => d > 0)) || (down && diffs.every((d) => d < 0));
  } else {
    judgement = 'paired-wilcoxon';
    beyondNoise = test.p < opts.alpha;
  }
  const finding = beyondNoise && beyondMinEffect && direction !== 'same';
  return {
    used: use,
    disturbedUsed,
    change,
    judgement,
    p: test.p,
    beyondNoise,
    beyondMinEffect,
    direction,
    inconclusive: finding && disturbedUsed > 0,
  };
}
