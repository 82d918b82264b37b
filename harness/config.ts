// The run's configuration: a zod schema (one source for types, defaults and validation),
// defineConfig for bench.config.ts, and the merge of file, command line and defaults.
import { z } from 'zod';
import { PROTOCOL_NAMES } from './protocols.ts';
import { SCENARIOS, SCENARIO_NAMES } from '../scenarios/registry.ts';
import { scenarioOptionsSchema } from '../scenarios/options.ts';
import { loadModelSchema, parseLoadSpec, type LoadModel, type OpenLoadModel } from './load/model.ts';
import { resolveLayout, type LayoutRequest, type ResolvedLayout, type Transport } from './load/layout.ts';
import { thresholdProblem } from './results/thresholds.ts';
import { FANOUT_TRANSPORTS } from './workloads/fanout-transports.ts';
import { ConfigError, LoadSpecError } from './errors.ts';
import { describeValidImplementations, unknownImplementations } from './run/implementations.ts';
import { shardConfigProblems } from './run/shard.ts';

// The fanout scenario's rows are push transports (graphql-ws, poll, ...), named here too.
const protocolName = z.enum([...new Set([...PROTOCOL_NAMES, ...FANOUT_TRANSPORTS])] as [string, ...string[]]);

const thresholdExpr = z.string().superRefine((expr, ctx) => {
  const problem = thresholdProblem(expr);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// Keys checked here rather than with a key schema: zod reports a bad record key only as
// "Invalid key in record", without saying which names are valid.
const thresholdsSchema = z.record(z.string(), z.record(z.string(), z.array(thresholdExpr))).superRefine((table, ctx) => {
  for (const [scenario, perProtocol] of Object.entries(table)) {
    if (!SCENARIO_NAMES.includes(scenario))
      ctx.addIssue({
        code: 'custom',
        path: [scenario],
        message: `unknown scenario "${scenario}"; valid: ${SCENARIO_NAMES.join(', ')}`,
      });
    for (const key of Object.keys(perProtocol)) {
      if (key !== '*' && !(PROTOCOL_NAMES as readonly string[]).includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [scenario, key],
          message: `unknown protocol "${key}"; valid: '*' (every protocol), ${PROTOCOL_NAMES.join(', ')}`,
        });
      }
    }
  }
});

/** Options by scenario, each scenario's own schema (scenarios/<name>.ts), defaults filled in. */
export type ScenarioOptionsByName = Record<string, Record<string, unknown>>;

// Built from the registry: a scenario's options are its own business, checked by its schema.
const scenariosSchema = (
  scenarioOptionsSchema(SCENARIOS) as unknown as z.ZodType<ScenarioOptionsByName, ScenarioOptionsByName>
).prefault({});

