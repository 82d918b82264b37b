// The inputs a claims table is built from, saved in one directory so that
// `npm run claims -- --from DIR` rebuilds the table without running a bench or a check: the bench
// results (compacted: the claims read summaries, never histograms), the checks' observations, why
// a run is missing, the mode, the generation time and the machine. A claims run writes its table
// by rebuilding it from the directory it just saved, so the committed table and its inputs
// cannot drift apart.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readResult } from '../harness/results/io.ts';
import { InputError, ResultReadError } from '../harness/errors.ts';
import type { BenchResult } from '../harness/results/types.ts';
import type { Environment } from '../harness/results/schema.ts';
import { REGISTRY } from './registry.ts';
import { evaluateAll, type CheckResults } from './evaluate.ts';
import type { BenchContext, BenchRunId } from './figures.ts';
import { BENCH_RUNS, mergeAsRepeats } from './runs.ts';
import type { ClaimsRun } from './report.ts';

/** The file in an inputs directory that names everything else in it. */
export const INPUTS_FILE = 'claims-inputs.json';

export interface ClaimsInputs {
  version: 1;
  generatedAt: string;
  mode: 'full' | 'quick';
  environment: Environment;
  /** Bench result files in this directory, in the order they were read, with the run each stands for. */
  bench: { run: BenchRunId; file: string }[];
  /** How the table cites the bench files (paths from the repository root when they were saved). */
  sources: string[];
  /** Runs the registry needed that produced no result, and why. */
  missing: Partial<Record<BenchRunId, string>>;
  checks: CheckResults;
}

/** Write atomically: a reader never sees half a file. */
export function writeAtomic(file: string, text: string): void {
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

/** A result without its encoded histograms (most of a file's size); every figure the claims read stays. */
export function compactResult(r: BenchResult): BenchResult {
  return JSON.parse(JSON.stringify(r, (key, value: unknown) => (key === 'histogram' && typeof value === 'string' ? '' : value)));
}

/** Save a result compacted into `dir` under `name`; returns the file name. */
export function saveCompacted(dir: string, name: string, result: BenchResult): string {
  writeAtomic(path.join(dir, name), JSON.stringify(compactResult(result)) + '\n');
  return name;
}

export function saveInputs(dir: string, inputs: ClaimsInputs): void {
  // NaN and Infinity do not survive JSON; decide() drops non-finite samples either way.
  writeAtomic(path.join(dir, INPUTS_FILE), JSON.stringify(inputs, null, 1) + '\n');
}

export const isDirectory = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

export function loadInputs(dir: string): ClaimsInputs {
  const file = path.join(dir, INPUTS_FILE);
  if (!existsSync(file))
    throw new InputError(
      `${dir} has no ${INPUTS_FILE}: --from DIR rebuilds a table from a directory a claims run saved ` +
        '(results/claims-runs); give result files with --from FILE instead',
    );
  let data: Partial<ClaimsInputs>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClaimsInputs>;
  } catch (err) {
    throw new InputError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const problems = [
    data.version !== 1 && `version ${JSON.stringify(data.version)} (this tool reads 1)`,
    typeof data.generatedAt !== 'string' && 'generatedAt missing',
    data.mode !== 'full' && data.mode !== 'quick' && 'mode must be full or quick',
    typeof data.environment !== 'object' && 'environment missing',
    !Array.isArray(data.bench) && 'bench missing',
    !Array.isArray(data.sources) && 'sources missing',
    typeof data.checks !== 'object' && 'checks missing',
    ...(data.bench ?? []).filter((b) => !(b.run in BENCH_RUNS)).map((b) => `bench ${b.file}: unknown run ${b.run}`),
  ].filter((x): x is string => typeof x === 'string');
  if (problems.length) throw new InputError(`${file}: ${problems.join('; ')}`);
  return { missing: {}, ...data } as ClaimsInputs;
}

/** The table's data from a saved inputs directory: reads files, runs nothing. */
export function rebuildFrom(dir: string): ClaimsRun {
  const inputs = loadInputs(dir);
  const results = new Map<BenchRunId, BenchResult>();
  for (const { run, file } of inputs.bench) {
    let r: BenchResult;
    try {
      r = readResult(path.join(dir, file));
    } catch (err) {
      if (err instanceof ResultReadError) throw new InputError(err.message);
      throw err;
    }
    const prev = results.get(run);
    results.set(run, prev ? mergeAsRepeats([prev, r]) : r);
  }
  const bench: BenchContext = {
    get: (id) => results.get(id) ?? { missing: inputs.missing[id] ?? `no ${id} result in ${path.basename(dir)}` },
  };
  return {
    generatedAt: inputs.generatedAt,
    mode: inputs.mode,
    environment: inputs.environment,
    sources: inputs.sources,
    claims: evaluateAll(REGISTRY, bench, inputs.checks),
  };
}
