// The server's own counters over HTTP (issue 16, item 3): `npm run serve -- --admin-port P` answers
// GET /stats with the sample the harness takes of its own server children (ipc.ts CpuSample), so a
// generator on another host can read the server's CPU at its measured window's edges
// (procs/stats-reader.ts). Off unless asked, and bound only to the address given.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestTally } from '../../servers/request-scope.ts';
import type { UserStore } from '../../servers/store.ts';
import { nowMs, type CpuSample } from './ipc.ts';

/** The path the endpoint answers on; anything else is 404. */
export const STATS_PATH = '/stats';

/**
 * This process's sample: CPU from process.cpuUsage() (the process's own getrusage, the same
 * counters /proc/<pid>/stat shows the harness), memory, and the request tally. Read on this
 * process's event loop: a saturated server answers a few milliseconds late, and atMs says when.
 */
export function ownCpuSample(store: Pick<UserStore, 'countUsers' | 'statementCount'>): CpuSample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    userUs: cpu.user,
    systemUs: cpu.system,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    atMs: nowMs(),
    // As server-entry.ts: the SQL figures only where there is SQL (the memory store runs none).
    ...(store.statementCount && { sqlStatements: store.statementCount(), sqlRequests: requestTally() }),
    users: store.countUsers(),
  };
}

export interface StatsEndpoint {
  /** http://HOST:PORT/stats, with the port the OS gave. */
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0: any free port) and answers GET /stats with sample() as JSON. */
export async function startStatsEndpoint(host: string, port: number, sample: () => CpuSample): Promise<StatsEndpoint> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== STATS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`only GET ${STATS_PATH} here\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(sample()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  // The admin port must never keep a stopping server up.
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}${STATS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