const configObjectSchema = z
  .object({
    /** Scenario to run (see `npm run bench -- --list`). */
    scenario: z.string().default('getUser'),
    /** Protocol rows to measure, in order. Default: every protocol the scenario can express. */
    protocols: z.array(protocolName).min(1).optional(),
    /** Measured window per protocol, seconds. */
    duration: z.number().positive().max(3600).default(10),
    /** Warm-up phase before it, seconds; its samples are discarded. */
    warmup: z.number().min(0).max(600).default(3),
    /**
     * Connections the load generator opens to the server, on every row. Unset: 32 calls stay
     * outstanding, laid out per transport (harness/load/layout.ts): HTTP/1.1 rows 32 connections
     * of one call, multiplexed rows (gRPC, h2c, WebSocket) 4 connections of 8 streams.
     */
    connections: z.number().int().min(1).max(10_000).optional(),
    /**
     * Calls outstanding per connection on every row (closed loop; open loop: at most this many
     * per connection). Unset: 1 on HTTP/1.1 rows, 8 on multiplexed rows. More than one on an
     * HTTP/1.1 row pipelines, and its variant is labelled `pipelined-N`.
     */
    inflight: z.number().int().min(1).max(1000).optional(),
    /**
     * HTTP/1.1 rows only: requests pipelined per connection, 32/N connections of N, labelled
     * `pipelined-N`; multiplexed rows keep their layout. Not together with `inflight`.
     */
    pipelining: z.number().int().min(1).max(1000).optional(),
    /**
     * Load model: `closed:4x8`, `rate:2000`, `poisson:2000`, `stages:1000@5,2000@5`, or the
     * same as an object ({ model: 'rate', rate: 2000 }). Default: closed loop with
     * `connections` x `inflight` (each row's own layout when they are unset).
     */
    load: z
      .union([
        z.string().superRefine((spec, ctx) => {
          try {
            parseLoadSpec(spec);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: err instanceof LoadSpecError ? err.message : String(err) });
          }
        }),
        loadModelSchema,
      ])
      .optional(),
    /**
     * Servers someone else runs, by protocol row: { rest: 'http://127.0.0.1:8080' }. The harness
     * starts no server for these, still checks their answers, and reports server CPU as unknown.
     */
    targets: z.partialRecord(z.enum(PROTOCOL_NAMES as [string, ...string[]]), z.url()).optional(),
    // --- issue 16, item 3 (server stats across hosts; harness/procs/stats-reader.ts) ---
    /**
     * A target server's stats URL, by protocol row: { rest: 'http://10.0.0.5:9100/stats' } (`npm run
     * serve -- --admin-port`). Read at the measured window's edges, it gives that row server CPU per call.
     */
    serverStats: z.partialRecord(z.enum(PROTOCOL_NAMES as [string, ...string[]]), z.url()).optional(),
    // --- end of issue 16, item 3 ---
    /** A run whose failed calls exceed this share of all calls is marked failed. */
    maxErrorRatio: z.number().min(0).max(1).default(0.01),
    /**
     * A run with more calls than this left unanswered past timeoutMs is marked failed. A server
     * that stops answering produces few calls in a closed loop (each slot waits out its
     * timeout), so a ratio alone would let a stall pass as a healthy run.
     */
    maxTimeouts: z.number().int().min(0).default(0),
    /**
     * 'autocannon' adds, for each HTTP/1.1 protocol (rest, graphql), a row driven by autocannon
     * beside the harness's own driver: a cross-check with a known tool. Closed loop only.
     */
    driver: z.enum(['harness', 'autocannon']).default('harness'),
    /**
     * Latency-throughput sweep: per protocol, a closed-loop run finds the maximum, then open-loop
     * runs at these fractions of it. `true` uses 10% .. 120%.
     */
    sweep: z.union([z.boolean(), z.array(z.number().positive().max(5)).min(1)]).default(false),
    /** Load-generator processes per run; connections and rate are split between them and their histograms merged. */
    workers: z.number().int().min(1).max(64).default(1),
    /** Open loop: calls queued or outstanding at most; a call due beyond this is dropped (k6). */
    maxInflight: z.number().int().min(1).max(1_000_000).default(1000),
    /** A call with no answer after this many milliseconds counts as a timeout. */
    timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
    // --- issue 17, items 1-2 (per-interval series) ---
    /**
     * Length of each interval of a run's series (results/series.ts), and how often live outputs
     * hear of the run. 100 ms .. 60 s; a window that is not a whole number of intervals ends on a short one.
     */
    intervalMs: z.number().int().min(100).max(60_000).default(1000),
    // --- end of issue 17, items 1-2 ---
    /**
     * One-way network delay in ms between generator and server, made by a delaying TCP proxy in
     * the harness (harness/run/delay-proxy.ts); a round trip then costs 2 x delayMs. Unset: direct.
     */
    delayMs: z.number().min(0).max(10_000).optional(),
    /** Address the servers bind to and the generator targets. Loopback unless you mean it. */
    host: z.string().min(1).default('127.0.0.1'),
    dataset: z
      .object({
        /** Users in the data set; ids are 1..users. */
        users: z.number().int().min(1).max(10_000_000).default(10_000),
        /** Seed of the data set and of the id sequence. */
        seed: z.number().int().default(42),
      })
      .strict()
      .prefault({}),
    /** Random ids each protocol must answer identically to the store before it is measured. */
    verifySample: z.number().int().min(1).max(100_000).default(50),
    /** Runs of each protocol, interleaved (A B C A B C); figures are then reported as median, min-max, 95% CI, CV. */
    repeat: z.number().int().min(1).max(100).default(1),
    /**
     * Ignored since the disturbance meters (`machine` below) replaced the fixed-work CPU probe,
     * which did not see the steal bursts that slow loopback here; still accepted so config
     * files written for it load.
     */
    probe: z
      .object({ slowdown: z.number().min(1).max(10).default(1.3), reruns: z.number().int().min(0).max(10).default(1) })
      .strict()
      .prefault({}),
    /**
     * Disturbance (issue 13; harness/metrics/disturbance.ts): a run whose machine readings cross
     * one of these is marked disturbed and run again, at most `reruns` times; every attempt is
     * kept. Defaults from measurements on this project's 2-vCPU VMs (README "Disturbance"): steal
     * is 0-3% in quiet phases and 35-44% in slow ones; the loopback probe's p50 is 80-90 us; CPU
     * pressure is 70-100% with a neighbour in the VM; the hiccup meters share the CPUs with the run
     * itself (p99 3-16 ms, max 30-320 ms with other suites running), so their limits catch gross stalls only.
     */
    machine: z
      .object({
        stealPct: z.number().min(0).max(100).default(10),
        hiccupP99Us: z.number().int().min(1).default(20_000),
        hiccupMaxUs: z.number().int().min(1).default(250_000),
        probeSlowdown: z.number().min(1).default(3),
        probeP50Us: z.number().int().min(1).default(500),
        cpuPressurePct: z.number().min(0).max(100).default(50),
        reruns: z.number().int().min(0).max(10).default(2),
        /** Before each run, wait up to this many seconds for a quiet machine (0: do not wait). */
        waitQuietS: z.number().min(0).max(3600).default(0),
        /** Run the meters at all (hiccup processes, loopback probe). */
        meters: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Pin server and generator to separate CPUs (taskset) when there are two or more. */
    pin: z.boolean().default(true),
    /** Folder for result files. */
    resultsDir: z.string().min(1).default('results'),
    /** Explicit result path (otherwise results/<scenario>-<timestamp>.json). */
    out: z.string().min(1).optional(),
    /**
     * Pass/fail limits per scenario and protocol ('*' = every protocol), k6-style:
     * { getUser: { '*': ['errors == 0'], rest: ['p99 < 2ms', 'opsPerSec > 20000'] } }.
     * A run that breaks one says which and exits 1. See harness/results/thresholds.ts.
     */
    thresholds: thresholdsSchema.optional(),
    /**
     * Microseconds of busy CPU work every reference server adds to each request (a spin, not a
     * sleep; servers/inject-cpu.ts): plants a known regression to prove the CI gate (issue 13).
     */
    injectServerCpuUs: z.number().min(0).max(1_000_000).optional(),
    /** Backing store of the reference servers: the seeded data in memory, or a SQLite file seeded from it. */
    store: z.enum(['memory', 'sqlite']).default('memory'),
    // --- issue 14 (a row is a protocol and an implementation; harness/run/implementations.ts) ---
    /**
     * Server implementations to run (servers/<protocol>/index.ts, `--list` shows them): 'all', or
     * names; each protocol row runs those its server has, a row whose server has none keeps its
     * reference. Unset: every protocol's reference implementation only.
     */
    implementations: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).optional(),
    /**
     * What an external target's server is, by protocol row: { rest: 'node-http' } or
     * 'node-http@1.2.3' with its version. Unset: the row's implementation is null (unknown).
     */
    targetImplementations: z
      .partialRecord(
        z.enum(PROTOCOL_NAMES as [string, ...string[]]),
        z.string().regex(/^[^@\s]+(@\S+)?$/, 'expected NAME or NAME@VERSION'),
      )
      .optional(),
    // --- end of issue 14 ---
    // --- issue 16, items 1-2 (generator shards; harness/run/shard.ts): shard, startAt, shardGapS ---
    /**
     * This process is shard `index` (0-based) of `count` generator shards driving one shared server
     * (targets): it takes its share of the connections, rate and in-flight limit, and its own ids.
     */
    shard: z
      .object({ index: z.number().int().min(0), count: z.number().int().min(1).max(10_000) })
      .strict()
      .optional(),
    /** Shared wall-clock start, epoch ms: the first row's warm-up begins then (a late process starts at once and warns). */
    startAt: z.number().int().positive().optional(),
    /** With startAt: seconds between one row's measured window and the next row's start (teardown, verify, connect). */
    shardGapS: z.number().min(0).max(3600).default(10),
    // --- end of issue 16, items 1-2 ---
    /**
     * Each scenario's own options, by scenario: { listUsers: { pageSize: 20 }, fanout: { eventRate: [1, 10] } }.
     * See `npm run bench -- --list` for every scenario's options and defaults.
     */
    scenarios: scenariosSchema,
  })
  .strict();

