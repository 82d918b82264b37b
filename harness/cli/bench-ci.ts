// `npm run bench:ci`: a short fixed benchmark with repeats, compared with the existing compare
// (harness/results/compare.ts: throughput, latency, CPU per call on each side, bytes, errors).
// stdout carries only the comparison (Markdown, fit for a pull-request comment); the runs'
// progress and reports go to stderr. Exit status as `npm run compare`: 0 no regression,
// 1 a regression (or a broken threshold / failed run), 2 unusable input.
//
// Two modes:
//  - `--base REF` (issue 13): REF checked out in a temporary git worktree and installed, then base
//    and candidate (this checkout) run in this job, interleaved pair by pair (A B, B A, ...), each
//    with its own checkout's bench CLI. Drift between sessions cannot enter: both sides share it.
//  - otherwise: this checkout against results/baseline.json, stored by `--update-baseline` in
//    another session; drift between sessions is not in the repeats, hence the larger minimum effect.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compareResults, renderComparisonMarkdown, DEFAULT_ALPHA } from '../results/compare.ts';
import { readResult, writeResult } from '../results/io.ts';
import { concatRepeats } from '../results/concat.ts';
import type { BenchResult } from '../results/types.ts';
import { UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';
import { benchCommand, interleavedPlan, splitArgs, type Command, type Side } from '../run/ab-plan.ts';
import { checkOutBase, removeCheckout } from '../run/base-checkout.ts';
import { checkJunitPath, writeJunitFile } from '../run/ci-outputs.ts';
import { benchSuites, compareSuite, type JunitSuite } from '../output/junit.ts';
import { appendStepSummary, withoutStepSummary } from '../output/step-summary.ts';

/**
 * Against a baseline stored in another session: drift of a shared machine between sessions is
 * not in the repeats. Measured here: unchanged code moved a p99 by 5.1% (three repeats each, no
 * overlap) between two sessions an hour apart.
 */
const CI_MIN_EFFECT = 0.15;
/** Base and candidate in the same job share the drift; README "the CI gate" has the rates measured with it. */
const AB_MIN_EFFECT = 0.05;
/**
 * Pairs in --base mode, judged pair by pair (harness/results/paired.ts): with 8 the signed-rank
 * test reaches p = 0.008 and still calls a change when one pair of the 8 went the other way by a
 * little; with 5 or fewer every pair must agree (p = 0.0625 at best, so the sign rule decides).
 */
const AB_PAIRS = 8;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_BASELINE = 'results/baseline.json';
const OUR_ENTRY = 'harness/cli/bench.ts';

export interface CiSet {
  protocols: string;
  duration: string;
  warmup: string;
  repeat: string;
}

export const CI_SET: CiSet = { protocols: 'rest,grpc,websocket', duration: '2', warmup: '1', repeat: '3' };

/** The bench arguments of the fixed set; every field can be changed by the flag of that name. */
export function ciBenchArgs(set: CiSet): string[] {
  const args = ['--scenario', 'getUser', '--protocols', set.protocols, '--duration', set.duration, '--warmup', set.warmup];
  return [...args, '--repeat', set.repeat];
}

/** The fixed set as it was: short enough for CI, with the repeats the comparison needs to judge noise. */
export const CI_BENCH_ARGS = ciBenchArgs(CI_SET);

const FLAGS = {
  base: { type: 'string', help: 'git commit/branch/tag to compare against, run in this job (interleaved A B, B A, ...)' },
  'candidate-args': {
    type: 'string',
    help: '--base: more bench flags for the candidate side only, e.g. --candidate-args="--pipelining 8" (with =: the value starts with --)',
  },
  'bench-args': {
    type: 'string',
    help: 'more bench flags for every run, both sides, e.g. --bench-args="--config gate.config.ts" (a path is resolved here)',
  },
  'inject-server-cpu-us': {
    type: 'string',
    help: '--base: the candidate servers spin N us of CPU per request (a planted regression, to prove the gate)',
  },
  'update-baseline': { type: 'boolean', help: `run the set and write it as the baseline (${DEFAULT_BASELINE})` },
  baseline: { type: 'string', help: `baseline file (default ${DEFAULT_BASELINE})` },
  protocols: { type: 'string', help: `protocol rows (default ${CI_SET.protocols})` },
  duration: { type: 'string', help: `measured seconds per run (default ${CI_SET.duration})` },
  warmup: { type: 'string', help: `warm-up seconds per run (default ${CI_SET.warmup})` },
  repeat: { type: 'string', help: `repeats per side (default ${CI_SET.repeat}; with --base ${AB_PAIRS} pairs)` },
  'min-effect': {
    type: 'string',
    help: `smallest change of the median that counts, in percent (default ${CI_MIN_EFFECT * 100}; --base ${AB_MIN_EFFECT * 100})`,
  },
  alpha: { type: 'string', help: `Mann-Whitney significance level (default ${DEFAULT_ALPHA})` },
  out: { type: 'string', help: 'also keep the fresh (candidate) result at this path (e.g. to upload it from CI)' },
  // issue 17 (CI outputs): JUnit, version; GITHUB_STEP_SUMMARY, when set, gets the Markdown comparison.
  junit: {
    type: 'string',
    help: "also write JUnit XML: the comparison's verdicts, the candidate's runs and thresholds",
  },
  version: { type: 'boolean', help: "print the harness's version and exit" },
  help: { type: 'boolean', help: 'this help' },
} as const;

function usage(): string {
  const lines = [
    'usage: npm run bench:ci -- [--base REF [--candidate-args "FLAGS"] [--inject-server-cpu-us N]]',
    '                           [--update-baseline] [--baseline FILE] [--protocols a,b] [--duration S] [--warmup S]',
    '                           [--repeat N] [--min-effect PCT] [--alpha A] [--out FILE] [--bench-args "FLAGS"]',
    '',
    `runs: npm run bench -- ${CI_BENCH_ARGS.join(' ')}`,
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(24)} ${f.help}`);
  return lines.join('\n');
}

function numberFlag(name: string, v: string | undefined, min: number, max: number, integer = false): string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/%$/, ''));
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} expects ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${v}"`);
  return String(n);
}

