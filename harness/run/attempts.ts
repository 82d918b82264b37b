// The disturbed-run policy, in one place for every workload: each row is an attempt; its
// records get the machine block of their own window; a disturbed single-record row is run again
// up to `reruns` times. Nothing is dropped: every attempt stays (attempt 1, 2, ...), all but the
// last marked superseded. A row of several records (a sweep, whose steps are judged one by one)
// is marked, not rerun: its knee treats a disturbed step as noise.
import type { MachineBlock } from '../metrics/disturbance.ts';
import type { RunRecord } from '../results/types.ts';
import type { ProgressEvent } from '../workloads/types.ts';
import { rowLabel } from '../results/row-identity.ts';

/** What the policy needs of the machine meters (metrics/machine-watch.ts; a fake in tests). */
export interface MachineWatch {
  /** Before an attempt: wait for quiet when asked, time the loopback probe, open a window. */
  beforeRun(note: (message: string) => void): Promise<void>;
  /** The measured window opened (a load generator entered it): restart the window there. */
  windowOpened(): void;
  /** A record is finished: the machine block over its window; the next window opens. */
  judge(): Promise<MachineBlock>;
  /** Issue 17: hiccups by interval of a record's series (window start, epoch ms); null where not held. */
  intervalHiccups?(startMs: number, intervalMs: number, count: number): Promise<({ p99: number; max: number } | null)[]>;
}

export interface AttemptOptions {
  reruns: number;
  signal: AbortSignal;
  /** Where a note goes (the progress output). */
  note: (message: string) => void;
}

/** Pure: should this attempt, which yielded `records`, be run again? */
export function shouldRerun(records: readonly RunRecord[], attempt: number, reruns: number, aborted: boolean): boolean {
  const only = records.length === 1 ? records[0]! : null;
  return only !== null && only.state === 'ok' && only.machine?.disturbed === true && attempt <= reruns && !aborted;
}

/**
 * Runs one row (`run` is the workload's run with a progress callback) under the policy; yields
 * each record as it is finished, so an interrupt keeps it. A record yielded from a superseded
 * attempt is marked `superseded: true` once the policy decides to run again.
 */
export async function* runWithReruns(
  run: (progress: (e: ProgressEvent) => void) => AsyncIterable<RunRecord>,
  progress: (e: ProgressEvent) => void,
  watch: MachineWatch | null,
  o: AttemptOptions,
): AsyncGenerator<RunRecord> {
  if (!watch) {
    yield* run(progress);
    return;
  }
  for (let attempt = 1; ; attempt++) {
    // A meter that died (or was stopped by an interrupt) costs the machine block, never the run.
    await watch.beforeRun(o.note).catch((err: Error) => o.note(`machine meters: ${err.message}`));
    let waitingForWindow = true;
    const watched = (e: ProgressEvent): void => {
      if (waitingForWindow && e.phase === 'measure') {
        waitingForWindow = false;
        watch.windowOpened();
      }
      progress(e);
    };
    const records: RunRecord[] = [];
    for await (const record of run(watched)) {
      await withIntervalHiccups(watch, record).catch((err: Error) => o.note(`machine meters: ${err.message}`));
      const machine = await watch.judge().catch((err: Error) => o.note(`machine meters: ${err.message}`));
      if (machine) record.machine = machine;
      record.attempt = attempt;
      waitingForWindow = true;
      records.push(record);
      if (record.machine?.disturbed) o.note(`${rowLabel(record)}: machine disturbed: ${record.machine.reasons.join('; ')}`);
      yield record;
    }
    if (!shouldRerun(records, attempt, o.reruns, o.signal.aborted)) return;
    records[0]!.superseded = true;
    o.note(
      `running ${rowLabel(records[0]!)} again (attempt ${attempt + 1} of at most ${o.reruns + 1}); the disturbed one is kept`,
    );
  }
}

/** Issue 17: each interval of the record's series gets its own hiccups from the meters. */
async function withIntervalHiccups(watch: MachineWatch, record: RunRecord): Promise<void> {
  const { series, startedAtMs, intervalMs } = record;
  if (!watch.intervalHiccups || !series?.length || startedAtMs === undefined || !intervalMs) return;
  const hiccups = await watch.intervalHiccups(startedAtMs, intervalMs, series.length);
  record.series = series.map((x, i) => ({ ...x, hiccupUs: hiccups[i] ?? null }));
}

/** Pure: the runs that count: every record but the superseded attempts. */
export function lastAttempts<T extends { superseded?: boolean | undefined }>(runs: readonly T[]): T[] {
  return runs.filter((r) => r.superseded !== true);
}

/** Pure: a result as its last attempts only (what the summaries, compare, thresholds and merge read). */
export function lastAttemptsOf<R extends { runs: { superseded?: boolean | undefined }[] }>(result: R): R {
  return { ...result, runs: lastAttempts(result.runs) };
}
