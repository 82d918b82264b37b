// Child-process entry holding a share of the fanout scenario's subscribers. It opens them
// (a bounded number of attempts at a time, each from its 127.0.0.x source address), reports
// how many opened and how long that took, then records delivery over the runner's window:
// socket bytes and its own CPU are read at the window's edges, and the report goes back at
// `reportAtUs` (after a drain, so late events still count as delivered).
import { SUBSCRIBERS } from '../../clients/push/registry.ts';
import { DeliveryRecorder } from '../../clients/push/delivery.ts';
import type { Subscriber } from '../../clients/push/types.ts';
import type { ByteCount } from '../../clients/types.ts';
import { generateUser } from '../../servers/dataset.ts';
import { monoUs, userIdForEvent } from '../../servers/push/events.ts';
import { canonicalUser } from '../../proto/contract.ts';
import type { FanoutSubscriberJob, RunnerToSubscriber, SubscriberResult, SubscriberToRunner } from './fanout-ipc.ts';
import { IntervalRecorder } from '../load/intervals.ts';

const send = (m: SubscriberToRunner): void => {
  process.send?.(m);
};

function at(us: number, fn: () => void): void {
  const ms = (us - monoUs()) / 1000;
  if (ms > 1) setTimeout(() => at(us, fn), Math.floor(ms - 0.5));
  else fn();
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as FanoutSubscriberJob;
  const create = await SUBSCRIBERS[job.transport]();
  const recorder = new DeliveryRecorder(job.count);
  const subs: Subscriber[] = [];
  const isOpen = new Uint8Array(job.count);
  const createAll = (port: number): void => {
    for (let i = 0; i < job.count; i++) {
      const global = job.firstIndex + i;
      const sink = recorder.sink(i);
      subs.push(
        create(
          {
            host: job.host,
            port,
            localAddress: job.localAddresses[Math.floor(global / job.perAddress) % job.localAddresses.length],
            id: `sub-${global}`,
            heartbeatMs: job.heartbeatMs,
            pollIntervalMs: job.pollIntervalMs,
            backoff: job.backoff,
            connectTimeoutMs: job.connectTimeoutMs,
            decode: job.verify && i === 0,
          },
          {
            ...sink,
            open: (atUs, resumed) => {
              isOpen[i] = 1;
              sink.open(atUs, resumed);
            },
            lost: (atUs, reason) => {
              isOpen[i] = 0;
              sink.lost(atUs, reason);
            },
          },
        ),
      );
    }
  };

  const sumBytes = (): ByteCount => {
    let out = 0;
    let inBytes = 0;
    for (const s of subs) {
      const b = s.bytes();
      out += b.out;
      inBytes += b.in;
    }
    return { out, in: inBytes };
  };

  async function connectAll(): Promise<void> {
    const t0 = monoUs();
    let next = 0;
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    const started: boolean[] = new Array<boolean>(job.count).fill(false);
    const worker = async (): Promise<void> => {
      while (next < subs.length) {
        const i = next++;
        try {
          await subs[i]!.start();
          started[i] = true;
          ok++;
        } catch (err) {
          failed++;
          firstError ??= (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(job.connectConcurrency, subs.length) }, worker));
    let setup: ByteCount | null = { out: 0, in: 0 };
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]!.setupBytes;
      if (!started[i]) continue;
      if (!s || !setup) setup = null;
      else setup = { out: setup.out + s.out, in: setup.in + s.in };
    }
    send({
      type: 'connected',
      ok,
      failed,
      connectMs: (monoUs() - t0) / 1000,
      setupBytes: setup && ok > 0 ? { out: setup.out / ok, in: setup.in / ok } : null,
      ...(firstError !== undefined && { firstError }),
    });
  }

  /** Everything counted per window, read in one go so the figures share their instants. */
  const snapshot = () => {
    const c = recorder.counts;
    return {
      bytes: sumBytes(),
      receipts: c.receipts,
      emptyPolls: c.emptyPolls,
      emptyOut: c.emptyPollBytes.out,
      emptyIn: c.emptyPollBytes.in,
    };
  };

  function window(fromUs: number, toUs: number, reportAtUs: number): void {
    recorder.setWindow(fromUs, toUs);
    let s0 = snapshot();
    let s1 = s0;
    // Issue 17: deliveries by interval of receipt, each closed (and sent) at its end.
    const intervalMs = job.intervalMs ?? 1000;
    const intervals = new IntervalRecorder(intervalMs, (toUs - fromUs) / 1000);
    let sentLive = 0;
    recorder.onDelivered = (recvUs, latencyUs) => intervals.ok((recvUs - fromUs) / 1000, latencyUs);
    // CPU is not sampled here: the runner reads every subscriber process's from /proc at the edges.
    at(fromUs, () => {
      s0 = snapshot();
      intervals.start(s0.bytes);
    });
    for (let k = 1; k * intervalMs * 1000 < toUs - fromUs; k++)
      at(fromUs + k * intervalMs * 1000, () => {
        for (const interval of intervals.closeDue((monoUs() - fromUs) / 1000, sumBytes)) {
          send({ type: 'interval', interval });
          sentLive++;
        }
      });
    at(toUs, () => {
      s1 = snapshot();
    });
    at(reportAtUs, () => {
      const series = intervals.finish((toUs - fromUs) / 1000, s1.bytes);
      for (const interval of series.slice(sentLive)) send({ type: 'interval', interval });
      const { verified, mismatch } = verify();
      let reconnects = 0;
      for (const s of subs) reconnects += s.reconnects;
      const result: SubscriberResult = {
        ...recorder.report(),
        windowBytes: { out: s1.bytes.out - s0.bytes.out, in: s1.bytes.in - s0.bytes.in },
        windowReceipts: s1.receipts - s0.receipts,
        windowEmptyPolls: s1.emptyPolls - s0.emptyPolls,
        windowEmptyPollBytes: { out: s1.emptyOut - s0.emptyOut, in: s1.emptyIn - s0.emptyIn },
        verified,
        ...(mismatch !== undefined && { mismatch }),
        openAtEnd: isOpen.reduce((a, b) => a + b, 0),
        reconnects,
        series,
      };
      send({ type: 'result', result });
    });
  }

  /** The decoded events' users must be the data set's, field by field. */
  function verify(): { verified: number; mismatch?: string } {
    let verified = 0;
    for (const [eventId, user] of recorder.decoded) {
      const want = canonicalUser(generateUser(job.dataset, userIdForEvent(eventId, job.dataset.users)));
      const got = JSON.stringify(user);
      if (got !== JSON.stringify(want))
        return { verified, mismatch: `event ${eventId}: got ${got.slice(0, 300)}, want ${JSON.stringify(want).slice(0, 300)}` };
      verified++;
    }
    return { verified };
  }

  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    for (const s of subs) s.close();
    setTimeout(() => process.exit(0), 200).unref();
  };

  process.on('message', (m: RunnerToSubscriber) => {
    if (m.type === 'connect') {
      createAll(m.port);
      void connectAll();
    } else if (m.type === 'window') window(m.fromUs, m.toUs, m.reportAtUs);
    else if (m.type === 'cut') {
      // Spread the cuts over the process's subscribers, starting half a step in: the server's
      // own drops take the oldest connections, and a cut should not land on the same ones.
      const step = Math.max(1, Math.floor(subs.length / Math.max(1, m.count)));
      let n = 0;
      for (let i = Math.floor(step / 2); i < subs.length && n < m.count; i += step, n++) subs[i]!.cut();
      send({ type: 'cut', count: n });
    } else if (m.type === 'shutdown') shutdown();
  });
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  console.error(err);
  process.exit(1);
});