/**
 * Where a scenario's options sat before they moved under `scenarios` (issue 12). bench.config.ts
 * files, tests and result files (schemaVersion 1) still use these top-level keys, so they keep
 * working; the list is frozen: a new knob exists only under its scenario.
 */
const LEGACY_OPTION_KEYS = {
  pageSize: ['listUsers', 'nPlusOne'],
  offsetDepth: ['listUsers'],
  batchSize: ['createUsers'],
  subscribers: ['fanout'],
  eventRate: ['fanout'],
  pollIntervalMs: ['fanout'],
} as const;

export interface LegacyOptionKeys {
  pageSize?: number;
  offsetDepth?: number;
  batchSize?: number;
  subscribers?: number | number[];
  eventRate?: number | number[];
  pollIntervalMs?: number | number[];
  /** The fanout scenario's options (heartbeats, reconnects, limits), now `scenarios.fanout`. */
  fanout?: Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The one place old keys move: LEGACY_OPTION_KEYS and the `fanout` block go under `scenarios`.
 * A value also given under `scenarios` wins (the explicit place). `moved` maps each new path to
 * the old one, so a problem with an old key is reported under the name the user wrote.
 */
export function liftLegacyOptions(input: unknown): { config: unknown; moved: Map<string, string> } {
  const moved = new Map<string, string>();
  if (!isPlainObject(input)) return { config: input, moved };
  const { fanout, ...rest } = input;
  const lifted: ScenarioOptionsByName = {};
  const put = (scenario: string, key: string, value: unknown, oldPath: string): void => {
    (lifted[scenario] ??= {})[key] = value;
    moved.set(`scenarios.${scenario}.${key}`, oldPath);
  };
  for (const [key, scenarios] of Object.entries(LEGACY_OPTION_KEYS)) {
    if (!(key in rest)) continue;
    for (const scenario of scenarios) put(scenario, key, rest[key], key);
    delete rest[key];
  }
  if (isPlainObject(fanout)) for (const [key, value] of Object.entries(fanout)) put('fanout', key, value, `fanout.${key}`);
  else if (fanout !== undefined) rest.fanout = fanout; // not an object: left for zod to report
  if (!moved.size) return { config: input, moved };
  const given = isPlainObject(rest.scenarios) ? rest.scenarios : {};
  const scenarios: Record<string, unknown> = { ...lifted, ...given };
  for (const [name, options] of Object.entries(lifted))
    if (isPlainObject(given[name])) scenarios[name] = { ...options, ...given[name] };
  return { config: { ...rest, scenarios }, moved };
}

/** The config schema; it reads the old top-level option keys too (old result files are parsed with it). */
export const configSchema = z.preprocess((v) => liftLegacyOptions(v).config, configObjectSchema);

export type BenchConfigInput = z.input<typeof configObjectSchema> & LegacyOptionKeys;
export type ResolvedConfig = z.output<typeof configObjectSchema>;

/** The resolved options of the scenario the run measures (its schema's output; {} when it has none). */
export function scenarioOptions(cfg: ResolvedConfig): Record<string, unknown> {
  return cfg.scenarios[cfg.scenario] ?? {};
}

/** Typed helper for bench.config.ts. */
export function defineConfig(c: BenchConfigInput): BenchConfigInput {
  return c;
}

/** Validate and fill defaults; every problem is reported at once, with its path. */
export function resolveConfig(input: unknown): ResolvedConfig {
  const { config, moved } = liftLegacyOptions(input);
  const parsed = configObjectSchema.safeParse(config);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.length ? legacyPath(issue.path.map(String), moved) : '(root)';
      const problem = `${path}: ${issue.message}`;
      // pageSize moves to two scenarios: one bad value, one problem.
      if (!problems.includes(problem)) problems.push(problem);
    }
  }
  const scenario = (input as { scenario?: unknown } | null)?.scenario;
  if (typeof scenario === 'string' && !SCENARIO_NAMES.includes(scenario)) {
    problems.push(`scenario: unknown scenario "${scenario}"; valid: ${SCENARIO_NAMES.join(', ')}`);
  }
  // Issue 16, item 3: a stats URL speaks for a server someone else runs; the harness reads its own from /proc.
  const statsOf = parsed.success ? Object.keys(parsed.data.serverStats ?? {}) : [];
  for (const p of statsOf.filter((p) => !Object.hasOwn(parsed.data?.targets ?? {}, p)))
    problems.push(
      `serverStats.${p}: a stats URL needs a target for ${p} (--target ${p}=URL): its own servers are read from /proc`,
    );
  if (parsed.success && parsed.data.driver === 'autocannon' && parsed.data.load !== undefined) {
    const m = typeof parsed.data.load === 'string' ? parseLoadSpec(parsed.data.load) : parsed.data.load;
    if (m.model !== 'closed')
      problems.push(
        `driver: autocannon rows run closed loop only, but load is ${m.model}; use closed:CONNxINFLIGHT or the harness driver`,
      );
  }
  if (parsed.success && parsed.data.pipelining !== undefined && layoutRequest(parsed.data).inflight !== undefined)
    problems.push('pipelining: give either pipelining (HTTP/1.1 rows) or inflight (every row), not both');
  if (parsed.success) problems.push(...implementationProblems(parsed.data));
  // Issue 16: a sharded run needs a shared start and a shared server for every row.
  if (parsed.success) problems.push(...shardProblems(parsed.data));
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

