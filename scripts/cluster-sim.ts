// `npm run cluster:sim -- --shards 4 [--netns] [--late I:MS] [--out DIR]`: a cluster run without a
// cluster (issue 16, item 5). A known-truth server (every answer waits --service-ms) and N
// generator shards, each a separate `npm run bench -- --target ... --shard I/N --start-at T`
// process, then the shards' results merged as `npm run merge` does. With --netns each shard and
// the server run in their own network namespace with their own address (harness/run/shard-netns.ts;
// root only); without, plain processes on 127.0.0.1. --late I:MS gives shard I a start MS later
// (a clock that far behind), which the merge must notice.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isProtocolName, PROTOCOL_NAMES } from '../harness/protocols.ts';
import { readResult, writeResult } from '../harness/results/io.ts';
import { mergeResults } from '../harness/results/merge.ts';
import {
  createSimNetwork,
  destroySimNetwork,
  inNamespace,
  netnsUnavailable,
  planSimNetwork,
} from '../harness/run/shard-netns.ts';
import { runEntry } from '../harness/run/entry.ts';
import { UsageError } from '../harness/errors.ts';
import type { RunRecord } from '../harness/results/types.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const BENCH = path.join(ROOT, 'harness/cli/bench.ts');
const SERVER = path.join(ROOT, 'harness/run/shard-sim-server.ts');

export const FLAGS = {
  shards: { type: 'string', help: 'generator shards (default 2)' },
  netns: { type: 'boolean', help: 'each shard and the server in its own network namespace (root only)' },
  protocol: { type: 'string', help: `protocol row (default rest; one of ${PROTOCOL_NAMES.join(', ')})` },
  'service-ms': { type: 'string', help: "the server's fixed service time per call, ms (default 20)" },
  rate: { type: 'string', help: 'open-loop calls/s offered by all shards together (default 200)' },
  connections: { type: 'string', help: 'connections of all shards together (default 4 per shard)' },
  warmup: { type: 'string', help: 'warm-up seconds (default 1)' },
  duration: { type: 'string', help: 'measured seconds (default 2)' },
  'lead-ms': {
    type: 'string',
    help: 'shared start this long after launch, ms: time to start and verify (default 5000 + 2000 per shard)',
  },
  late: { type: 'string', multiple: true, help: 'I:MS: shard I starts MS later than the others (repeatable)' },
  meters: { type: 'boolean', help: 'run the machine disturbance meters in every shard (default off: they cost CPU)' },
  out: { type: 'string', help: 'folder for shard results, logs and merged.json (default results/cluster-sim-<time>)' },
  help: { type: 'boolean', help: 'this help' },
} as const;

export interface SimOptions {
  shards: number;
  netns: boolean;
  protocol: string;
  serviceMs: number;
  rate: number;
  connections: number;
  warmup: number;
  duration: number;
  leadMs: number;
  lateMs: Map<number, number>;
  meters: boolean;
  out: string;
}

function usage(): string {
  const lines = ['usage: npm run cluster:sim -- [--shards N] [--netns] [--late I:MS] [--out DIR]', '', 'flags:'];
  for (const [name, f] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(12)} ${f.help}`);
  return lines.join('\n');
}

function number(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} expects a number from ${min} to ${max}, got "${v}"`);
  return n;
}

