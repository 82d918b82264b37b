// In-process push server + subscribers for the fanout tests: one EventLog, one server, N
// subscribers recording into one DeliveryRecorder whose window is all time.
import { createMemoryStore } from '../../servers/store.ts';
import { EventLog } from '../../servers/push/events.ts';
import { PUSH_SERVERS } from '../../servers/push/registry.ts';
import type { PushServer, PushServerOptions } from '../../servers/push/types.ts';
import { SUBSCRIBERS } from '../../clients/push/registry.ts';
import { DeliveryRecorder } from '../../clients/push/delivery.ts';
import type { Subscriber, SubscriberOptions, SubscriberSink } from '../../clients/push/types.ts';
import { TRANSPORTS, type FanoutTransport } from '../../harness/workloads/fanout-transports.ts';
import { canonicalUser } from '../../proto/contract.ts';
import { generateUser } from '../../servers/dataset.ts';
import { userIdForEvent } from '../../servers/push/events.ts';

const DATASET = { users: 50, seed: 7 };

/** Event ids whose decoded user (subscriber 0 decodes) differs from the data set's; [] when all match. */
export function decodedMismatches(recorder: DeliveryRecorder): number[] {
  const bad: number[] = [];
  for (const [id, user] of recorder.decoded) {
    if (JSON.stringify(user) !== JSON.stringify(canonicalUser(generateUser(DATASET, userIdForEvent(id, DATASET.users)))))
      bad.push(id);
  }
  return bad;
}

export const host = '127.0.0.1';
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function subscriberOptions(port: number, id: string, o: Partial<SubscriberOptions> = {}): SubscriberOptions {
  return {
    host,
    port,
    id,
    heartbeatMs: 0,
    pollIntervalMs: 50,
    backoff: { initialMs: 20, maxMs: 500 },
    connectTimeoutMs: 2000,
    ...o,
  };
}

export interface Fixture {
  log: EventLog;
  server: PushServer;
  subs: Subscriber[];
  recorder: DeliveryRecorder;
  /** Emit `n` events `gapMs` apart; `during(k)` runs before the k-th. */
  emit(n: number, gapMs: number, during?: (k: number) => void): Promise<void>;
  /** Wait until every subscriber has `count` events (or `ms` pass). */
  settle(count: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  server?: Partial<PushServerOptions>;
  sub?: Partial<SubscriberOptions>;
  /** Put something between subscribers and server (a proxy): given the server's port, the port to dial. */
  via?: (serverPort: number) => Promise<number>;
  sinkWrap?: (i: number, s: SubscriberSink) => SubscriberSink;
}

export async function pushFixture(transport: FanoutTransport, n: number, fo: FixtureOptions = {}): Promise<Fixture> {
  const log = new EventLog(createMemoryStore(DATASET));
  const srv = await (await PUSH_SERVERS[TRANSPORTS[transport].server]()).start({ host, port: 0, log, ...fo.server });
  const port = fo.via ? await fo.via(srv.port) : srv.port;
  const wrap = fo.sinkWrap ?? ((_i: number, s: SubscriberSink) => s);
  const create = await SUBSCRIBERS[transport]();
  const recorder = new DeliveryRecorder(n);
  recorder.setWindow(0, Number.MAX_SAFE_INTEGER);
  const subs = Array.from({ length: n }, (_, i) =>
    create(subscriberOptions(port, `s${i}`, { ...fo.sub, decode: i === 0 }), wrap(i, recorder.sink(i))),
  );
  await Promise.all(subs.map((s) => s.start()));
  return {
    log,
    server: srv,
    subs,
    recorder,
    async emit(count, gapMs, during) {
      for (let k = 0; k < count; k++) {
        during?.(k);
        log.emit();
        await sleep(gapMs);
      }
    },
    // Returns as soon as the count is reached; the default limit is for a machine in a slow phase.
    async settle(count, ms = 15_000) {
      const until = performance.now() + ms;
      while (performance.now() < until && recorder.counts.delivered < count * n) await sleep(20);
    },
    async close() {
      for (const s of subs) s.close();
      await srv.close();
    },
  };
}
