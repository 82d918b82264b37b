// One bench invocation, whatever its workload: plan the rows, run them one after another, and
// own, each once, what every run needs around that: SIGINT/SIGTERM with one hard deadline, the
// complete/partial/aborted state, the result file (or the JSON on stdout when it cannot be
// written), stopping every child process, the printed summary, thresholds and the exit code.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config.ts';
import { SCENARIOS, SCENARIO_NAMES } from '../../scenarios/registry.ts';
import type { ScenarioDefinition } from '../../scenarios/types.ts';
import { PINNING_DISABLED, planPinning, stopAll } from '../procs/control.ts';
import type { SummaryFormat } from '../output/formats.ts';
import { createOutput } from '../output/registry.ts';
import { progressOutput } from '../output/progress.ts';
import type { Output } from '../output/types.ts';
import { checkThresholds, formatBroken } from '../results/thresholds.ts';
import { defaultResultPath, writeResult } from '../results/io.ts';
import { buildResult } from '../results/build.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';
import { workloadOf } from '../workloads/registry.ts';
import type { ProgressEvent, Workload } from '../workloads/types.ts';
import { UsageError } from '../errors.ts';
import { MeteredMachine } from '../metrics/machine-watch.ts';
import { lastAttempts, runWithReruns } from './attempts.ts';
import { NO_CI_OUTPUTS, shardLabel, startCiOutputs, type CiOutputOptions } from './ci-outputs.ts';
import { rerunsFor } from './shard.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * After an interrupt, every child is gone and this process has exited within this long, even
 * if a child does not answer. test/reliability.test.ts checks every child is gone, with a margin
 * for a slow machine (it watches from outside the process).
 */
export const INTERRUPT_DEADLINE_MS = 2_000;
/** Grace stopAll gives a child between SIGTERM and SIGKILL once the deadline is near. */
const STOP_GRACE_MS = 300;
// The forced stop starts early enough that SIGKILL, the process reaping and the result write
// all fit before the deadline.
const FORCE_STOP_AT_MS = INTERRUPT_DEADLINE_MS - STOP_GRACE_MS - 400;

export const EXIT_INTERRUPTED = 130;

export function scenarioNamed(name: string): ScenarioDefinition {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new UsageError(`unknown scenario "${name}"; valid: ${SCENARIO_NAMES.join(', ')}`);
  return scenario;
}

/** Runs the scenario of a resolved config to the end (or the interrupt); returns the exit code. */
export async function runSession(
  cfg: ResolvedConfig,
  format: SummaryFormat,
  ciOptions: CiOutputOptions = NO_CI_OUTPUTS,
): Promise<number> {
  const scenario = scenarioNamed(cfg.scenario);
  const workload = workloadOf(scenario);
  // Planned before anything starts: a config the workload cannot run fails here (exit 2).
  return runRows(workload, workload.plan(cfg), cfg, scenario, format, ciOptions);
}

