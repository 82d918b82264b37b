// The ws-connections check at a small size (2,000 connections, two source addresses): every
// connection opened is held and answered, the server process holds exactly that many sockets,
// and no child outlives the check. The verdict logic is exercised on made-up outcomes: only a
// shortfall the server caused is a figure; a client-side limit or a timeout is inconclusive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../claims/decide.ts';
import {
  WS_CONNECTIONS,
  judgeWsConnections,
  planClients,
  preflight,
  runWsConnections,
  type WsConnectionsOutcome,
  type WsConnectionsParams,
} from '../claims/checks-ws-connections.ts';
import { BY_REF } from '../claims/registry.ts';
import { CHECKS } from '../claims/cli.ts';

const SMALL: WsConnectionsParams = {
  ...WS_CONNECTIONS,
  target: 2000,
  addresses: ['127.0.0.1', '127.0.0.2'],
  clients: 2,
  concurrency: 100,
  // Lowering is allowed without root, so the test runs the same either way.
  fdLimit: 8192,
  openMs: 40_000,
  ackMs: 20_000,
  totalMs: 100_000,
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

test(
  '2,000 connections over two source addresses: all held, all answered, the server holds each; no child left',
  {
    timeout: 150_000,
  },
  async () => {
    const o = await runWsConnections(SMALL);
    assert.equal(o.blocked, null);
    assert.equal(o.timedOut, null);
    assert.deepEqual([o.opened, o.answered], [2000, 2000], JSON.stringify(o));
    assert.deepEqual([o.failures, o.closedEarly], [{}, {}]);
    const { before, opened, acked } = o.serverSockets;
    assert.deepEqual([before, opened, acked], [0, 2000, 2000], "established connections on the server's port");
    assert.ok(o.serverRssKb.before !== null && o.serverRssKb.opened !== null && o.clientRssKb !== null, 'VmRSS read');
    assert.deepEqual([o.fdLimits.server, ...o.fdLimits.clients], [8192, 8192, 8192]);
    assert.equal(o.pids.length, 3);
    for (const pid of o.pids) assert.equal(alive(pid), false, `child ${pid} is gone`);
    const obs = judgeWsConnections(o, SMALL);
    assert.deepEqual(obs.samples, [2000]);
    assert.match(obs.detail ?? '', /2,000 of 2,000 WebSocket connections/);
    assert.match(obs.detail ?? '', /0 before, 2,000 when open, 2,000 after the answers/);
    assert.equal(decide({ op: '>=', value: SMALL.target }, obs).verdict, 'confirmed');
  },
);

test(
  "a server fd limit below the target is named and inconclusive, not the server's shortfall",
  { timeout: 60_000 },
  async () => {
    const p = { ...SMALL, fdLimit: 1000 };
    const o = await runWsConnections(p);
    assert.match(o.blocked ?? '', /server's open-file limit is 1,000 .*too few for 2,000 connections/);
    for (const pid of o.pids) assert.equal(alive(pid), false);
    const obs = judgeWsConnections(o, p);
    assert.deepEqual(obs.samples, []);
    assert.match(obs.unavailable ?? '', /cannot reach 2,000 here/);
    // What the limit allows is still opened and measured, for the detail.
    assert.deepEqual([o.opened, o.answered], [1000 - 64, 1000 - 64]);
  },
);

test('the clients split the target evenly and every source address gets its share', () => {
  const jobs = planClients({ ...WS_CONNECTIONS, target: 100_001, clients: 2 }, 'ws://x');
  assert.deepEqual(
    jobs.map((j) => [j.firstIndex, j.count]),
    [
      [0, 50_001],
      [50_001, 50_000],
    ],
  );
  const perAddress = new Map<string, number>();
  for (const j of jobs)
    for (let i = 0; i < j.count; i++) {
      const a = j.addresses[(j.firstIndex + i) % j.addresses.length]!;
      perAddress.set(a, (perAddress.get(a) ?? 0) + 1);
    }
  assert.equal(perAddress.size, WS_CONNECTIONS.addresses.length);
  for (const n of perAddress.values()) assert.ok(n >= 20_000 && n <= 20_001, String(n));
});

test('preflight: too few source addresses for the ephemeral ports, or too little memory, is said before starting', () => {
  const ports: [number, number] = [32768, 60999];
  assert.equal(preflight(WS_CONNECTIONS, { ports, memAvailableKb: 20 * 2 ** 20 }), null);
  const three = preflight(
    { ...WS_CONNECTIONS, addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'] },
    { ports, memAvailableKb: null },
  );
  assert.match(three ?? '', /33,334 connections per source address is over 90% of the 28,232 ephemeral ports/);
  assert.match(preflight(WS_CONNECTIONS, { ports, memAvailableKb: 2 ** 20 }) ?? '', /MemAvailable is 1 GiB/);
});

const outcome = (o: Partial<WsConnectionsOutcome>): WsConnectionsOutcome => ({
  target: 100_000,
  opened: 100_000,
  answered: 100_000,
  failures: {},
  closedEarly: {},
  serverSockets: { before: 0, opened: 100_000, acked: 100_000 },
  serverRssKb: { before: 90_000, opened: 600_000 },
  serverHeap: { before: 10e6, opened: 300e6 },
  clientRssKb: 2_000_000,
  openMs: 40_000,
  ackMs: 3000,
  fdLimits: { parent: 20_000, server: 250_000, clients: [250_000, 250_000] },
  timedOut: null,
  serverExit: null,
  clientExit: null,
  blocked: null,
  pids: [],
  ...o,
});
const RULE = { op: '>=', value: 100_000 } as const;

test('100K held and answered confirms, with the memory per connection in the detail', () => {
  const obs = judgeWsConnections(outcome({}), WS_CONNECTIONS);
  assert.equal(decide(RULE, obs).verdict, 'confirmed');
  assert.match(obs.detail ?? '', /87\.9 -> 586 MiB: 5\.1 KB per connection, of which JS heap 2\.83 KB/);
  assert.match(obs.detail ?? '', /in 40 s \(slowest client process/);
});

test('a shortfall from client-side limits or the time given is inconclusive and names the cause', () => {
  const ports = judgeWsConnections(
    outcome({ opened: 84_000, answered: 84_000, failures: { EADDRNOTAVAIL: 1000 } }),
    WS_CONNECTIONS,
  );
  assert.equal(decide(RULE, ports).verdict, 'inconclusive');
  assert.match(ports.unavailable ?? '', /84,000 of 100,000.*EADDRNOTAVAIL x1,000.*client side/);
  // Reset handshakes beside a client-side failure: the server cannot be blamed alone.
  const mixed = judgeWsConnections(
    outcome({ opened: 90_000, answered: 90_000, failures: { EMFILE: 10, ECONNRESET: 5 } }),
    WS_CONNECTIONS,
  );
  assert.ok(mixed.unavailable);
  const slow = judgeWsConnections(
    outcome({ opened: 70_000, answered: 70_000, timedOut: 'opening (70 s per client process)' }),
    WS_CONNECTIONS,
  );
  assert.match(slow.unavailable ?? '', /opening \(70 s per client process\) ran out of time/);
  const crashed = judgeWsConnections(outcome({ opened: 60_000, answered: 0, clientExit: 'signal SIGKILL' }), WS_CONNECTIONS);
  assert.match(crashed.unavailable ?? '', /a client process exited \(signal SIGKILL\)/);
});

test('a shortfall the server caused is a figure, and refutes', () => {
  const died = judgeWsConnections(
    outcome({ opened: 65_000, answered: 0, serverExit: 'code null, signal SIGKILL' }),
    WS_CONNECTIONS,
  );
  assert.deepEqual(died.samples, [0]);
  assert.equal(decide(RULE, died).verdict, 'refuted');
  assert.match(died.detail ?? '', /because the server process exited \(code null, signal SIGKILL\)/);
  const reset = judgeWsConnections(
    outcome({ opened: 95_000, answered: 94_000, failures: { ECONNRESET: 60, 'http 503': 3 }, closedEarly: { '1006': 1000 } }),
    WS_CONNECTIONS,
  );
  assert.deepEqual(reset.samples, [94_000]);
  assert.match(reset.detail ?? '', /server refused or reset 63 handshakes \(ECONNRESET x60, http 503 x3\)/);
  assert.match(reset.detail ?? '', /server closed 1,000 open connections \(close codes 1006 x1,000\)/);
});

test('the 100K-connections claim is decided by this check, on >= 100,000', () => {
  const e = BY_REF.get('ws-100k-connections-per-server')!;
  assert.deepEqual(
    [e.measure.kind, 'check' in e.measure && e.measure.check, 'key' in e.measure && e.measure.key],
    ['check', 'wsConnections', 'held'],
  );
  assert.deepEqual(e.rule, RULE);
  assert.equal(e.needs, undefined);
  assert.ok(CHECKS.wsConnections);
});
