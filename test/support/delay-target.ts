// A target built for known-truth tests: speaks the REST contract (GET /v1/users/:id) but
// answers after a fixed service time, and can stall completely for S ms every P ms (a
// stop-the-world pause), so what the harness reports can be checked against what is true.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '../../servers/store.ts';

export interface DelayTargetOptions {
  serviceMs: number;
  stallMs?: number;
  periodMs?: number;
}

export async function startDelayTarget(o: DelayTargetOptions): Promise<{ port: number; close(): Promise<void> }> {
  const store = createMemoryStore({ users: 100, seed: 1 });
  const t0 = performance.now();
  const server = http.createServer((req, res) => {
    const arrived = performance.now() - t0;
    let wait = o.serviceMs;
    if (o.stallMs && o.periodMs) {
      const into = arrived % o.periodMs;
      if (into < o.stallMs) wait += o.stallMs - into;
    }
    const id = Number(req.url?.split('/').pop());
    setTimeout(() => {
      const user = store.getUser(id);
      res.writeHead(user ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(user ?? { error: 'not_found' }));
    }, wait);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
