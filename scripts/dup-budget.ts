// `npm run dupcheck`: copy-pasted code in the product (not tests, not generated code) may not grow.
// jscpd finds clones of 6+ lines; the budget in .jscpd.json is the count allowed. A change that
// adds a clone fails; a change that removes some is told to lower the budget, so it only goes down.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Place {
  name: string;
  start: number;
  end: number;
}
interface Report {
  duplicates: { firstFile: Place; secondFile: Place }[];
}

const configFile = new URL('../.jscpd.json', import.meta.url);
const { budget, minLines } = JSON.parse(readFileSync(configFile, 'utf8')) as { budget: number; minLines: number };
const out = mkdtempSync(path.join(os.tmpdir(), 'jscpd-'));
try {
  // The CLI rather than the API: jscpd's package steers TypeScript loaders (tsx) to sources it does not ship runnable.
  const bin = new URL('../node_modules/.bin/jscpd', import.meta.url).pathname;
  execFileSync(process.execPath, [bin, '--config', configFile.pathname, '--reporters', 'json', '--output', out, '--silent']);
  const report = path.join(out, 'jscpd-report.json');
  // jscpd writes no report when it found no file to read: a pass would then be a lie.
  if (!existsSync(report)) {
    console.error('dupcheck: jscpd read no source file (check "path" and "ignore" in .jscpd.json)');
    process.exit(1);
  }
  const { duplicates } = JSON.parse(readFileSync(report, 'utf8')) as Report;
  const where = (p: Place): string => `${p.name}:${p.start}-${p.end}`;
  if (duplicates.length > budget) {
    console.error(`duplicate code: ${duplicates.length} clones of ${minLines}+ lines, budget ${budget} (.jscpd.json)`);
    for (const d of duplicates) console.error(`  ${where(d.firstFile)} ~ ${where(d.secondFile)}`);
    console.error('make one piece of code serve both places; the budget only goes down');
    process.exitCode = 1;
  } else {
    const note = duplicates.length < budget ? `; lower "budget" in .jscpd.json to ${duplicates.length}` : '';
    console.log(`duplicate code: ${duplicates.length} clones of ${minLines}+ lines, within the budget of ${budget}${note}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
