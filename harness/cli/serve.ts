// `npm run serve -- --protocol NAME [--impl NAME] [--host H] [--port P] [--users N] [--seed S]
// [--inject-server-cpu-us N]`: one server (its reference implementation unless --impl names another)
// in the foreground, in this process, so the server and the load can run on different
// hosts. Prints `listening URL` once bound (the only line on stdout), what to call on stderr (the
// server's path hint, servers/*/index.ts), then serves until SIGINT/SIGTERM, when it closes the
// server and exits 0.
import { parseArgs } from 'node:util';
import { SERVER_NAMES, implementationOf, loadServer, pathHint, serverUrl, type ServerName } from '../../servers/registry.ts';
import { createMemoryStore } from '../../servers/store.ts';
import { DEFAULT_DATASET, type DatasetOptions } from '../../servers/dataset.ts';
import { UsageError } from '../errors.ts';
import { runEntry } from '../run/entry.ts';
import { ownCpuSample, startStatsEndpoint } from '../procs/stats-endpoint.ts';

export const FLAGS = {
  protocol: { type: 'string', help: `server to start: ${SERVER_NAMES.join(', ')}` },
  host: { type: 'string', help: 'address to bind (default 127.0.0.1; 0.0.0.0 to serve other hosts)' },
  port: { type: 'string', help: 'port to bind (default 0: the OS picks one, printed on the listening line)' },
  users: { type: 'string', help: `users in the seeded data set (default ${DEFAULT_DATASET.users}); must match the generators'` },
  seed: { type: 'string', help: `data set seed (default ${DEFAULT_DATASET.seed}); must match the generators'` },
  // --- issue 16, item 3 (server stats across hosts; harness/procs/stats-endpoint.ts) ---
  'admin-port': { type: 'string', help: 'serve GET /stats (CPU, memory, request tally) on this port (default: off; 0: any)' },
  'admin-host': { type: 'string', help: 'address the admin port binds (default 127.0.0.1; 0.0.0.0 for generators elsewhere)' },
  // --- end of issue 16, item 3 ---
  'inject-server-cpu-us': { type: 'string', help: 'spin N us of CPU per request (a planted regression; default 0)' },
  impl: { type: 'string', help: "the server's implementation (default its reference; `npm run bench -- --list` shows them)" },
  help: { type: 'boolean', help: 'this help' },
} as const;

export interface ServeOptions {
  protocol: ServerName;
  /** --impl: the server's implementation (servers/<protocol>/index.ts); unset: its reference. */
  implementation?: string;
  host: string;
  port: number;
  dataset: DatasetOptions;
  /** --inject-server-cpu-us: busy work per request, microseconds (0: none). */
  injectCpuUs: number;
  /** Issue 16, item 3: --admin-port/--admin-host, the stats endpoint (absent: off). */
  admin?: { host: string; port: number };
}

