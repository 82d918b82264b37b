// A target built for known-truth tests: speaks the REST contract (GET /v1/users/:id) but
// answers after a fixed service time, and can stall completely for S ms every P ms (a
// stop-the-world pause), so what the harness reports can be checked against what is true.
// It runs in its own process (as a real server would), so its timers do not share an event
// loop with the load generator, and it measures how long it really held each request: on a
// busy machine a 20 ms timer fires late, and the truth is what the server actually did.
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createMemoryStore } from '../../servers/store.ts';

export interface DelayTargetOptions {
  serviceMs: number;
  stallMs?: number;
  periodMs?: number;
}

export interface DelayTarget {
  port: number;
  /** Median time the server held a request, ms (its own measurement). */
  heldMedianMs(): Promise<number>;
  close(): Promise<void>;
}

type Msg = { type: 'ready'; port: number } | { type: 'held'; medianMs: number };

export async function startDelayTarget(o: DelayTargetOptions): Promise<DelayTarget> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(o)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: Msg['type']): Promise<Msg> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: Msg): void => {
        if (m.type === type) {
          child.off('message', onMsg);
          resolve(m);
        }
      };
      child.on('message', onMsg);
      child.once('exit', (code) => reject(new Error(`delay target exited (${code})`)));
    });
  const ready = (await next('ready')) as Extract<Msg, { type: 'ready' }>;
  return {
    port: ready.port,
    async heldMedianMs() {
      const reply = next('held');
      child.send({ type: 'held' });
      return ((await reply) as Extract<Msg, { type: 'held' }>).medianMs;
    },
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function serve(o: DelayTargetOptions): Promise<void> {
  const store = createMemoryStore({ users: 100, seed: 1 });
  const t0 = performance.now();
  const held: number[] = [];
  const server = http.createServer((req, res) => {
    const arrived = performance.now();
    let wait = o.serviceMs;
    if (o.stallMs && o.periodMs) {
      const into = (arrived - t0) % o.periodMs;
      if (into < o.stallMs) wait += o.stallMs - into;
    }
    const id = Number(req.url?.split('/').pop());
    setTimeout(() => {
      const user = store.getUser(id);
      res.writeHead(user ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(user ?? { error: 'not_found' }));
      held.push(performance.now() - arrived);
    }, wait);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.on('message', (m: { type: string }) => {
    if (m.type === 'held') {
      const s = [...held].sort((a, b) => a - b);
      // The lower median (the value HdrHistogram's p50 reads for the same count), so a client's
      // p50 over the same calls is never below it.
      process.send!({ type: 'held', medianMs: s[Math.ceil(s.length / 2) - 1] ?? 0 });
    }
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void serve(JSON.parse(process.argv[2] ?? '{}') as DelayTargetOptions);
