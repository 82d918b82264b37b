// Where a result was measured: enough to judge whether two results may be compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { serverPackages } from '../../servers/registry.ts';
import type { Environment, Pinning } from '../results/schema.ts';

export type { Environment };

/** The harness's own packages that shape a figure: message encoding, histograms, the autocannon cross-check. */
const HARNESS_PACKAGES = ['protobufjs', 'hdr-histogram-js', 'autocannon'];

/** Every server's packages (servers/<name>/index.ts), then the harness's. */
export function measuredPackages(): string[] {
  return [...new Set([...serverPackages(), ...HARNESS_PACKAGES])];
}

export function packageVersions(names = measuredPackages()): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of names) {
    try {
      // Resolve the entry, then walk up to the package's own package.json (exports may hide it).
      let dir = require.resolve(name);
      for (;;) {
        const next = dir.replace(/\/[^/]+$/, '');
        if (next === dir) throw new Error('no package.json');
        dir = next;
        try {
          const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { name?: string; version?: string };
          if (pkg.name === name && pkg.version) {
            out[name] = pkg.version;
            break;
          }
        } catch {
          /* keep walking */
        }
      }
    } catch {
      out[name] = 'absent';
    }
  }
  return out;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function captureEnvironment(pinning: Pinning): Environment {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit ? git(['status', '--porcelain', '--untracked-files=no']) : null;
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    // Which node binary ran: several may be installed (the design notes' npm-installed Node 24, say).
    execPath: process.execPath,
    v8: process.versions.v8,
    packages: packageVersions(),
    commit,
    commitDirty: status === null ? null : status.length > 0,
    hostname: os.hostname(),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    pinning,
  };
}
