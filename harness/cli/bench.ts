// `npm run bench -- [flags]`: the edge where arguments are read, the run is driven, progress
// and the report are printed, and the result file is written.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig, resolveConfig, type ResolvedConfig } from '../config.ts';
import { type ProtocolName } from '../protocols.ts';
import { SCENARIOS, SCENARIO_NAMES } from '../../scenarios/registry.ts';
import { planPinning, stopAll } from '../procs/control.ts';
import { runProtocol, type ProgressEvent } from '../workloads/request-response.ts';
import { formatSummary } from '../output/formats.ts';
import { listScenarios, loadConfigFile, parseCli, usage } from '../run/args.ts';
import { checkThresholds, formatBroken } from '../results/thresholds.ts';
import { defaultResultPath, writeResult } from '../results/io.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';
import { ProbeTracker } from '../metrics/probe.ts';
import { AUTOCANNON_PROTOCOLS } from '../load/autocannon.ts';
import { DEFAULT_SWEEP_FRACTIONS, sweepRates, sweepVariant } from '../run/sweep.ts';
import type { Pinning } from '../results/schema.ts';
import type { RunHooks } from '../workloads/request-response.ts';
import { runFanoutMain } from '../run/fanout-main.ts';
import { buildResult } from '../results/build.ts';
import { UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function progressPrinter(): (e: ProgressEvent) => void {
  const tty = process.stderr.isTTY;
  return (e) => {
    let line: string;
    if (e.phase === 'warmup' || e.phase === 'measure') {
      line = `[${e.protocol}] ${e.phase} ${((e.elapsedMs ?? 0) / 1000).toFixed(1)}/${((e.totalMs ?? 0) / 1000).toFixed(1)} s  ${(e.opsPerSec ?? 0).toLocaleString('en-US')} ops/s`;
    } else if (e.phase === 'done') {
      line = `[${e.protocol}] done: ${Math.round(e.opsPerSec ?? 0).toLocaleString('en-US')} ops/s`;
    } else if (e.phase === 'failed') {
      line = `[${e.protocol}] FAILED: ${e.message ?? ''}`;
    } else {
      line = `[${e.protocol}] ${e.phase === 'start' ? 'starting server' : 'verifying answers against the store'}`;
    }
    if (tty) process.stderr.write(`\r\x1b[K${line}${e.phase === 'done' || e.phase === 'failed' ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

export function protocolsFor(cfg: ResolvedConfig): ProtocolName[] {
  const scenario = SCENARIOS[cfg.scenario];
  if (!scenario) throw new UsageError(`unknown scenario "${cfg.scenario}"; valid: ${SCENARIO_NAMES.join(', ')}`);
  const wanted = (cfg.protocols ?? scenario.protocols) as ProtocolName[];
  const cannot = wanted.filter((p) => !scenario.protocols.includes(p));
  if (cannot.length)
    throw new UsageError(
      `scenario ${scenario.name} cannot be expressed on ${cannot.join(', ')}; it runs on ${scenario.protocols.join(', ')}`,
    );
  return wanted;
}

/** One protocol's sweep: the closed-loop maximum, then open-loop steps at fractions of it. */
async function runSweep(
  p: ProtocolName,
  cfg: ResolvedConfig,
  pinning: Pinning,
  hooks: RunHooks,
  runs: RunRecord[],
  probe: NonNullable<RunRecord['probe']>,
): Promise<void> {
  const max = await runProtocol(p, { ...cfg, load: undefined }, pinning, hooks);
  max.variant = sweepVariant('max');
  max.probe = probe;
  runs.push(max);
  if (max.state !== 'ok' || max.opsPerSec <= 0) return;
  const fractions = Array.isArray(cfg.sweep) ? cfg.sweep : DEFAULT_SWEEP_FRACTIONS;
  for (const { fraction, rate } of sweepRates(max.opsPerSec, fractions)) {
    if (hooks.signal?.aborted) break;
    console.error(`[${p}] sweep step ${Math.round(fraction * 100)}%: ${rate.toLocaleString('en-US')} calls/s`);
    const step = await runProtocol(p, { ...cfg, load: { model: 'rate', rate } }, pinning, hooks);
    step.variant = sweepVariant(fraction);
    step.sweep = { fraction, maxOpsPerSec: max.opsPerSec };
    runs.push(step);
  }
}

export async function main(argv: string[]): Promise<number> {
  const cli = parseCli(argv);
  if (cli.help) {
    console.log(usage());
    return 0;
  }
  if (cli.list) {
    console.log(listScenarios());
    return 0;
  }
  const cfg = resolveConfig(mergeConfig(await loadConfigFile(cli.configPath), cli.layer));
  // Push fan-out is not request/response: its own runner (harness/workloads/fanout.ts).
  if (cfg.scenario === 'fanout') return runFanoutMain(cfg, cli.format);
  const protocols = protocolsFor(cfg);
  const scenario = SCENARIOS[cfg.scenario]!;
  const pinning = cfg.pin
    ? planPinning()
    : { method: 'none' as const, server: null, generator: null, reason: 'disabled in config' };
  const startedAt = new Date();
  const runs: RunRecord[] = [];
  const outPath = cfg.out ?? defaultResultPath(path.resolve(ROOT, cfg.resultsDir), cfg.scenario, startedAt);

  const build = (state: BenchResult['state']): BenchResult => buildResult(state, { cfg, scenario, startedAt, pinning, runs });

  // An interrupt asks the running generator to close its window and report (its partial
  // run is kept, marked aborted), then stops every child. A hard deadline keeps the whole
  // shutdown under 2 s even if a child does not answer.
  let interrupted = false;
  const abort = new AbortController();
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
    }, 1200).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let finished = false;
  const finish = (result: BenchResult): void => {
    if (finished) return; // the interrupt deadline and the main loop may both get here
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
    console.log(formatSummary(result, cli.format, written));
  };

  // Rows: a protocol with variants runs once per variant.
  const total = protocols.reduce((n, p) => n + (scenario.variants?.[p]?.length ?? 1), 0);
  console.error(
    `scenario ${cfg.scenario}: ${total} protocol(s)${cfg.repeat > 1 ? ` x ${cfg.repeat} repeats` : ''}, ~${Math.ceil(cfg.repeat * total * (cfg.warmup + cfg.duration + 2))} s; ${pinning.method === 'taskset' ? `server pinned to CPU ${pinning.server}, generator to CPU ${pinning.generator}` : `no CPU pinning (${pinning.reason})`}`,
  );
  const onProgress = progressPrinter();
  const probes = new ProbeTracker(cfg.probe.slowdown);
  // Interleaved repeats (A B C A B C): slow drift of a shared machine spreads over every row
  // instead of landing on whichever protocol happened to run during it.
  rounds: for (let repeat = 0; repeat < cfg.repeat; repeat++) {
    if (cfg.repeat > 1) console.error(`round ${repeat + 1}/${cfg.repeat}`);
    for (const [p, variant] of protocols.flatMap((p) => (scenario.variants?.[p] ?? [undefined]).map((v) => [p, v] as const))) {
      const rowHooks = variant === undefined ? {} : { variant };
      for (let reruns = 0; ; reruns++) {
        if (interrupted) break rounds;
        const probe = probes.read();
        if (cfg.sweep) {
          // A sweep is many runs; it is not rerun as a whole on a slowed probe.
          await runSweep(p, cfg, pinning, { onProgress, repeat, signal: abort.signal }, runs, { ...probe, reruns: 0 });
          break;
        }
        const record = await runProtocol(p, cfg, pinning, { onProgress, repeat, signal: abort.signal, ...rowHooks });
        record.probe = { ...probe, reruns };
        if (probe.slowed && record.state === 'ok' && reruns < cfg.probe.reruns && !interrupted) {
          console.error(
            `[${p}] the CPU probe took ${probe.ms} ms against ${probe.baselineMs} ms at best: machine slowed, running again`,
          );
          continue;
        }
        runs.push(record);
        if (interrupted) break rounds;
        break;
      }
      if (cfg.driver === 'autocannon' && AUTOCANNON_PROTOCOLS.includes(p) && !interrupted) {
        const record = await runProtocol(p, cfg, pinning, { onProgress, repeat, signal: abort.signal, driver: 'autocannon' });
        runs.push(record);
      }
    }
  }
  if (interrupted) {
    await stopAll(300);
    finish(build('aborted'));
    return 130;
  }
  const failed = runs.some((r) => r.state !== 'ok');
  finish(build(failed ? 'partial' : 'complete'));
  // On stderr so a --format json|csv summary on stdout stays parseable.
  const broken = checkThresholds(cfg.thresholds, cfg.scenario, runs);
  for (const b of broken) console.error(formatBroken(b));
  return failed || broken.length ? 1 : 0;
}

runEntry(import.meta.url, main, { cleanup: () => stopAll() });
