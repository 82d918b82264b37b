// The bench command's arguments: its flags (with help), their parsing into a config layer, the
// config file, and the scenario list. Pure but for reading the config file.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { BenchConfigInput } from '../config.ts';
import { PROTOCOL_NAMES, isProtocolName, type ProtocolName } from '../protocols.ts';
import { SCENARIOS, SCENARIO_NAMES } from '../../scenarios/registry.ts';
import { SUMMARY_FORMATS, isSummaryFormat, type SummaryFormat } from '../output/formats.ts';
import { parseLoadSpec } from '../load/model.ts';
import { FANOUT_TRANSPORTS, isFanoutTransport } from '../workloads/fanout-transports.ts';
import { UsageError } from '../errors.ts';
import { listImplementations, scenarioImplementationLines } from './implementations.ts';
import { parseShardSpec, parseStartAt } from './shard.ts';
import { describeOptions, helpOf, optionFlags, optionsLayer, parseArgsOptions } from '../../scenarios/options.ts';
import { DEFAULT_METRICS_HOST, type CiOutputOptions } from './ci-outputs.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const FLAGS = {
  scenario: { type: 'string', help: 'scenario to run (see --list)' },
  protocols: { type: 'string', help: `comma list of: ${PROTOCOL_NAMES.join(', ')}` },
  duration: { type: 'string', help: 'measured seconds per protocol' },
  warmup: { type: 'string', help: 'warm-up seconds per protocol (samples discarded)' },
  connections: {
    type: 'string',
    help: 'connections from the load generator, every row (default: 32 calls outstanding; HTTP/1.1 32x1, multiplexed 4x8)',
  },
  inflight: { type: 'string', help: 'calls in flight per connection, every row (>1 on HTTP/1.1 pipelines: pipelined-N)' },
  pipelining: { type: 'string', help: 'HTTP/1.1 rows: N requests pipelined per connection, 32/N connections (pipelined-N)' },
  target: { type: 'string', multiple: true, help: 'PROTOCOL=URL: measure a server someone else runs (repeatable)' },
  // --- issue 16, item 3 (server stats across hosts) ---
  'server-stats': {
    type: 'string',
    multiple: true,
    help: "[PROTOCOL=]URL: a --target server's stats (npm run serve --admin-port), read at the window's edges for its CPU",
  },
  // --- end of issue 16, item 3 ---
  sweep: { type: 'boolean', help: 'latency-throughput curve: open-loop rates from 10% to 120% of the closed-loop maximum' },
  delay: {
    type: 'string',
    help: 'one-way network delay in ms between generator and server (delaying TCP proxy; round trip = 2 x MS)',
  },
  'inject-server-cpu-us': {
    type: 'string',
    help: 'every server spins N us of CPU per request (a planted regression, to prove the CI gate)',
  },
  store: { type: 'string', help: 'backing store of the servers: memory (default) or sqlite (a seeded temporary file)' },
  driver: { type: 'string', help: 'autocannon: add an autocannon-driven row beside rest and graphql (cross-check)' },
  workers: { type: 'string', help: 'load-generator processes per run (histograms merged)' },
  repeat: { type: 'string', help: 'runs of each protocol, interleaved A B C A B C' },
  load: { type: 'string', help: 'load model: closed:CONNxINFLIGHT, rate:OPS_PER_S, poisson:OPS_PER_S, stages:RATE@S,...' },
  // Issue 17 (per-interval series).
  'interval-ms': { type: 'string', help: 'length of each interval of the per-interval series and live lines, ms (default 1000)' },
  'wait-quiet': { type: 'string', help: 'before each run, wait up to S seconds for a quiet machine (default: do not wait)' },
  // --- issue 14: implementations (harness/run/implementations.ts) ---
  impl: {
    type: 'string',
    help: "server implementations: NAME[,NAME] or all (default: each protocol's reference; --list shows them)",
  },
  'target-impl': {
    type: 'string',
    multiple: true,
    help: 'PROTOCOL=NAME[@VERSION]: what a --target server is, for its record (repeatable; default unknown)',
  },
  // --- end of issue 14 ---
  // --- issue 16, items 1-2 (generator shards; harness/run/shard.ts) ---
  shard: {
    type: 'string',
    help: 'I/N: be generator shard I (0-based) of N against --target servers; auto/N: I from JOB_COMPLETION_INDEX',
  },
  'start-at': {
    type: 'string',
    help: 'shared start (epoch ms or ISO time): warm-up begins then on every shard; late ones start at once',
  },
  'shard-gap': { type: 'string', help: "with --start-at: seconds between a row's window and the next row's start (default 10)" },
  // --- end of issue 16, items 1-2 ---
  out: { type: 'string', help: 'result file path (default results/<scenario>-<time>.json)' },
  format: {
    type: 'string',
    help: `printed summary: ${SUMMARY_FORMATS.join(', ')} (default md, the report; json/csv for spreadsheets and dashboards)`,
  },
  config: { type: 'string', help: 'config file (default bench.config.ts)' },
  // --- issue 17, items 3-4 (CI outputs): live metrics, JUnit, version ---
  'metrics-port': {
    type: 'string',
    help: 'serve OpenMetrics at http://HOST:PORT/metrics while the bench runs (0: any free port, printed)',
  },
  'metrics-host': { type: 'string', help: `address the metrics listen on (default ${DEFAULT_METRICS_HOST})` },
  junit: { type: 'string', help: 'also write a JUnit XML report: a case per run and per threshold' },
  version: { type: 'boolean', help: "print the harness's version and exit" },
  // --- end issue 17 ---
  list: { type: 'boolean', help: 'list scenarios and their protocols' },
  help: { type: 'boolean', help: 'this help' },
} as const;

