// The one way an entry point in harness/cli/ starts: run its main only when node was started on
// that file (tests import the same modules for their pure parts), exit with main's code, and
// turn errors into exit statuses once: an InputError (harness/errors.ts) is the caller's to
// fix and prints its message alone (exit 2); anything else prints its stack (exit 1).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeOf } from '../errors.ts';
import { asksVersion, harnessVersion } from './version.ts';

export function isEntryPoint(moduleUrl: string): boolean {
  const argv1 = process.argv[1];
  return argv1 !== undefined && path.resolve(argv1) === fileURLToPath(moduleUrl);
}

export interface EntryOptions {
  /** Runs before an unexpected error exits (e.g. stop every child process). */
  cleanup?: () => Promise<unknown>;
  /** A one-line message for an error that needs no stack (e.g. a bind failure); undefined prints the stack. */
  describe?: (err: unknown) => string | undefined;
}

export function runEntry(moduleUrl: string, main: (argv: string[]) => number | Promise<number>, opts: EntryOptions = {}): void {
  if (!isEntryPoint(moduleUrl)) return;
  // --version on every command (issue 17), answered before the command parses its own flags.
  if (asksVersion(process.argv.slice(2))) {
    console.log(harnessVersion());
    process.exit(0);
  }
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      // exit() rather than exitCode: sockets or timers a server or client leaves behind must not keep us up.
      (code) => process.exit(code),
      async (err: unknown) => {
        const code = exitCodeOf(err);
        if (code === 2) console.error((err as Error).message);
        else console.error(opts.describe?.(err) ?? err);
        if (code === 1 && opts.cleanup) await opts.cleanup().catch(() => undefined);
        process.exit(code);
      },
    );
}
