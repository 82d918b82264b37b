// The runs of one side of `bench:ci --base`, each a result file of one repeat, as one result
// with those runs as its repeats: what compare (harness/results/compare.ts) reads. Pure.
import { summarizeRuns } from './summary.ts';
import type { BenchResult } from './types.ts';
import { rowKey } from './row-identity.ts';

/** Results of the same scenario and settings, in run order, into one: repeats renumbered 0, 1, ... */
export function concatRepeats(results: readonly BenchResult[]): BenchResult {
  const first = results[0];
  if (first === undefined) throw new RangeError('concatRepeats needs at least one result');
  const last = results[results.length - 1]!;
  const perGroup = new Map<string, number>();
  const runs = results.flatMap((r) =>
    r.runs.map((run) => {
      const key = rowKey(run);
      const repeat = perGroup.get(key) ?? 0;
      perGroup.set(key, repeat + 1);
      return { ...run, repeat };
    }),
  );
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