/** The scenarios' own option flags (--page-size, --subscribers, ...), declared in scenarios/<name>.ts. */
const OPTION_FLAGS = optionFlags(SCENARIOS);
// A scenario's flag named like one of the bench's own would be shadowed without a word: refuse it.
const shadowed = OPTION_FLAGS.filter((f) => Object.hasOwn(FLAGS, f.flag)).map((f) => `--${f.flag}`);
if (shadowed.length) throw new Error(`scenario option flags ${shadowed.join(', ')} are already bench flags; rename them`);

export function usage(): string {
  const lines = [
    'usage: npm run bench -- [--scenario NAME] [--protocols a,b] [--duration S] [--warmup S] [--connections N] [--inflight N]',
    '                        [--pipelining N] [--out FILE]',
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(12)} ${f.help}`);
  lines.push('', "scenario options (a scenario's own; `--list` shows each scenario's options and defaults):");
  for (const f of OPTION_FLAGS) lines.push(`  --${f.flag.padEnd(12)} ${helpOf(f)}`);
  return lines.join('\n');
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${v}"`);
  return n;
}

/** parseArgs' typed view of the bench's own flags. */
type BenchFlagValues = ReturnType<typeof parseArgs<{ options: typeof FLAGS; strict: true; allowPositionals: false }>>['values'];

