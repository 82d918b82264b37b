// Result fixtures for the report tests (not a test file itself): the README's real getUser
// result, and a variant with repeats, a failed run, a hostile protocol name and claims.
import { fileURLToPath } from 'node:url';
import { readResult } from '../harness/results/io.ts';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';
import type { Claim } from '../harness/results/claims.ts';

export const EXAMPLE_RESULT = fileURLToPath(new URL('../results/examples/getUser-readme.json', import.meta.url));

/** A real fanout result (SSE, WebSocket, gRPC, GraphQL and polling at K = 1,000). */
export const FANOUT_RESULT = fileURLToPath(new URL('../results/examples/fanout-k1000.json', import.meta.url));

export const HOSTILE_NAME = 'evil<script>alert("x")</script>&co';

export function exampleResult(): BenchResult {
  return readResult(EXAMPLE_RESULT);
}

/** Three interleaved repeats per protocol (figures scaled a little per repeat), one of them
 *  under a name that must be escaped, plus one failed run of a protocol that never succeeded. */
export function repeatedResult(): BenchResult {
  const base = exampleResult();
  const protos: RunRecord[] = [...base.runs, { ...(base.runs[0] as RunRecord), protocol: HOSTILE_NAME }];
  const runs: RunRecord[] = [];
  for (let repeat = 0; repeat < 3; repeat++) {
    const k = [1, 0.93, 1.05][repeat] as number;
    for (const r of protos) {
      runs.push({
        ...r,
        repeat,
        opsPerSec: r.opsPerSec * k,
        cpuUsPerOp: {
          server: r.cpuUsPerOp.server === null ? null : r.cpuUsPerOp.server / k,
          client: r.cpuUsPerOp.client === null ? null : r.cpuUsPerOp.client * k,
        },
        bytesPerOp: r.bytesPerOp && { out: r.bytesPerOp.out + repeat, in: r.bytesPerOp.in + 2 * repeat },
      });
    }
  }
  runs.push({
    ...(base.runs[0] as RunRecord),
    protocol: 'http3',
    repeat: 0,
    state: 'failed',
    error: 'server exited with code 1 before listening: <EADDRINUSE>',
    latencyUs: null,
    opsPerSec: 0,
    ops: 0,
  });
  return { ...base, state: 'partial', runs };
}

export function sampleClaims(): Claim[] {
  return [
    {
      ref: 'C1',
      claim: 'gRPC is faster than REST for small unary calls',
      guide: 'vendor blog',
      measured: 'grpc 16,396/s vs rest 39,466/s',
      verdict: 'refuted',
    },
    {
      ref: 'C2',
      claim: 'WebSocket frames add fewer bytes than HTTP/1.1 headers',
      guide: 'MDN',
      measured: 'ws 10 B vs rest 252 B framing',
      verdict: 'holds',
    },
    { ref: 'C3', claim: 'SSE <needs> a second connection', guide: 'spec', measured: null, verdict: 'inconclusive' },
  ];
}

/** The protocols a report of `r` must plot: those with at least one successful run. */
export function plottedProtocols(r: BenchResult): string[] {
  return [
    ...new Set(r.runs.filter((x) => x.state === 'ok').map((x) => (x.variant ? `${x.protocol} (${x.variant})` : x.protocol))),
  ];
}
