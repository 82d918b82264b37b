// `npm run bench -- [flags]`: the edge where arguments are read, the run is driven, progress
// and the report are printed, and the result file is written.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { ConfigError, mergeConfig, resolveConfig, type BenchConfigInput, type ResolvedConfig } from '../config.ts';
import { PROTOCOL_NAMES, isProtocolName, type ProtocolName } from '../protocols.ts';
import { SCENARIOS, SCENARIO_NAMES } from '../../scenarios/registry.ts';
import { planPinning, stopAll } from '../procs/control.ts';
import { runProtocol, type ProgressEvent } from '../workloads/request-response.ts';
import { SUMMARY_FORMATS, formatSummary, isSummaryFormat, type SummaryFormat } from '../output/formats.ts';
import { checkThresholds, formatBroken } from '../results/thresholds.ts';
import { defaultResultPath, writeResult } from '../results/io.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';
import { parseLoadSpec } from '../load/model.ts';
import { ProbeTracker } from '../metrics/probe.ts';
import { AUTOCANNON_PROTOCOLS } from '../load/autocannon.ts';
import { DEFAULT_SWEEP_FRACTIONS, sweepRates, sweepVariant } from '../run/sweep.ts';
import type { Pinning } from '../results/schema.ts';
import type { RunHooks } from '../workloads/request-response.ts';
import { FANOUT_TRANSPORTS, isFanoutTransport } from '../workloads/fanout-transports.ts';
import { FanoutUsageError, runFanoutMain } from '../run/fanout-main.ts';
import { buildResult } from '../results/build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const FLAGS = {
  scenario: { type: 'string', help: 'scenario to run (see --list)' },
  protocols: { type: 'string', help: `comma list of: ${PROTOCOL_NAMES.join(', ')}` },
  duration: { type: 'string', help: 'measured seconds per protocol' },
  warmup: { type: 'string', help: 'warm-up seconds per protocol (samples discarded)' },
  connections: { type: 'string', help: 'connections from the load generator' },
  inflight: { type: 'string', help: 'calls in flight per connection' },
  target: { type: 'string', multiple: true, help: 'PROTOCOL=URL: measure a server someone else runs (repeatable)' },
  sweep: { type: 'boolean', help: 'latency-throughput curve: open-loop rates from 10% to 120% of the closed-loop maximum' },
  delay: { type: 'string', help: 'one-way network delay in ms between generator and server (delaying TCP proxy; round trip = 2 x MS)' },
  subscribers: { type: 'string', help: 'fanout: concurrent subscribers, or a comma list to run each (e.g. 1,1000,10000)' },
  'event-rate': { type: 'string', help: 'fanout: events per second the server emits, or a comma list' },
  'poll-interval': { type: 'string', help: 'fanout: short-polling interval in ms, or a comma list' },
  'page-size': { type: 'string', help: 'listUsers: users per page (default 100)' },
  'offset-depth': { type: 'string', help: 'listUsers: where the deep offset/cursor rows start (default 9000)' },
  'batch-size': { type: 'string', help: 'createUsers: users per batch (default 100)' },
  store: { type: 'string', help: 'backing store of the servers: memory (default) or sqlite (a seeded temporary file)' },
  driver: { type: 'string', help: 'autocannon: add an autocannon-driven row beside rest and graphql (cross-check)' },
  workers: { type: 'string', help: 'load-generator processes per run (histograms merged)' },
  repeat: { type: 'string', help: 'runs of each protocol, interleaved A B C A B C' },
  load: { type: 'string', help: 'load model: closed:CONNxINFLIGHT, rate:OPS_PER_S, poisson:OPS_PER_S, stages:RATE@S,...' },
  out: { type: 'string', help: 'result file path (default results/<scenario>-<time>.json)' },
  format: { type: 'string', help: `printed summary: ${SUMMARY_FORMATS.join(', ')} (default md, the report; json/csv for spreadsheets and dashboards)` },
  config: { type: 'string', help: 'config file (default bench.config.ts)' },
  list: { type: 'boolean', help: 'list scenarios and their protocols' },
  help: { type: 'boolean', help: 'this help' },
} as const;

