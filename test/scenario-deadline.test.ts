// deadline at a small size: on every protocol row, against a server that takes
// SERVICE_DELAY_MS, a call fails at its deadline (not at the service time), a deadline longer
// than the service time gets the store's user, and the connection can still be used after a
// deadline. Timing bounds are generous (failure between the deadline and the service time,
// with margin): they check the deadline is enforced, never a speed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../servers/store.ts';
import { loadServer } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import deadline, { DEADLINE_MS, SERVICE_DELAY_MS } from '../scenarios/deadline.ts';
import { judge } from '../clients/deadline.ts';
import { PROTOCOLS, type ProtocolName } from '../harness/protocols.ts';
import { canonicalUser } from '../proto/contract.ts';
import { generateUser } from '../servers/dataset.ts';
import { startTimerLag } from './support/timer-lag.ts';

const dataset = { users: 100, seed: 9 };
const servers: RunningServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test('deadline: constants leave room between the deadline and the service time', () => {
  assert.ok(DEADLINE_MS * 3 <= SERVICE_DELAY_MS);
  assert.deepEqual(deadline.server!({ users: 1, seed: 1 }), { serviceDelayMs: SERVICE_DELAY_MS });
  const op = deadline.ops!({ users: 10, seed: 1 })();
  assert.equal(op.op, 'getUserWithDeadline');
});

test('deadline: judge inverts the outcome only for expect deadline', () => {
  const answered = { ok: true as const, payload: { request: 1, response: 2 } };
  const dl = { op: 'getUserWithDeadline' as const, id: 1, deadlineMs: 5, expect: 'deadline' as const };
  assert.equal(judge(dl, { deadline: 'X' }, 3).ok, true);
  const early = judge(dl, { answered }, 3);
  assert.ok(!early.ok && early.code === 'answered_before_deadline');
  const notFound = judge(dl, { answered: { ok: false, kind: 'not_found' } }, 3);
  assert.ok(!notFound.ok && notFound.kind === 'not_found', 'other errors stay errors');
  const late = judge({ ...dl, expect: 'answer' }, { deadline: 'DEADLINE_EXCEEDED' }, 3);
  assert.ok(!late.ok && late.kind === 'timeout' && late.code === 'DEADLINE_EXCEEDED');
  assert.deepEqual(judge({ ...dl, expect: 'answer' }, { answered }, 3), answered);
});

for (const protocol of deadline.protocols) {
  test(`deadline ${protocol}: fails at the deadline, not the service time; a long deadline gets the user`, async () => {
    const start = await loadServer(PROTOCOLS[protocol as ProtocolName].server);
    const server = await start({
      host: '127.0.0.1',
      port: 0,
      store: createMemoryStore(dataset),
      serviceDelayMs: SERVICE_DELAY_MS,
    });
    servers.push(server);
    const target = { host: '127.0.0.1', port: server.port };
    const client = (await deadline.client!(protocol, undefined))!;
    // The scenario's own verify step passes (short deadlines fail, long ones answer).
    const report = await deadline.verify!(client, target, dataset, 3);
    assert.equal(report.checked, 6);

    const conn = await client.connect(target);
    try {
      for (const id of [3, 50, 7]) {
        const lag = startTimerLag();
        const t0 = performance.now();
        const o = await conn.call({ op: 'getUserWithDeadline', id, deadlineMs: DEADLINE_MS, expect: 'deadline' });
        const ms = performance.now() - t0;
        const lagMs = lag.stop();
        assert.ok(o.ok, `getUser(${id}) should end with the deadline error: ${JSON.stringify(o)}`);
        // Timers never fire early (allow 1 ms of clock rounding). The upper bound only says "before
        // the service time": the deadline's timer and the server's run in this process, so both run
        // late by the lag measured meanwhile, which widens the bound on a machine in a slow phase.
        assert.ok(ms >= DEADLINE_MS - 1, `failed after ${ms.toFixed(1)} ms, before the ${DEADLINE_MS} ms deadline`);
        assert.ok(
          ms < SERVICE_DELAY_MS - 10 + lagMs,
          `failed after ${ms.toFixed(1)} ms (timer lag ${lagMs.toFixed(1)} ms): that is the service time, not the deadline`,
        );
      }
      // The same connection still answers after deadlines (HTTP reconnects under the hood).
      const o = await conn.call(
        { op: 'getUserWithDeadline', id: 42, deadlineMs: SERVICE_DELAY_MS * 20, expect: 'answer' },
        { decode: true },
      );
      assert.ok(o.ok, JSON.stringify(o));
      assert.deepEqual(o.user, canonicalUser(generateUser(dataset, 42)));
      // Errors other than the deadline stay what they are.
      const unknown = await conn.call({
        op: 'getUserWithDeadline',
        id: dataset.users + 1,
        deadlineMs: SERVICE_DELAY_MS * 20,
        expect: 'answer',
      });
      assert.ok(!unknown.ok && unknown.kind === 'not_found', `unknown id: ${JSON.stringify(unknown)}`);
    } finally {
      await conn.close();
    }
  });
}

test('deadline: without the service delay, an answer before the deadline is the scenario error', async () => {
  const start = await loadServer('websocket');
  const server = await start({ host: '127.0.0.1', port: 0, store: createMemoryStore(dataset) });
  servers.push(server);
  const client = (await deadline.client!('websocket', undefined))!;
  const conn = await client.connect({ host: '127.0.0.1', port: server.port });
  try {
    const o = await conn.call({ op: 'getUserWithDeadline', id: 5, deadlineMs: 2000, expect: 'deadline' });
    assert.ok(!o.ok && o.code === 'answered_before_deadline', JSON.stringify(o));
  } finally {
    await conn.close();
  }
});
