// `npm run calibrate`: the benchmark targets of the foundation, measured, not asserted.
//  1. REST getUser throughput as a share of fastify hello-world under the same driver.
//  2. The REST driver's own cost: client CPU-seconds per 100k requests (wrk ~1.8, autocannon ~3).
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

for (let i = 0; i < repeat; i++) {
  for (const name of rows) {
    process.stderr.write(`[calibrate] round ${i + 1}/${repeat}: ${name}\n`);
    const r = await runProtocol(name, cfg, pinning);
    if (r.state !== 'ok') throw new Error(`${name} failed: ${r.error}`);
    (runs[name] ??= []).push(r);
  }
}

const f = (s: Spread, d = 0): string => `${s.median.toFixed(d)} (${s.min.toFixed(d)}-${s.max.toFixed(d)})`;
const ops = (n: string): Spread => spread(runs[n]!.map((r) => r.opsPerSec));
const ratio = spread(runs.rest!.map((r, i) => r.opsPerSec / runs['rest-hello']![i]!.opsPerSec));
const clientCpu100k = spread(runs.rest!.map((r) => ((r.cpuUsPerOp.client ?? 0) * 100_000) / 1e6));
const grpcBound = runs.grpc!.map((r) => `${r.bound} (server ${r.cpuCores.server} cores, generator ${r.cpuCores.client})`);

console.log(`| figure | median (min-max) over ${repeat} interleaved runs | target |`);
console.log('| --- | --- | --- |');
console.log(`| fastify hello-world, REST driver, ops/s | ${f(ops('rest-hello'))} | |`);
console.log(`| REST getUser, ops/s | ${f(ops('rest'))} | |`);
console.log(`| REST getUser / hello-world (same round) | ${f(ratio, 3)} | >= 0.85 |`);
console.log(`| REST driver client CPU-seconds per 100k requests | ${f(clientCpu100k, 2)} | <= 2.2 |`);
console.log(`| gRPC (lean driver) ops/s | ${f(ops('grpc'))} | |`);
console.log(`| gRPC row bound by | ${grpcBound.join('; ')} | server |`);
// Each row's own layout (HTTP/1.1 32 x 1, gRPC 4 x 8 by default: harness/load/layout.ts).
const layouts = rows.map((n) => `${n} ${runs[n]![0]!.layout?.connections}x${runs[n]![0]!.layout?.inflightPerConnection}`);
console.log(
  `\nconfig: ${layouts.join(', ')} (connections x in flight), ${cfg.warmup} s warm-up, ${cfg.duration} s measured; pinning: ${pinning.reason}`,
);
