// Child-process entry for one push server of the fanout scenario. The job arrives in argv as
// JSON. It reports its port, answers memory samples (after a full GC, so deltas are live
// memory, not garbage), emits events on the runner's schedule, reports what it emitted in the
// window, and closes connections when asked (server-side drop).
import v8 from 'node:v8';
import vm from 'node:vm';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createMemoryStore } from '../../servers/store.ts';
import { EmissionSchedule, EventLog, EventTicker, monoUs } from '../../servers/push/events.ts';
import { PUSH_SERVERS } from '../../servers/push/registry.ts';
import { TRANSPORTS } from '../workloads/fanout-transports.ts';
import { percentileTrio } from '../workloads/figures.ts';
import type { FanoutServerJob, FanoutServerToRunner, MemSample, RunnerToFanoutServer } from './fanout-ipc.ts';

// A full collection before each memory sample; --expose-gc cannot be passed through spawnNode,
// and V8 accepts it at run time for contexts created afterwards.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const send = (m: FanoutServerToRunner): void => {
  process.send?.(m);
};

/** Wait until monoUs() reaches `us` (timers are milliseconds; the last stretch is spun briefly). */
function at(us: number, fn: () => void): void {
  const ms = (us - monoUs()) / 1000;
  if (ms > 1) setTimeout(() => at(us, fn), Math.floor(ms - 0.5));
  else fn();
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as FanoutServerJob;
  const store = createMemoryStore(job.dataset);
  const log = new EventLog(store, { bufferSize: job.bufferSize });
  const { start } = await PUSH_SERVERS[TRANSPORTS[job.transport].server]();
  const server = await start({
    host: job.host,
    port: 0,
    log,
    heartbeatMs: job.heartbeatMs,
    retryMs: job.retryMs,
    longPollTimeoutMs: job.longPollTimeoutMs,
  });

  const mem = (): MemSample => {
    gc();
    const m = process.memoryUsage();
    return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, subscribers: server.subscribers() };
  };

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 1500);
    force.unref();
    await server.close().catch(() => undefined);
    process.exit(0);
  };

  process.on('message', (m: RunnerToFanoutServer) => {
    if (m.type === 'mem') send({ type: 'mem', seq: m.seq, sample: mem() });
    else if (m.type === 'drop') send({ type: 'dropped', count: server.drop(m.count) });
    else if (m.type === 'shutdown') void shutdown();
    else if (m.type === 'emit') {
      let inWindow = 0;
      let firstId = 0;
      let lastId = 0;
      const unsubscribe = log.subscribe((e) => {
        if (e.createdUs < m.fromUs || e.createdUs >= m.toUs) return;
        inWindow++;
        if (firstId === 0) firstId = e.eventId;
        lastId = e.eventId;
      });
      const delay = monitorEventLoopDelay({ resolution: 10 });
      // No CPU sample here: the runner reads this process's from /proc, on time even when this loop is behind.
      at(m.fromUs, () => delay.enable());
      const ticker = new EventTicker(log, new EmissionSchedule(m.arrivals, m.rate, m.startUs, m.seed), m.toUs, () => {
        at(m.toUs, () => {
          delay.disable();
          unsubscribe();
          const m0 = process.memoryUsage();
          send({
            type: 'emitted',
            report: {
              inWindow,
              firstId,
              lastId,
              total: log.lastId,
              // No GC here: this is the memory the run held, garbage included.
              end: { rssBytes: m0.rss, heapUsedBytes: m0.heapUsed, subscribers: server.subscribers() },
              loopDelayUs: { p50: delay.percentile(50) / 1000, p99: delay.percentile(99) / 1000, max: delay.max / 1000 },
              emitLateUs: percentileTrio(ticker.lateUs),
            },
          });
        });
      });
      ticker.start();
    }
  });
  process.on('disconnect', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());

  send({ type: 'ready', port: server.port });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  console.error(err);
  process.exit(1);
});
