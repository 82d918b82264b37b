// Rebuilding a claims table from its saved inputs, for tests (issue 15.12).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../claims/cli.ts';

/**
 * Rebuild the table in `inputsDir` into a scratch directory and compare it with `claimsMd`
 * byte for byte; returns the rebuilt text. Used on the committed table as
 * `rebuildsExactly('results/claims-runs', 'results/claims.md')`.
 */
export async function rebuildsExactly(inputsDir: string, claimsMd: string): Promise<string> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'claims-rebuilt-'));
  const log = console.log;
  console.log = () => {}; // the table printed to the terminal is not what is compared
  let code: number;
  try {
    code = await main(['--from', inputsDir, '--out-dir', out]);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0, `npm run claims -- --from ${inputsDir} failed`);
  const rebuilt = readFileSync(path.join(out, 'claims.md'), 'utf8');
  assert.equal(rebuilt, readFileSync(claimsMd, 'utf8'), `${claimsMd} is not what ${inputsDir} rebuilds`);
  return rebuilt;
}