function usage(): string {
  const lines = [
    'usage: npm run serve -- --protocol NAME [--impl NAME] [--host H] [--port P] [--users N] [--seed S] [--inject-server-cpu-us N]',
    '',
    'flags:',
  ];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(22)} ${f.help}`);
  return lines.join('\n');
}

function integer(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} expects an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

/** Pure: flags to options, or a UsageError; null for --help. */
export function parseServeArgs(argv: string[]): ServeOptions | null {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    throw new UsageError(
      `${msg}\nvalid flags: ${Object.keys(FLAGS)
        .map((f) => `--${f}`)
        .join(', ')}`,
    );
  }
  if (values.help) return null;
  if (values.protocol === undefined) throw new UsageError(`--protocol is required; valid: ${SERVER_NAMES.join(', ')}`);
  if (!(SERVER_NAMES as readonly string[]).includes(values.protocol)) {
    throw new UsageError(`unknown protocol "${values.protocol}"; valid: ${SERVER_NAMES.join(', ')}`);
  }
  // An implementation the server does not have is named with the valid ones (an InputError, exit 2).
  if (values.impl !== undefined) implementationOf(values.protocol as ServerName, values.impl);
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  return {
    protocol: values.protocol as ServerName,
    ...(values.impl !== undefined && { implementation: values.impl }),
    host,
    port: integer('port', values.port, 0, 0, 65_535),
    // The same bounds as the config's dataset, so anything the bench accepts can be served.
    dataset: {
      users: integer('users', values.users, DEFAULT_DATASET.users, 1, 10_000_000),
      seed: integer('seed', values.seed, DEFAULT_DATASET.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    },
    // The same bound as the config's injectServerCpuUs.
    injectCpuUs: integer('inject-server-cpu-us', values['inject-server-cpu-us'], 0, 0, 1_000_000),
    ...adminOptions(values['admin-port'], values['admin-host']),
  };
}

/** Issue 16, item 3: the stats endpoint's address; --admin-host alone is a mistake, not a silent no-op. */
function adminOptions(port: string | undefined, host: string | undefined): Pick<ServeOptions, 'admin'> {
  if (port === undefined) {
    if (host !== undefined) throw new UsageError('--admin-host needs --admin-port (the stats endpoint is off by default)');
    return {};
  }
  if (host !== undefined && host.trim() === '') throw new UsageError('--admin-host must not be empty');
  return { admin: { host: host ?? '127.0.0.1', port: integer('admin-port', port, 0, 0, 65_535) } };
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseServeArgs(argv);
  if (opts === null) {
    console.log(usage());
    return 0;
  }
  const store = createMemoryStore(opts.dataset);
  const start = await loadServer(opts.protocol, opts.implementation);
  const server = await start({ host: opts.host, port: opts.port, store, injectCpuUs: opts.injectCpuUs });

  // Handlers go in before the listening line: whoever reads it may signal at once.
  const stopped = new Promise<number>((resolve) => {
    let closing = false;
    const stop = (sig: NodeJS.Signals): void => {
      if (closing) return;
      closing = true;
      console.error(`${sig}: closing the ${opts.protocol} server`);
      // A client holding a connection open must not keep the server up after it was told to stop.
      const force = setTimeout(() => {
        console.error('the server did not close within 2 s: exiting anyway');
        resolve(0);
      }, 2000);
      server.close().then(
        () => {
          clearTimeout(force);
          store.close();
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(force);
          console.error(`closing failed: ${err instanceof Error ? err.message : String(err)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

  // Issue 16, item 3: after the signal handlers, so a stop while binding still closes the server.
  if (opts.admin) {
    const admin = await startStatsEndpoint(opts.admin.host, opts.admin.port, () => ownCpuSample(store));
    console.error(`admin ${admin.url}: this process's CPU, memory and request tally (npm run bench -- --server-stats URL)`);
  }
  // Only this line goes to stdout, so a script can read the URL from the first line.
  console.log(`listening ${serverUrl(opts.protocol, opts.host, server.port)}`);
  console.error(
    `${opts.protocol} (${implementationOf(opts.protocol, opts.implementation).name}): ${pathHint(opts.protocol, opts.host, server.port)}; data set users=${opts.dataset.users} seed=${opts.dataset.seed}; Ctrl-C to stop`,
  );
  if (opts.injectCpuUs > 0) console.error(`injecting ${opts.injectCpuUs} us of busy CPU per request (--inject-server-cpu-us)`);
  if (opts.host === '0.0.0.0' || opts.host === '::')
    console.error(`bound to every interface: from another host, use this host's address in place of ${opts.host}`);
  return stopped;
}

runEntry(import.meta.url, main, {
  // Bind failures (EADDRINUSE, EADDRNOTAVAIL, EACCES) say what is wrong in one line.
  describe: (err) =>
    (err as NodeJS.ErrnoException | null)?.code ? `could not start the server: ${(err as Error).message}` : undefined,
});
