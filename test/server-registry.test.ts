// Each server's index (servers/<name>/index.ts) says what the server is: its URL, what to call,
// its npm packages and the protocol rows it serves. These tests hold the indexes to the code
// they describe: the packages are the ones the server's modules import and are installed, the
// gRPC hint names a real rpc of the contract, and every protocol row has exactly one server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVERS, SERVER_NAMES, pathHint, serverOfRow, serverPackages, serverUrl } from '../servers/registry.ts';
import { PROTOCOLS, PROTOCOL_NAMES } from '../harness/protocols.ts';
import { captureEnvironment, measuredPackages, packageVersions } from '../harness/metrics/environment.ts';
import { environmentSchema } from '../harness/results/schema.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_MODULE_OF = (name: string): string => path.join(ROOT, 'servers', `${name}.ts`);

/**
 * Each implementation's own module, read from its server's index (`name: '...'` then its load's
 * `import('../<module>.ts')`); the load() test below proves each pairing right.
 */
function implementationModules(name: string): Map<string, string> {
  const text = readFileSync(path.join(ROOT, 'servers', name, 'index.ts'), 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\bname: '([^']+)'[\s\S]*?import\('\.\.\/([^']+)'\)/g)) {
    out.set(m[1]!, path.join(ROOT, 'servers', m[2]!));
  }
  return out;
}

/**
 * npm packages a module and the local modules it imports (statically or by a literal import())
 * load, type-only imports aside: what runs in the server's process.
 */
function npmImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const IMPORT = /^import\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm;
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:'))
        packages.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(entry);
  return packages;
}

/** An installed package's package.json. */
function readPackageJson(pkg: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
}

for (const name of SERVER_NAMES) {
  const index = SERVERS[name];

  test(`${name}: a scheme, a URL path and a hint that uses them`, () => {
    assert.match(index.scheme, /^(http|ws|grpc)$/);
    assert.ok(index.urlPath === '' || index.urlPath.startsWith('/'), `urlPath "${index.urlPath}"`);
    assert.ok(index.pathHint.includes(`${index.scheme}://HOST:PORT`), `hint "${index.pathHint}" shows the server's URL`);
    const url = serverUrl(name, '127.0.0.1', 4000);
    assert.equal(url, `${index.scheme}://127.0.0.1:4000${index.urlPath}`);
    assert.doesNotThrow(() => new URL(url));
    const hint = pathHint(name, '127.0.0.1', 4000);
    assert.ok(hint.includes(`${index.scheme}://127.0.0.1:4000`) && !hint.includes('HOST:PORT'), hint);
  });

  const modules = implementationModules(name);
  for (const impl of index.implementations) {
    const module = modules.get(impl.name) ?? SERVER_MODULE_OF(name);

    test(`${name} ${impl.name}: its packages are installed and are what its modules import`, () => {
      for (const [pkg, version] of Object.entries(packageVersions([...impl.packages]))) {
        assert.match(version, /^\d+\.\d+\.\d+/, `${pkg} resolves to an installed version`);
      }
      if (impl.versionOf !== null)
        assert.ok(impl.packages.includes(impl.versionOf), `versionOf ${impl.versionOf} is one of its packages`);
      const imported = npmImports(module);
      // A package a listed one loads for it (mercurius runs graphql-jit) shapes the figure too: listed, not imported.
      const loadedFor = (pkg: string) =>
        impl.packages.some(
          (p) => imported.has(p) && pkg in ((readPackageJson(p).dependencies as Record<string, string> | undefined) ?? {}),
        );
      for (const pkg of impl.packages)
        assert.ok(imported.has(pkg) || loadedFor(pkg), `${name} ${impl.name} lists ${pkg} but never imports it`);
      // A package shared by several servers (or the harness) may be listed once, by another.
      const recorded = new Set(measuredPackages());
      for (const pkg of imported)
        assert.ok(recorded.has(pkg), `${name} ${impl.name} imports ${pkg}, which no result would record`);
    });

    test(`${name} ${impl.name}: load() gives its module's start`, async () => {
      const mod = (await import(module)) as { start: unknown };
      assert.equal(await impl.load(), mod.start);
    });
  }
}

test('every protocol row is served by exactly one server, the one its row names', () => {
  for (const row of PROTOCOL_NAMES) {
    const owners = SERVER_NAMES.filter((n) => SERVERS[n].rows.includes(row));
    assert.deepEqual(owners, [PROTOCOLS[row].server], row);
    assert.equal(serverOfRow(row), PROTOCOLS[row].server);
  }
  // The gRPC server carries both gRPC rows: the lean driver and the stock client.
  assert.deepEqual([...SERVERS.grpc.rows].sort(), ['grpc', 'grpc-js']);
});

test("the gRPC hint names the contract's package, service and rpc", () => {
  const proto = readFileSync(path.join(ROOT, 'proto/user.proto'), 'utf8');
  const m = /(\w+(?:\.\w+)*)\.(\w+)\/(\w+)/.exec(SERVERS.grpc.pathHint);
  assert.ok(m, SERVERS.grpc.pathHint);
  const [, pkg, service, rpc] = m;
  assert.match(proto, new RegExp(`^package ${pkg!.replaceAll('.', '\\.')};`, 'm'));
  assert.match(proto, new RegExp(`service ${service} \\{[^}]*\\brpc ${rpc}\\(`));
});

test('an IPv6 host is bracketed in the URL and the hint', () => {
  assert.equal(serverUrl('websocket', '::1', 8080), 'ws://[::1]:8080/v1/ws');
  assert.match(pathHint('rest', '::', 8080), /http:\/\/\[::\]:8080\/v1\/users/);
});

test("the environment records the runtime that ran and every server's packages", () => {
  const env = captureEnvironment({ method: 'none', server: null, generator: null, reason: 'test' });
  assert.equal(env.node, process.version);
  assert.equal(env.execPath, process.execPath);
  assert.equal(env.v8, process.versions.v8);
  for (const pkg of serverPackages()) assert.ok(pkg in env.packages, pkg);
  // The harness's own packages stay recorded beside the servers'.
  for (const pkg of ['protobufjs', 'hdr-histogram-js', 'autocannon']) assert.ok(pkg in env.packages, pkg);
  assert.deepEqual(environmentSchema.parse(env), env);
  // Results written before execPath and v8 were recorded still read.
  const { execPath: _e, v8: _v, ...old } = env;
  assert.deepEqual(environmentSchema.parse(old), old);
});
