import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutput, isOutputName, OUTPUT_NAMES, OUTPUTS } from '../harness/output/registry.ts';
import { formatSummary, SUMMARY_FORMATS } from '../harness/output/formats.ts';
import { loadChartAssets } from '../harness/output/html-assets.ts';
import { renderFanoutReport } from '../harness/output/fanout-markdown.ts';
import { renderReport } from '../harness/output/markdown.ts';
import { progressOutput } from '../harness/output/progress.ts';
import { readResult } from '../harness/results/io.ts';
import { parseCli } from '../harness/run/args.ts';
import { runReportCli } from '../harness/cli/report.ts';
import { UsageError } from '../harness/errors.ts';
import type { ProgressEvent } from '../harness/workloads/types.ts';
import { EXAMPLE_RESULT, FANOUT_RESULT, exampleResult, sampleClaims } from './report-fixture.ts';

const params = { chartAssets: loadChartAssets };

function report(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runReportCli(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('every registry entry renders both fixture results, and says nothing before the end', () => {
  const results = [exampleResult(), readResult(FANOUT_RESULT)];
  const run = results[0]!.runs[0]!;
  for (const name of OUTPUT_NAMES) {
    assert.ok(OUTPUTS[name].description.length > 0, `${name} has a description`);
    for (const result of results) {
      const output = createOutput(name, params);
      assert.equal(output.start({ scenario: result.scenario, runs: result.runs.length }), undefined, name);
      assert.equal(output.progress({ protocol: 'rest', phase: 'start' }), undefined, name);
      assert.equal(output.record(run), undefined, name);
      const text = output.end(result, 'results/x.json');
      assert.equal(typeof text, 'string', `${name} on ${result.scenario}`);
      assert.ok(text!.length > 100, `${name} on ${result.scenario} renders something`);
    }
  }
});

test('each output renders what its name says', () => {
  const result = exampleResult();
  const end = (name: string): string => {
    assert.ok(isOutputName(name));
    return createOutput(name, params).end(result, 'results/x.json')!;
  };
  assert.match(end('md'), /^## getUser: /);
  assert.equal(JSON.parse(end('json')).scenario, 'getUser');
  assert.match(end('csv'), /^scenario,protocol,variant,/);
  assert.match(end('html'), /^<!doctype html>/);
  assert.match(end('fanout'), /^## fanout: /);
  assert.ok(!isOutputName('xml') && !isOutputName('toString'), 'only own keys are names');
});

test('the Markdown output picks the fanout report by the result data, and appends claims when given', () => {
  const fanout = readResult(FANOUT_RESULT);
  assert.equal(createOutput('md').end(fanout, 'f.json'), renderFanoutReport(fanout, 'f.json'));
  // The runs' delivery figures alone are enough, whatever the scenario is called.
  const renamed = { ...fanout, scenario: 'pushRenamed' };
  assert.equal(createOutput('md').end(renamed), renderFanoutReport(renamed));
  const plain = exampleResult();
  assert.equal(createOutput('md').end(plain, 'p.json'), renderReport(plain, 'p.json'));
  assert.match(createOutput('md', { claims: sampleClaims() }).end(plain)!, /\n\n### Claims\n\n\| ref \| claim/);
});

test('formatSummary and SUMMARY_FORMATS are the registry summary outputs', () => {
  assert.deepEqual(
    SUMMARY_FORMATS,
    OUTPUT_NAMES.filter((n) => OUTPUTS[n].summary),
  );
  assert.deepEqual([...SUMMARY_FORMATS], ['md', 'json', 'csv']);
  const result = exampleResult();
  for (const f of SUMMARY_FORMATS) assert.equal(formatSummary(result, f, 'r.json'), createOutput(f).end(result, 'r.json'));
});

test('the valid names in the usage errors come from the registry', () => {
  const bad = report([EXAMPLE_RESULT, '--format', 'xml']);
  assert.equal(bad.code, 2);
  assert.ok(bad.err.includes(`--format must be one of ${OUTPUT_NAMES.join(', ')}, got "xml"`), bad.err);
  assert.ok(bad.err.includes(`[--format ${OUTPUT_NAMES.join('|')}]`), 'the usage line lists them too');
  assert.throws(
    () => parseCli(['--format', 'html']),
    (e: unknown) => e instanceof UsageError && e.message.includes(SUMMARY_FORMATS.join(', ')),
  );
});

test('report --format prints that output; --html writes only the html output', () => {
  const json = report([EXAMPLE_RESULT, '--format', 'json']);
  assert.equal(json.code, 0, json.err);
  assert.equal(JSON.parse(json.out).resultPath, EXAMPLE_RESULT);
  assert.match(report([EXAMPLE_RESULT, '--format', 'html']).out, /^<!doctype html>/);
  assert.match(report([FANOUT_RESULT]).out, /^## fanout: /);
  const clash = report([EXAMPLE_RESULT, '--format', 'csv', '--html', 'never-written.html']);
  assert.equal(clash.code, 2);
  assert.match(clash.err, /--html writes the html output; it cannot print --format csv/);
});

test('progressOutput: on a terminal one rewritten line, closed by done or failed; elsewhere plain lines', () => {
  const events: ProgressEvent[] = [
    { protocol: 'rest', phase: 'start' },
    { protocol: 'rest', phase: 'verify' },
    { protocol: 'rest', phase: 'measure', elapsedMs: 1500, totalMs: 10000, opsPerSec: 12345 },
    { protocol: 'rest', phase: 'done', opsPerSec: 39466.2 },
    { protocol: 'grpc', phase: 'failed', message: 'boom' },
  ];
  const lines = [
    '[rest] starting server',
    '[rest] verifying answers against the store',
    '[rest] measure 1.5/10.0 s  12,345 ops/s',
    '[rest] done: 39,466 ops/s',
    '[grpc] FAILED: boom',
  ];
  const plain = progressOutput({ tty: false });
  assert.deepEqual(
    events.map((e) => plain.progress(e)),
    lines.map((l) => `${l}\n`),
  );
  const tty = progressOutput({ tty: true });
  assert.deepEqual(
    events.map((e) => tty.progress(e)),
    lines.map((l, i) => `\r\x1b[K${l}${i >= 3 ? '\n' : ''}`),
  );
  assert.equal(tty.end(exampleResult()), undefined);
});
