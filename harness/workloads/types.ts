// A workload is one way of loading a server and measuring it (request/response calls, pushed
// events fanned out to subscribers), the way k6 has executors: it plans the rows of a run from
// the resolved config, runs one planned row into its run record(s), says what it will do, and
// names the Markdown report its results read best in. One session (run/session.ts) runs them all.
import type { ResolvedConfig } from '../config.ts';
import type { Pinning } from '../results/schema.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';

/** The workloads there are; a scenario picks one by name (scenarios/types.ts `workload`). */
export type WorkloadName = 'request-response' | 'fanout';

/** What the session hands a row's run. */
export interface RowContext {
  cfg: ResolvedConfig;
  pinning: Pinning;
  /** Interrupt: the running row closes its measured window now and reports what it has (state 'aborted'). */
  signal: AbortSignal;
  /** The row's index in the plan. */
  index: number;
}

export interface Workload<Row = unknown> {
  readonly name: WorkloadName;
  /**
   * Every row of the invocation, in the order they run. Throws an InputError when the config
   * cannot run on this workload, before any process is started. Pure.
   */
  plan(cfg: ResolvedConfig): readonly Row[];
  /** One line for stderr before the first row: what runs, for about how long, where it is pinned. Pure. */
  describePlan(cfg: ResolvedConfig, rows: readonly Row[], pinning: Pinning): string;
  /**
   * Runs one planned row, printing its progress on stderr, and yields each record as it is
   * finished (a sweep is several), so an interrupt keeps them. Never throws for a failed
   * measurement: that is a record with state 'failed' (or 'aborted' once the signal fired).
   */
  run(row: Row, ctx: RowContext): AsyncIterable<RunRecord>;
  /** The Markdown report of a result this workload produced (`--format md`). Pure. */
  renderMarkdown(result: BenchResult, resultPath?: string): string;
}