// Issue 14: names no server has, and told implementations of targets that are not there.
function implementationProblems(cfg: ResolvedConfig): string[] {
  const problems: string[] = [];
  const unknown = unknownImplementations(cfg.implementations);
  if (unknown.length)
    problems.push(
      `implementations: unknown ${unknown.map((n) => `"${n}"`).join(', ')}; valid: 'all' or, by server, ${describeValidImplementations()}`,
    );
  for (const protocol of Object.keys(cfg.targetImplementations ?? {}))
    if (!cfg.targets?.[protocol as keyof typeof cfg.targets])
      problems.push(`targetImplementations.${protocol}: no target for ${protocol} (give --target ${protocol}=URL)`);
  return problems;
}

/** Issue 16: what a sharded config lacks (harness/run/shard.ts), against the scenario's rows and workload. */
function shardProblems(cfg: ResolvedConfig): string[] {
  const scenario = SCENARIOS[cfg.scenario];
  if (!scenario) return [];
  return shardConfigProblems(cfg, cfg.protocols ?? scenario.protocols, scenario.workload ?? 'request-response');
}

/** The load model of a resolved config, closed-loop defaults filled in from connections x inflight. */
export type ResolvedLoad = { model: 'closed'; connections: number; inflight: number } | OpenLoadModel;

