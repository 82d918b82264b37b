// The registry against ../shared/claims-reference.yaml: every claim there is here exactly
// once, at the guide line the reference gives, with a way to measure it or a reason why not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { REGISTRY } from '../claims/registry.ts';
import { REFERENCE_PATH } from '../claims/guide.ts';
import { BENCH_RUNS, CHECKS } from '../claims/cli.ts';

interface ReferenceClaim {
  id: string;
  line: number;
  section: string;
  kind: string;
  testable_on_loopback: string | boolean;
}

const reference = parse(readFileSync(REFERENCE_PATH, 'utf8')) as ReferenceClaim[];
const testableOf = (c: ReferenceClaim): 'yes' | 'partly' | 'no' => {
  const t = String(c.testable_on_loopback).trim().toLowerCase();
  return t.startsWith('no') ? 'no' : t.startsWith('partly') ? 'partly' : 'yes';
};

test('every claim of the reference file appears exactly once in the registry', () => {
  assert.ok(reference.length > 100, `read ${reference.length} claims from ${REFERENCE_PATH}`);
  const counts = new Map<string, number>();
  for (const e of REGISTRY) counts.set(e.ref, (counts.get(e.ref) ?? 0) + 1);
  const missing = reference.filter((c) => !counts.has(c.id)).map((c) => c.id);
  const twice = [...counts].filter(([, n]) => n > 1).map(([r]) => r);
  assert.deepEqual(missing, [], 'claims of the reference file missing from the registry');
  assert.deepEqual(twice, [], 'refs registered more than once');
});

test('every ref in the registry exists in the reference file, at the same line and section', () => {
  const byId = new Map(reference.map((c) => [c.id, c]));
  for (const e of REGISTRY) {
    const c = byId.get(e.ref);
    assert.ok(c, `${e.ref} is not in claims-reference.yaml`);
    assert.equal(e.line, c.line, `${e.ref}: line`);
    assert.equal(e.section, c.section, `${e.ref}: section`);
    assert.equal(e.kind, c.kind, `${e.ref}: kind`);
    assert.equal(e.testable, testableOf(c), `${e.ref}: testable on loopback`);
  }
});

test('each entry has a measurement with a decision rule, or a reason it cannot be measured', () => {
  for (const e of REGISTRY) {
    assert.ok(e.claim.length > 10 && e.guide.length > 2, `${e.ref}: claim and the guide's figure`);
    if (e.measure.kind === 'untestable') {
      assert.ok(e.measure.reason.length > 10, `${e.ref}: an untestable entry says why`);
      // Claims the reference calls testable but that cannot be measured yet say what they need.
      if (e.testable !== 'no') assert.ok(e.needs, `${e.ref}: a testable claim without a measurement names what it needs`);
      continue;
    }
    assert.notEqual(e.testable, 'no', `${e.ref}: the reference says untestable, the registry measures it`);
    assert.ok(e.rule, `${e.ref}: a measured claim has a decision rule`);
    assert.ok(e.measure.metric.length > 5, `${e.ref}: names its metric`);
    if (e.measure.kind === 'bench')
      for (const r of e.measure.runs) assert.ok(BENCH_RUNS[r], `${e.ref}: bench run ${r} is defined`);
    else assert.ok(CHECKS[e.measure.check], `${e.ref}: check ${e.measure.check} exists`);
    if (e.testable === 'partly') assert.ok(e.part || e.needs, `${e.ref}: a partly testable claim says which part is measured`);
  }
});
