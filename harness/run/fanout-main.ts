// `npm run bench -- --scenario fanout ...`: the edge of the fanout runner (cli.ts hands the
// resolved config over): runs every planned (transport, K, rate, poll interval), prints
// progress on stderr and the report on stdout, writes the result file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config.ts';
import { planPinning, stopAll } from '../procs/control.ts';
import { defaultResultPath, writeResult } from '../results/io.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';
import { formatSummary, type SummaryFormat } from '../output/formats.ts';
import { FANOUT_TRANSPORTS, isFanoutTransport, type FanoutTransport } from '../workloads/fanout-transports.ts';
import { fanoutPlan, fanoutSettings, runFanout } from '../workloads/fanout.ts';
import { renderFanoutReport } from '../output/fanout-markdown.ts';
import { SCENARIOS } from '../../scenarios/registry.ts';
import { buildResult } from '../results/build.ts';
import { UsageError } from '../errors.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function fanoutTransports(cfg: ResolvedConfig): FanoutTransport[] {
  const wanted = cfg.protocols ?? [...FANOUT_TRANSPORTS];
  const bad = wanted.filter((p) => !isFanoutTransport(p));
  if (bad.length) throw new UsageError(`scenario fanout runs on ${FANOUT_TRANSPORTS.join(', ')}; not on ${bad.join(', ')}`);
  return wanted as FanoutTransport[];
}

export async function runFanoutMain(cfg: ResolvedConfig, format: SummaryFormat): Promise<number> {
  const transports = fanoutTransports(cfg);
  const { subscribers, eventRates, pollIntervals, options } = fanoutSettings(cfg);
  const plan = fanoutPlan(transports, subscribers, eventRates, pollIntervals);
  const scenario = SCENARIOS.fanout!;
  const pinning = cfg.pin
    ? planPinning()
    : { method: 'none' as const, server: null, generator: null, reason: 'disabled in config' };
  const startedAt = new Date();
  const outPath = cfg.out ?? defaultResultPath(path.resolve(ROOT, cfg.resultsDir), cfg.scenario, startedAt);
  const runs: RunRecord[] = [];
  const build = (state: BenchResult['state']): BenchResult => buildResult(state, { cfg, scenario, startedAt, pinning, runs });
  let finished = false;
  const finish = (result: BenchResult): void => {
    if (finished) return;
    finished = true;
    let written: string | undefined;
    try {
      written = writeResult(outPath, result);
    } catch (err) {
      console.error(
        `could not write the result to ${outPath}: ${(err as Error).message}\nthe result follows on stdout so nothing is lost:`,
      );
      console.log(JSON.stringify(result));
    }
    console.log(format === 'md' ? renderFanoutReport(result, written) : formatSummary(result, format, written));
  };

  const abort = new AbortController();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping; keeping what was measured\n`);
    abort.abort();
    setTimeout(() => {
      void stopAll(300).then(() => {
        finish(build('aborted'));
        process.exit(130);
      });
    }, 2000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const perRun = cfg.warmup + cfg.duration + options.drainMs / 1000 + 4;
  console.error(
    `scenario fanout: ${plan.length} run(s) (${transports.join(', ')}; K ${subscribers.join(', ')}; ${eventRates.join(', ')} events/s${transports.includes('poll') ? `; poll every ${pollIntervals.join(', ')} ms` : ''}), ` +
      `~${Math.ceil(plan.length * perRun)} s plus connection time; ${pinning.method === 'taskset' ? `server pinned to CPU ${pinning.server}, subscribers to CPU ${pinning.generator}` : `no CPU pinning (${pinning.reason})`}`,
  );
  for (const [i, spec] of plan.entries()) {
    if (interrupted) break;
    runs.push(
      await runFanout(spec, cfg, options, pinning, { onProgress: (l) => console.error(l), signal: abort.signal, runIndex: i }),
    );
  }
  if (interrupted) {
    await stopAll(300);
    finish(build('aborted'));
    return 130;
  }
  const failed = runs.some((r) => r.state !== 'ok');
  finish(build(failed ? 'partial' : 'complete'));
  return failed ? 1 : 0;
}
