// http2 at a small size: the h2c server speaks HTTP/2 with prior knowledge (and not HTTP/1.1),
// every row's answers equal the store, HPACK makes repeated request headers smaller than
// HTTP/1.1's text, and h2c-shared carries all its connections on one TCP connection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { createMemoryStore } from '../servers/store.ts';
import { loadServer } from '../servers/registry.ts';
import type { RunningServer } from '../servers/types.ts';
import { canonicalUser, type UserJson } from '../proto/contract.ts';
import { buildRequest } from '../clients/wire/http1.ts';
import { BROWSER_HEADERS, h2cShared } from '../clients/rest-h2.ts';
import type { ClientModule, Connection } from '../clients/types.ts';
import scenario, { clientFor, measureHeadBytes, HTTP2_VARIANTS } from '../scenarios/http2.ts';

const dataset = { users: 40, seed: 11 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** The REST server as the runner starts it for a variant (the scenario's server knobs). */
async function serverFor(variant: string): Promise<RunningServer> {
  const { store: _store, ...tuning } = scenario.server!({ ...dataset, variant });
  const server = await (await loadServer('rest'))({ host: '127.0.0.1', port: 0, store: createMemoryStore(dataset), ...tuning });
  cleanup.push(() => server.close());
  return server;
}

/** A TCP relay in front of a server that counts the connections and bytes it carries. */
async function countingRelay(port: number): Promise<{ port: number; accepted: () => number; toServer: () => number }> {
  let accepted = 0;
  let toServer = 0;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((c) => {
    accepted++;
    const u = net.connect({ host: '127.0.0.1', port });
    sockets.add(c).add(u);
    c.on('data', (d: Buffer) => (toServer += d.length));
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => relay.close(() => r(undefined)));
  });
  return { port: (relay.address() as net.AddressInfo).port, accepted: () => accepted, toServer: () => toServer };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  // Up to 15 s (it returns as soon as cond holds): the relay's count lands later on a machine in a slow phase.
  for (let i = 0; i < 1500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

test('http2: the h2c server answers HTTP/2 with prior knowledge, and refuses HTTP/1.1', async () => {
  const server = await serverFor('h2c');
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  try {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const s = session.request({ ':path': '/v1/users/7', ...BROWSER_HEADERS }, { endStream: true });
      let status = 0;
      let body = '';
      s.on('response', (h) => (status = Number(h[':status'])));
      s.setEncoding('utf8');
      s.on('data', (d: string) => (body += d));
      s.on('end', () => resolve({ status, body }));
      s.on('error', reject);
    });
    assert.equal(status, 200);
    assert.deepEqual(canonicalUser(JSON.parse(body) as UserJson), canonicalUser(createMemoryStore(dataset).getUser(7)!));
  } finally {
    session.close();
  }

  // An HTTP/1.1 request on the same port gets no HTTP/1.1 answer (node:http2 answers with a
  // GOAWAY frame and closes).
  const reply = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host: '127.0.0.1', port: server.port }, () =>
      sock.write(buildRequest('GET', '/v1/users/7', `127.0.0.1:${server.port}`)),
    );
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  });
  assert.ok(
    !reply.toString('latin1').startsWith('HTTP/1.1'),
    `unexpected HTTP/1.1 answer: ${reply.toString('latin1').slice(0, 40)}`,
  );
});

test('http2: the scenario asks for h2c on the h2c rows only', () => {
  assert.equal(scenario.server!({ ...dataset, variant: 'http1' }).http2, false);
  assert.equal(scenario.server!({ ...dataset, variant: 'h2c' }).http2, true);
  assert.equal(scenario.server!({ ...dataset, variant: 'h2c-shared' }).http2, true);
  assert.equal(scenario.server!({ ...dataset, variant: 'h2c-node' }).http2, true);
});

for (const variant of HTTP2_VARIANTS) {
  test(`http2 ${variant}: answers equal the store (and unknown ids are not_found)`, async () => {
    const server = await serverFor(variant);
    const client = (await scenario.client!('rest', variant))!;
    const report = await scenario.verify!(client, { host: '127.0.0.1', port: server.port }, dataset, 20, { ...dataset, variant });
    assert.equal(report.checked, 20);
    assert.ok(report.payload.response > 100, 'the JSON user body is counted as payload');
    const head = report.figures?.headBytes as { first: { out: number }; steady: { out: number } } | undefined;
    assert.ok(head && head.first.out > 0 && head.steady.out > 0, 'header bytes are measured');
  });
}

