// `npm run k8s -- collect` (issue 16, item 4): each generator pod prints its result between markers
// on stdout; the parsing of those logs is tested here on sample logs, and the command itself with a
// stand-in kubectl (a script answering `get pods` and `logs` from files), so no cluster is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseShardLog, planCollect } from '../harness/k8s/collect.ts';
import { beginLine, endLine } from '../harness/k8s/result-markers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');

function result(index: number, count: number): string {
  const run = { protocol: 'rest', ops: 100 + index, shard: { index, count, host: `node-${index}` } };
  return JSON.stringify({ scenario: 'getUser', runs: [run] }, null, 2);
}

/** A pod's log as the Job's script prints it: the bench's own output, then the result between the markers. */
function podLog(index: number, count: number, body = result(index, count), rc = 0): string {
  const [i, n] = [String(index), String(count)];
  return [
    '[rest] measure 1.2/2.0 s  10,489 ops/s',
    '| protocol | ops/s |',
    beginLine(i, n, String(rc)),
    body,
    endLine(i, n),
    '',
  ].join('\n');
}

test('a log with a result: its shard, count, exit status and the JSON as written', () => {
  const r = parseShardLog(podLog(2, 4));
  assert.ok(!('problem' in r));
  assert.deepEqual([r.index, r.count, r.exitCode], [2, 4, 0]);
  assert.equal(r.json, result(2, 4));
  // CRLF line ends (a log copied through Windows) read the same.
  const crlf = parseShardLog(podLog(1, 4).replaceAll('\n', '\r\n'));
  assert.ok(!('problem' in crlf) && JSON.parse(crlf.json).runs[0].ops === 101);
  // A threshold failure exits 1 with a whole result: kept, with its status.
  const failed = parseShardLog(podLog(0, 4, result(0, 4), 1));
  assert.ok(!('problem' in failed) && failed.exitCode === 1);
});

test('a log without a usable result says why', () => {
  const problem = (log: string): string => {
    const r = parseShardLog(log);
    assert.ok('problem' in r, 'a problem');
    return r.problem;
  };
  assert.match(problem('npm error could not connect\n'), /no result in the log/);
  assert.match(problem(podLog(1, 4).split('\n').slice(0, -2).join('\n')), /shard 1\/4: the result has no end marker/);
  assert.match(problem(podLog(1, 4, '', 1)), /shard 1\/4: the bench exited 1 without writing a result/);
  assert.match(problem(podLog(1, 4, '{"runs": [')), /shard 1\/4: the result is not JSON/);
  assert.match(problem(podLog(1, 4, '{"hello": 1}')), /not a bench result/);
  // Markers and rows that disagree: a file from another shard was printed.
  assert.match(problem(podLog(1, 4, result(3, 4))), /shard 1\/4: its rows say shard 3\/4/);
});

test('planCollect: one file per shard, the missing and the doubled named', () => {
  const logs = [0, 1, 3].map((i) => ({ pod: `job-${i}-abcde`, log: podLog(i, 4) }));
  const plan = planCollect([...logs, { pod: 'job-1-again', log: podLog(1, 4) }, { pod: 'job-2-xyz', log: 'OOMKilled\n' }]);
  assert.deepEqual(
    plan.files.map((f) => [f.name, f.pod]),
    [
      ['shard-0.json', 'job-0-abcde'],
      ['shard-1.json', 'job-1-abcde'],
      ['shard-3.json', 'job-3-abcde'],
    ],
  );
  assert.equal(plan.count, 4);
  assert.deepEqual(plan.missing, [2]);
  assert.ok(plan.problems.some((p) => /job-1-again: shard 1 again \(already from job-1-abcde\)/.test(p)));
  assert.ok(plan.problems.some((p) => /^job-2-xyz: no result in the log/.test(p)));
  const mixed = planCollect([
    { pod: 'a', log: podLog(0, 2) },
    { pod: 'b', log: podLog(1, 3) },
  ]);
  assert.equal(mixed.count, null);
  assert.ok(mixed.problems.some((p) => /disagree on the shard count/.test(p)));
});

/** A kubectl stand-in: `get pods ... -o json` lists the pods with a log file in dir; `logs -n NS POD` prints it. */
function fakeKubectl(dir: string): string {
  const bin = path.join(dir, 'kubectl');
  const script = `#!/bin/sh
# the arguments collect passes, kept for the test to check
echo "$@" >> "${dir}/calls"
if [ "$1" = get ]; then
  printf '{"items":['; sep=''
  for f in "${dir}"/logs/*; do printf '%s{"metadata":{"name":"%s"}}' "$sep" "$(basename "$f")"; sep=','; done
  printf ']}\\n'
elif [ "$1" = logs ]; then cat "${dir}/logs/$4"
else exit 3; fi
`;
  writeFileSync(bin, script);
  chmodSync(bin, 0o755);
  return bin;
}

test('npm run k8s -- collect with a stand-in kubectl: shard files, then exit 2 naming a missing shard', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8s-collect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logs = path.join(dir, 'logs');
  const out = path.join(dir, 'out');
  mkdirSync(logs);
  for (const i of [0, 1, 2]) writeFileSync(path.join(logs, `pb-generators-${i}-x`), podLog(i, 3));
  const kubectl = fakeKubectl(dir);
  const run = (): ReturnType<typeof spawnSync> =>
    spawnSync(
      process.execPath,
      [
        '--import',
        TSX,
        path.join(ROOT, 'harness/cli/k8s.ts'),
        'collect',
        '--namespace',
        'bench',
        '--job',
        'pb-generators',
      ].concat(['--out', out, '--kubectl', kubectl]),
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
  const ok = run();
  assert.equal(ok.status, 0, String(ok.stderr));
  assert.deepEqual(readdirSync(out).sort(), ['shard-0.json', 'shard-1.json', 'shard-2.json']);
  assert.equal(readFileSync(path.join(out, 'shard-1.json'), 'utf8'), `${result(1, 3)}\n`);
  assert.match(String(ok.stderr), /next: npm run merge -- \S+shard-\*\.json --out \S+merged\.json/);
  assert.match(readFileSync(path.join(dir, 'calls'), 'utf8'), /^get pods -n bench -l job-name=pb-generators -o json$/m);

  rmSync(path.join(logs, 'pb-generators-1-x'));
  rmSync(out, { recursive: true });
  const missing = run();
  assert.equal(missing.status, 2);
  assert.match(String(missing.stderr), /shard 1 of 3 has no result/);
});