export class UsageError extends Error {}

function usage(): string {
  const lines = ['usage: npm run bench -- [--scenario NAME] [--protocols a,b] [--duration S] [--warmup S] [--connections N] [--inflight N] [--out FILE]', '', 'flags:'];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(12)} ${f.help}`);
  return lines.join('\n');
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${v}"`);
  return n;
}

export function parseCli(argv: string[]): { layer: BenchConfigInput; list: boolean; help: boolean; configPath?: string; format: SummaryFormat } {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    throw new UsageError(`${msg}\nvalid flags: ${Object.keys(FLAGS).map((f) => `--${f}`).join(', ')}`);
  }
  const layer: BenchConfigInput = {};
  if (values.scenario !== undefined) {
    if (!SCENARIO_NAMES.includes(values.scenario)) throw new UsageError(`unknown scenario "${values.scenario}"; valid: ${SCENARIO_NAMES.join(', ')}`);
    layer.scenario = values.scenario;
  }
  if (values.protocols !== undefined) {
    const names = values.protocols.split(',').map((s) => s.trim()).filter(Boolean);
    // Push transports (fanout rows) are names too; a scenario that cannot run one says so later.
    const unknown = names.filter((n) => !isProtocolName(n) && !isFanoutTransport(n));
    if (unknown.length || names.length === 0) throw new UsageError(`unknown protocol${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; valid: ${PROTOCOL_NAMES.join(', ')} (fanout: ${FANOUT_TRANSPORTS.join(', ')})`);
    layer.protocols = names as ProtocolName[];
  }
  const assign = <K extends 'duration' | 'warmup' | 'connections' | 'inflight' | 'repeat' | 'workers'>(k: K): void => {
    const n = num(k, values[k]);
    if (n !== undefined) layer[k] = n;
  };
  assign('duration');
  assign('warmup');
  assign('connections');
  assign('inflight');
  assign('repeat');
  assign('workers');
  if (values.load !== undefined) {
    try {
      parseLoadSpec(values.load);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    layer.load = values.load;
  }
  if (values.target !== undefined) {
    const targets: Record<string, string> = {};
    for (const t of values.target) {
      const eq = t.indexOf('=');
      const proto = eq > 0 ? t.slice(0, eq) : '';
      if (!isProtocolName(proto)) throw new UsageError(`--target ${t}: expected PROTOCOL=URL with PROTOCOL one of ${PROTOCOL_NAMES.join(', ')}`);
      targets[proto] = t.slice(eq + 1);
    }
    layer.targets = targets;
  }
  if (values.sweep) layer.sweep = true;
  const delay = num('delay', values.delay);
  if (delay !== undefined) layer.delayMs = delay;
  const numList = (flag: string, v: string | undefined): number | number[] | undefined => {
    if (v === undefined) return undefined;
    const xs = v.split(',').map((x) => num(flag, x) as number);
    return xs.length === 1 ? xs[0] : xs;
  };
  const subs = numList('subscribers', values.subscribers);
  if (subs !== undefined) layer.subscribers = subs;
  const rate = numList('event-rate', values['event-rate']);
  if (rate !== undefined) layer.eventRate = rate;
  const poll = numList('poll-interval', values['poll-interval']);
  if (poll !== undefined) layer.pollIntervalMs = poll;
  const pageSize = num('page-size', values['page-size']);
  if (pageSize !== undefined) layer.pageSize = pageSize;
  const offsetDepth = num('offset-depth', values['offset-depth']);
  if (offsetDepth !== undefined) layer.offsetDepth = offsetDepth;
  const batchSize = num('batch-size', values['batch-size']);
  if (batchSize !== undefined) layer.batchSize = batchSize;
  if (values.store !== undefined) {
    if (values.store !== 'memory' && values.store !== 'sqlite') throw new UsageError(`unknown store "${values.store}"; valid: memory, sqlite`);
    layer.store = values.store;
  }
  if (values.driver !== undefined) {
    if (values.driver !== 'harness' && values.driver !== 'autocannon') throw new UsageError(`unknown driver "${values.driver}"; valid: harness, autocannon`);
    layer.driver = values.driver;
  }
  if (values.out !== undefined) layer.out = values.out;
  const format = values.format ?? 'md';
  if (!isSummaryFormat(format)) throw new UsageError(`--format must be one of ${SUMMARY_FORMATS.join(', ')}, got "${format}"`);
  return { layer, list: values.list ?? false, help: values.help ?? false, configPath: values.config, format };
}

