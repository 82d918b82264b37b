// A workload is one way of loading a server and measuring it (request/response calls, pushed
// events fanned out to subscribers), the way k6 has executors: it plans the rows of a run from
// the resolved config, runs one planned row into its run record(s) and says what it will do.
// One session (run/session.ts) runs them all; outputs (harness/output/) render what they produced.
import type { ResolvedConfig } from '../config.ts';
import type { Pinning } from '../results/schema.ts';
import type { RunRecord } from '../results/types.ts';

/** The workloads there are; a scenario picks one by name (scenarios/types.ts `workload`). */
export type WorkloadName = 'request-response' | 'fanout';

/**
 * A live update from a running row. `note` is a line of its own (fanout's connection and drain
 * steps, a request/response round); the others are a protocol row's phases.
 */
/**
 * One closed interval of a row's measured window (issue 17's per-interval series), sent as it
 * closes so live outputs (the TTY line, OpenMetrics) see the run unfold. `histogram` is the
 * interval's own latency HdrHistogram (microseconds), encoded (harness/metrics/histogram.ts),
 * so consumers can merge intervals exactly instead of averaging percentiles.
 */
export interface IntervalProgress {
  /** Interval start, ms from the measured window's start. */
  tMs: number;
  durationMs: number;
  ops: number;
  errors: number;
  histogram: string;
}

export interface ProgressEvent {
  protocol: string;
  /** The row's implementation name when it is not the server's reference (issue 14). */
  implementation?: string;
  /** Set on 'measure' events that close an interval. */
  interval?: IntervalProgress;
  phase: 'start' | 'verify' | 'warmup' | 'measure' | 'done' | 'failed' | 'note';
  elapsedMs?: number;
  totalMs?: number;
  opsPerSec?: number;
  message?: string;
}

/** What the session hands a row's run. */
export interface RowContext {
  cfg: ResolvedConfig;
  pinning: Pinning;
  /** Interrupt: the running row closes its measured window now and reports what it has (state 'aborted'). */
  signal: AbortSignal;
  /** The row's index in the plan. */
  index: number;
  /** Where the row reports progress (the session hands it to the progress output). */
  progress: (e: ProgressEvent) => void;
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
}
