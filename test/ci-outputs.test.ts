// CI outputs (issue 17): JUnit cases for runs, thresholds and compare verdicts, read back with an
// XML parser; GITHUB_STEP_SUMMARY appends; the bench's CI flags; --version on every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { resolveConfig } from '../harness/config.ts';
import { benchSuites, compareSuite, renderJunit, type JunitSuite } from '../harness/output/junit.ts';
import { appendStepSummary, withoutStepSummary } from '../harness/output/step-summary.ts';
import { compareResults } from '../harness/results/compare.ts';
import { writeResult } from '../harness/results/io.ts';
import type { BenchResult } from '../harness/results/types.ts';
import { runCompareCli } from '../harness/cli/compare.ts';
import { parseCli } from '../harness/run/args.ts';
import { asksVersion } from '../harness/run/version.ts';
import { shardLabel } from '../harness/run/ci-outputs.ts';
import { UsageError } from '../harness/errors.ts';
import { repeated, result, run } from './compare-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; '#text'?: string };
  skipped?: { message: string };
}
interface Suite {
  name: string;
  tests: string;
  failures: string;
  skipped: string;
  testcase?: Case[];
}

function parseJunit(xml: string): { tests: string; failures: string; suites: Suite[] } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  });
  const doc = parser.parse(xml) as { testsuites: { tests: string; failures: string; testsuite: Suite[] } };
  return { tests: doc.testsuites.tests, failures: doc.testsuites.failures, suites: doc.testsuites.testsuite };
}

const cases = (s: Suite | undefined): Case[] => s?.testcase ?? [];

function withThresholds(r: BenchResult, thresholds: Record<string, string[]>): BenchResult {
  return { ...r, config: resolveConfig({ duration: 2, warmup: 1, thresholds: { getUser: thresholds } }) };
}

test('junit: a case per run, failed runs fail with their reason, superseded attempts are skipped', () => {
  const r = result([
    run('rest', 0),
    run('grpc', 0, { state: 'failed' }),
    { ...run('websocket', 0), superseded: true },
    run('websocket', 0),
  ]);
  const doc = parseJunit(renderJunit(benchSuites(r)));
  assert.equal(doc.suites.length, 1, 'no thresholds: the runs suite alone');
  const [suite] = doc.suites;
  assert.equal(suite!.name, 'getUser: runs');
  assert.deepEqual(
    cases(suite).map((c) => [c.name, c.failure ? 'failed' : c.skipped ? 'skipped' : 'passed']),
    [
      ['rest: run 1/4 (repeat 1)', 'passed'],
      ['grpc: run 2/4 (repeat 1)', 'failed'],
      ['websocket: run 3/4 (repeat 1)', 'skipped'],
      ['websocket: run 4/4 (repeat 1)', 'passed'],
    ],
  );
  assert.match(cases(suite)[1]!.failure!.message, /grpc failed: synthetic failure/);
  assert.match(cases(suite)[2]!.skipped!.message, /superseded/);
  assert.equal(doc.tests, '4');
  assert.equal(doc.failures, '1');
});

test('junit: a case per threshold and protocol; a broken one names the threshold and the measured figure', () => {
  const base = repeated(['rest', 'grpc', 'sse'], 3, (p) =>
    p === 'rest' ? { p99: 2400 } : p === 'sse' ? { state: 'failed' } : {},
  );
  // The grpc runs ran on a disturbed machine: their broken threshold is inconclusive, not a failure.
  base.runs = base.runs.map((x) =>
    x.protocol === 'grpc' ? { ...x, machine: { disturbed: true, reasons: ['steal 30%'] } as unknown as typeof x.machine } : x,
  );
  const r = withThresholds(base, { '*': ['errors == 0'], rest: ['p99 < 2ms'], grpc: ['opsPerSec > 50000'] });
  const doc = parseJunit(renderJunit(benchSuites(r)));
  const thresholds = doc.suites.find((s) => s.name === 'getUser: thresholds');
  const byName = new Map(cases(thresholds).map((c) => [c.name, c]));
  assert.deepEqual(
    [...byName.keys()],
    ['rest: errors == 0', 'rest: p99 < 2ms', 'grpc: errors == 0', 'grpc: opsPerSec > 50000', 'sse: errors == 0'],
  );
  assert.equal(byName.get('rest: errors == 0')!.failure, undefined, 'a threshold that holds passes');
  const broken = byName.get('rest: p99 < 2ms')!.failure!;
  assert.equal(broken.type, 'threshold broken');
  assert.match(broken.message, /rest p99 < 2ms \(measured 2\.4ms, median of 3 repeats\)/);
  assert.match(byName.get('grpc: opsPerSec > 50000')!.skipped!.message, /inconclusive/);
  assert.match(byName.get('sse: errors == 0')!.skipped!.message, /every run of sse failed/);
  assert.equal(thresholds!.failures, '1');
  assert.equal(thresholds!.skipped, '2');
});