function loadModelOf(cfg: Pick<ResolvedConfig, 'load'>): LoadModel {
  return cfg.load === undefined ? { model: 'closed' } : typeof cfg.load === 'string' ? parseLoadSpec(cfg.load) : cfg.load;
}

/** The layout numbers the caller gave: `--load closed:CxI` first, then connections, inflight, pipelining. */
export function layoutRequest(cfg: Pick<ResolvedConfig, 'load' | 'connections' | 'inflight' | 'pipelining'>): LayoutRequest {
  const m = loadModelOf(cfg);
  const closed: { connections?: number; inflight?: number } = m.model === 'closed' ? m : {};
  return {
    connections: closed.connections ?? cfg.connections,
    inflight: closed.inflight ?? cfg.inflight,
    pipelining: cfg.pipelining,
  };
}

/**
 * One row's load: its layout on connections (from its transport and what the caller gave) and
 * the load model run over it. Open-loop models keep their rates; their connections follow the layout.
 */
export function resolveLoad(cfg: ResolvedConfig, transport: Transport): { load: ResolvedLoad } & ResolvedLayout {
  const resolved = resolveLayout(transport, layoutRequest(cfg));
  const m = loadModelOf(cfg);
  const { connections, inflightPerConnection: inflight } = resolved.layout;
  return { ...resolved, load: m.model === 'closed' ? { model: 'closed', connections, inflight } : m };
}

/** A path as the user wrote it: `scenarios.listUsers.pageSize` given as `pageSize` is reported as `pageSize`. */
function legacyPath(path: readonly string[], moved: ReadonlyMap<string, string>): string {
  for (let i = path.length; i > 0; i--) {
    const old = moved.get(path.slice(0, i).join('.'));
    if (old !== undefined) return [old, ...path.slice(i)].join('.');
  }
  return path.join('.');
}

/**
 * Merge layers: later layers win; nested `dataset` merged field by field, and each scenario's
 * options too (old top-level option keys are first moved to their scenario, so a flag given as
 * `scenarios.listUsers.pageSize` overrides a file's `pageSize`).
 */
export function mergeConfig(...layers: BenchConfigInput[]): BenchConfigInput {
  const out: BenchConfigInput = {};
  for (const l of layers) {
    const { dataset, scenarios, ...rest } = liftLegacyOptions(l).config as BenchConfigInput;
    Object.assign(out, rest);
    if (dataset) out.dataset = { ...out.dataset, ...dataset };
    if (scenarios) {
      const merged: ScenarioOptionsByName = { ...out.scenarios };
      for (const [name, options] of Object.entries(scenarios)) merged[name] = { ...merged[name], ...options };
      out.scenarios = merged;
    }
  }
  return out;
}
