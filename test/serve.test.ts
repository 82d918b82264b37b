// `npm run serve` as a user runs it: its own process, the `listening` line on stdout, real HTTP
// against it, then SIGTERM and a clean exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATASET, generateUser } from '../servers/dataset.ts';
import { SERVER_NAMES } from '../servers/registry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const ENTRY = path.join(ROOT, 'harness/cli/serve.ts');

function serve(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, ENTRY, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The first stdout line, which must be `listening URL`; rejects if the process exits first. */
function listeningUrl(child: ChildProcess, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no listening line within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const m = /^listening (\S+)$/.exec(out.slice(0, nl));
      if (m) resolve(m[1]!);
      else reject(new Error(`first stdout line is not "listening URL": ${JSON.stringify(out.slice(0, nl))}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening; stderr: ${err}`));
    });
  });
}

/** Resolves with stderr once it matches `re`; rejects if the process exits first. */
function stderrMatching(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (re.test(err)) resolve(err);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${err}`)));
  });
}

/**
 * How long `serve` may take to exit after SIGTERM: it was held to 3 s, which a quiet machine meets
 * easily; 15 s leaves room for a machine in a slow phase while a server that ignores SIGTERM
 * (and never exits) still fails.
 */
const EXIT_WITHIN_MS = 15_000;

/** Exit code after SIGTERM, or a rejection when it takes longer than `withinMs`. */
function terminate(child: ChildProcess, withinMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running ${withinMs} ms after SIGTERM`));
    }, withinMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

test('serve rest on port 0: answers the seeded data set, then exits 0 on SIGTERM', async () => {
  const child = serve(['--protocol', 'rest', '--port', '0']);
  try {
    const url = await listeningUrl(child);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(url).port, '0', 'prints the port actually bound');
    const res = await fetch(`${url}/v1/users/1`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), generateUser(DEFAULT_DATASET, 1));
    assert.equal(await terminate(child, EXIT_WITHIN_MS), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve honours --users and --seed (the generators must use the same data set)', async () => {
  const ds = { users: 5, seed: 7 };
  const child = serve(['--protocol', 'rest', '--users', String(ds.users), '--seed', String(ds.seed)]);
  try {
    const url = await listeningUrl(child);
    assert.deepEqual(await (await fetch(`${url}/v1/users/5`)).json(), generateUser(ds, 5));
    assert.equal((await fetch(`${url}/v1/users/6`)).status, 404);
    assert.equal(await terminate(child, EXIT_WITHIN_MS), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve websocket prints a ws:// URL with the socket path', async () => {
  const child = serve(['--protocol', 'websocket']);
  try {
    assert.match(await listeningUrl(child), /^ws:\/\/127\.0\.0\.1:\d+\/v1\/ws$/);
    assert.equal(await terminate(child, EXIT_WITHIN_MS), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve grpc prints a grpc:// URL on stdout and the rpc to call, at the bound port, on stderr', async () => {
  const child = serve(['--protocol', 'grpc']);
  try {
    // Listen before the listening line arrives: the hint follows it at once.
    const stderr = stderrMatching(child, /Ctrl-C to stop/);
    const url = await listeningUrl(child);
    assert.match(url, /^grpc:\/\/127\.0\.0\.1:\d+$/);
    assert.ok((await stderr).includes(`${url} bench.v1.UserService/GetUser`), await stderr);
    assert.equal(await terminate(child, EXIT_WITHIN_MS), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('an unknown protocol or flag exits 2 and says what is valid', () => {
  const r = spawnSync(process.execPath, ['--import', TSX, ENTRY, '--protocol', 'http3'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown protocol "http3"/);
  for (const name of SERVER_NAMES) assert.match(r.stderr, new RegExp(`\\b${name}\\b`));
  assert.equal(r.stdout, '', 'no listening line');

  const flag = spawnSync(process.execPath, ['--import', TSX, ENTRY, '--protocol', 'rest', '--prot', '1'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(flag.status, 2, flag.stderr);
  assert.match(flag.stderr, /valid flags: --protocol, --host, --port/);
});
