// `--version` on every command: the harness's version, from package.json (read when asked).
import { readFileSync } from 'node:fs';

export function harnessVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name?: string;
    version?: string;
  };
  return `${pkg.name ?? 'protocol-bench'} ${pkg.version ?? 'unknown'}`;
}

/**
 * True when the arguments ask for the version. Only arguments before a `--` count; a flag's value
 * is never a bare `--version` because node:util parseArgs refuses a value that starts with `--`.
 */
export function asksVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--version');
}

/** For the entry points that do not go through runEntry: prints the version and exits 0 when asked. */
export function exitOnVersion(argv: readonly string[] = process.argv.slice(2)): void {
  if (!asksVersion(argv)) return;
  console.log(harnessVersion());
  process.exit(0);
}
