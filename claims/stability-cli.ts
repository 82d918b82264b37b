// `npm run claims:stability -- DIR DIR ...`: rebuilds each saved claims run (a claims-runs directory,
// as `npm run claims -- --from DIR` would) with this checkout's registry, so only the measurements
// differ between them, and prints whose verdict moved and how disturbed each run was. Exit 1 when
// a claim was confirmed in one run and refuted in another.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readResult } from '../harness/results/io.ts';
import { lastAttempts } from '../harness/run/attempts.ts';
import { InputError } from '../harness/errors.ts';
import { runEntry } from '../harness/run/entry.ts';
import { isDirectory, loadInputs, rebuildFrom, writeAtomic } from './inputs.ts';
import { compareRuns, renderStability, type StabilityRun } from './stability.ts';

const USAGE = `usage: npm run claims:stability -- DIR DIR [DIR ...] [--out FILE]
  DIR         a directory a claims run saved its inputs in (results/claims-runs, or --out-dir D's D/claims-runs)
  --out FILE  also write the Markdown report to FILE`;

/** Bench rows of a saved run: counted (last attempts), disturbed among them, superseded attempts. */
function rowsOf(dir: string): StabilityRun['rows'] {
  const rows = { counted: 0, disturbed: 0, superseded: 0 };
  for (const { file } of loadInputs(dir).bench) {
    const runs = readResult(path.join(dir, file)).runs;
    const last = lastAttempts(runs);
    rows.counted += last.length;
    rows.disturbed += last.filter((r) => r.machine?.disturbed === true).length;
    rows.superseded += runs.length - last.length;
  }
  return rows;
}

export function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problems = [
    positionals.length < 2 && 'give at least two directories',
    ...positionals.filter((d) => !isDirectory(d)).map((d) => `${d}: not a directory`),
  ].filter((x): x is string => typeof x === 'string');
  if (problems.length) throw new InputError(`${problems.join('; ')}\n${USAGE}`);
  const runs: StabilityRun[] = positionals.map((dir) => {
    const run = rebuildFrom(dir);
    return {
      label: path.relative(process.cwd(), dir) || dir,
      generatedAt: run.generatedAt,
      mode: run.mode,
      claims: run.claims,
      rows: rowsOf(dir),
    };
  });
  const s = compareRuns(runs);
  const text = renderStability(s);
  console.log(text);
  if (values.out) writeAtomic(values.out, text + '\n');
  return s.flips.length ? 1 : 0;
}

runEntry(import.meta.url, main);
