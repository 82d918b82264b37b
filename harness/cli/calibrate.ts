// `npm run calibrate`: the benchmark targets of the foundation, measured, not asserted.
//  1. REST getUser throughput as a share of fastify hello-world under the same driver.
//  2. The REST driver's own cost: client CPU-seconds per 100k requests, beside autocannon's
//     measured the same way in the same rounds (wrk is not a dependency: it is not measured).
//  3. Whether the gRPC row is server-bound (the lean driver saturates the grpc-js server).
// Rows are interleaved (A B C A B C) and repeated, and medians are quoted with min-max,
// because this machine is shared and noisy.
import { parseArgs } from 'node:util';
import { resolveConfig } from '../config.ts';
import { planPinning } from '../procs/control.ts';
import { runProtocol } from '../workloads/request-response.ts';
import { spread, type Spread } from '../metrics/stats.ts';
import type { DriverName } from '../protocols.ts';
import type { RunRecord } from '../results/types.ts';
import { exitOnVersion } from '../run/version.ts';

exitOnVersion(); // --version, as on every command

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
  },
  strict: true,
});
const repeat = Number(values.repeat);
const cfg = resolveConfig({ duration: Number(values.duration), warmup: Number(values.warmup) });
const pinning = planPinning();
const rows: DriverName[] = ['rest-hello', 'rest', 'grpc'];
const runs: Record<string, RunRecord[]> = {};
/** The REST getUser row driven by autocannon: the reference the harness's driver cost is compared with. */
const AUTOCANNON = 'rest (autocannon)';

for (let i = 0; i < repeat; i++) {
  for (const name of [...rows, AUTOCANNON]) {
    process.stderr.write(`[calibrate] round ${i + 1}/${repeat}: ${name}\n`);
    const r =
      name === AUTOCANNON
        ? await runProtocol('rest', cfg, pinning, { driver: 'autocannon' })
        : await runProtocol(name as DriverName, cfg, pinning);
    if (r.state !== 'ok') throw new Error(`${name} failed: ${r.error}`);
    (runs[name] ??= []).push(r);
  }
}

const f = (s: Spread, d = 0): string => `${s.median.toFixed(d)} (${s.min.toFixed(d)}-${s.max.toFixed(d)})`;
const ops = (n: string): Spread => spread(runs[n]!.map((r) => r.opsPerSec));
const ratio = spread(runs.rest!.map((r, i) => r.opsPerSec / runs['rest-hello']![i]!.opsPerSec));
/** Client CPU-seconds per 100k calls over the runs that measured it; an unknown figure stays unknown, never 0. */
function clientCpu100k(name: string): string {
  const known = runs[name]!.flatMap((r) => (r.cpuUsPerOp.client === null ? [] : [(r.cpuUsPerOp.client * 100_000) / 1e6]));
  if (!known.length) return 'unknown (client CPU not observable)';
  const missing = runs[name]!.length - known.length;
  return `${f(spread(known), 2)}${missing ? ` (${missing} of ${runs[name]!.length} runs unknown)` : ''}`;
}
const grpcBound = runs.grpc!.map((r) => `${r.bound} (server ${r.cpuCores.server} cores, generator ${r.cpuCores.client})`);

console.log(`| figure | median (min-max) over ${repeat} interleaved runs | target |`);
console.log('| --- | --- | --- |');
console.log(`| fastify hello-world, REST driver, ops/s | ${f(ops('rest-hello'))} | |`);
console.log(`| REST getUser, ops/s | ${f(ops('rest'))} | |`);
console.log(`| REST getUser / hello-world (same round) | ${f(ratio, 3)} | >= 0.85 |`);
console.log(`| REST driver client CPU-seconds per 100k requests | ${clientCpu100k('rest')} | <= 2.2 |`);
console.log(`| autocannon client CPU-seconds per 100k requests (same rounds) | ${clientCpu100k(AUTOCANNON)} | |`);
console.log(`| gRPC (lean driver) ops/s | ${f(ops('grpc'))} | |`);
console.log(`| gRPC row bound by | ${grpcBound.join('; ')} | server |`);
// Each row's own layout (HTTP/1.1 32 x 1, gRPC 4 x 8 by default: harness/load/layout.ts).
const layouts = rows.map((n) => `${n} ${runs[n]![0]!.layout?.connections}x${runs[n]![0]!.layout?.inflightPerConnection}`);
console.log(
  `\nconfig: ${layouts.join(', ')} (connections x in flight), ${cfg.warmup} s warm-up, ${cfg.duration} s measured; pinning: ${pinning.reason}`,
);
