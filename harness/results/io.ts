// Writing and reading result files. Writes are atomic (temporary file, then rename) and never
// replace an existing result silently.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_VERSION, benchResultSchema, type BenchResult } from './schema.ts';
import { ResultReadError } from '../errors.ts';

export function defaultResultPath(dir: string, scenario: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  return path.join(dir, `${scenario}-${stamp}.json`);
}

/** A path that does not exist yet: `x.json`, else `x-1.json`, `x-2.json`, ... */
export function freePath(p: string): string {
  if (!existsSync(p)) return p;
  const ext = path.extname(p);
  const stem = p.slice(0, p.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!existsSync(candidate)) return candidate;
  }
}

/** Write atomically; returns the path written (a free variant when `p` already exists). */
export function writeResult(p: string, result: BenchResult): string {
  // A result that does not match its own schema is a bug: refuse to write it as if it were fine.
  const checked = benchResultSchema.safeParse(result);
  if (!checked.success) throw new ResultReadError(`refusing to write an invalid result: ${formatIssues(checked.error.issues)}`);
  mkdirSync(path.dirname(p), { recursive: true });
  const target = freePath(p);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n', { flag: 'wx' });
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return target;
}

export function readResult(p: string): BenchResult {
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (err) {
    throw new ResultReadError(`cannot read ${p}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ResultReadError(`${p} is not valid JSON: ${(err as Error).message}`);
  }
  const v = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (v !== SCHEMA_VERSION) {
    throw new ResultReadError(
      `${p}: schemaVersion ${JSON.stringify(v)} is not supported; this tool reads version ${SCHEMA_VERSION}` +
        (typeof v === 'number' && v > SCHEMA_VERSION
          ? ' (written by a newer version of the harness: update it)'
          : ' (re-run the benchmark to produce a current result)'),
    );
  }
  const checked = benchResultSchema.safeParse(data);
  if (!checked.success)
    throw new ResultReadError(`${p} does not match the result schema v${SCHEMA_VERSION}: ${formatIssues(checked.error.issues)}`);
  return checked.data;
}

function formatIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const shown = issues.slice(0, 8).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return shown.join('; ') + (issues.length > 8 ? `; and ${issues.length - 8} more` : '');
}
