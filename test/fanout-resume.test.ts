// Reconnect and resume, in-process and small: connections are dropped mid-stream by the
// server and cut by the client, and every subscriber still gets every event exactly once.
// Also what the resume rests on: SSE sends Last-Event-ID = the last id it received and
// honours `retry:`; WebSocket backs off exponentially and resumes from ?lastEventId.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer } from 'ws';
import * as grpc from '@grpc/grpc-js';
import { decodedMismatches, pushFixture, subscriberOptions, sleep, host } from './support/fanout-fixture.ts';
import { createSubscriber as createSse } from '../clients/push/sse.ts';
import { createSubscriber as createWs } from '../clients/push/websocket.ts';
import { DeliveryRecorder } from '../clients/push/delivery.ts';
import { EventLog } from '../servers/push/events.ts';
import { createMemoryStore } from '../servers/store.ts';
import { startGrpcPush } from '../servers/push/grpc.ts';
import { EVENTS_SERVICE, loadEventsDefinition } from '../proto/events.ts';
import type { FanoutTransport } from '../harness/workloads/fanout-transports.ts';

const EVENTS = 60;
const N = 4;

// Every transport that resumes: a server-side close at a third of the stream, a client-side
// cut at two thirds, and nothing lost or duplicated.
for (const transport of ['sse', 'websocket', 'grpc', 'poll', 'long-poll'] as FanoutTransport[]) {
  it(`${transport}: resumes after a server-side close and a client-side cut with no event lost or duplicated`, async () => {
    const f = await pushFixture(transport, N, { server: { retryMs: 20 } });
    try {
      await f.emit(EVENTS, 4, (k) => {
        if (k === EVENTS / 3) assert.equal(f.server.drop(2), 2);
        if (k === (2 * EVENTS) / 3) {
          f.subs[2]!.cut();
          f.subs[3]!.cut();
        }
      });
      await f.settle(EVENTS);
      const c = f.recorder.counts;
      assert.equal(c.delivered, EVENTS * N, `${EVENTS * N - c.delivered} events lost`);
      assert.equal(c.duplicated, 0);
      assert.ok(c.lostConnections >= 4, `expected 4 lost connections, saw ${c.lostConnections}`);
      assert.equal(c.resumed, c.lostConnections, 'every lost connection resumed');
      assert.equal(f.recorder.resume.totalCount, c.resumed, 'time to resume measured for each');
      for (const s of f.subs) assert.equal(s.lastEventId, EVENTS);
      // The decoding subscriber saw the data set's users.
      assert.equal(f.recorder.decoded.size, EVENTS);
      assert.deepEqual(decodedMismatches(f.recorder), []);
    } finally {
      await f.close();
    }
  });
}

// GraphQL subscriptions have no resume: every event reaches every subscriber while connected,
// a reconnect subscribes afresh (live), and what was emitted meanwhile is lost, never duplicated.
for (const transport of ['graphql-sse', 'graphql-ws'] as FanoutTransport[]) {
  it(`${transport}: delivers every event to every subscriber; a reconnect starts live`, async () => {
    const f = await pushFixture(transport, N);
    try {
      // graphql-ws: the subscribe message is read after the ack, and no server count says
      // "subscribed" (it counts sockets), so wait: 50 ms suffices on a quiet machine, 10x that for a slow phase.
      await sleep(500);
      await f.emit(10, 4);
      await f.settle(10);
      assert.equal(f.recorder.counts.delivered, 10 * N);
      f.subs[1]!.cut();
      f.log.emit(); // missed by subscriber 1
      for (let i = 0; i < 1000 && f.recorder.counts.resumed < 1; i++) await sleep(10);
      await sleep(500); // the new subscription's subscribe message, as above
      f.log.emit();
      // 12 N - 1 is the whole story (subscriber 1 missed one), so wait for that count, not settle's 12 N.
      for (let i = 0; i < 750 && f.recorder.counts.delivered < 12 * N - 1; i++) await sleep(20);
      await sleep(50); // and a moment more, for a duplicate to show itself
      assert.equal(f.recorder.counts.delivered, 12 * N - 1);
      assert.equal(f.recorder.counts.duplicated, 0);
      assert.equal(f.recorder.decoded.size, 12);
      assert.deepEqual(decodedMismatches(f.recorder), [], 'the decoding subscriber saw the data set users');
    } finally {
      await f.close();
    }
  });
}

