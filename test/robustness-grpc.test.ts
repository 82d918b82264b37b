// gRPC under bad input, spoken raw over node:http2 so the bytes are exactly the test's:
// bad protobuf is INTERNAL, unknown methods UNIMPLEMENTED, oversized messages
// RESOURCE_EXHAUSTED, non-gRPC traffic is refused, idle and silent connections are dropped,
// and the server keeps answering throughout. Every case runs against both implementations
// (grpc-js, the reference, and connect-node); where their own words differ, the case says so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { createMemoryStore } from '../servers/store.ts';
import { startGrpc, type GrpcServerOptions } from '../servers/grpc.ts';
import { startGrpcConnect } from '../servers/grpc-connect.ts';
import * as grpcJs from '../clients/grpc-js.ts';
import { canonicalUser, protoType, userFromProto } from '../proto/contract.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import { HOST, connectRaw, grpcFrame, rawCall, rawSend, waitForClose } from './robustness-helpers.ts';

const store = createMemoryStore({ users: 100, seed: 1 });
const GET_USER = '/bench.v1.UserService/GetUser';

function connectH2(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(`http://${HOST}:${port}`);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

const getUserBytes = (id: number) => Buffer.from(protoType('GetUserRequest').encode({ id }).finish());

interface Implementation {
  name: string;
  start(options: GrpcServerOptions): Promise<{ port: number; close(): Promise<void> }>;
  /** grpc-message of a request that is not the request message (the status is INTERNAL on both). */
  undecodable: RegExp;
  /** grpc-message of a message over the limit (RESOURCE_EXHAUSTED on both). */
  tooLarge: RegExp;
}

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'grpc-js',
    start: startGrpc,
    undecodable: /deserializing/,
    tooLarge: /larger than max/,
  },
  {
    name: 'connect-node',
    start: startGrpcConnect,
    undecodable: /parse binary/,
    tooLarge: /larger than configured readMaxBytes/,
  },
];

