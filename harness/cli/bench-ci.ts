// `npm run bench:ci`: a short fixed benchmark with repeats, compared against
// results/baseline.json. stdout carries only the comparison (Markdown, fit for a pull-request
// comment); the run's progress and report go to stderr. Exit status as `npm run compare`:
// 0 no regression, 1 a regression (or a broken threshold / failed run), 2 unusable input.
//
// `npm run bench:ci -- --update-baseline` runs the same set and writes it as the baseline.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compareResults, renderComparisonMarkdown } from '../results/compare.ts';

/**
 * Larger than compare's 5%: against a baseline stored in another session, drift of a shared
 * machine between sessions is not in the repeats. Measured here: unchanged code moved a p99
 * by 5.1% (three repeats each, no overlap) between two sessions an hour apart.
 */
const CI_MIN_EFFECT = 0.15;
import { readResult } from '../results/io.ts';
import { UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_BASELINE = 'results/baseline.json';

/** The fixed set: short enough for CI, with the repeats the comparison needs to judge noise. */
export const CI_BENCH_ARGS = [
  '--scenario',
  'getUser',
  '--protocols',
  'rest,grpc,websocket',
  '--duration',
  '2',
  '--warmup',
  '1',
  '--repeat',
  '3',
] as const;

const FLAGS = {
  'update-baseline': { type: 'boolean', help: `run the set and write it as the baseline (${DEFAULT_BASELINE})` },
  baseline: { type: 'string', help: `baseline file (default ${DEFAULT_BASELINE})` },
  'min-effect': {
    type: 'string',
    help: `smallest change of the median that counts, in percent (default ${CI_MIN_EFFECT * 100})`,
  },
  out: { type: 'string', help: 'also keep the fresh result at this path (e.g. to upload it from CI)' },
  help: { type: 'boolean', help: 'this help' },
} as const;

function usage(): string {
  const lines = [
    'usage: npm run bench:ci -- [--update-baseline] [--baseline FILE] [--min-effect PCT] [--out FILE]',
    '',
    `runs: npm run bench -- ${CI_BENCH_ARGS.join(' ')}`,
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(16)} ${f.help}`);
  return lines.join('\n');
}

/** Runs the bench CLI in its own process; its stdout (the report) and stderr go to our stderr. */
function runBench(out: string): Promise<{ code: number; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'harness/cli/bench.ts'), ...CI_BENCH_ARGS, '--out', out],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let tail = '';
    child.stdout.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      tail = (tail + d.toString()).slice(-4000); // enough to recognise a usage error
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderrTail: tail }));
  });
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message.split('\n')[0] ?? ''}\nvalid flags: ${Object.keys(FLAGS)
        .map((f) => `--${f}`)
        .join(', ')}`,
    );
  }
  if (values.help) {
    console.log(usage());
    return 0;
  }
  let minEffect = CI_MIN_EFFECT;
  if (values['min-effect'] !== undefined) {
    const n = Number(values['min-effect'].replace(/%$/, ''));
    if (values['min-effect'].trim() === '' || !Number.isFinite(n) || n < 0)
      throw new UsageError(`--min-effect expects a percentage >= 0, got "${values['min-effect']}"`);
    minEffect = n / 100;
  }
  const baselinePath = path.resolve(ROOT, values.baseline ?? DEFAULT_BASELINE);
  const baselineLabel = path.relative(ROOT, baselinePath) || baselinePath;
  const update = values['update-baseline'] ?? false;
  // Checked before the run: no point in spending a minute to then say the baseline is missing.
  if (!update && !existsSync(baselinePath)) {
    throw new UsageError(
      `no baseline at ${baselineLabel}. Create one on this machine, from the commit you want to compare against:\n` +
        `  npm run bench:ci -- --update-baseline${values.baseline ? ` --baseline ${values.baseline}` : ''}\n` +
        `then commit ${baselineLabel}.`,
    );
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ci-'));
  try {
    const fresh = path.join(dir, 'ci.json');
    console.error(`bench:ci: npm run bench -- ${CI_BENCH_ARGS.join(' ')}`);
    const run = await runBench(fresh);
    if (run.code === 2 && /--repeat/.test(run.stderrTail)) {
      throw new UsageError(
        'bench:ci needs `--repeat` in the bench CLI (harness/cli/bench.ts) to judge noise, and this version rejects it; see the message above',
      );
    }
    if (!existsSync(fresh))
      throw new UsageError(`the benchmark run exited with status ${run.code} and wrote no result; see its output above`);
    const result = readResult(fresh);
    if (values.out) copyFileSync(fresh, path.resolve(values.out));

    if (update) {
      if (run.code !== 0)
        throw new Error(
          `not updating ${baselineLabel}: the run exited with status ${run.code} (failed runs or broken thresholds); a baseline must be clean`,
        );
      // Same-directory temporary file, then rename: a reader never sees half a baseline.
      const tmp = `${baselinePath}.${process.pid}.tmp`;
      copyFileSync(fresh, tmp);
      renameSync(tmp, baselinePath);
      console.log(
        `wrote ${baselineLabel} (${result.runs.length} runs, commit ${result.environment.commit?.slice(0, 12) ?? 'unknown'}${result.environment.commitDirty ? ', dirty' : ''}, ${result.environment.cpuModel}); commit it so CI compares against it`,
      );
      return 0;
    }

    const base = readResult(baselinePath);
    const c = compareResults(base, result, { minEffect, baseLabel: baselineLabel, candidateLabel: 'this run' });
    for (const w of c.warnings) console.error(`warning: ${w}`);
    console.log(renderComparisonMarkdown(c));
    if (run.code !== 0) {
      console.error(
        `bench:ci: the benchmark run itself exited with status ${run.code} (failed runs or broken thresholds, see above)`,
      );
      return 1;
    }
    return c.status;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Prefixed so a CI log says which step failed; input problems (flags, no result, an unreadable
// baseline) exit 2, a failed run or a dirty baseline exits 1.
runEntry(import.meta.url, (argv) =>
  main(argv).catch((err: unknown) => {
    if (err instanceof Error) err.message = `bench:ci: ${err.message}`;
    throw err;
  }),
);
