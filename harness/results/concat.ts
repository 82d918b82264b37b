// The runs of one side of `bench:ci --base`, each a result file of one repeat, as one result
// with those runs as its repeats: what compare (harness/results/compare.ts) reads. Pure.
import { summarizeRuns } from './summary.ts';
import type { BenchResult } from './types.ts';

/** Results of the same scenario and settings, in run order, into one: repeats renumbered 0, 1, ... */
export function concatRepeats(results: readonly BenchResult[]): BenchResult {
  const first = results[0];
  if (first === undefined) throw new RangeError('concatRepeats needs at least one result');
  const last = results[results.length - 1]!;
  // File i holds repeat i of every row (bench:ci runs one repeat per process), reruns included:
  // numbering by file keeps a row's last attempt on the repeat of its file, so repeat i of one
  // side still pairs with repeat i of the other (harness/results/paired.ts).
  let offset = 0;
  const runs = results.flatMap((r) => {
    const own = r.runs.map((run) => ({ ...run, repeat: offset + run.repeat }));
    offset += Math.max(0, ...r.runs.map((run) => run.repeat)) + 1;
    return own;
  });
  const states = results.map((r) => r.state);
  const state = states.includes('aborted') ? 'aborted' : states.includes('partial') ? 'partial' : 'complete';
  return {
    ...first,
    state,
    finishedAt: last.finishedAt,
    config: { ...first.config, repeat: results.length },
    notes: [...new Set(results.flatMap((r) => r.notes))],
    runs,
    summary: summarizeRuns(runs),
  };
}
