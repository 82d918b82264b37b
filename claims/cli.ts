// `npm run claims [-- --from r.json ...] [--quick] [--out-dir results] [--no-run]`: runs the bench
// scenarios the registry needs (reusing result files given with --from), then the in-process
// checks, decides every claim, prints the table, and writes claims.json and claims.md.
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_NAMES } from '../scenarios/registry.ts';
import { readResult } from '../harness/results/io.ts';
import { captureEnvironment } from '../harness/metrics/environment.ts';
import { planPinning } from '../harness/procs/control.ts';
import type { BenchResult } from '../harness/results/types.ts';
import { REGISTRY, type CheckId } from './registry.ts';
import { FANOUT, NESTED_DELAY_MS, type BenchContext, type BenchRunId } from './figures.ts';
import { evaluateAll, type CheckResults } from './evaluate.ts';
import { renderClaimsMarkdown, renderClaimsTable, type ClaimsRun } from './report.ts';
import { failedCheck, type CheckResult } from './observe.ts';
import { sizesCheck, microCheck } from './checks-computed.ts';
import { httpCheck } from './checks-http.ts';
import { gqlCheck } from './checks-gql.ts';
import { grpcCheck } from './checks-grpc.ts';
import { wsCheck } from './checks-ws.ts';
import { sseCheck } from './checks-sse.ts';
import { nPlusOneCheck } from './checks-nplusone.ts';
import { h2Check } from './checks-h2.ts';
import { paginationCheck } from './checks-pagination.ts';
import { ResultReadError } from '../harness/errors.ts';
import { runEntry } from '../harness/run/entry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BenchRunSpec {
  scenario: string;
  /** Flags for `npm run bench` besides --scenario and --out. */
  args: string[];
  quick: string[];
  /** Whether a result file of this scenario is this run (getUser serves two: saturated and 1 x 1). */
  matches?: (r: BenchResult) => boolean;
  /**
   * Invocations to make, their runs merged as repeats 0, 1, ...: for a scenario whose runner
   * does not repeat by itself (fanout), so its figures still come with a spread.
   */
  times?: number;
}

const oneInFlight = (r: BenchResult): boolean =>
  r.runs.length > 0 && r.runs.every((x) => x.load.model === 'closed' && x.load.connections * x.load.inflight === 1);
const FULL = ['--duration', '5', '--warmup', '2'];
const QUICK = ['--duration', '2', '--warmup', '1'];
const scenarioRun = (scenario: string): BenchRunSpec => ({
  scenario,
  args: ['--repeat', '3', ...FULL],
  quick: ['--repeat', '3', ...QUICK],
});

/** getUser-rtt: one call in flight on each request-response row. */
const RTT_ROWS = ['--repeat', '3', '--connections', '1', '--inflight', '1', '--protocols', 'rest,grpc,grpc-js,websocket,graphql'];
/** fanout: the push rows at the claims' subscriber count, event rate and poll interval. */
const FANOUT_ROWS = [
  '--protocols',
  'websocket,sse,poll',
  '--subscribers',
  String(FANOUT.subscribers),
  '--event-rate',
  String(FANOUT.eventRate),
  '--poll-interval',
  String(FANOUT.pollMs),
];