// ---- child processes, stoppable by SIGINT/SIGTERM ----------------------------------------------

let current: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;

/** Runs a command; its stdout and stderr go to our stderr (our stdout is the comparison's). */
function run(c: Command): Promise<{ code: number; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    if (interrupted) return resolve({ code: 130, stderrTail: '' });
    // The runs' own reports stay out of the job summary: bench:ci appends the comparison alone.
    const child = spawn(c.command, c.args, { cwd: c.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: withoutStepSummary() });
    current = child;
    let tail = '';
    child.stdout.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      tail = (tail + d.toString()).slice(-4000); // enough to recognise a usage error
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), stderrTail: tail });
    });
  });
}

/**
 * SIGINT/SIGTERM: passed on to the running child (the bench has its own 2 s deadline), then main
 * unwinds through its finally blocks (the base checkout is removed). A second signal kills it.
 */
function onSignal(sig: NodeJS.Signals): void {
  if (interrupted) {
    current?.kill('SIGKILL');
    return;
  }
  interrupted = sig;
  console.error(`bench:ci: ${sig}: stopping the run, then removing the base checkout`);
  current?.kill(sig);
}

/** After each child: an interrupt unwinds main (its catch turns it into exit 130/143), finally blocks clean up. */
function checkInterrupt(): void {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
}

// ---- the two modes ------------------------------------------------------------------------------

interface Judged {
  base: BenchResult;
  candidate: BenchResult;
  baseLabel: string;
  candidateLabel: string;
  /** The candidate's own runs exited non-zero (failed runs or broken thresholds). */
  candidateFailed: number;
  minEffect: number;
}

/** One run of one side: its result, or a UsageError when it wrote none. */
async function runOnce(c: Command, out: string, what: string): Promise<{ result: BenchResult; code: number }> {
  const r = await run(c);
  checkInterrupt();
  if (r.code === 2 && /--repeat|--out|Unknown option/.test(r.stderrTail))
    throw new UsageError(`${what}: its bench CLI rejected the flags bench:ci gives it; see the message above`);
  if (!existsSync(out)) throw new UsageError(`${what}: the run exited with status ${r.code} and wrote no result; see above`);
  return { result: readResult(out), code: r.code };
}

