// The Markdown report shows a scenario's own figures (items, stored users, SQL statements) in
// a table of their own, and names the client that really drove each row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, renderScenarioFigures } from '../harness/output/markdown.ts';
import { readResult } from '../harness/results/io.ts';

const load = (name: string) => readResult(new URL(`../results/examples/${name}`, import.meta.url).pathname);

test('listUsers: items, bytes per item and first/last item latency appear per row', () => {
  const result = load('listUsers-memory.json');
  const table = renderScenarioFigures(result.runs);
  const rows = table.split('\n');
  assert.match(rows[0]!, /items\/op \| items\/s \| wire B\/item/);
  assert.match(rows[0]!, /first item p50/);
  // One line per ok run, after the header and the rule.
  assert.equal(rows.length, 2 + result.runs.filter((r) => r.state === 'ok').length);
  const cursor = result.runs.find((r) => r.variant === 'cursor')!;
  const line = rows.find((l) => l.startsWith('| rest (cursor)'))!;
  assert.ok(line.includes(Math.round(cursor.itemsPerSec!).toLocaleString('en-US')), line);
  // Columns nobody has are left out.
  assert.doesNotMatch(rows[0]!, /SQL statements/);
});

test('nPlusOne: SQL statements per request per variant', () => {
  const result = load('nPlusOne.json');
  const table = renderScenarioFigures(result.runs);
  assert.match(table, /SQL statements\/request/);
  const naive = result.runs.find((r) => r.variant === 'naive')!;
  assert.match(table, new RegExp(`\\| graphql \\(naive\\)[^\\n]*${naive.sqlStatementsPerRequest!.toFixed(1)}`));
});

test('getUser has no scenario figures, and the report says nothing about them', () => {
  const result = load('getUser-readme.json');
  assert.equal(renderScenarioFigures(result.runs), '');
  assert.doesNotMatch(renderReport(result), /Scenario figures/);
});

test('Drivers are listed once per row, not once per repeat', () => {
  const result = load('autocannon-crosscheck.json');
  const md = renderReport(result);
  const drivers = md.slice(md.indexOf('Drivers:')).split('\n\n')[0]!.split('\n').slice(1);
  assert.equal(drivers.length, 4, drivers.join('\n'));
});