async function runRows<Row>(
  workload: Workload<Row>,
  rows: readonly Row[],
  cfg: ResolvedConfig,
  scenario: ScenarioDefinition,
  format: SummaryFormat,
  ciOptions: CiOutputOptions,
): Promise<number> {
  // Live metrics, JUnit, job summary (issue 17): a port that cannot be bound fails here, before any row.
  const ci = await startCiOutputs(ciOptions, { shard: shardLabel(cfg), note: (m) => console.error(m) });
  const pinning = cfg.pin ? planPinning() : PINNING_DISABLED;
  const startedAt = new Date();
  const outPath = cfg.out ?? defaultResultPath(path.resolve(ROOT, cfg.resultsDir), cfg.scenario, startedAt);
  const runs: RunRecord[] = [];
  const build = (state: BenchResult['state']): BenchResult => buildResult(state, { cfg, scenario, startedAt, pinning, runs });

  // Progress goes to stderr, the summary (the one output a bench run prints) to stdout, so a
  // --format json|csv summary stays parseable.
  const progress = progressOutput({ tty: Boolean(process.stderr.isTTY) });
  const summary = createOutput(format);
  const toStderr = (text: string | undefined): void => void (text && process.stderr.write(text));
  const toStdout = (text: string | undefined): void => void (text && console.log(text));
  const each = (f: (o: Output) => string | undefined): void => {
    toStderr(f(progress));
    toStdout(f(summary));
    f(ci.output);
  };

  let finished = false;
  const finish = (result: BenchResult): void => {
    if (finished) return; // the interrupt deadline and the main loop may both get here
    finished = true;
    const written = writeOrPrint(outPath, result);
    each((o) => o.end(result, written));
    ci.finish(result, written);
  };

  // An interrupt asks the running row to close its window and report (its partial record is
  // kept, marked aborted), then stops every child. The deadline holds if a child does not answer.
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (abort.signal.aborted) return;
    process.stderr.write(`\n${sig}: stopping; keeping what was measured\n`);
    abort.abort();
    setTimeout(() => {
      void stopAll(STOP_GRACE_MS).then(() => {
        finish(build('aborted'));
        process.exit(EXIT_INTERRUPTED);
      });
    }, FORCE_STOP_AT_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let machine: MeteredMachine | null = null;
  try {
    console.error(workload.describePlan(cfg, rows, pinning));
    each((o) => o.start({ scenario: cfg.scenario, runs: rows.length }));
    const onProgress = (e: ProgressEvent): void => {
      toStderr(progress.progress(e));
      ci.output.progress(e);
    };
    const note = (message: string): void => onProgress({ protocol: '', phase: 'note', message });
    machine = await startMachineWatch(cfg, note);
    for (const [index, row] of rows.entries()) {
      if (abort.signal.aborted) break;
      const run = (p: (e: ProgressEvent) => void): AsyncIterable<RunRecord> =>
        workload.run(row, { cfg, pinning, signal: abort.signal, index, progress: p });
      const attempts = runWithReruns(run, onProgress, machine, { reruns: rerunsFor(cfg), signal: abort.signal, note });
      for await (const record of attempts) {
        runs.push(record);
        each((o) => o.record(record));
      }
    }
    if (abort.signal.aborted) {
      await stopAll(STOP_GRACE_MS);
      finish(build('aborted'));
      return EXIT_INTERRUPTED;
    }
    const counted = lastAttempts(runs);
    const failed = counted.some((r) => r.state !== 'ok');
    finish(build(failed ? 'partial' : 'complete'));
    // On stderr so a --format json|csv summary on stdout stays parseable.
    const broken = checkThresholds(cfg.thresholds, cfg.scenario, runs);
    for (const b of broken) console.error(formatBroken(b));
    // A disturbed run warns and is no finding: only thresholds broken on undisturbed runs fail.
    const disturbed = counted.filter((r) => r.machine?.disturbed);
    if (disturbed.length)
      console.error(
        `warning: ${disturbed.length} of ${counted.length} runs ran on a disturbed machine (reruns exhausted); see their reasons`,
      );
    return failed || broken.some((b) => !b.inconclusive) ? 1 : 0;
  } finally {
    await machine?.stop().catch(() => undefined);
    await ci.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The machine meters when the config wants them; a machine where they cannot start runs without. */
async function startMachineWatch(cfg: ResolvedConfig, note: (m: string) => void): Promise<MeteredMachine | null> {
  if (!cfg.machine.meters) return null;
  try {
    return await MeteredMachine.start(cfg, note);
  } catch (err) {
    note(`machine meters unavailable (${(err as Error).message}): runs carry no machine block`);
    return null;
  }
}

/** Writes the result file (atomically); when that fails, the JSON goes to stdout so nothing is lost. */
function writeOrPrint(outPath: string, result: BenchResult): string | undefined {
  try {
    return writeResult(outPath, result);
  } catch (err) {
    console.error(
      `could not write the result to ${outPath}: ${(err as Error).message}\nthe result follows on stdout so nothing is lost:`,
    );
    console.log(JSON.stringify(result));
    return undefined;
  }
}
