// Heartbeats: a connection made half-open (a proxy stops forwarding both ways, closing
// nothing) is found and cleaned up within two heartbeat intervals, on the server by WebSocket
// ping/pong and gRPC keep-alive, on the client by the watchdog fed by pings and SSE `: ka`
// comments; the subscriber then reconnects and resumes without loss.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { pushFixture, sleep } from './support/fanout-fixture.ts';
import { startCutProxy, type CutProxy } from './support/cut-proxy.ts';
import { startTimerLag } from './support/timer-lag.ts';
import type { PushServer } from '../servers/push/types.ts';

const T = 300;
/** How long to wait for an event before calling it missing: generous, the checks are on counts or measured lag. */
const WAIT_MS = 25 * T;

async function until(cond: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!cond() && performance.now() - t0 < ms) await sleep(5);
  return performance.now() - t0;
}

it('websocket: the server reaps a half-open peer by the second heartbeat round, and only it', async () => {
  let proxy: CutProxy | undefined;
  // The client's own watchdog is off, so only the server can notice.
  const f = await pushFixture('websocket', 1, {
    server: { heartbeatMs: T },
    sub: { heartbeatMs: 0 },
    via: async (p) => (proxy = await startCutProxy(p)).port,
  });
  const server = f.server as PushServer & { reaped(): number; heartbeatRounds(): number };
  try {
    // A live peer answers every ping: three rounds, nobody reaped.
    await until(() => server.heartbeatRounds() >= 3, WAIT_MS);
    assert.equal(server.reaped(), 0);
    assert.equal(server.subscribers(), 1);
    proxy!.freeze();
    const frozenAt = server.heartbeatRounds();
    await until(() => server.reaped() === 1, WAIT_MS);
    assert.equal(server.reaped(), 1, 'the half-open peer was terminated');
    assert.ok(server.heartbeatRounds() - frozenAt <= 2, `reaped ${server.heartbeatRounds() - frozenAt} rounds after the freeze`);
    await until(() => server.subscribers() === 0, WAIT_MS);
    assert.equal(server.subscribers(), 0, 'and removed from the live set');
  } finally {
    await f.close();
    await proxy?.close();
  }
});

for (const transport of ['sse', 'websocket', 'grpc'] as const) {
  it(`${transport}: the subscriber finds a half-open connection within two intervals, reconnects and resumes without loss`, async () => {
    let proxy: CutProxy | undefined;
    let lostAt = 0;
    const f = await pushFixture(transport, 1, {
      server: { heartbeatMs: T, retryMs: 10 },
      sub: { heartbeatMs: T },
      via: async (p) => (proxy = await startCutProxy(p)).port,
      sinkWrap: (_i, s) => ({ ...s, lost: (at, why) => ((lostAt = performance.now()), s.lost(at, why)) }),
    });
    try {
      await f.emit(3, 10);
      await f.settle(3);
      await sleep(T); // some heartbeats go through first
      proxy!.freeze();
      const frozenAt = performance.now();
      const lag = startTimerLag();
      f.log.emit(); // sent into the void
      await until(() => lostAt > 0, WAIT_MS);
      const lagMs = lag.stop();
      assert.ok(lostAt > 0, 'the subscriber noticed');
      const detectMs = lostAt - frozenAt;
      // 1.5 T of silence, checked every T / 4: within 2 T when timers are on time. The watchdog's
      // ticks run late by as much as this process's timers did meanwhile, so the bound grows by
      // that measured lag (twice, for the tick and the check after it), not by a blind margin.
      const boundMs = 2 * T + 2 * lagMs;
      assert.ok(
        detectMs <= boundMs,
        `detected after ${detectMs.toFixed(0)} ms; heartbeat ${T} ms, timer lag ${lagMs.toFixed(0)} ms`,
      );
      // The reconnect goes through the proxy again (new connections are not frozen) and resumes.
      await f.settle(4, WAIT_MS);
      f.log.emit();
      await f.settle(5, WAIT_MS);
      assert.equal(f.recorder.counts.delivered, 5);
      assert.equal(f.recorder.counts.duplicated, 0);
      assert.equal(f.recorder.counts.resumed, 1);
      if (transport === 'sse') {
        // The server replaced the stale stream of the same subscriber instead of keeping both.
        await until(() => f.server.subscribers() === 1, WAIT_MS);
        assert.equal(f.server.subscribers(), 1);
      }
    } finally {
      await f.close();
      await proxy?.close();
    }
  });
}

it('grpc: the server drops a half-open connection by its keep-alive within two intervals', async () => {
  let proxy: CutProxy | undefined;
  const f = await pushFixture('grpc', 1, {
    server: { heartbeatMs: T },
    sub: { heartbeatMs: 0 },
    via: async (p) => (proxy = await startCutProxy(p)).port,
  });
  try {
    await sleep(T);
    assert.equal(f.server.subscribers(), 1);
    proxy!.freeze();
    const lag = startTimerLag();
    const ms = await until(() => f.server.subscribers() === 0, WAIT_MS);
    const lagMs = lag.stop();
    assert.equal(f.server.subscribers(), 0, 'the stream was cancelled');
    // keepalive_time + keepalive_timeout, both one interval, so 2.5 T with timers on time; grpc-js's
    // two timers run late by as much as this process's timers did meanwhile (measured).
    assert.ok(ms <= 2 * T + T / 2 + 2 * lagMs, `dropped after ${ms.toFixed(0)} ms, timer lag ${lagMs.toFixed(0)} ms`);
  } finally {
    await f.close();
    await proxy?.close();
  }
});