describe('SSE resume details', () => {
  it('reconnects with Last-Event-ID equal to the last id received, after the retry: delay the server set', async () => {
    const seen: { lastEventId: string | undefined; at: number }[] = [];
    let closedAt = 0;
    const server = http.createServer((req, res) => {
      seen.push({ lastEventId: req.headers['last-event-id'] as string | undefined, at: performance.now() });
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      if (seen.length === 1) {
        // retry: 300 overrides the client's 5 s default; three events, then the server drops the stream.
        res.write('retry: 300\nid: 0\nevent: position\ndata:\n\n');
        for (let id = 1; id <= 3; id++)
          res.write(`id: ${id}\nevent: user-updated\ndata: {"eventId":${id},"createdUs":1,"user":{}}\n\n`);
        setTimeout(() => {
          closedAt = performance.now();
          res.socket?.destroy();
        }, 50);
      }
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    const port = (server.address() as net.AddressInfo).port;
    const rec = new DeliveryRecorder(1);
    const sub = createSse(subscriberOptions(port, 'x', { backoff: { initialMs: 5000, maxMs: 30_000 } }), rec.sink(0));
    try {
      await sub.start();
      for (let i = 0; i < 400 && seen.length < 2; i++) await sleep(20); // up to 8 s, for a slow machine
      assert.equal(seen.length, 2, 'the client reconnected');
      assert.equal(seen[0]!.lastEventId, undefined, 'a new stream sends no Last-Event-ID');
      assert.equal(seen[1]!.lastEventId, '3');
      const gap = seen[1]!.at - closedAt;
      // Timers never fire early: at least the server's 300 ms. The upper bound only tells the
      // server's 300 ms from the client's own 5 s default, with room for timers running late.
      assert.ok(gap >= 290 && gap < 4500, `reconnected ${gap.toFixed(0)} ms after the drop`);
    } finally {
      sub.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('a stream that loses its connection before any event resumes from the position the server gave', async () => {
    const f = await pushFixture('sse', 1, { server: { retryMs: 100 } });
    try {
      // No event yet: the subscriber's only resume point is the `id: 0` of the position event.
      f.server.drop(1);
      await sleep(5);
      f.log.emit(); // id 1, emitted while it is disconnected
      await f.settle(1);
      f.log.emit(); // id 2, live
      await f.settle(2);
      assert.equal(f.recorder.counts.delivered, 2);
      assert.equal(f.recorder.counts.duplicated, 0);
      assert.equal(f.recorder.counts.resumed, 1);
    } finally {
      await f.close();
    }
  });
});

describe('WebSocket reconnect details', () => {
  it('backs off exponentially while the server refuses, resets after an open, and resumes from ?lastEventId', async () => {
    const attempts: number[] = [];
    const urls: string[] = [];
    let accept = true;
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      attempts.push(performance.now());
      urls.push(req.url ?? '');
      if (!accept) return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send('{"hello":{"lastEventId":0}}');
        for (let id = 1; id <= 2; id++) ws.send(`{"eventId":${id},"createdUs":1,"user":{}}`);
        // Then the server goes away and refuses for a while.
        setTimeout(() => {
          accept = false;
          ws.terminate();
        }, 30);
      });
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    const port = (server.address() as net.AddressInfo).port;
    const rec = new DeliveryRecorder(1);
    rec.setWindow(0, Number.MAX_SAFE_INTEGER);
    const sub = createWs(subscriberOptions(port, 'w', { backoff: { initialMs: 40, maxMs: 10_000 } }), rec.sink(0));
    try {
      await sub.start();
      // Dropped after ~30 ms; refused attempts at +40, +80, +160, +320 ms after each other.
      while (attempts.length < 5) await sleep(20);
      accept = true;
      while (attempts.length < 6) await sleep(20);
      await sleep(50);
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      // gap[0] spans the first session (~30 ms) plus 40 ms; then each refused attempt doubles.
      assert.ok(gaps[1]! >= 75, `second retry after ${gaps[1]!.toFixed(0)} ms, want >= 80`);
      assert.ok(gaps[2]! >= 155, `third retry after ${gaps[2]!.toFixed(0)} ms, want >= 160`);
      assert.ok(gaps[3]! >= 315, `fourth retry after ${gaps[3]!.toFixed(0)} ms, want >= 320`);
      // Lower bounds only (timers never fire early; a slow machine only adds): with initialMs 40,
      // waits of >= 80, 160 and 320 ms can only come from the delay doubling.
      assert.match(urls[0]!, /^\/v1\/events\?sub=w$/, 'a new subscriber asks for no replay');
      for (const u of urls.slice(1)) assert.match(u, /lastEventId=2$/, `resumes after the last id received: ${u}`);
      // This fake server ignores lastEventId and sends 1 and 2 on every session: the recorder must call
      // the second pair duplicates.
      assert.equal(rec.counts.delivered, 2);
      assert.equal(rec.counts.duplicated, 2);
    } finally {
      sub.close();
      wss.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('gRPC push with the stock client', () => {
  it('grpc-js sees the last-event-id header and resumes with after_event_id without loss or duplicates', async () => {
    const log = new EventLog(createMemoryStore({ users: 20, seed: 3 }));
    const server = await startGrpcPush({ host, port: 0, log });
    const Client = grpc.makeGenericClientConstructor(
      loadEventsDefinition()[EVENTS_SERVICE] as grpc.ServiceDefinition,
      'UserEvents',
    );
    const client = new Client(`${host}:${server.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Subscribe(req: object): grpc.ClientReadableStream<{ eventId: number; user: { id: number } }>;
    };
    try {
      log.emit();
      log.emit(); // ids 1, 2 exist before anyone subscribes
      const got: number[] = [];
      const first = client.Subscribe({ resume: false });
      const position = await new Promise<string>((resolve) =>
        first.on('metadata', (md) => resolve(String(md.get('last-event-id')[0]))),
      );
      assert.equal(position, '2', 'a live subscription is told where it starts');
      first.on('data', (e) => got.push(Number(e.eventId)));
      first.on('error', () => {});
      // Waits are for counts of events, not fixed sleeps: a slow machine delivers later, not differently.
      const gotCount = async (n: number): Promise<void> => {
        for (let i = 0; i < 750 && got.length < n; i++) await sleep(20);
      };
      log.emit();
      log.emit(); // 3, 4
      await gotCount(2);
      assert.equal(server.drop(1), 1);
      await sleep(50);
      log.emit(); // 5, while this subscriber is gone
      const second = client.Subscribe({ resume: true, afterEventId: got[got.length - 1] });
      second.on('data', (e) => got.push(Number(e.eventId)));
      second.on('error', () => {});
      await gotCount(3); // 5, replayed
      log.emit(); // 6
      await gotCount(4);
      await sleep(50); // and a moment more, for a duplicate to show itself
      second.cancel();
      assert.deepEqual(got, [3, 4, 5, 6]);
    } finally {
      client.close();
      await server.close();
    }
  });
});
