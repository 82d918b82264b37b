// `npm run compare -- base.json candidate.json [--min-effect PCT] [--format md|json] [--junit FILE]`
// Exit status: 0 nothing regressed, 1 something regressed beyond the thresholds, 2 unusable
// input (missing or corrupt file, wrong schema, different scenarios, bad flags).
import { parseArgs } from 'node:util';
import path from 'node:path';
import { DEFAULT_MIN_EFFECT, compareResults, comparisonJson, renderComparisonMarkdown } from '../results/compare.ts';
import { readResult } from '../results/io.ts';
import { CompareInputError, ResultReadError, UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';
import { checkJunitPath, writeJunitFile } from '../run/ci-outputs.ts';
import { compareSuite } from '../output/junit.ts';
import { appendStepSummary } from '../output/step-summary.ts';

const FLAGS = {
  'min-effect': {
    type: 'string',
    help: `smallest change of the median that counts, in percent (default ${DEFAULT_MIN_EFFECT * 100})`,
  },
  format: { type: 'string', help: 'md (default, fit for a pull-request comment) or json' },
  help: { type: 'boolean', help: 'this help' },
  // issue 17 (CI outputs): JUnit, version; GITHUB_STEP_SUMMARY, when set, gets the Markdown comparison.
  junit: { type: 'string', help: 'also write the verdicts as JUnit XML: a case per protocol and figure' },
  version: { type: 'boolean', help: "print the harness's version and exit" },
} as const;

const FORMATS = ['md', 'json'] as const;

function usage(): string {
  const lines = [
    'usage: npm run compare -- BASE.json CANDIDATE.json [--min-effect PCT] [--format md|json] [--junit FILE]',
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(12)} ${f.help}`);
  lines.push('', 'exit status: 0 no regression, 1 a regression beyond the thresholds, 2 unusable input');
  return lines.join('\n');
}

/** Parses `5`, `5%` or `2.5` into a fraction (0.05, 0.025). */
export function parseMinEffect(v: string): number {
  const n = Number(v.trim().replace(/%$/, ''));
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1000)
    throw new UsageError(`--min-effect expects a percentage >= 0, e.g. 5 or 2.5%, got "${v}"`);
  return n / 100;
}

export interface CompareCliOutput {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/** The whole command as a function, so tests can call it without a process. */
export function runCompareCli(argv: string[]): CompareCliOutput {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true }));
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    return {
      code: 2,
      stdout: '',
      stderr: `${msg}\nvalid flags: ${Object.keys(FLAGS)
        .map((f) => `--${f}`)
        .join(', ')}`,
    };
  }
  if (values.help) return { code: 0, stdout: usage(), stderr: '' };
  try {
    if (positionals.length !== 2)
      throw new UsageError(`expected two result files (base, candidate), got ${positionals.length}\n${usage()}`);
    const format = values.format ?? 'md';
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const minEffect = values['min-effect'] === undefined ? DEFAULT_MIN_EFFECT : parseMinEffect(values['min-effect']);
    if (values.junit !== undefined) checkJunitPath(values.junit);
    const [basePath, candPath] = positionals as [string, string];
    const base = readResult(basePath);
    const cand = readResult(candPath);
    const c = compareResults(base, cand, {
      minEffect,
      baseLabel: path.basename(basePath),
      candidateLabel: path.basename(candPath),
    });
    const stdout = format === 'json' ? comparisonJson(c) : renderComparisonMarkdown(c);
    // The warnings are in the output too; stderr repeats them for whoever only watches the log.
    const stderr = c.warnings.map((w) => `warning: ${w}`);
    // CI files (issue 17): a failure to write one is said on stderr and changes no exit status.
    if (values.junit !== undefined) writeJunitFile(values.junit, [compareSuite(c)], (m) => stderr.push(`compare: ${m}`));
    appendStepSummary(renderComparisonMarkdown(c), process.env, (m) => stderr.push(`compare: ${m}`));
    return { code: c.status, stdout, stderr: stderr.join('\n') };
  } catch (err) {
    if (err instanceof UsageError || err instanceof ResultReadError || err instanceof CompareInputError) {
      return { code: 2, stdout: '', stderr: `compare: ${err.message}` };
    }
    throw err;
  }
}

runEntry(import.meta.url, (argv) => {
  const { code, stdout, stderr } = runCompareCli(argv);
  if (stderr) console.error(stderr);
  if (stdout) console.log(stdout);
  return code;
});
