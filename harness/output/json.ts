// The JSON summary (`--format json`): the flat run rows and the repeats summary, for dashboards.
import type { BenchResult } from '../results/types.ts';
import { endOnly } from './end-only.ts';
import { summaryRows } from './summary-rows.ts';
import type { OutputEntry } from './types.ts';

export function renderJsonSummary(result: BenchResult, resultPath?: string): string {
  const summary = {
    scenario: result.scenario,
    description: result.description,
    state: result.state,
    startedAt: result.startedAt,
    commit: result.environment.commit,
    resultPath: resultPath ?? null,
    runs: summaryRows(result),
    summary: result.summary ?? [],
  };
  return JSON.stringify(summary, null, 2);
}

export const jsonOutput: OutputEntry<true> = {
  description: 'one JSON document: a flat row per run plus the repeats summary',
  summary: true,
  create: () => endOnly(renderJsonSummary),
};
