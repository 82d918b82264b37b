// `npm run merge -- a.json b.json [...] --out merged.json`: one result from the result files of
// several load-generator machines (or generator shards, issue 16) that drove the same target at the same time. The merging
// itself is pure (merge.ts); this is the edge: flags, reading, writing, messages, exit codes.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { readResult, writeResult } from '../results/io.ts';
import { mergeResults } from '../results/merge.ts';
import { UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';

export const FLAGS = {
  out: { type: 'string', help: 'merged result file (required; never overwritten: a free name is chosen)' },
  help: { type: 'boolean', help: 'this help' },
} as const;

function usage(): string {
  const lines = [
    'usage: npm run merge -- a.json b.json [c.json ...] --out merged.json',
    '',
    'Merges result files from load generators on several machines that drove the same target',
    'at the same time: histograms merged losslessly, ops and rates summed, client CPU added up,',
    'server CPU kept only when every input saw the same figure.',
    '',
    'Generator shards (bench --shard I/N): every index 0..N-1 must be given exactly once (exit 2',
    'naming the missing or repeated one); each merged row keeps its shard rows under shards[], and',
    "a warning says when the shards' measured windows overlap less than 90%.",
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(8)} ${f.help}`);
  return lines.join('\n');
}

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    throw new UsageError(
      `${msg}\nvalid flags: ${Object.keys(FLAGS)
        .map((f) => `--${f}`)
        .join(', ')}`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (values.out === undefined || values.out.trim() === '') throw new UsageError(`--out FILE is required\n${usage()}`);
  // One file can be a complete set (a 1-shard run); mergeResults says when more are needed.
  if (positionals.length === 0) throw new UsageError(`give at least 2 result files to merge, got 0\n${usage()}`);

  const seen = new Set<string>();
  for (const p of positionals) {
    if (seen.has(path.resolve(p))) throw new UsageError(`${p} is given twice: its counts would be added twice`);
    seen.add(path.resolve(p));
  }
  const inputs = positionals.map((p) => ({ name: p, result: readResult(p) }));
  const { result, warnings } = mergeResults(inputs);
  for (const w of warnings) console.error(`warning: ${w}`);
  let written: string;
  try {
    written = writeResult(values.out, result);
  } catch (err) {
    // Not the input's fault (disk, permissions, or a merge bug the schema caught): exit 1.
    throw new Error(`could not write ${values.out}: ${(err as Error).message}`, { cause: err });
  }
  console.log(written);
  return 0;
}

// Unusable input (bad flags, unreadable or mismatched files) is the caller's to fix: exit 2 (InputError).
runEntry(import.meta.url, main);
