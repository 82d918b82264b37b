// `npm run compare` as a user runs it: its own process, synthetic result files written with
// writeResult, and the three exit statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from '../harness/results/io.ts';
import { parseMinEffect, runCompareCli } from '../harness/cli/compare.ts';
import { repeated } from './compare-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const PROTOS = ['rest', 'grpc', 'websocket'];

function compare(args: string[]) {
  return spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'harness/cli/compare.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function withFiles(fn: (files: { base: string; halved: string; other: string; corrupt: string; dir: string }) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'compare-cli-'));
  try {
    const base = writeResult(path.join(dir, 'base.json'), repeated(PROTOS, 5));
    const halved = writeResult(
      path.join(dir, 'halved.json'),
      repeated(PROTOS, 5, (p, _i, k) => (p === 'websocket' ? { opsPerSec: 5_000 * k } : {})),
    );
    const other = writeResult(path.join(dir, 'other.json'), { ...repeated(PROTOS, 5), scenario: 'listUsers' });
    const corrupt = path.join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"schemaVersion": 1, "runs": [');
    fn({ base, halved, other, corrupt, dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('exit 0 for a result compared with itself, 1 naming a halved throughput, 2 for a corrupt or mismatched file', () => {
  withFiles(({ base, halved, other, corrupt }) => {
    const same = compare([base, base]);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /\*\*No regression\*\*/);

    const worse = compare([base, halved]);
    assert.equal(worse.status, 1, worse.stderr);
    assert.match(worse.stdout, /\*\*websocket opsPerSec\*\*: 10,000 -> 5,000 \(-50\.0%\)/);

    const bad = compare([base, corrupt]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /corrupt\.json is not valid JSON/);
    assert.equal(bad.stdout, '');

    const mismatched = compare([base, other]);
    assert.equal(mismatched.status, 2);
    assert.match(mismatched.stderr, /different scenarios: base\.json is "getUser", other\.json is "listUsers"/);
  });
});

test('unusable input and flags exit 2 with what is wrong (in process)', () => {
  withFiles(({ base, halved, dir }) => {
    const missing = runCompareCli([base, path.join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.json/);
    const wrongSchema = path.join(dir, 'wrong.json');
    writeFileSync(wrongSchema, JSON.stringify({ schemaVersion: 1, tool: 'protocol-bench', runs: [{ protocol: 'rest' }] }));
    const schema = runCompareCli([base, wrongSchema]);
    assert.equal(schema.code, 2);
    assert.match(schema.stderr, /does not match the result schema/);
    const flag = runCompareCli([base, halved, '--frobnicate']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /valid flags: --min-effect, --format, --help/);
    assert.equal(runCompareCli([base]).code, 2);
    assert.match(runCompareCli([base, halved, '--format', 'xml']).stderr, /--format must be one of md, json/);
    assert.match(runCompareCli([base, halved, '--min-effect', 'lots']).stderr, /--min-effect expects a percentage/);
  });
});

test('--min-effect and --format json', () => {
  withFiles(({ base, halved }) => {
    assert.equal(runCompareCli([base, halved, '--min-effect', '60']).code, 0, 'a 50% drop is under a 60% minimum effect');
    const json = runCompareCli([base, halved, '--format', 'json']);
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.stdout) as {
      status: number;
      minEffect: number;
      regressions: { protocol: string; figure: string }[];
    };
    assert.equal(parsed.minEffect, 0.05);
    assert.deepEqual(
      parsed.regressions.map((r) => `${r.protocol} ${r.figure}`),
      ['websocket opsPerSec'],
    );
  });
  assert.equal(parseMinEffect('5'), 0.05);
  assert.equal(parseMinEffect('2.5%'), 0.025);
});