export function parseCli(
  argv: string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): {
  layer: BenchConfigInput;
  list: boolean;
  help: boolean;
  configPath?: string;
  format: SummaryFormat;
  ci: CiOutputOptions;
} {
  let values: BenchFlagValues;
  let optionValues: Record<string, unknown>;
  try {
    const options = { ...parseArgsOptions(OPTION_FLAGS), ...FLAGS };
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    optionValues = parsed.values;
    // The bench's own flags keep their parseArgs types; the scenarios' flags are read by name.
    values = parsed.values as BenchFlagValues;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    throw new UsageError(
      `${msg}\nvalid flags: ${[...Object.keys(FLAGS), ...OPTION_FLAGS.map((f) => f.flag)].map((f) => `--${f}`).join(', ')}`,
    );
  }
  const layer: BenchConfigInput = {};
  if (values.scenario !== undefined) {
    if (!SCENARIO_NAMES.includes(values.scenario))
      throw new UsageError(`unknown scenario "${values.scenario}"; valid: ${SCENARIO_NAMES.join(', ')}`);
    layer.scenario = values.scenario;
  }
  if (values.protocols !== undefined) {
    const names = values.protocols
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // Push transports (fanout rows) are names too; a scenario that cannot run one says so later.
    const unknown = names.filter((n) => !isProtocolName(n) && !isFanoutTransport(n));
    if (unknown.length || names.length === 0)
      throw new UsageError(
        `unknown protocol${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; valid: ${PROTOCOL_NAMES.join(', ')} (fanout: ${FANOUT_TRANSPORTS.join(', ')})`,
      );
    layer.protocols = names as ProtocolName[];
  }
  const assign = <K extends 'duration' | 'warmup' | 'connections' | 'inflight' | 'pipelining' | 'repeat' | 'workers'>(
    k: K,
  ): void => {
    const n = num(k, values[k]);
    if (n !== undefined) layer[k] = n;
  };
  assign('duration');
  assign('warmup');
  assign('connections');
  assign('inflight');
  assign('pipelining');
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
  if (values['server-stats'] !== undefined) layer.serverStats = serverStatsFlags(values['server-stats'], values.target);
  if (values.target !== undefined) {
    const targets: Record<string, string> = {};
    for (const t of values.target) {
      const eq = t.indexOf('=');
      const proto = eq > 0 ? t.slice(0, eq) : '';
      if (!isProtocolName(proto))
        throw new UsageError(`--target ${t}: expected PROTOCOL=URL with PROTOCOL one of ${PROTOCOL_NAMES.join(', ')}`);
      targets[proto] = t.slice(eq + 1);
    }
    layer.targets = targets;
  }
  if (values.sweep) layer.sweep = true;
  // Issue 17: range checked by the config schema, with every other problem.
  const intervalMs = num('interval-ms', values['interval-ms']);
  if (intervalMs !== undefined) layer.intervalMs = intervalMs;
  const waitQuiet = num('wait-quiet', values['wait-quiet']);
  if (waitQuiet !== undefined) layer.machine = { ...layer.machine, waitQuietS: waitQuiet };
  const delay = num('delay', values.delay);
  if (delay !== undefined) layer.delayMs = delay;
  const inject = num('inject-server-cpu-us', values['inject-server-cpu-us']);
  if (inject !== undefined) layer.injectServerCpuUs = inject;
  const scenarios = optionsLayer(OPTION_FLAGS, optionValues);
  if (scenarios) layer.scenarios = scenarios;
  if (values.store !== undefined) {
    if (values.store !== 'memory' && values.store !== 'sqlite')
      throw new UsageError(`unknown store "${values.store}"; valid: memory, sqlite`);
    layer.store = values.store;
  }
  if (values.driver !== undefined) {
    if (values.driver !== 'harness' && values.driver !== 'autocannon')
      throw new UsageError(`unknown driver "${values.driver}"; valid: harness, autocannon`);
    layer.driver = values.driver;
  }
  Object.assign(layer, implementationFlags(values.impl, values['target-impl']));
  // Issue 16, items 1-2: generator shards and their shared start.
  if (values.shard !== undefined) layer.shard = parseShardSpec(values.shard, env);
  if (values['start-at'] !== undefined) layer.startAt = parseStartAt(values['start-at']);
  const shardGap = num('shard-gap', values['shard-gap']);
  if (shardGap !== undefined) layer.shardGapS = shardGap;
  if (values.out !== undefined) layer.out = values.out;
  const format = values.format ?? 'md';
  if (!isSummaryFormat(format)) throw new UsageError(`--format must be one of ${SUMMARY_FORMATS.join(', ')}, got "${format}"`);
  return {
    layer,
    list: values.list ?? false,
    help: values.help ?? false,
    configPath: values.config,
    format,
    ci: ciOptions(values),
  };
}

// --- issue 16, item 3 (server stats across hosts) ---
/**
 * `--server-stats [PROTOCOL=]URL`, repeatable. A bare URL belongs to the one --target given on the
 * command line; with several targets each stats URL must say whose it is.
 */
export function serverStatsFlags(given: readonly string[], targets: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const targetProtocols = targets.map((t) => t.slice(0, Math.max(0, t.indexOf('='))));
  for (const s of given) {
    const eq = s.indexOf('=');
    const named = eq > 0 && isProtocolName(s.slice(0, eq));
    if (named) {
      out[s.slice(0, eq)] = s.slice(eq + 1);
    } else if (eq > 0 && !/^[a-z]+:\/\//i.test(s)) {
      throw new UsageError(`--server-stats ${s}: expected [PROTOCOL=]URL with PROTOCOL one of ${PROTOCOL_NAMES.join(', ')}`);
    } else if (targetProtocols.length === 1 && isProtocolName(targetProtocols[0]!)) {
      out[targetProtocols[0]!] = s;
    } else {
      throw new UsageError(
        `--server-stats ${s}: say whose stats these are (PROTOCOL=URL): a bare URL needs exactly one --target, ` +
          `got ${targets.length}`,
      );
    }
  }
  return out;
}
// --- end of issue 16, item 3 ---

