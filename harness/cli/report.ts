// `npm run report -- RESULT.json [--html OUT.html] [--claims CLAIMS.json] [--format NAME]`: the edge
// that reads files, renders the result with one output from the registry (Markdown by default, the
// self-contained HTML page with --html), and prints it or writes it.
import { parseArgs } from 'node:util';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readResult } from '../results/io.ts';
import { createOutput, isOutputName, OUTPUT_NAMES, type OutputName } from '../output/registry.ts';
import { loadChartAssets } from '../output/html-assets.ts';
import { claimsInResult, readClaims } from '../results/claims.ts';
import { ClaimsReadError, ResultReadError, UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';

export const REPORT_FLAGS = {
  html: { type: 'string', help: 'write the self-contained HTML report to this file (else the --format output goes to stdout)' },
  claims: { type: 'string', help: 'claims verdicts to include: a JSON array of {ref, claim, guide, measured, verdict}' },
  help: { type: 'boolean', help: 'this help' },
  format: { type: 'string', help: `output to print: ${OUTPUT_NAMES.join(', ')} (default md; html with --html)` },
} as const;

const USAGE = [
  `usage: npm run report -- RESULT.json [--html OUT.html] [--claims CLAIMS.json] [--format ${OUTPUT_NAMES.join('|')}]`,
  '',
  'flags:',
  ...Object.entries(REPORT_FLAGS).map(([name, f]) => `  --${name.padEnd(8)} ${f.help}`),
].join('\n');

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface ReportArgs {
  file: string;
  format: OutputName;
  html?: string;
  claims?: string;
  help: boolean;
}

/** --html OUT is the html output written to OUT; without it the chosen output (md by default) goes to stdout. */
function outputName(format: string | undefined, html: string | undefined): OutputName {
  const name = format ?? (html === undefined ? 'md' : 'html');
  if (!isOutputName(name)) throw new UsageError(`--format must be one of ${OUTPUT_NAMES.join(', ')}, got "${name}"`);
  if (html !== undefined && name !== 'html')
    throw new UsageError(`--html writes the html output; it cannot print --format ${name}`);
  return name;
}

function parse(argv: string[]): ReportArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: REPORT_FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    // parseArgs's own wording ("Unknown option '--x'. To specify a positional ...") does not say
    // what is valid; name the flags instead.
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec((err as Error).message)?.[1] ?? 'flag';
      throw new UsageError(
        `unknown flag ${flag}; valid flags: ${Object.keys(REPORT_FLAGS)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    }
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { file: '', format: 'md', help: true };
  if (positionals.length === 0) throw new UsageError('missing the result file');
  if (positionals.length > 1)
    throw new UsageError(`one result file at a time, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = outputName(values.format, values.html);
  return { file: positionals[0] as string, format, html: values.html, claims: values.claims, help: false };
}

/** Replace `p` atomically: readers see the old file or the new one, never half of one. */
function writeAtomic(p: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(p)), { recursive: true });
  const tmp = `${p}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, p);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function runReportCli(argv: string[], io: Io): number {
  try {
    const args = parse(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    const result = readResult(args.file);
    const claims = args.claims !== undefined ? readClaims(args.claims) : claimsInResult(result);
    const text = createOutput(args.format, { claims, chartAssets: loadChartAssets }).end(result, args.file) ?? '';
    if (args.html === undefined) {
      io.out(text);
      return 0;
    }
    writeAtomic(args.html, text);
    io.out(args.html);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`report: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ResultReadError || err instanceof ClaimsReadError) {
      io.err(`report: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

runEntry(import.meta.url, (argv) => runReportCli(argv, { out: (s) => console.log(s), err: (s) => console.error(s) }));
