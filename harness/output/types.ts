// An output turns what a run produces into text, the way k6's outputs do: four calls over a run's
// life, each returning what to print or nothing. Outputs stay pure (data in, text out); the edge
// (harness/cli) decides where the text goes and writes any file.
import type { BenchResult, RunRecord } from '../results/types.ts';
import type { Claim } from '../results/claims.ts';
import type { ProgressEvent } from '../workloads/types.ts';
import type { ChartAssets } from './html.ts';

/** What a bench run is about to do, known before its first measurement. */
export interface OutputPlan {
  scenario: string;
  /** Runs planned: protocol rows (each variant a row) times repeats. */
  runs: number;
}

export interface Output {
  /** Before the first run: a block of lines (the edge ends it with a line break) or nothing. */
  start(plan: OutputPlan): string | undefined;
  /** A live update. Written exactly as returned, no line break added: on a terminal a line is rewritten in place. */
  progress(event: ProgressEvent): string | undefined;
  /** One finished run: a block of lines or nothing. */
  record(run: RunRecord): string | undefined;
  /** The whole result, with the path it was written to (undefined when writing failed): a block of lines or nothing. */
  end(result: BenchResult, writtenPath?: string): string | undefined;
}

/** What the edge hands every output factory; each takes what it needs. */
export interface OutputParams {
  /** Claim verdicts to show; the Markdown output shows none without them, the HTML one the result's own. */
  claims?: readonly Claim[];
  /** Reads the chart library the HTML output inlines (html-assets.ts, an edge); called only by that output. */
  chartAssets?: () => ChartAssets;
}

/** One registry line's worth: how to make the output and what it is. */
export interface OutputEntry<Summary extends boolean = boolean> {
  /** One line for usage texts. */
  description: string;
  /** True when a bench run may print it on stdout as its summary (`npm run bench -- --format`). */
  summary: Summary;
  create(params: OutputParams): Output;
}