test('junit: a case per compare row; a regression fails with its figures', () => {
  const base = repeated(['rest', 'websocket'], 5);
  const cand = repeated(['rest', 'websocket'], 5, (p, _i, k) => (p === 'websocket' ? { opsPerSec: 5_000 * k } : {}));
  const c = compareResults(base, cand, { baseLabel: 'base.json', candidateLabel: 'cand.json' });
  const doc = parseJunit(renderJunit([compareSuite(c)]));
  const suite = doc.suites[0]!;
  assert.equal(cases(suite).length, c.rows.length, 'one case per protocol and figure');
  const failed = cases(suite).filter((x) => x.failure);
  assert.deepEqual(
    failed.map((x) => x.name),
    ['websocket: opsPerSec'],
  );
  assert.match(failed[0]!.failure!.message, /websocket ops\/s: 10000 -> 5000 \(-50\.0%\)/);
  assert.match(failed[0]!.failure!['#text']!, /base\.json -> cand\.json/);
});

test('junit XML: markup and control characters in messages cannot break the document', () => {
  const suites: JunitSuite[] = [
    {
      name: 'odd <names> & "quotes"',
      cases: [{ classname: 'x', name: 'a\nb', failure: { type: 't', message: 'bad <tag> & \u0007bell', details: '</failure>' } }],
    },
  ];
  const doc = parseJunit(renderJunit(suites));
  assert.equal(doc.suites[0]!.name, 'odd <names> & "quotes"');
  const c = cases(doc.suites[0])[0]!;
  assert.equal(c.failure!.message, 'bad <tag> & bell');
  assert.equal(c.failure!['#text'], '</failure>');
});

