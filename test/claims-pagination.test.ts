// The pagination check times the store's own OFFSET and cursor statements on the same page;
// what it asserts here is that it measures what it says (one ratio per round, the same rows),
// never how fast anything is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paginationCheck, DEEP, PAGE } from '../claims/checks-pagination.ts';
import { BY_REF } from '../claims/registry.ts';

test('one positive ratio per round, with the four timings named in the detail', () => {
  const r = paginationCheck(2, 20).offsetDeepVsCursor!;
  assert.ok('samples' in r);
  assert.equal(r.samples.length, 2);
  for (const x of r.samples) assert.ok(Number.isFinite(x) && x > 0, String(x));
  assert.match(r.detail ?? '', new RegExp(`OFFSET ${DEEP} [0-9.]+; cursor at id 0 [0-9.]+, after id ${DEEP}`));
  assert.match(r.detail ?? '', new RegExp(`${PAGE} per page`));
});

test('the offset-pagination claim is decided by this check', () => {
  const e = BY_REF.get('offset-pagination-degrades')!;
  assert.deepEqual([e.measure.kind, 'check' in e.measure && e.measure.check], ['check', 'pagination']);
});