async function baseMode(
  ref: string,
  set: CiSet,
  sideArgs: { both: string[]; candidate: string[] },
  tmp: string,
  minEffect: number,
): Promise<Judged> {
  const candidateArgs = sideArgs.candidate;
  let checkoutDir: string | undefined;
  try {
    console.error(`bench:ci: checking out ${ref} in a temporary worktree`);
    const checkout = await checkOutBase(
      ROOT,
      ref,
      (c) => run(c).then((r) => r.code),
      (dir) => (checkoutDir = dir),
    );
    checkInterrupt();
    console.error(
      `bench:ci: base ${ref} = ${checkout.commit.slice(0, 12)} at ${checkout.dir}; node_modules: ${
        checkout.install === 'symlink' ? 'linked to this checkout (same package-lock.json)' : 'npm ci'
      }; bench CLI ${checkout.entry}`,
    );
    const pairs = Number(set.repeat);
    const oneRun = [...ciBenchArgs({ ...set, repeat: '1' }), ...sideArgs.both];
    const sides: Record<Side, BenchResult[]> = { base: [], candidate: [] };
    let candidateFailed = 0;
    const plan = interleavedPlan(pairs);
    for (const [i, step] of plan.entries()) {
      const out = path.join(tmp, `${step.side}-${step.repeat}.json`);
      const c =
        step.side === 'base'
          ? benchCommand(process.execPath, checkout.dir, checkout.entry, oneRun, [], out)
          : benchCommand(process.execPath, ROOT, OUR_ENTRY, oneRun, candidateArgs, out);
      console.error(`bench:ci: run ${i + 1}/${plan.length}: ${step.side} repeat ${step.repeat + 1}/${pairs}`);
      const { result, code } = await runOnce(c, out, `the ${step.side} run`);
      if (code !== 0 && step.side === 'candidate') candidateFailed = code;
      if (code !== 0 && step.side === 'base') console.error(`bench:ci: warning: a base run exited with status ${code}`);
      sides[step.side].push(result);
    }
    return {
      base: concatRepeats(sides.base),
      candidate: concatRepeats(sides.candidate),
      baseLabel: `base ${ref}`,
      candidateLabel: candidateArgs.length
        ? `candidate (this checkout, ${candidateArgs.join(' ')})`
        : 'candidate (this checkout)',
      candidateFailed,
      minEffect,
    };
  } finally {
    if (checkoutDir !== undefined) removeCheckout(ROOT, checkoutDir);
  }
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
  const ref = values.base;
  const update = values['update-baseline'] ?? false;
  if (ref !== undefined && (update || values.baseline !== undefined))
    throw new UsageError('--base runs both sides in this job: it takes no --baseline or --update-baseline');
  const inject = numberFlag('inject-server-cpu-us', values['inject-server-cpu-us'], 0, 1_000_000);
  const candidateArgs = [
    ...splitArgs(values['candidate-args'] ?? ''),
    ...(inject !== undefined ? ['--inject-server-cpu-us', inject] : []),
  ];
  // Both sides run from their own checkout: a relative --config path means this one's.
  const bothArgs = splitArgs(values['bench-args'] ?? '').map((a, i, all) =>
    i > 0 && all[i - 1] === '--config' && !path.isAbsolute(a) ? path.resolve(a) : a,
  );
  if (ref === undefined && candidateArgs.length)
    throw new UsageError('--candidate-args and --inject-server-cpu-us need --base REF (a baseline file has no candidate side)');
  const set: CiSet = {
    protocols: values.protocols ?? CI_SET.protocols,
    duration: numberFlag('duration', values.duration, 0.1, 3600) ?? CI_SET.duration,
    warmup: numberFlag('warmup', values.warmup, 0, 600) ?? CI_SET.warmup,
    repeat: numberFlag('repeat', values.repeat, 1, 100, true) ?? (ref !== undefined ? String(AB_PAIRS) : CI_SET.repeat),
  };
  const minEffectPct = numberFlag('min-effect', values['min-effect'], 0, 1000);
  const minEffect = minEffectPct !== undefined ? Number(minEffectPct) / 100 : ref !== undefined ? AB_MIN_EFFECT : CI_MIN_EFFECT;
  const alpha = Number(numberFlag('alpha', values.alpha, 0.0001, 0.5) ?? DEFAULT_ALPHA);
  const junit = values.junit;
  if (junit !== undefined) checkJunitPath(junit);
  const writeJunit = (suites: JunitSuite[]): void => {
    if (junit !== undefined) writeJunitFile(junit, suites, (m) => console.error(`bench:ci: ${m}`));
  };

  const baselinePath = path.resolve(ROOT, values.baseline ?? DEFAULT_BASELINE);
  const baselineLabel = path.relative(ROOT, baselinePath) || baselinePath;
  // Checked before the run: no point in spending a minute to then say the baseline is missing.
  if (ref === undefined && !update && !existsSync(baselinePath)) {
    throw new UsageError(
      `no baseline at ${baselineLabel}. Create one on this machine, from the commit you want to compare against:\n` +
        `  npm run bench:ci -- --update-baseline${values.baseline ? ` --baseline ${values.baseline}` : ''}\n` +
        `then commit ${baselineLabel}; or compare with a commit in this job: npm run bench:ci -- --base REF`,
    );
  }

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-ci-'));
  try {
    let judged: Judged;
    if (ref !== undefined) {
      judged = await baseMode(ref, set, { both: bothArgs, candidate: candidateArgs }, tmp, minEffect);
      if (values.out) writeResult(path.resolve(values.out), judged.candidate);
    } else {
      const fresh = path.join(tmp, 'ci.json');
      const args = [...ciBenchArgs(set), ...bothArgs];
      console.error(`bench:ci: npm run bench -- ${args.join(' ')}`);
      const { result, code } = await runOnce(benchCommand(process.execPath, ROOT, OUR_ENTRY, args, [], fresh), fresh, 'the run');
      if (values.out) copyFileSync(fresh, path.resolve(values.out));
      if (update) {
        if (code !== 0)
          throw new Error(
            `not updating ${baselineLabel}: the run exited with status ${code} (failed runs or broken thresholds); a baseline must be clean`,
          );
        // Same-directory temporary file, then rename: a reader never sees half a baseline.
        const tmpBaseline = `${baselinePath}.${process.pid}.tmp`;
        copyFileSync(fresh, tmpBaseline);
        renameSync(tmpBaseline, baselinePath);
        writeJunit(benchSuites(result));
        console.log(
          `wrote ${baselineLabel} (${result.runs.length} runs, commit ${result.environment.commit?.slice(0, 12) ?? 'unknown'}${result.environment.commitDirty ? ', dirty' : ''}, ${result.environment.cpuModel}); commit it so CI compares against it`,
        );
        return 0;
      }
      judged = {
        base: readResult(baselinePath),
        candidate: result,
        baseLabel: baselineLabel,
        candidateLabel: 'this run',
        candidateFailed: code,
        minEffect,
      };
    }

    const c = compareResults(judged.base, judged.candidate, {
      // Base and candidate ran as adjacent pairs only in --base mode; a stored baseline is unpaired.
      paired: ref !== undefined,
      minEffect: judged.minEffect,
      alpha,
      baseLabel: judged.baseLabel,
      candidateLabel: judged.candidateLabel,
    });
    for (const w of c.warnings) console.error(`warning: ${w}`);
    const markdown = renderComparisonMarkdown(c);
    console.log(markdown);
    appendStepSummary(markdown, process.env, (m) => console.error(`bench:ci: ${m}`));
    writeJunit([compareSuite(c), ...benchSuites(judged.candidate)]);
    if (judged.candidateFailed !== 0) {
      console.error(
        `bench:ci: the benchmark run itself exited with status ${judged.candidateFailed} (failed runs or broken thresholds, see above)`,
      );
      return 1;
    }
    return c.status;
  } catch (err) {
    if (interrupted) {
      console.error(`bench:ci: interrupted by ${interrupted}; nothing compared`);
      return interrupted === 'SIGTERM' ? 143 : 130;
    }
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Prefixed so a CI log says which step failed; input problems (flags, no result, an unreadable
// baseline, an unknown REF) exit 2, a failed run or a dirty baseline exits 1.
runEntry(import.meta.url, (argv) =>
  main(argv).catch((err: unknown) => {
    if (err instanceof Error) err.message = `bench:ci: ${err.message}`;
    throw err;
  }),
);