test('npm run compare --junit writes the verdicts and appends the comparison to GITHUB_STEP_SUMMARY', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-compare-'));
  const saved = process.env.GITHUB_STEP_SUMMARY;
  try {
    const base = writeResult(path.join(dir, 'base.json'), repeated(['rest', 'websocket'], 5));
    const halved = writeResult(
      path.join(dir, 'halved.json'),
      repeated(['rest', 'websocket'], 5, (p, _i, k) => (p === 'websocket' ? { opsPerSec: 5_000 * k } : {})),
    );
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    process.env.GITHUB_STEP_SUMMARY = summary;
    const junit = path.join(dir, 'compare.xml');
    const out = runCompareCli([base, halved, '--junit', junit]);
    assert.equal(out.code, 1, 'a regression exits 1, as without --junit');
    const doc = parseJunit(readFileSync(junit, 'utf8'));
    assert.equal(doc.failures, '1');
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n'), 'appended, not overwritten');
    assert.match(md, /### Benchmark comparison: getUser/);

    assert.equal(runCompareCli([base, base, '--junit', junit]).code, 0);
    assert.equal(parseJunit(readFileSync(junit, 'utf8')).failures, '0');
    const missingDir = runCompareCli([base, halved, '--junit', path.join(dir, 'no', 'such', 'x.xml')]);
    assert.equal(missingDir.code, 2);
    assert.match(missingDir.stderr, /--junit .*does not exist/);
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:ci --junit: compare verdicts and the run; the job summary gets the comparison once', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-bench-ci-'));
  try {
    const baseline = writeResult(path.join(dir, 'baseline.json'), repeated(['rest'], 1));
    const [junit, summary] = [path.join(dir, 'ci.xml'), path.join(dir, 'summary.md')];
    const args = ['--baseline', baseline, '--protocols', 'rest', '--duration', '1', '--warmup', '0', '--repeat', '1'];
    const r = spawnSync(
      process.execPath,
      ['--import', TSX, path.join(ROOT, 'harness/cli/bench-ci.ts'), ...args, '--junit', junit],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
        env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
      },
    );
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}\n${r.stderr}`);
    const doc = parseJunit(readFileSync(junit, 'utf8'));
    assert.deepEqual(
      doc.suites.map((s) => s.name.replace(/compare .*/, 'compare')),
      ['getUser: compare', 'getUser: runs'],
    );
    assert.ok(cases(doc.suites[0]).some((c) => c.name === 'rest: opsPerSec'));
    // The exit status is the verdicts': 1 exactly when a case failed (a regression or the run itself).
    assert.equal(r.status === 1, Number(doc.failures) > 0, `exit ${r.status}, failures ${doc.failures}`);
    const md = readFileSync(summary, 'utf8');
    assert.equal(md.match(/### Benchmark comparison/g)?.length, 1);
    assert.doesNotMatch(md, /\| protocol \| ops\/s \|/, "the bench run's own report stays out of the job summary");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('step summary: nothing without the variable, a warning (not a throw) when the file cannot be written', () => {
  assert.equal(appendStepSummary('# x', {}), undefined);
  const warnings: string[] = [];
  assert.equal(
    appendStepSummary('# x', { GITHUB_STEP_SUMMARY: '/nonexistent-dir/summary.md' }, (m) => warnings.push(m)),
    undefined,
  );
  assert.match(warnings[0]!, /could not append/);
  assert.equal(withoutStepSummary({ GITHUB_STEP_SUMMARY: 'x', PATH: '/bin' }).GITHUB_STEP_SUMMARY, undefined);
});

test('bench CI flags: parsed, defaults, and every problem at once', () => {
  assert.deepEqual(parseCli([]).ci, { metricsHost: '127.0.0.1' });
  assert.deepEqual(parseCli(['--metrics-port', '9464', '--junit', 'j.xml']).ci, {
    metricsHost: '127.0.0.1',
    metricsPort: 9464,
    junit: 'j.xml',
  });
  assert.equal(parseCli(['--metrics-port', '0', '--metrics-host', '0.0.0.0']).ci.metricsHost, '0.0.0.0');
  assert.throws(
    () => parseCli(['--metrics-port', '70000', '--junit', ' ']),
    (err: Error) =>
      err instanceof UsageError && /--metrics-port expects/.test(err.message) && /--junit expects/.test(err.message),
  );
  assert.throws(() => parseCli(['--metrics-host', '::1']), /--metrics-host needs --metrics-port/);
});

test('shard label: the shard index when the config has one (issue 16), else none', () => {
  assert.equal(shardLabel({}), undefined);
  assert.equal(shardLabel({ shard: null }), undefined);
  assert.equal(shardLabel({ shard: { index: 2, count: 4 } }), '2');
});

test('--version: asked before any `--`, printed by every command with exit 0', () => {
  assert.equal(asksVersion(['--scenario', 'x', '--version']), true);
  assert.equal(asksVersion(['--', '--version']), false);
  assert.equal(asksVersion(['--candidate-args=--version']), false);
  const entries = ['bench', 'bench-ci', 'compare', 'merge', 'report', 'serve', 'calibrate', 'emit-schema'].map(
    (n) => `harness/cli/${n}.ts`,
  );
  for (const entry of [...entries, 'claims/cli.ts']) {
    const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, entry), '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${entry}: ${r.stderr}`);
    assert.equal(r.stdout, `protocol-bench ${VERSION}\n`, entry);
  }
});
