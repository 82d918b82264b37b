import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore, type UserStore } from '../servers/store.ts';
import { start } from '../servers/grpc.ts';
import type { RunningServer } from '../servers/types.ts';
import * as lean from '../clients/grpc.ts';
import { HpackDecoder, huffmanDecode, huffmanEncode } from '../clients/wire/hpack.ts';
import * as grpcJs from '../clients/grpc-js.ts';
import { canonicalUser } from '../proto/contract.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import type { ClientModule } from '../clients/types.ts';

let store: UserStore;
let server: RunningServer;
const target = () => ({ host: '127.0.0.1', port: server.port });

before(async () => {
  store = createMemoryStore({ users: 100, seed: 1 });
  server = await start({ host: '127.0.0.1', port: 0, store });
});
after(() => server.close());

const clients: [string, ClientModule][] = [
  ['lean', lean],
  ['grpc-js', grpcJs],
];

for (const [name, mod] of clients) {
  test(`${name}: getUser decodes to the store's user`, async () => {
    const conn = await mod.connect(target());
    try {
      for (const id of [1, 42, 100]) {
        const res = await conn.call({ op: 'getUser', id }, { decode: true });
        assert.ok(res.ok, JSON.stringify(res));
        assert.deepEqual(res.user, canonicalUser(store.getUser(id)!));
        assert.ok(res.payload.request > 0 && res.payload.response > 100, JSON.stringify(res.payload));
      }
    } finally {
      await conn.close();
    }
  });

  test(`${name}: unknown id is not_found`, async () => {
    const conn = await mod.connect(target());
    try {
      for (const id of [0, 101, 999_999]) {
        const res = await conn.call({ op: 'getUser', id });
        assert.equal(res.ok, false);
        assert.equal(!res.ok && res.kind, 'not_found');
        assert.equal(!res.ok && res.code, 'NOT_FOUND');
      }
    } finally {
      await conn.close();
    }
  });

  test(`${name}: 20 concurrent calls on one connection`, async () => {
    const conn = await mod.connect(target());
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => conn.call({ op: 'getUser', id: i + 1 }, { decode: true })),
      );
      results.forEach((r, i) => {
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal(r.user?.id, i + 1);
      });
    } finally {
      await conn.close();
    }
  });
}

test('lean: setupBytes and wireBytes', async () => {
  const conn = await lean.connect(target());
  try {
    assert.ok(conn.setupBytes && conn.setupBytes.out > 0 && conn.setupBytes.in > 0, JSON.stringify(conn.setupBytes));
    const before = conn.wireBytes()!;
    assert.deepEqual(before, conn.setupBytes);
    await conn.call({ op: 'getUser', id: 1 });
    const after = conn.wireBytes()!;
    assert.ok(after.out > before.out && after.in > before.in, JSON.stringify({ before, after }));
  } finally {
    await conn.close();
  }
});

test('lean: a dead server gives connection errors, not a hang', async () => {
  const extra = await start({ host: '127.0.0.1', port: 0, store });
  const conn = await lean.connect({ host: '127.0.0.1', port: extra.port });
  assert.ok((await conn.call({ op: 'getUser', id: 1 })).ok);
  await extra.close();
  const res = await conn.call({ op: 'getUser', id: 1 });
  assert.equal(res.ok, false);
  assert.equal(!res.ok && res.kind, 'connection_reset');
  await conn.close();
  await assert.rejects(lean.connect({ host: '127.0.0.1', port: extra.port }));
});

test('grpc-js: ListUsers streams the requested page', async () => {
  const conn = await grpcJs.connect(target());
  try {
    const list = (pageSize: number, afterId: number) =>
      new Promise<User__Output[]>((resolve, reject) => {
        const users: User__Output[] = [];
        conn.client
          .ListUsers({ pageSize, afterId })
          .on('data', (u: User__Output) => users.push(u))
          .on('error', reject)
          .on('end', () => resolve(users));
      });
    const page = await list(30, 10);
    assert.equal(page.length, 30);
    assert.deepEqual(
      page.map((u) => u.id),
      Array.from({ length: 30 }, (_, i) => i + 11),
    );
    assert.equal((await list(0, 0)).length, 100); // default page size 100, store has 100
    assert.equal((await list(50, 90)).length, 10);
  } finally {
    await conn.close();
  }
});

test('grpc-js: CreateUsers and Chat', async () => {
  const conn = await grpcJs.connect(target());
  try {
    const before = store.countUsers();
    const created = await new Promise<{ created: number; ids: number[] }>((resolve, reject) => {
      const call = conn.client.CreateUsers((err, res) => (err || !res ? reject(err) : resolve(res)));
      for (let i = 0; i < 3; i++) call.write({ username: `new${i}`, email: `new${i}@x.test`, age: 30, roles: ['user'] });
      call.end();
    });
    assert.equal(created.created, 3);
    assert.deepEqual(created.ids, [before + 1, before + 2, before + 3]);
    assert.equal(store.getUser(before + 1)?.username, 'new0');

    const echoes = await new Promise<{ seq: number; from: string; sentAtUs: number }[]>((resolve, reject) => {
      const got: { seq: number; from: string; sentAtUs: number }[] = [];
      const chat = conn.client.Chat();
      chat
        .on('data', (m) => got.push(m))
        .on('error', reject)
        .on('end', () => resolve(got));
      for (let seq = 1; seq <= 3; seq++) chat.write({ seq, from: 'client', text: 'hi', sentAtUs: seq * 1000.5 });
      chat.end();
    });
    assert.deepEqual(
      echoes.map((m) => [m.seq, m.from, m.sentAtUs]),
      [
        [1, 'server', 1000.5],
        [2, 'server', 2001],
        [3, 'server', 3001.5],
      ],
    );
  } finally {
    await conn.close();
  }
});

test('grpc-js: wireBytes via ss (iproute2; .ci/run installs it)', async () => {
  const conn = await grpcJs.connect(target());
  try {
    assert.ok(conn.setupBytes, "ss (iproute2) is needed to count the grpc-js client's bytes: apt-get install -y iproute2");
    assert.ok(conn.setupBytes.out > 0 && conn.setupBytes.in > 0, JSON.stringify(conn.setupBytes));
    const before = conn.wireBytes()!;
    await conn.call({ op: 'getUser', id: 1 });
    // The kernel's counters move when the last ACK lands: poll for it (up to 5 s, for a slow machine).
    let after = conn.wireBytes()!;
    for (let i = 0; i < 250 && !(after.out > before.out && after.in > before.in); i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = conn.wireBytes()!;
    }
    assert.ok(after.out > before.out && after.in > before.in, JSON.stringify({ before, after }));
  } finally {
    await conn.close();
  }
});

test('lean: HPACK decoder on RFC 7541 C.4 (Huffman, dynamic table)', () => {
  const d = new HpackDecoder();
  const read = (hex: string) => {
    const out: [string, string][] = [];
    d.decode(Buffer.from(hex, 'hex'), (n, v) => out.push([n, v]));
    return out;
  };
  const base: [string, string][] = [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ];
  assert.deepEqual(read('828684418cf1e3c2e5f23a6ba0ab90f4ff'), base);
  assert.deepEqual(read('828684be5886a8eb10649cbf'), [...base, ['cache-control', 'no-cache']]);
  assert.throws(() => read('ff00'), /out of range/);
});

test('lean: Huffman round trip over printable ASCII', () => {
  const s = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const e = huffmanEncode(s);
  assert.equal(huffmanDecode(e, 0, e.length), s);
  assert.equal(huffmanEncode('www.example.com').toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
});
