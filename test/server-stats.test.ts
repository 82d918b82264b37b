// Server CPU across hosts (issue 16, item 3): `npm run serve --admin-port` exposes the server's own
// counters, and `npm run bench -- --target P=URL --server-stats URL` reads them at the measured
// window's edges. End to end here with the server on a second loopback address (127.0.0.2), so
// the bench reaches it as it would another host; figures are asserted as positive, never timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseServeArgs } from '../harness/cli/serve.ts';
import { parseCli, serverStatsFlags } from '../harness/run/args.ts';
import { resolveConfig } from '../harness/config.ts';
import { parseCpuSample } from '../harness/procs/stats-reader.ts';
import { readResult } from '../harness/results/io.ts';
import { runRecordSchema } from '../harness/results/schema.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const SERVER_HOST = '127.0.0.2';

test('serve: --admin-port is off by default, binds 127.0.0.1 unless --admin-host says otherwise', () => {
  assert.equal(parseServeArgs(['--protocol', 'rest'])?.admin, undefined);
  assert.deepEqual(parseServeArgs(['--protocol', 'rest', '--admin-port', '9100'])?.admin, { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseServeArgs(['--protocol', 'rest', '--admin-port', '0', '--admin-host', '0.0.0.0'])?.admin, {
    host: '0.0.0.0',
    port: 0,
  });
  assert.throws(() => parseServeArgs(['--protocol', 'rest', '--admin-host', '0.0.0.0']), /--admin-host needs --admin-port/);
  assert.throws(() => parseServeArgs(['--protocol', 'rest', '--admin-port', '70000']), /--admin-port expects an integer/);
});

test('--server-stats: PROTOCOL=URL, or a bare URL for the one --target; anything else names the fix', () => {
  assert.deepEqual(serverStatsFlags(['rest=http://h:9100/stats']), { rest: 'http://h:9100/stats' });
  assert.deepEqual(serverStatsFlags(['http://h:9100/stats?x=1'], ['rest=http://h:8080']), { rest: 'http://h:9100/stats?x=1' });
  assert.throws(() => serverStatsFlags(['http://h:9100/stats'], []), /needs exactly one --target, got 0/);
  assert.throws(
    () => serverStatsFlags(['http://h:9100/stats'], ['rest=http://a:1', 'grpc=grpc://b:2']),
    /needs exactly one --target, got 2/,
  );
  assert.throws(() => serverStatsFlags(['nope=http://h/stats']), /PROTOCOL one of rest, /);
  const cfg = resolveConfig(parseCli(['--target', 'rest=http://h:8080', '--server-stats', 'http://h:9100/stats']).layer);
  assert.deepEqual(cfg.serverStats, { rest: 'http://h:9100/stats' });
  // A stats URL for a row the harness serves itself is a mistake: its own servers are read from /proc.
  assert.throws(
    () => resolveConfig(parseCli(['--server-stats', 'grpc=http://h:9100/stats']).layer),
    /serverStats\.grpc: .*--target grpc=URL/,
  );
});

test('a stats body that is not a sample is refused with the reason', () => {
  assert.match(String(parseCpuSample({ hello: 1 })), /lacks userUs, systemUs/);
  assert.equal(typeof parseCpuSample({ userUs: 1, systemUs: 2, rssBytes: 3, heapUsedBytes: 4, atMs: 5 }), 'object');
  assert.equal(runRecordSchema.shape.serverCpuSource.safeParse(undefined).success, true, 'older files have no source');
});

function serve(args: string[]): ChildProcess {
  const entry = path.join(ROOT, 'harness/cli/serve.ts');
  return spawn(process.execPath, ['--import', TSX, entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The server's URL (stdout's `listening` line) and its admin URL (stderr's `admin` line). */
function addresses(child: ChildProcess): Promise<{ url: string; admin: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start within 60 s; stderr: ${err}`)), 60_000);
    const check = (): void => {
      const url = /^listening (\S+)$/m.exec(out)?.[1];
      const admin = /^admin (\S+?):? /m.exec(err)?.[1];
      if (url && admin) {
        clearTimeout(timer);
        resolve({ url, admin });
      }
    };
    child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), check()));
    child.stderr!.on('data', (d: Buffer) => ((err += d.toString()), check()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}; stderr: ${err}`));
    });
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

test('serve --admin-port on 127.0.0.2, bench --target --server-stats from this host: server CPU per call, source named', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'server-stats-'));
  // Meters off and no reruns: this test is about the figure's source, not about the machine's calm.
  const config = path.join(dir, 'quiet.config.mjs');
  writeFileSync(config, 'export default { machine: { meters: false, reruns: 0 }, pin: false };\n');
  const child = serve(['--protocol', 'rest', '--host', SERVER_HOST, '--admin-port', '0', '--admin-host', SERVER_HOST]);
  t.after(() => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const { url, admin } = await addresses(child);
  assert.match(admin, /^http:\/\/127\.0\.0\.2:\d+\/stats$/);
  const adminPort = Number(new URL(admin).port);
  assert.equal(await refused('127.0.0.1', adminPort), true, 'the admin port is bound to the address given only');
  assert.equal((await fetch(admin.replace('/stats', '/other'))).status, 404);

  const bench = (name: string, extra: string[]): ReturnType<typeof readResult> => {
    const out = path.join(dir, `${name}.json`);
    const args = [
      '--scenario',
      'getUser',
      '--protocols',
      'rest',
      '--target',
      `rest=${url}`,
      '--duration',
      '1',
      '--warmup',
      '0.5',
    ];
    const r = spawnSync(
      process.execPath,
      ['--import', TSX, path.join(ROOT, 'harness/cli/bench.ts'), ...args, ...extra, '--config', config, '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
    );
    assert.equal(r.status, 0, `${name}: exit ${r.status}\n${r.stderr.slice(-3000)}`);
    return readResult(out);
  };
  const withStats = bench('with-stats', ['--server-stats', admin]).runs[0]!;
  assert.equal(withStats.state, 'ok', withStats.error);
  assert.ok(withStats.ops > 0);
  assert.equal(withStats.serverCpuSource, 'stats-url');
  assert.ok((withStats.cpuUsPerOp.server ?? 0) > 0, `server CPU per call ${withStats.cpuUsPerOp.server}`);
  assert.ok((withStats.cpuCores.server ?? 0) > 0);
  assert.ok((withStats.serverRssBytes ?? 0) > 0);

  // The same target without the URL: unknown, and said to be (null), never zero.
  const without = bench('without', []).runs[0]!;
  assert.equal(without.state, 'ok', without.error);
  assert.equal(without.serverCpuSource, null);
  assert.equal(without.cpuUsPerOp.server, null);
});
