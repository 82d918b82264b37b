import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DIR, VENDORED_DIR } from '../claims/guide.ts';

test('the pinned copy of the guide and its claims reference matches the shared folder, when there is one', (t) => {
  for (const f of ['guide/000_70c2946110ebaf33.txt', 'claims-reference.yaml']) {
    const vendored = path.join(VENDORED_DIR, f);
    assert.ok(existsSync(vendored), `${vendored} is part of the repository`);
    const shared = path.join(SHARED_DIR, f);
    if (!existsSync(shared)) {
      t.diagnostic(`no ${shared} beside the project: only the pinned copy is checked`);
      continue;
    }
    assert.equal(readFileSync(vendored, 'utf8'), readFileSync(shared, 'utf8'), `${f} drifted from ${SHARED_DIR}: copy it again`);
  }
});
