// The cluster simulation's known-truth server (issue 16, item 5): a reference server whose every
// answer waits a fixed service time (the deadline scenario's serviceDelayMs, a timer), so the
// merged p50 of the shards has a known value. `node --import tsx harness/run/shard-sim-server.ts
// ROW HOST SERVICE_MS` prints `listening URL` on stdout once bound and serves until SIGTERM.
import { loadServer, serverOfRow, serverUrl } from '../../servers/registry.ts';
import { createMemoryStore } from '../../servers/store.ts';
import { DEFAULT_DATASET } from '../../servers/dataset.ts';
import { isProtocolName } from '../protocols.ts';
import { UsageError } from '../errors.ts';
import { runEntry } from './entry.ts';

export async function main(argv: string[]): Promise<number> {
  const [row = '', host = '127.0.0.1', serviceMs = '0'] = argv;
  if (!isProtocolName(row)) throw new UsageError(`unknown protocol row "${row}"`);
  const name = serverOfRow(row);
  const store = createMemoryStore(DEFAULT_DATASET);
  const server = await (await loadServer(name))({ host, port: 0, store, serviceDelayMs: Number(serviceMs) });
  const stopped = new Promise<number>((resolve) => {
    const stop = (): void => void server.close().finally(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  console.log(`listening ${serverUrl(name, host, server.port)}`);
  return stopped;
}

runEntry(import.meta.url, main);