/** Pure: flags to options (null for --help); every problem a UsageError naming the valid choices. */
export function parseSimArgs(argv: string[], now = new Date()): SimOptions | null {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    const valid = Object.keys(FLAGS)
      .map((f) => `--${f}`)
      .join(', ');
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\nvalid flags: ${valid}`);
  }
  if (values.help) return null;
  const shards = number('shards', values.shards, 2, 1, 64);
  const protocol = values.protocol ?? 'rest';
  if (!isProtocolName(protocol)) throw new UsageError(`--protocol ${protocol}: valid: ${PROTOCOL_NAMES.join(', ')}`);
  const lateMs = new Map<number, number>();
  for (const spec of values.late ?? []) {
    const m = /^(\d+):(\d+)$/.exec(spec);
    if (!m || Number(m[1]) >= shards) throw new UsageError(`--late ${spec}: expected I:MS with I from 0 to ${shards - 1}`);
    lateMs.set(Number(m[1]), Number(m[2]));
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    shards,
    netns: values.netns ?? false,
    protocol,
    serviceMs: number('service-ms', values['service-ms'], 20, 0, 10_000),
    rate: number('rate', values.rate, 200, 1, 1_000_000),
    connections: number('connections', values.connections, 4 * shards, 1, 10_000),
    warmup: number('warmup', values.warmup, 1, 0, 600),
    duration: number('duration', values.duration, 2, 0.1, 3600),
    leadMs: number('lead-ms', values['lead-ms'], 5000 + 2000 * shards, 0, 600_000),
    lateMs,
    meters: values.meters ?? false,
    out: path.resolve(values.out ?? path.join(ROOT, 'results', `cluster-sim-${stamp}`)),
  };
}

/** Pure: the bench command line of shard `index` (what a pod of the Indexed Job runs, but for its index). */
export function shardArgv(o: SimOptions, index: number, url: string, startAt: number, configFile: string): string[] {
  return [
    ...['--config', configFile, '--scenario', 'getUser', '--protocols', o.protocol, '--target', `${o.protocol}=${url}`],
    ...['--shard', `${index}/${o.shards}`, '--start-at', String(startAt + (o.lateMs.get(index) ?? 0))],
    ...['--warmup', String(o.warmup), '--duration', String(o.duration), '--load', `rate:${o.rate}`],
    ...['--connections', String(o.connections), '--out', shardFile(o, index), '--format', 'json'],
  ];
}

export const shardFile = (o: Pick<SimOptions, 'out'>, index: number): string => path.join(o.out, `shard-${index}.json`);

/** Resolves with the server's URL from its `listening URL` line. */
function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
}

const exited = (c: ChildProcess): Promise<number> =>
  new Promise((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code ?? 1))));

function describeRow(r: RunRecord, origin: number): string {
  const p50 = r.latencyUs ? `p50 ${(r.latencyUs.p50 / 1000).toFixed(2)} ms` : 'no latency';
  const w = r.window ? `, window +${r.window.startMs - origin} ms for ${r.window.endMs - r.window.startMs} ms` : '';
  return `${r.state}, ${r.ops} ops, ${r.opsPerSec} ops/s, ${p50}${w}`;
}

export async function main(argv: string[]): Promise<number> {
  const o = parseSimArgs(argv);
  if (o === null) {
    console.log(usage());
    return 0;
  }
  const unavailable = o.netns ? netnsUnavailable() : null;
  if (unavailable) throw new UsageError(`--netns: ${unavailable}`);
  mkdirSync(o.out, { recursive: true });
  // The shards' config: no machine meters (N shards on one small machine would run N sets), no
  // pinning (the shards share the CPUs), a short verify step (each call takes the service time).
  const configFile = path.join(o.out, 'cluster-sim.config.ts');
  writeFileSync(configFile, `export default { machine: { meters: ${o.meters} }, pin: false, verifySample: 5, shardGapS: 5 };\n`);

  const net = o.netns ? planSimNetwork(o.shards, `pbsim${process.pid}`) : null;
  const children: ChildProcess[] = [];
  let cleaned = false;
  // Runs on every way out (return, throw, signal, exit): children stopped, namespaces deleted.
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    if (net) destroySimNetwork(net);
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('exit', cleanup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const node = (script: string, args: readonly string[]): string[] => [process.execPath, '--import', TSX, script, ...args];
  const launch = (ns: string | undefined, argv: string[], log: number | 'pipe'): ChildProcess => {
    const [cmd, ...args] = ns ? inNamespace(ns, argv) : argv;
    const child = spawn(cmd!, args, { cwd: ROOT, stdio: ['ignore', log, log === 'pipe' ? 'inherit' : log] });
    children.push(child);
    return child;
  };
  try {
    if (net) createSimNetwork(net);
    const host = net?.serverAddress ?? '127.0.0.1';
    const server = launch(net?.serverNs, node(SERVER, [o.protocol, host, String(o.serviceMs)]), 'pipe');
    const url = await listeningUrl(server, 60_000);
    const startAt = Date.now() + o.leadMs;
    const where = net
      ? `network namespaces, shards at ${net.shardAddresses.join(', ')} -> server ${net.serverAddress}`
      : 'plain processes on 127.0.0.1';
    console.error(
      `cluster simulation: ${o.shards} shard(s) (${where}), ${o.protocol} server at ${url} answering after ${o.serviceMs} ms; ` +
        `shared start ${new Date(startAt).toISOString()} (in ${o.leadMs} ms)`,
    );
    const shards = Array.from({ length: o.shards }, (_, i) => {
      const log = openSync(path.join(o.out, `shard-${i}.log`), 'w');
      const child = launch(net?.shardNs[i], node(BENCH, shardArgv(o, i, url, startAt, configFile)), log);
      closeSync(log); // the child holds its own copy
      return child;
    });
    const codes = await Promise.all(shards.map(exited));
    server.kill('SIGTERM');
    await exited(server);
    codes.forEach((c, i) => c !== 0 && console.error(`shard ${i} exited ${c}: see ${path.join(o.out, `shard-${i}.log`)}`));

    // What `npm run merge -- shard-*.json --out merged.json` does; a missing shard is named (exit 2).
    const inputs = Array.from({ length: o.shards }, (_, i) => shardFile(o, i))
      .filter((f) => existsSync(f))
      .map((f) => ({ name: f, result: readResult(f) }));
    const { result, warnings } = mergeResults(inputs);
    for (const w of warnings) console.error(`warning: ${w}`);
    const written = writeResult(path.join(o.out, 'merged.json'), result);
    for (const row of result.runs) {
      const origin = row.window?.startMs ?? 0;
      for (const s of row.shards ?? []) console.log(`shard ${s.shard?.index}: ${describeRow(s, origin)}`);
      const sum = (row.shards ?? []).reduce((n, s) => n + s.ops, 0);
      console.log(`merged ${row.protocol}: ${describeRow(row, origin)} (shards' ops summed: ${sum})`);
    }
    console.log(`merged ${written}`);
    return codes.some((c) => c !== 0) ? 1 : 0;
  } finally {
    cleanup();
    process.off('exit', cleanup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

runEntry(import.meta.url, main);
