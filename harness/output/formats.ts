// The printed summary of a bench run (`npm run bench -- --format md|json|csv`): the registry's
// summary outputs, behind the function and names the run pipeline already calls. Pure: result in, text out.
import type { BenchResult } from '../results/types.ts';
import { createOutput, OUTPUT_NAMES, OUTPUTS, type SummaryOutputName } from './registry.ts';

export { SUMMARY_COLUMNS, summaryRows, type SummaryRow } from './summary-rows.ts';

export type SummaryFormat = SummaryOutputName;

export const SUMMARY_FORMATS: readonly SummaryFormat[] = OUTPUT_NAMES.filter(
  (name): name is SummaryFormat => OUTPUTS[name].summary,
);

export function isSummaryFormat(x: string): x is SummaryFormat {
  return (SUMMARY_FORMATS as readonly string[]).includes(x);
}

export function formatSummary(result: BenchResult, format: SummaryFormat, resultPath?: string): string {
  // Summary outputs always answer at the end; '' only if one ever chose to stay silent.
  return createOutput(format).end(result, resultPath) ?? '';
}