export const BENCH_RUNS: Record<BenchRunId, BenchRunSpec> = {
  getUser: { scenario: 'getUser', args: ['--repeat', '3'], quick: ['--repeat', '3', ...QUICK], matches: (r) => !oneInFlight(r) },
  // Round-trip latency: one call in flight, so latency is the stack's, not queueing's.
  'getUser-rtt': {
    scenario: 'getUser',
    args: [...RTT_ROWS, ...FULL],
    quick: [...RTT_ROWS, ...QUICK],
    matches: oneInFlight,
  },
  listUsers: scenarioRun('listUsers'),

  createUsers: scenarioRun('createUsers'),
  chat: scenarioRun('chat'),
  nestedProfile: { ...scenarioRun('nestedProfile'), matches: (r) => !(r.config.delayMs ?? 0) },
  // The same with 25 ms each way through the harness's delaying proxy: a 50 ms round trip, the
  // WAN-like condition the guide's latency figures for nested data assume.
  'nestedProfile-delay': {
    scenario: 'nestedProfile',
    args: ['--repeat', '3', '--duration', '5', '--warmup', '2', '--delay', String(NESTED_DELAY_MS)],
    quick: ['--repeat', '3', '--duration', '3', '--warmup', '1', '--delay', String(NESTED_DELAY_MS)],
    matches: (r) => (r.config.delayMs ?? 0) > 0,
  },
  nPlusOne: scenarioRun('nPlusOne'),
  // REST rows only: the claim compares REST gzip with plain; GraphQL's 1 MB rows take long.
  compression: {
    scenario: 'compression',
    args: ['--protocols', 'rest', '--repeat', '3', '--duration', '5', '--warmup', '2'],
    quick: ['--protocols', 'rest', '--repeat', '3', ...QUICK],
  },
  http2: scenarioRun('http2'),
  encodings: scenarioRun('encodings'),
  // Push to FANOUT.subscribers subscribers at FANOUT.eventRate, polls every FANOUT.pollMs (claims/figures.ts).
  fanout: {
    scenario: 'fanout',
    times: 3,
    args: [...FANOUT_ROWS, '--duration', '10', '--warmup', '2'],
    quick: [...FANOUT_ROWS, '--duration', '5', '--warmup', '1'],
  },
};

export const CHECKS: Record<CheckId, (quick: boolean) => CheckResult | Promise<CheckResult>> = {
  sizes: () => sizesCheck(),
  micro: (quick) => microCheck(quick ? 3 : 5, quick ? 200 : 400),
  http: () => httpCheck(),
  gql: () => gqlCheck(),
  grpc: () => grpcCheck(),
  ws: () => wsCheck(),
  sse: () => sseCheck(),
  nPlusOne: () => nPlusOneCheck(),
  h2: () => h2Check(),
  pagination: (quick) => paginationCheck(quick ? 3 : 5),
};