for (const impl of IMPLEMENTATIONS) {
  describe(`grpc robustness: ${impl.name}`, () => {
    let server: Awaited<ReturnType<Implementation['start']>>;
    let session: http2.ClientHttp2Session;
    before(async () => {
      server = await impl.start({ host: HOST, port: 0, store });
      session = await connectH2(server.port);
    });
    after(async () => {
      session.close();
      await server.close();
    });

    it('a valid raw GetUser answers the user', async () => {
      const a = await rawCall(session, GET_USER, grpcFrame(getUserBytes(7)));
      assert.equal(a.grpcStatus, grpc.status.OK);
      const user = protoType('User').toObject(protoType('User').decode(a.data.subarray(5)), {
        longs: Number,
        defaults: true,
      }) as User__Output;
      assert.equal(userFromProto(user).id, 7);
    });

    it('bytes that are not the request message are INTERNAL', async () => {
      // 0xff... is a field with an invalid wire type; 0x0a 0x50 declares 80 bytes that are not there.
      for (const bad of [Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x50, 0x01]), Buffer.from([0x08])]) {
        const a = await rawCall(session, GET_USER, grpcFrame(bad));
        assert.equal(a.httpStatus, 200);
        assert.equal(a.grpcStatus, grpc.status.INTERNAL, bad.toString('hex'));
        assert.match(a.grpcMessage, impl.undecodable);
      }
    });

    it('unknown methods and services are UNIMPLEMENTED', async () => {
      for (const path of ['/bench.v1.UserService/DeleteUser', '/other.Service/GetUser', '/', '/x']) {
        const a = await rawCall(session, path, grpcFrame(getUserBytes(1)));
        assert.equal(a.grpcStatus, grpc.status.UNIMPLEMENTED, path);
      }
    });

    it('a message over 4 MiB is RESOURCE_EXHAUSTED, sent or only declared', async () => {
      const sent = await rawCall(session, GET_USER, grpcFrame(Buffer.alloc(4 * 1024 * 1024 + 1)));
      assert.equal(sent.grpcStatus, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(sent.grpcMessage, impl.tooLarge);
      // A 2 GiB prefix with nothing behind it is refused from the prefix alone, while the
      // request is still open: nothing is buffered waiting for it.
      const declared = await rawCall(session, GET_USER, grpcFrame(Buffer.alloc(3), 0x7fffffff), {}, false);
      assert.equal(declared.grpcStatus, grpc.status.RESOURCE_EXHAUSTED);
      // Under the limit is read and answered: GetUser(7) padded with a 1 MiB unknown field
      // (number 15, length-delimited: tag 0x7a, varint length 0x80 0x80 0x40), which protobuf skips.
      const padded = Buffer.concat([getUserBytes(7), Buffer.from([0x7a, 0x80, 0x80, 0x40]), Buffer.alloc(1024 * 1024)]);
      const under = await rawCall(session, GET_USER, grpcFrame(padded));
      assert.equal(under.grpcStatus, grpc.status.OK);
    });

    it('the stock client sees RESOURCE_EXHAUSTED for a streamed message over the limit', async () => {
      const conn = await grpcJs.connect({ host: HOST, port: server.port });
      try {
        const err = await new Promise<grpc.ServiceError | null>((resolve) => {
          const call = conn.client.CreateUsers((e) => resolve(e));
          call.write({ username: 'x'.repeat(5 * 1024 * 1024), email: 'a@b.c', age: 1, roles: [] });
          call.end();
        });
        assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
      } finally {
        await conn.close();
      }
    });

    it('framing faults: no message, two messages to a unary method, a wrong content type', async () => {
      const none = await rawCall(session, GET_USER, Buffer.alloc(0));
      assert.equal(none.grpcStatus, grpc.status.UNIMPLEMENTED); // both implementations' code for "no request message"
      const cut = await rawCall(session, GET_USER, grpcFrame(getUserBytes(1)).subarray(0, 4));
      assert.notEqual(cut.grpcStatus, grpc.status.OK);
      const two = await rawCall(session, GET_USER, Buffer.concat([grpcFrame(getUserBytes(1)), grpcFrame(getUserBytes(2))]));
      assert.notEqual(two.grpcStatus, grpc.status.OK);
      const json = await rawCall(session, GET_USER, grpcFrame(getUserBytes(1)), { 'content-type': 'application/json' });
      assert.equal(json.httpStatus, 415);
    });

    it('an :authority that is not a host is refused (400, a status or a reset), and the server stays up', async () => {
      // nghttp2 resets some (a space is not allowed); '[::' passes it, and connect-node threw on
      // it while building the request URL, uncaught (servers/grpc-connect.ts answers 400 now).
      for (const authority of ['[::', 'a b', 'x:99999999']) {
        const a = await rawCall(session, GET_USER, grpcFrame(getUserBytes(1)), { ':authority': authority }).catch(
          (e: Error & { code?: string }) => ({ reset: e.code }),
        );
        assert.ok('reset' in a || a.httpStatus === 400 || a.grpcStatus !== undefined, `${authority}: ${JSON.stringify(a)}`);
      }
      const ok = await rawCall(session, GET_USER, grpcFrame(getUserBytes(2)));
      assert.equal(ok.grpcStatus, grpc.status.OK);
    });

    it('non-HTTP/2 bytes get a GOAWAY and a closed socket; existing calls go on', async () => {
      // A long settle: the close comes a moment after the GOAWAY, and more than the default 30 ms
      // when the machine is loaded (it failed so at load 16); the exchange still ends at the close.
      const http1 = await rawSend(server.port, Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`), {
        timeoutMs: 10_000,
        settleMs: 5_000,
      });
      assert.equal(http1.ended === 'closed' || http1.ended === 'error', true, 'the server closed the connection');
      // Its SETTINGS (type 4) and GOAWAY (type 7) frames usually arrive first, but the close may
      // be a reset that discards them: only what did arrive is checked.
      if (http1.data.length >= 9) assert.equal(http1.data[3], 4, http1.data.toString('hex'));
      const a = await rawCall(session, GET_USER, grpcFrame(getUserBytes(3)));
      assert.equal(a.grpcStatus, grpc.status.OK);
    });

    it('after all of it, the stock client still gets the right user', async () => {
      const conn = await grpcJs.connect({ host: HOST, port: server.port });
      try {
        const out = await conn.call({ op: 'getUser', id: 42 }, { decode: true });
        assert.ok(out.ok, JSON.stringify(out));
        assert.deepEqual(out.user, canonicalUser(store.getUser(42)!));
      } finally {
        await conn.close();
      }
    });
  });

  describe(`grpc connection limits: ${impl.name}`, () => {
    it('an idle connection gets GOAWAY after idleTimeoutMs', async (t) => {
      const server = await impl.start({ host: HOST, port: 0, store, idleTimeoutMs: 200, keepaliveMs: 60_000 });
      t.after(() => server.close());
      const s = await connectH2(server.port);
      const goaway = new Promise<number>((resolve) => s.once('goaway', (code) => resolve(code)));
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
      await closed;
    });

    it('a peer that does not answer PING is dropped; one that does is kept', async (t) => {
      const server = await impl.start({
        host: HOST,
        port: 0,
        store,
        idleTimeoutMs: 60_000,
        // A 1 s timeout, not less: the live peer's PING ack is sent by this same process, and a machine
        // in a slow phase can hold its event loop long enough for a short timeout to drop a live peer.
        keepaliveMs: 100,
        keepaliveTimeoutMs: 1000,
      });
      t.after(() => server.close());
      // Half-open stand-in: the client preface and an empty SETTINGS frame, then silence.
      const connectedBefore = Date.now();
      const raw = await connectRaw(server.port);
      raw.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
      raw.resume();
      // node:http2 answers PINGs by itself, as every gRPC client does.
      const live = await connectH2(server.port);
      let liveClosed = false;
      live.once('close', () => (liveClosed = true));
      const ms = await waitForClose(raw, 15_000); // returns at the close; 15 s is for a slow machine
      assert.ok(ms >= 0, 'the silent peer is dropped');
      // Timers never fire early: a ping 100 ms after the connection, then 1 s without its ack.
      const sinceConnect = Date.now() - connectedBefore;
      assert.ok(sinceConnect >= 1000, `not before a ping went unanswered (${sinceConnect} ms)`);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(liveClosed, false, 'a peer that answers PINGs is kept');
      const a = await rawCall(live, GET_USER, grpcFrame(getUserBytes(1)));
      assert.equal(a.grpcStatus, grpc.status.OK);
      live.close();
    });
  });
}
