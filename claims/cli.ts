// `npm run claims [-- --from r.json ...] [--quick] [--out-dir results] [--no-run]`: runs the bench
// scenarios the registry needs (reusing result files given with --from), then the in-process
// checks, saves all of it in OUT/claims-runs (claims/inputs.ts), and writes claims.json and
// claims.md rebuilt from that directory. `--from DIR` rebuilds them from a saved directory alone.
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_NAMES } from '../scenarios/registry.ts';
import { readResult } from '../harness/results/io.ts';
import { captureEnvironment } from '../harness/metrics/environment.ts';
import { planPinning } from '../harness/procs/control.ts';
import type { BenchResult } from '../harness/results/types.ts';
import { REGISTRY, type CheckId } from './registry.ts';
import type { BenchRunId } from './figures.ts';
import type { CheckResults } from './evaluate.ts';
import { BENCH_RUNS, neededRuns, runIdOf } from './runs.ts';
import { INPUTS_FILE, isDirectory, rebuildFrom, saveCompacted, saveInputs, writeAtomic, type ClaimsInputs } from './inputs.ts';
import { renderClaimsMarkdown, renderClaimsTable, replaceSummaryBlock, type ClaimsRun } from './report.ts';
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
import { wireCheck } from './checks-wire.ts';
// claims-misc (issue 15.13)
import { offsetDriftCheck } from './checks-offset-drift.ts';
import { grpcExtrasCheck } from './checks-grpc-extras.ts';
import { cacheCheck } from './checks-cache.ts';
import { clientStreamCheck } from './checks-client-stream.ts';
import { wsConnectionsCheck } from './checks-ws-connections.ts';
import { pageLoadCheck } from './checks-pageload.ts';
import { streamsCheck, STREAMS_FULL, STREAMS_QUICK } from './checks-streams.ts';
import { InputError, ResultReadError } from '../harness/errors.ts';
import { runEntry } from '../harness/run/entry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Moved to claims/runs.ts; re-exported for the callers that import them from here.
export { BENCH_RUNS, mergeAsRepeats, neededRuns, runIdOf, type BenchRunSpec } from './runs.ts';

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
  // Before the checks that open 20,000 sockets or build 1M-user answers: their garbage, collected
  // later in this process, would stall the event loop the page-load timing guards.
  pageload: (quick) => pageLoadCheck(quick),
  pagination: (quick) => paginationCheck(quick ? 3 : 5),
  wire: () => wireCheck(),
  offsetDrift: () => offsetDriftCheck(), // claims-misc (issue 15.13)
  grpcExtras: () => grpcExtrasCheck(), // claims-misc (issue 15.13)
  cache: () => cacheCheck(),
  clientStream: () => clientStreamCheck(),
  wsConnections: () => wsConnectionsCheck(),
  streams: (quick) => streamsCheck(quick ? STREAMS_QUICK : STREAMS_FULL),
};

