import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUMMARY_COLUMNS, formatSummary, isSummaryFormat } from '../harness/output/formats.ts';
import { parseCli } from '../harness/run/args.ts';
import { result, run } from './compare-fixtures.ts';
import { UsageError } from '../harness/errors.ts';

const sample = () =>
  result([
    run('rest', 0, { opsPerSec: 39466.2, p50: 799, p99: 1857 }),
    run('grpc', 0, { generatorBound: true, bytes: null }),
    run('sse', 0, { state: 'failed' }),
  ]);

// Minimal RFC 4180 reader for the test: quoted fields may hold commas and doubled quotes.
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

test('csv: a header and one row per run; nulls empty; fields with commas quoted', () => {
  const r = sample();
  r.runs[0]!.errors = { total: 0, byKind: {} };
  const lines = formatSummary(r, 'csv').split('\n');
  assert.equal(lines.length, 1 + r.runs.length);
  assert.deepEqual(lines[0]!.split(','), [...SUMMARY_COLUMNS]);
  const rows = lines.slice(1).map(parseCsvLine);
  for (const row of rows) assert.equal(row.length, SUMMARY_COLUMNS.length);
  const col = (row: string[], name: (typeof SUMMARY_COLUMNS)[number]): string => row[SUMMARY_COLUMNS.indexOf(name)] as string;
  assert.equal(col(rows[0]!, 'protocol'), 'rest');
  assert.equal(Number(col(rows[0]!, 'opsPerSec')), 39466.2);
  assert.equal(col(rows[0]!, 'p99Us'), '1857');
  assert.equal(col(rows[1]!, 'generatorBound'), 'true');
  assert.equal(col(rows[1]!, 'bytesPerOpOut'), '', 'null is an empty cell');
  assert.equal(col(rows[2]!, 'state'), 'failed');
  assert.equal(col(rows[2]!, 'p50Us'), '');
  // A value holding a comma and a quote survives the round trip.
  r.runs[0]!.protocol = 'odd, "name"';
  assert.equal(col(parseCsvLine(formatSummary(r, 'csv').split('\n')[1]!), 'protocol'), 'odd, "name"');
});

test('json: the flat rows plus the repeats summary, parseable', () => {
  const r = sample();
  const parsed = JSON.parse(formatSummary(r, 'json', 'results/x.json')) as {
    scenario: string;
    resultPath: string;
    runs: Record<string, unknown>[];
    summary: unknown[];
  };
  assert.equal(parsed.scenario, 'getUser');
  assert.equal(parsed.resultPath, 'results/x.json');
  assert.equal(parsed.runs.length, 3);
  assert.deepEqual(Object.keys(parsed.runs[0]!), [...SUMMARY_COLUMNS]);
  assert.equal(parsed.runs[0]!.p50Us, 799);
  assert.equal(parsed.runs[2]!.p50Us, null);
  assert.deepEqual(parsed.summary, []);
});

test('md: the Markdown report, with the runs table', () => {
  const md = formatSummary(sample(), 'md', 'results/x.json');
  assert.match(md, /\| protocol \| ops\/s \| p50 us \|/);
  assert.match(md, /\| rest \| 39,466 \| 799 \|/);
  assert.match(md, /Result file: results\/x\.json/);
});

test('CLI: --format md|json|csv, md by default, anything else names the valid ones', () => {
  assert.equal(parseCli([]).format, 'md');
  assert.equal(parseCli(['--format', 'csv']).format, 'csv');
  assert.equal(parseCli(['--format', 'json']).format, 'json');
  assert.throws(
    () => parseCli(['--format', 'xml']),
    (e: unknown) => e instanceof UsageError && /md, json, csv/.test(e.message),
  );
  assert.ok(isSummaryFormat('md') && !isSummaryFormat('html'));
});
