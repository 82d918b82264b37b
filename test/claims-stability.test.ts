// The stability report compares saved claims runs: what it must get right is which claims moved
// and whether a move is a flip (confirmed in one run, refuted in another), never how fast anything is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, renderStability, type StabilityRun } from '../claims/stability.ts';
import type { ClaimVerdict } from '../claims/evaluate.ts';
import type { Verdict } from '../claims/decide.ts';

const claim = (ref: string, line: number, verdict: Verdict, measured: string | null = null): ClaimVerdict => ({
  ref,
  line,
  verdict,
  measured,
  claim: ref,
  guide: '',
  section: '',
  testable: 'yes',
  source: 'check x',
  metric: '',
  rule: null,
  reason: '',
  figure: null,
  unit: '',
});
const run = (label: string, claims: ClaimVerdict[], disturbed = 0): StabilityRun => ({
  label,
  generatedAt: '2026-12-03T00:00:00Z',
  mode: 'full',
  claims,
  rows: { counted: 10, disturbed, superseded: disturbed * 2 },
});

test('a claim confirmed in one run and refuted in another is a flip; a move to inconclusive is a change only', () => {
  const s = compareRuns([
    run('a', [claim('x', 10, 'confirmed'), claim('y', 20, 'refuted'), claim('z', 5, 'confirmed')]),
    run('b', [claim('x', 10, 'refuted', '1.2x'), claim('y', 20, 'inconclusive'), claim('z', 5, 'confirmed')], 1),
  ]);
  assert.deepEqual(
    s.rows.map((r) => r.ref),
    ['z', 'x', 'y'],
  );
  assert.deepEqual(
    s.flips.map((r) => r.ref),
    ['x'],
  );
  assert.deepEqual(
    s.changes.map((r) => r.ref),
    ['x', 'y'],
  );
  assert.deepEqual(s.runs[1]!.counts, { confirmed: 1, refuted: 1, inconclusive: 1, untestable: 0 });
  const md = renderStability(s);
  assert.match(md, /1 claim\(s\) confirmed in one run and refuted in another; 2 changed verdict at all:/);
  assert.match(md, /`x` \*\*flip\*\* \| confirmed \| refuted: 1\.2x \|/);
  assert.match(md, /\| b \| .* \| full \| 1 \| 1 \| 1 \| 10 \| 1 \| 2 \|/);
});

test('a claim present in only some runs shows as absent there and is not a flip', () => {
  const s = compareRuns([
    run('a', [claim('x', 1, 'confirmed')]),
    run('b', [claim('x', 1, 'confirmed'), claim('new', 2, 'refuted')]),
  ]);
  assert.equal(s.flips.length, 0);
  assert.deepEqual(s.rows.find((r) => r.ref === 'new')!.verdicts, [null, 'refuted']);
  assert.equal(s.changes.length, 0);
});
