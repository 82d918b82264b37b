// Child-process entry for one server (its reference implementation unless the job names another).
// The job arrives in argv as JSON; the real port is announced over IPC (and on stdout, for
// `npm run serve`-style use) once listening.
import { createMemoryStore } from '../../servers/store.ts';
import { createSqliteStore } from '../../servers/sqlite-store.ts';
import { loadServer } from '../../servers/registry.ts';
import { requestTally } from '../../servers/request-scope.ts';
import { nowMs, type RunnerToServer, type ServerJob, type ServerToRunner } from './ipc.ts';

const send = (m: ServerToRunner): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as ServerJob;
  // --store sqlite: a temporary file seeded from the same data set, removed on exit.
  const store = job.store === 'sqlite' ? createSqliteStore(job.dataset) : createMemoryStore(job.dataset);
  process.on('exit', () => store.close());
  const start = await loadServer(job.server, job.implementation);
  const server = await start({ ...job.tuning, host: job.host, port: job.port, store });

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 1500);
    force.unref();
    await server.close().catch(() => undefined);
    process.exit(0);
  };

  process.on('message', (m: RunnerToServer) => {
    if (m.type === 'stats') {
      // No CPU here: the runner reads it from /proc on time even when this loop is saturated.
      const mem = process.memoryUsage();
      send({
        type: 'stats',
        seq: m.seq,
        sample: {
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          atMs: nowMs(),
          ...(store.statementCount && { sqlStatements: store.statementCount(), sqlRequests: requestTally() }),
          users: store.countUsers(),
        },
      });
    } else if (m.type === 'shutdown') {
      void shutdown();
    }
  });
  // The runner is gone (crashed or killed): never outlive it.
  process.on('disconnect', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());

  send({ type: 'ready', port: server.port });
  if (!process.send)
    console.log(`listening ${job.server}${job.implementation ? ` (${job.implementation})` : ''} ${job.host}:${server.port}`);
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  console.error(err);
  process.exit(1);
});