const FLAGS = {
  from: { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  'out-dir': { type: 'string' },
  'no-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const USAGE = `usage: npm run claims -- [--from RESULT.json ...] [--quick] [--out-dir DIR] [--no-run]
  --from FILE   reuse a bench result (repeatable); runs it covers are not run again
  --quick       short runs (3 repeats of 2 s after 1 s of warm-up), for CI
  --out-dir D   where claims.json and claims.md go (default results)
  --no-run      run no bench: claims without a given result are inconclusive`;

/** The run ids the registry needs, in a stable order. */
export function neededRuns(): BenchRunId[] {
  const ids = new Set<BenchRunId>();
  for (const e of REGISTRY) if (e.measure.kind === 'bench') e.measure.runs.forEach((r) => ids.add(r));
  return (Object.keys(BENCH_RUNS) as BenchRunId[]).filter((id) => ids.has(id));
}

/** Which run a result file stands for: its scenario, and for getUser its load. */
export function runIdOf(result: BenchResult): BenchRunId | undefined {
  return (Object.keys(BENCH_RUNS) as BenchRunId[]).find((id) => {
    const spec = BENCH_RUNS[id];
    return spec.scenario === result.scenario && (spec.matches?.(result) ?? true);
  });
}

function runBench(id: BenchRunId, quick: boolean, outDir: string, time = 0): Promise<string | { missing: string }> {
  const spec = BENCH_RUNS[id];
  const stamp = new Date()
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const out = path.join(outDir, 'claims-runs', `${id}-${stamp}${spec.times ? `-${time + 1}` : ''}.json`);
  const args = [
    '--import',
    'tsx',
    path.join(ROOT, 'harness/cli/bench.ts'),
    '--scenario',
    spec.scenario,
    ...(quick ? spec.quick : spec.args),
    '--out',
    out,
  ];
  process.stderr.write(`\n== claims: bench ${id}: npm run bench -- ${args.slice(3).join(' ')}\n`);
  return new Promise((resolve) => {
    // The bench's report goes nowhere (its file is what we read); its progress stays on stderr.
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => {
      // Exit 1 still writes a result (a failed row, a broken threshold): use what it measured.
      if (existsSync(out)) resolve(out);
      else resolve({ missing: `the ${id} bench run wrote no result (exit ${code})` });
    });
  });
}

/** Results of several invocations as one: each file's repeats follow the previous file's. */
export function mergeAsRepeats(results: BenchResult[]): BenchResult {
  if (results.length === 1) return results[0]!;
  let offset = 0;
  const runs = results.flatMap((r) => {
    const shifted = r.runs.map((run) => ({ ...run, repeat: offset + run.repeat }));
    offset += Math.max(0, ...r.runs.map((run) => run.repeat)) + 1;
    return shifted;
  });
  return { ...results[0]!, runs };
}

/** Write atomically: a reader never sees half a file. */
function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const quick = values.quick ?? false;
  const outDir = path.resolve(ROOT, values['out-dir'] ?? 'results');

  // Bench results: given ones first, then runs for what is still missing.
  const results = new Map<BenchRunId, BenchResult | { missing: string }>();
  const sources: string[] = [];
  for (const f of values.from ?? []) {
    let r: BenchResult;
    try {
      r = readResult(f);
    } catch (err) {
      if (err instanceof ResultReadError) {
        console.error(err.message);
        return 2;
      }
      throw err;
    }
    const id = runIdOf(r);
    if (!id) {
      console.error(`${f}: scenario ${r.scenario} is not one the claims use; ignored`);
      continue;
    }
    // Several files for one run (fanout invocations, or more repeats) count as more repeats.
    const prev = results.get(id);
    results.set(id, prev && !('missing' in prev) ? mergeAsRepeats([prev, r]) : r);
    sources.push(path.relative(ROOT, path.resolve(f)));
  }
  for (const id of neededRuns()) {
    if (results.has(id)) continue;
    const scenario = BENCH_RUNS[id].scenario;
    if (!SCENARIO_NAMES.includes(scenario)) {
      results.set(id, { missing: `needs scenario ${scenario} (not built yet)` });
      continue;
    }
    if (values['no-run']) {
      results.set(id, { missing: `no result given for ${id} (--no-run)` });
      continue;
    }
    const read: BenchResult[] = [];
    let failure: { missing: string } | undefined;
    for (let t = 0; t < (BENCH_RUNS[id].times ?? 1); t++) {
      const file = await runBench(id, quick, outDir, t);
      if (typeof file !== 'string') {
        failure = file;
        continue;
      }
      try {
        read.push(readResult(file));
        sources.push(path.relative(ROOT, file));
      } catch (err) {
        // One unreadable run (say, written by a newer harness) must not cost every other claim.
        if (!(err instanceof ResultReadError)) throw err;
        failure = { missing: `the ${id} result could not be read: ${err.message.slice(0, 200)}` };
      }
    }
    results.set(id, read.length ? mergeAsRepeats(read) : (failure ?? { missing: `no ${id} run` }));
  }
  const bench: BenchContext = { get: (id) => results.get(id) ?? { missing: `no ${id} run` } };

  // In-process checks, one after another after the bench, so none disturbs a measurement.
  const checks: CheckResults = {};
  for (const id of Object.keys(CHECKS) as CheckId[]) {
    const keys = REGISTRY.flatMap((e) => (e.measure.kind === 'check' && e.measure.check === id ? [e.measure.key] : []));
    process.stderr.write(`== claims: check ${id}\n`);
    try {
      checks[id] = await CHECKS[id](quick);
    } catch (err) {
      process.stderr.write(`   check ${id} failed: ${(err as Error).stack ?? String(err)}\n`);
      checks[id] = failedCheck(keys, err);
    }
  }

  const claims = evaluateAll(REGISTRY, bench, checks);
  const first = [...results.values()].find((r): r is BenchResult => !('missing' in r));
  const run: ClaimsRun = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    environment: first?.environment ?? captureEnvironment(planPinning()),
    sources,
    claims,
  };
  writeAtomic(path.join(outDir, 'claims.json'), JSON.stringify(run, null, 2) + '\n');
  writeAtomic(path.join(outDir, 'claims.md'), renderClaimsMarkdown(run));
  console.log(renderClaimsTable(claims));
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, 'claims.json'))} and claims.md`);
  return 0;
}

runEntry(import.meta.url, main);