const FLAGS = {
  from: { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  'out-dir': { type: 'string' },
  'no-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const USAGE = `usage: npm run claims -- [--from RESULT.json ... | --from DIR] [--quick] [--out-dir DIR] [--no-run]
  --from FILE   reuse a bench result (repeatable); runs it covers are not run again
  --from DIR    rebuild claims.md and claims.json from a directory a claims run saved
                (results/claims-runs): no bench and no check runs
  --quick       short runs (3 repeats of 2 s after 1 s of warm-up), for CI
  --out-dir D   where claims.json and claims.md go (default results); the inputs go to D/claims-runs
  --no-run      run no bench: claims without a given result are inconclusive`;

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

/** Bench results for the runs the registry needs: the given files first, then runs for the rest. */
async function gatherBench(
  from: readonly string[],
  opts: { quick: boolean; noRun: boolean; outDir: string },
): Promise<{ files: { run: BenchRunId; path: string; result: BenchResult }[]; missing: Partial<Record<BenchRunId, string>> }> {
  const files: { run: BenchRunId; path: string; result: BenchResult }[] = [];
  const missing: Partial<Record<BenchRunId, string>> = {};
  for (const f of from) {
    const r = readResult(f); // ResultReadError: the caller exits 2
    const id = runIdOf(r);
    if (!id) {
      console.error(`${f}: scenario ${r.scenario} is not one the claims use; ignored`);
      continue;
    }
    // Several files for one run (fanout invocations, or more repeats) count as more repeats.
    files.push({ run: id, path: path.resolve(f), result: r });
  }
  for (const id of neededRuns()) {
    if (files.some((f) => f.run === id)) continue;
    const scenario = BENCH_RUNS[id].scenario;
    if (!SCENARIO_NAMES.includes(scenario)) {
      missing[id] = `needs scenario ${scenario} (not built yet)`;
      continue;
    }
    if (opts.noRun) {
      missing[id] = `no result given for ${id} (--no-run)`;
      continue;
    }
    let failure: string | undefined;
    let read = 0;
    for (let t = 0; t < (BENCH_RUNS[id].times ?? 1); t++) {
      const file = await runBench(id, opts.quick, opts.outDir, t);
      if (typeof file !== 'string') {
        failure = file.missing;
        continue;
      }
      try {
        files.push({ run: id, path: file, result: readResult(file) });
        read++;
      } catch (err) {
        // One unreadable run (say, written by a newer harness) must not cost every other claim.
        if (!(err instanceof ResultReadError)) throw err;
        failure = `the ${id} result could not be read: ${err.message.slice(0, 200)}`;
      }
    }
    if (!read) missing[id] = failure ?? `no ${id} run`;
  }
  return { files, missing };
}

async function runChecks(quick: boolean): Promise<CheckResults> {
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
  return checks;
}

function writeOutputs(outDir: string, run: ClaimsRun): void {
  writeAtomic(path.join(outDir, 'claims.json'), JSON.stringify(run, null, 2) + '\n');
  writeAtomic(path.join(outDir, 'claims.md'), renderClaimsMarkdown(run));
  // The committed table also refreshes the README's count of inconclusive claims by reason.
  const readme = path.join(ROOT, 'README.md');
  if (outDir === path.join(ROOT, 'results') && existsSync(readme)) {
    const updated = replaceSummaryBlock(readFileSync(readme, 'utf8'), run);
    if (updated !== null) writeAtomic(readme, updated);
  }
  console.log(renderClaimsTable(run.claims));
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, 'claims.json'))} and claims.md`);
}

/**
 * What a claims run does once it has its inputs: save them, compacted, in OUT/claims-runs, then
 * write the table rebuilt from that directory, exactly as `--from DIR` will rebuild it later.
 */
export function saveAndWrite(
  outDir: string,
  bench: { files: { run: BenchRunId; path: string; result: BenchResult }[]; missing: Partial<Record<BenchRunId, string>> },
  checks: CheckResults,
  mode: 'full' | 'quick',
  generatedAt = new Date().toISOString(),
): ClaimsRun {
  const dir = path.join(outDir, 'claims-runs');
  const saved = bench.files.map((f) => ({
    run: f.run,
    file: saveCompacted(dir, path.dirname(f.path) === dir ? path.basename(f.path) : uniqueName(dir, f.path), f.result),
  }));
  const inputs: ClaimsInputs = {
    version: 1,
    generatedAt,
    mode,
    environment: bench.files[0]?.result.environment ?? captureEnvironment(planPinning()),
    bench: saved,
    sources: saved.map((s) => path.relative(ROOT, path.join(dir, s.file))),
    missing: bench.missing,
    checks,
  };
  saveInputs(dir, inputs);
  // Earlier runs' files stay (they may be someone's --from FILE); name them so they are not committed as this table's.
  const named = new Set([INPUTS_FILE, ...saved.map((f) => f.file)]);
  const stale = readdirSync(dir).filter((f) => f.endsWith('.json') && !named.has(f));
  if (stale.length)
    process.stderr.write(
      `claims: ${stale.length} file(s) in ${path.relative(ROOT, dir)} are not inputs of this table: ${stale.join(', ')}\n`,
    );
  const run = rebuildFrom(dir);
  writeOutputs(outDir, run);
  return run;
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
  const from = values.from ?? [];
  const dirs = from.filter(isDirectory);
  try {
    if (dirs.length) {
      if (from.length > 1 || quick || values['no-run'])
        throw new InputError(
          `--from DIR rebuilds a saved table on its own: give one directory and no other --from, --quick or --no-run\n${USAGE}`,
        );
      writeOutputs(outDir, rebuildFrom(dirs[0]!));
      return 0;
    }
    const bench = await gatherBench(from, { quick, noRun: values['no-run'] ?? false, outDir });
    const checks = await runChecks(quick);
    saveAndWrite(outDir, bench, checks, quick ? 'quick' : 'full');
    return 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof ResultReadError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

/** A name in `dir` for a result given with --from FILE from elsewhere, not clobbering another. */
function uniqueName(dir: string, file: string): string {
  const base = path.basename(file, '.json');
  let name = `${base}.json`;
  for (let i = 1; existsSync(path.join(dir, name)); i++) name = `${base}-${i}.json`;
  return name;
}

runEntry(import.meta.url, main);
