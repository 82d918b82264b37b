// Child-process entry for the load generator: connects, waits for the runner's start,
// drives closed-loop load, and reports an encoded histogram, counts, bytes and its own CPU.
import { driverRow } from '../protocols.ts';
import { runClosedLoop } from '../load/closed.ts';
import { runOpenLoop } from '../load/open.ts';
import { isOpenLoop } from '../load/model.ts';
import { runAutocannon } from '../load/autocannon.ts';
import type { ProtocolName } from '../protocols.ts';
import { SCENARIOS } from '../../scenarios/registry.ts';
import { getUserOps } from '../../scenarios/types.ts';
import { encodeHistogram } from '../metrics/histogram.ts';
import { idSequence } from '../load/ids.ts';
import { nowMs, type GeneratorJob, type GeneratorToRunner, type RunnerToGenerator } from './ipc.ts';
import type { Connection } from '../../clients/types.ts';
import type { IntervalCounts } from '../load/intervals.ts';

const send = (m: GeneratorToRunner): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as GeneratorJob;
  const viaAutocannon = job.driver === 'autocannon';
  const connections: Connection[] = [];
  if (!viaAutocannon) {
    // A scenario may bring its own client for a row (streams, batches the lean driver lacks).
    const client =
      (await SCENARIOS[job.scenario]?.client?.(job.protocol as ProtocolName, job.variant)) ??
      (await driverRow(job.protocol).client());
    for (let i = 0; i < job.connections; i++) connections.push(await client.connect({ host: job.host, port: job.port }));
  }

  let setup: { out: number; in: number } | null = { out: 0, in: 0 };
  for (const c of connections) {
    if (!c.setupBytes || !setup) setup = null;
    else setup = { out: setup.out + c.setupBytes.out, in: setup.in + c.setupBytes.in };
  }
  // Per connection: the run opens `connections` of them, the report shows one connection's cost.
  const perConn = viaAutocannon ? null : setup && { out: setup.out / job.connections, in: setup.in / job.connections };
  send({ type: 'connected', setupBytes: perConn });

  const stop = new AbortController();
  await new Promise<void>((resolve) => {
    process.on('message', (m: RunnerToGenerator) => {
      if (m.type === 'start') resolve();
      else if (m.type === 'stop') stop.abort();
    });
  });

  const common = {
    stop: stop.signal,
    connections,
    warmupMs: job.warmupMs,
    durationMs: job.durationMs,
    timeoutMs: job.timeoutMs,
    nextOp: (SCENARIOS[job.scenario]?.ops ?? getUserOps)({
      users: job.users,
      seed: job.idSeed,
      variant: job.variant,
      options: job.options,
    }),
    // The runner reads this process's CPU from /proc (metrics/cpu.ts) when told of each edge.
    onPhase: (phase: 'measure' | 'end') => send({ type: 'phase', phase, atMs: nowMs() }),
    onProgress: (p: { phase: 'warmup' | 'measure'; elapsedMs: number; totalMs: number; opsPerSec: number }) =>
      send({ type: 'progress', ...p }),
    // Each closed interval goes to the runner at once: live outputs see the run unfold.
    ...(job.intervalMs !== undefined && { intervalMs: job.intervalMs }),
    onInterval: (interval: IntervalCounts) => send({ type: 'interval', interval }),
  };
  const load = job.load;
  if (viaAutocannon) {
    const ac = await runAutocannon({
      protocol: job.protocol as ProtocolName,
      host: job.host,
      port: job.port,
      connections: job.connections,
      pipelining: job.inflight,
      warmupMs: job.warmupMs,
      durationMs: job.durationMs,
      timeoutMs: job.timeoutMs,
      nextId: idSequence(job.users, job.idSeed),
      onPhase: common.onPhase,
      stop: stop.signal,
    });
    send({
      type: 'result',
      result: {
        histogram: encodeHistogram(ac.histogram),
        aborted: ac.aborted,
        ops: ac.ops,
        measuredMs: ac.measuredMs,
        errors: ac.errors,
        // autocannon keeps its sockets to itself: bytes are not observable on this row.
        windowBytes: null,
        windowCompletions: ac.ops + ac.errors.total,
        setupBytes: null,
        payload: null,
        autocannon: ac.autocannon,
      },
    });
    process.disconnect?.();
    return;
  }
  const open = isOpenLoop(load)
    ? await runOpenLoop({ ...common, model: load, perConnection: job.inflight, maxInflight: job.maxInflight, seed: job.idSeed })
    : undefined;
  const result = open ?? (await runClosedLoop({ ...common, inflight: job.inflight }));
  await Promise.all(connections.map((c) => c.close().catch(() => undefined)));

  send({
    type: 'result',
    result: {
      histogram: encodeHistogram(result.histogram),
      aborted: result.aborted,
      ...(open && {
        rawHistogram: encodeHistogram(open.rawHistogram),
        dropped: open.dropped,
        requestedRate: open.requestedRate,
        achievedRate: open.achievedRate,
      }),
      ops: result.ops,
      measuredMs: result.measuredMs,
      errors: result.errors,
      windowBytes: result.windowBytes,
      windowCompletions: result.windowCompletions,
      setupBytes: perConn,
      payload: result.payload,
      ...('items' in result && result.items > 0 && { items: result.items }),
      ...('firstItemHistogram' in result &&
        result.firstItemHistogram && { firstItemHistogram: encodeHistogram(result.firstItemHistogram) }),
      series: result.series,
    },
  });
  // Let the IPC message flush before leaving.
  process.disconnect?.();
}

process.on('disconnect', () => process.exit(0));
main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  setTimeout(() => process.exit(1), 50);
});
