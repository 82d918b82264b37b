// `npm run report -- RESULT.json [--html OUT.html] [--claims CLAIMS.json]`: the edge that reads
// files, renders the Markdown (stdout) or the self-contained HTML report, and writes it.
import { parseArgs } from 'node:util';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readResult } from '../results/io.ts';
import { renderReport } from '../output/markdown.ts';
import { renderHtmlReport } from '../output/html.ts';
import { loadChartAssets } from '../output/html-assets.ts';
import { claimsInResult, readClaims, renderClaimsMarkdown } from '../results/claims.ts';
import { ClaimsReadError, ResultReadError, UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';

export const REPORT_FLAGS = {
  html: { type: 'string', help: 'write a self-contained HTML report to this file (else Markdown goes to stdout)' },
  claims: { type: 'string', help: 'claims verdicts to include: a JSON array of {ref, claim, guide, measured, verdict}' },
  help: { type: 'boolean', help: 'this help' },
} as const;

const USAGE = [
  'usage: npm run report -- RESULT.json [--html OUT.html] [--claims CLAIMS.json]',
  '',
  'flags:',
  ...Object.entries(REPORT_FLAGS).map(([name, f]) => `  --${name.padEnd(8)} ${f.help}`),
].join('\n');

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function parse(argv: string[]): { file: string; html?: string; claims?: string; help: boolean } {
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
  if (values.help) return { file: '', help: true };
  if (positionals.length === 0) throw new UsageError('missing the result file');
  if (positionals.length > 1)
    throw new UsageError(`one result file at a time, got ${positionals.length}: ${positionals.join(' ')}`);
  return { file: positionals[0] as string, html: values.html, claims: values.claims, help: false };
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
    if (args.html === undefined) {
      const claimsMd = renderClaimsMarkdown(claims);
      io.out(renderReport(result, args.file) + (claimsMd ? `\n\n${claimsMd}` : ''));
      return 0;
    }
    const html = renderHtmlReport(result, { assets: loadChartAssets(), claims, resultPath: args.file });
    writeAtomic(args.html, html);
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
