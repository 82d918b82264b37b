import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReportCli } from '../harness/cli/report.ts';
import { EXAMPLE_RESULT, sampleClaims } from './report-fixture.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runReportCli(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
  return { code, out, err };
}

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without --html the Markdown report goes to stdout', () => {
  const r = run([EXAMPLE_RESULT]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^## getUser: /);
  assert.match(r.out, /\| protocol \| ops\/s \|/);
});

test('unknown flags and bad arguments exit 2 and name the valid flags', () => {
  const r = run([EXAMPLE_RESULT, '--htm', 'x.html']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown flag --htm; valid flags: --html, --claims, --help/);
  assert.equal(run([]).code, 2);
  assert.match(run([EXAMPLE_RESULT, EXAMPLE_RESULT]).err, /one result file at a time/);
  assert.match(run([EXAMPLE_RESULT, '--html']).err, /--html/);
});

test('a missing or corrupt result file exits 2 with the reader message', () => {
  withTmp((dir) => {
    const missing = run([path.join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read .*nope\.json/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"schemaVersion": 1,');
    const corrupt = run([bad, '--html', path.join(dir, 'o.html')]);
    assert.equal(corrupt.code, 2);
    assert.match(corrupt.err, /bad\.json is not valid JSON/);
    assert.ok(!existsSync(path.join(dir, 'o.html')));
    writeFileSync(bad, JSON.stringify({ schemaVersion: 1, tool: 'protocol-bench' }));
    assert.match(run([bad]).err, /does not match the result schema/);
    writeFileSync(bad, '[{"ref": 1}]');
    const badClaims = run([EXAMPLE_RESULT, '--claims', bad]);
    assert.equal(badClaims.code, 2);
    assert.match(badClaims.err, /is not a claims file/);
  });
});

test('--html writes the page atomically and prints its path; --claims adds the verdicts', () => {
  withTmp((dir) => {
    const claims = path.join(dir, 'claims.json');
    writeFileSync(claims, JSON.stringify(sampleClaims()));
    const out = path.join(dir, 'sub', 'report.html');
    const r = run([EXAMPLE_RESULT, '--html', out, '--claims', claims]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), out);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<section id="claims">/);
    assert.deepEqual(readdirSync(path.dirname(out)), ['report.html'], 'no temporary file left behind');
    // Markdown gets the claims table too.
    assert.match(run([EXAMPLE_RESULT, '--claims', claims]).out, /### Claims\n\n\| ref \| claim/);
  });
});

test('npm run report runs the CLI', () => {
  withTmp((dir) => {
    const out = path.join(dir, 'r.html');
    const stdout = execFileSync('npm', ['run', '-s', 'report', '--', EXAMPLE_RESULT, '--html', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(stdout.trim(), out);
    assert.ok(readFileSync(out, 'utf8').includes('id="latency-chart"'));
    const bad = spawnSync('npm', ['run', '-s', 'report', '--', EXAMPLE_RESULT, '--nope'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /valid flags: --html, --claims, --help/);
  });
});