// --- issue 17, items 3-4 (CI outputs) ---
/** The CI flags, every problem at once. */
function ciOptions(values: BenchFlagValues): CiOutputOptions {
  const problems: string[] = [];
  const portText = values['metrics-port'];
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (portText?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535))
    problems.push(`--metrics-port expects a port from 0 to 65535 (0: any free port), got "${portText}"`);
  const host = values['metrics-host'];
  if (host !== undefined && host.trim() === '') problems.push('--metrics-host expects an address, e.g. 127.0.0.1 or 0.0.0.0');
  if (host !== undefined && port === undefined) problems.push('--metrics-host needs --metrics-port');
  if (values.junit !== undefined && values.junit.trim() === '') problems.push('--junit expects a file path');
  if (problems.length) throw new UsageError(problems.join('\n'));
  return {
    metricsHost: host ?? DEFAULT_METRICS_HOST,
    ...(port !== undefined && { metricsPort: port }),
    ...(values.junit !== undefined && { junit: values.junit }),
  };
}
// --- end issue 17 ---

/** Issue 14: `--impl` and `--target-impl` as a config layer; unknown names are the config's to report, all at once. */
function implementationFlags(impl: string | undefined, targetImpl: string[] | undefined): BenchConfigInput {
  const layer: BenchConfigInput = {};
  if (impl !== undefined) {
    const names = impl
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 0) throw new UsageError('--impl expects NAME[,NAME] or all');
    layer.implementations = names.includes('all') ? 'all' : names;
  }
  if (targetImpl !== undefined) {
    const told: Record<string, string> = {};
    for (const t of targetImpl) {
      const eq = t.indexOf('=');
      const proto = eq > 0 ? t.slice(0, eq) : '';
      if (!isProtocolName(proto) || eq === t.length - 1)
        throw new UsageError(
          `--target-impl ${t}: expected PROTOCOL=NAME[@VERSION] with PROTOCOL one of ${PROTOCOL_NAMES.join(', ')}`,
        );
      told[proto] = t.slice(eq + 1);
    }
    layer.targetImplementations = told;
  }
  return layer;
}

export async function loadConfigFile(p: string | undefined): Promise<BenchConfigInput> {
  const file = p ? path.resolve(p) : path.join(ROOT, 'bench.config.ts');
  if (!existsSync(file)) {
    if (p) throw new UsageError(`config file not found: ${p}`);
    return {};
  }
  const mod = (await import(pathToFileURL(file).href)) as { default?: BenchConfigInput };
  return mod.default ?? {};
}

export function listScenarios(): string {
  const lines: string[] = [];
  for (const s of Object.values(SCENARIOS)) {
    lines.push(`${s.name.padEnd(16)} ${s.description}`);
    const withVariants = (p: string): string =>
      s.variants?.[p as ProtocolName] ? `${p} (${s.variants[p as ProtocolName]!.join(', ')})` : p;
    lines.push(`${''.padEnd(16)} protocols: ${(s.transports ?? s.protocols).map(withVariants).join(', ')}`);
    for (const [p, why] of Object.entries(s.notExpressible)) lines.push(`${''.padEnd(16)} not expressible on ${p}: ${why}`);
    for (const o of describeOptions(s.options)) lines.push(`${''.padEnd(16)} option ${o}`);
    // Issue 14: the implementations a request/response scenario can run on (push scenarios have their own servers).
    if (!s.transports) for (const l of scenarioImplementationLines(s.implementations)) lines.push(`${''.padEnd(16)} ${l}`);
  }
  lines.push('', "server implementations (--impl NAME[,NAME] or all; default each protocol's reference):");
  lines.push(...listImplementations());
  return lines.join('\n');
}