test('http2: HPACK makes steady-state request headers smaller on h2c than on HTTP/1.1 with the same header set', async () => {
  const measure = async (variant: string) => {
    const server = await serverFor(variant);
    return measureHeadBytes(clientFor(variant), { host: '127.0.0.1', port: server.port }, dataset);
  };
  const h1 = await measure('http1');
  const h2 = await measure('h2c');
  // HTTP/1.1 sends the whole text every time: the first request costs what the rest cost.
  assert.equal(h1.first.out, h1.steady.out);
  const headerText = Object.entries(BROWSER_HEADERS).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  assert.ok(h1.steady.out > headerText, `HTTP/1.1 request ${h1.steady.out} B carries the ${headerText} B of headers`);
  // HPACK: Huffman-coded literals on the first request, table references afterwards.
  assert.ok(h2.first.out < h1.first.out, `h2c first request ${h2.first.out} B < HTTP/1.1 ${h1.first.out} B`);
  assert.ok(h2.steady.out < h2.first.out, `h2c steady ${h2.steady.out} B < its first request ${h2.first.out} B`);
  assert.ok(h2.steady.out < h1.steady.out / 2, `h2c steady ${h2.steady.out} B well under HTTP/1.1 ${h1.steady.out} B`);
  // Response heads shrink too (status, content-type and friends become references).
  assert.ok(h2.steady.in < h1.steady.in, `h2c response head ${h2.steady.in} B < HTTP/1.1 ${h1.steady.in} B`);
});

test("http2: the lean h2c driver puts the same bytes on the wire as node:http2 (nghttp2's HPACK)", async () => {
  const server = await serverFor('h2c');
  const target = { host: '127.0.0.1', port: server.port };
  const lean = await measureHeadBytes(clientFor('h2c'), target, dataset);
  const node = await measureHeadBytes(clientFor('h2c-node'), target, dataset);
  assert.deepEqual(lean.first, node.first);
  assert.equal(lean.steady.out, node.steady.out);
  // The server's date header is a new HPACK literal whenever the second changes between two
  // calls (~25 B on one of the 7 responses), so the mean response head may differ that much.
  assert.ok(Math.abs(lean.steady.in - node.steady.in) <= 5, `response heads ${lean.steady.in} vs ${node.steady.in} B`);
  const [l, n] = [await clientFor('h2c').connect(target), await clientFor('h2c-node').connect(target)];
  try {
    // Preface + an empty SETTINGS + our ACK out; the server's SETTINGS + its ACK in.
    assert.deepEqual(l.setupBytes, n.setupBytes);
  } finally {
    await Promise.all([l.close(), n.close()]);
  }
});

async function concurrentCalls(conns: Connection[], perConn: number): Promise<void> {
  const calls = conns.flatMap((c, i) =>
    Array.from({ length: perConn }, (_, j) => c.call({ op: 'getUser', id: ((i * perConn + j) % dataset.users) + 1 })),
  );
  const outcomes = await Promise.all(calls);
  for (const o of outcomes) assert.ok(o.ok, JSON.stringify(o));
}

test('http2: h2c-shared multiplexes every connection on one TCP connection; h2c and h2c-node open one each', async () => {
  const server = await serverFor('h2c-shared');
  for (const [name, client, expected] of [
    ['h2c-shared', h2cShared(), 1],
    ['h2c', clientFor('h2c'), 4],
    ['h2c-node', clientFor('h2c-node'), 4],
  ] as [string, ClientModule, number][]) {
    const relay = await countingRelay(server.port);
    const conns = await Promise.all(Array.from({ length: 4 }, () => client.connect({ host: '127.0.0.1', port: relay.port })));
    await concurrentCalls(conns, 8);
    assert.equal(relay.accepted(), expected, `${name}: TCP connections seen by the server side`);
    // The views' byte counters add up to what really crossed the wire (nothing counted twice).
    const out = conns.reduce((s, c) => s + c.wireBytes()!.out, 0);
    await until(() => relay.toServer() === out, `${name}: client counted ${out} B out, relay saw ${relay.toServer()} B`);
    await Promise.all(conns.map((c) => c.close()));
  }
});
