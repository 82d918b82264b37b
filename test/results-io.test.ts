import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResult, writeResult } from '../harness/results/io.ts';
import { resolveConfig } from '../harness/config.ts';
import { RESULT_SCHEMA_PATH, resultJsonSchema } from '../harness/results/json-schema.ts';
import type { BenchResult } from '../harness/results/types.ts';
import { ResultReadError } from '../harness/errors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function sampleResult(): BenchResult {
  return {
    schemaVersion: 1,
    tool: 'protocol-bench',
    state: 'complete',
    scenario: 'getUser',
    description: 'd',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    config: resolveConfig({}),
    environment: {
      cpuModel: 'cpu',
      cpus: 2,
      memoryBytes: 1,
      os: 'linux',
      node: 'v20',
      packages: {},
      commit: null,
      commitDirty: null,
      hostname: 'h',
      loadAverage: [0, 0, 0],
      pinning: { method: 'none', server: null, generator: null, reason: 'test' },
    },
    notes: [],
    runs: [],
  };
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'results-io-'));
}

test('write then read round-trips; a second write never overwrites the first', () => {
  const dir = tmp();
  try {
    const p = path.join(dir, 'r.json');
    const a = writeResult(p, sampleResult());
    const b = writeResult(p, { ...sampleResult(), scenario: 'other' });
    assert.equal(a, p);
    assert.notEqual(b, p);
    assert.equal(readResult(a).scenario, 'getUser');
    assert.equal(readResult(b).scenario, 'other');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left behind',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unreadable, corrupt, wrong-version and malformed results are refused with a clear message', () => {
  const dir = tmp();
  try {
    assert.throws(
      () => readResult(path.join(dir, 'missing.json')),
      (e: unknown) => e instanceof ResultReadError && /cannot read/.test(e.message),
    );
    const corrupt = path.join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"schemaVersion": 1, "runs": [');
    assert.throws(
      () => readResult(corrupt),
      (e: unknown) => e instanceof ResultReadError && /not valid JSON/.test(e.message),
    );
    const future = path.join(dir, 'future.json');
    writeFileSync(future, JSON.stringify({ ...sampleResult(), schemaVersion: 2 }));
    assert.throws(
      () => readResult(future),
      (e: unknown) => e instanceof ResultReadError && /schemaVersion 2 is not supported.*newer/.test(e.message),
    );
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...sampleResult(), runs: [{ protocol: 'rest' }] }));
    assert.throws(
      () => readResult(bad),
      (e: unknown) => e instanceof ResultReadError && /runs\.0\.\w+/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid result is refused at write time, and nothing is written', () => {
  const dir = tmp();
  try {
    const p = path.join(dir, 'r.json');
    assert.throws(() => writeResult(p, { ...sampleResult(), state: 'weird' } as unknown as BenchResult), /invalid result/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RESULT_SCHEMA_PATH} is generated from the zod schema and up to date (npm run schema)`, () => {
  const committed = JSON.parse(readFileSync(path.join(ROOT, RESULT_SCHEMA_PATH), 'utf8')) as unknown;
  assert.deepEqual(committed, resultJsonSchema());
});