async function loadConfigFile(p: string | undefined): Promise<BenchConfigInput> {
  const file = p ? path.resolve(p) : path.join(ROOT, 'bench.config.ts');
  if (!existsSync(file)) {
    if (p) throw new UsageError(`config file not found: ${p}`);
    return {};
  }
  const mod = (await import(pathToFileURL(file).href)) as { default?: BenchConfigInput };
  return mod.default ?? {};
}

function listScenarios(): string {
  const lines: string[] = [];
  for (const s of Object.values(SCENARIOS)) {
    lines.push(`${s.name.padEnd(16)} ${s.description}`);
    const withVariants = (p: string): string => (s.variants?.[p as ProtocolName] ? `${p} (${s.variants[p as ProtocolName]!.join(', ')})` : p);
    lines.push(`${''.padEnd(16)} protocols: ${(s.transports ?? s.protocols).map(withVariants).join(', ')}`);
    for (const [p, why] of Object.entries(s.notExpressible ?? {})) lines.push(`${''.padEnd(16)} not expressible on ${p}: ${why}`);
  }
  return lines.join('\n');
}

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
  if (cannot.length) throw new UsageError(`scenario ${scenario.name} cannot be expressed on ${cannot.join(', ')}; it runs on ${scenario.protocols.join(', ')}`);
  return wanted;
}

/** One protocol's sweep: the closed-loop maximum, then open-loop steps at fractions of it. */
async function runSweep(p: ProtocolName, cfg: ResolvedConfig, pinning: Pinning, hooks: RunHooks, runs: RunRecord[], probe: NonNullable<RunRecord['probe']>): Promise<void> {
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
  const pinning = cfg.pin ? planPinning() : { method: 'none' as const, server: null, generator: null, reason: 'disabled in config' };
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
      console.error(`could not write the result to ${outPath}: ${(err as Error).message}\nthe result follows on stdout so nothing is lost:`);
      console.log(JSON.stringify(result));
    }
    console.log(formatSummary(result, cli.format, written));
  };

  // Rows: a protocol with variants runs once per variant.
  const total = protocols.reduce((n, p) => n + (scenario.variants?.[p]?.length ?? 1), 0);
  console.error(`scenario ${cfg.scenario}: ${total} protocol(s)${cfg.repeat > 1 ? ` x ${cfg.repeat} repeats` : ''}, ~${Math.ceil(cfg.repeat * total * (cfg.warmup + cfg.duration + 2))} s; ${pinning.method === 'taskset' ? `server pinned to CPU ${pinning.server}, generator to CPU ${pinning.generator}` : `no CPU pinning (${pinning.reason})`}`);
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
          console.error(`[${p}] the CPU probe took ${probe.ms} ms against ${probe.baselineMs} ms at best: machine slowed, running again`);
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

const isEntry = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof ConfigError || err instanceof FanoutUsageError) {
        console.error(err.message);
        process.exit(2);
      }
      console.error(err);
      void stopAll().then(() => process.exit(1));
    },
  );
}
