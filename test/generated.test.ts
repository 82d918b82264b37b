import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

test('generated/proto is exactly what `npm run gen` makes from proto/user.proto', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gen-'));
  try {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The first command of `gen`; the second (buf generate) is checked below.
    const args = pkg.scripts
      .gen!.split(' && ')[0]!
      .replace('proto-loader-gen-types ', '')
      .replace('--outDir=generated/proto', `--outDir=${tmp}`)
      .split(' ');
    execFileSync(path.join(ROOT, 'node_modules/.bin/proto-loader-gen-types'), args, { cwd: ROOT, stdio: 'pipe' });
    const committed = path.join(ROOT, 'generated/proto');
    assert.deepEqual(files(tmp).sort(), files(committed).sort());
    for (const f of files(tmp))
      assert.equal(
        readFileSync(path.join(committed, f), 'utf8'),
        readFileSync(path.join(tmp, f), 'utf8'),
        `${f} is stale: run npm run gen`,
      );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// --- connect-node (issue 14): protobuf-es types from buf.gen.yaml, the second half of `npm run gen`.
test('generated/es is exactly what `buf generate` (buf.gen.yaml) makes from proto/user.proto', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gen-es-'));
  try {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.ok(pkg.scripts.gen!.split(' && ').includes('buf generate'), '`npm run gen` runs buf generate');
    // -o prefixes the template's out directory, so the fresh copy lands in tmp/generated/es.
    execFileSync(path.join(ROOT, 'node_modules/.bin/buf'), ['generate', '-o', tmp], { cwd: ROOT, stdio: 'pipe' });
    const fresh = path.join(tmp, 'generated/es');
    const committed = path.join(ROOT, 'generated/es');
    assert.deepEqual(files(fresh).sort(), files(committed).sort());
    for (const f of files(fresh))
      assert.equal(
        readFileSync(path.join(committed, f), 'utf8'),
        readFileSync(path.join(fresh, f), 'utf8'),
        `${f} is stale: run npm run gen`,
      );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
