// The lean drivers' HTTP/2 session (clients/wire/h2-session.ts) against a scripted peer on
// 127.0.0.1: how RST_STREAM, GOAWAY, a broken header block and a lost socket reach a call, and
// the error vocabulary (clients/wire/h2-errors.ts) they share.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  DATA,
  END_HEADERS,
  END_STREAM,
  GOAWAY,
  HEADERS,
  PING,
  PREFACE,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
  ACK,
  frame,
  splitFrames,
  uint32,
} from '../clients/wire/h2-frame.ts';
import {
  H2_ERROR,
  H2_ERROR_NAMES,
  afterClose,
  goawayFailure,
  h2ErrorName,
  resetKind,
  streamResetFailure,
  type Failure,
} from '../clients/wire/h2-errors.ts';
import { H2ClientSession, type H2Stream } from '../clients/wire/h2-session.ts';

describe('HTTP/2 error vocabulary', () => {
  it('names the RFC 9113 codes, and shows others in hex', () => {
    assert.equal(H2_ERROR_NAMES.length, 14);
    assert.equal(H2_ERROR.PROTOCOL_ERROR, 1);
    assert.equal(H2_ERROR.HTTP_1_1_REQUIRED, 0xd);
    assert.equal(h2ErrorName(8), 'CANCEL');
    assert.equal(h2ErrorName(0x1f), '0x1f');
  });

  it('maps a reset by its code: dropped, broken protocol, or the server', () => {
    for (const name of ['NO_ERROR', 'REFUSED_STREAM', 'CANCEL', 'CONNECT_ERROR'] as const)
      assert.equal(resetKind(H2_ERROR[name]), 'connection_reset', name);
    for (const name of [
      'PROTOCOL_ERROR',
      'FLOW_CONTROL_ERROR',
      'STREAM_CLOSED',
      'FRAME_SIZE_ERROR',
      'COMPRESSION_ERROR',
    ] as const)
      assert.equal(resetKind(H2_ERROR[name]), 'protocol_error', name);
    assert.equal(resetKind(H2_ERROR.INTERNAL_ERROR), 'server_error');
    assert.equal(resetKind(H2_ERROR.ENHANCE_YOUR_CALM), 'server_error');
    assert.equal(resetKind(0xff), 'server_error', 'an unknown code counts as INTERNAL_ERROR (RFC 9113 section 7)');
    assert.deepEqual(streamResetFailure(1), { ok: false, kind: 'protocol_error', code: 'RST_STREAM PROTOCOL_ERROR' });
  });

  it('GOAWAY is connection_reset whatever its code; later calls on a dead connection too', () => {
    assert.equal(goawayFailure(H2_ERROR.ENHANCE_YOUR_CALM).kind, 'connection_reset');
    assert.equal(goawayFailure(H2_ERROR.ENHANCE_YOUR_CALM).code, 'GOAWAY ENHANCE_YOUR_CALM');
    const later = afterClose({ ok: false, kind: 'protocol_error', code: 'COMPRESSION_ERROR', detail: 'HPACK: bad' });
    assert.equal(later.kind, 'connection_reset');
    assert.equal(later.code, 'COMPRESSION_ERROR');
  });
});

/** A stream that records what the session told it. */
class Probe implements H2Stream {
  readonly sendBytes = 0;
  recvUnacked = 0;
  status = '';
  body = 0;
  readonly outcome: Promise<'end' | Failure>;
  private settle!: (o: 'end' | Failure) => void;
  constructor() {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }
  header(name: string, value: string): void {
    if (name === ':status') this.status = value;
  }
  data(chunk: Buffer): void {
    this.body += chunk.length;
  }
  end(): void {
    this.settle('end');
  }
  fail(failure: Failure): void {
    this.settle(failure);
  }
}

interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** The server side of one connection: the frames the client sent, and the socket to answer on. */
interface Peer {
  socket: net.Socket;
  frames: Frame[];
  /** Resolves with the first frame from the client that matches. */
  next(match: (f: Frame) => boolean): Promise<Frame>;
}

const servers: net.Server[] = [];
after(() => servers.forEach((s) => s.close()));

/** A session on a scripted peer that has done the SETTINGS exchange. */
async function sessionWithPeer(): Promise<{ session: H2ClientSession<Probe>; peer: Peer }> {
  let onPeer!: (p: Peer) => void;
  const peerReady = new Promise<Peer>((resolve) => (onPeer = resolve));
  const server = net.createServer((socket) => {
    const frames: Frame[] = [];
    const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaceSeen) {
        if (buf.length < PREFACE.length) return;
        assert.deepEqual(buf.subarray(0, PREFACE.length), PREFACE);
        buf = buf.subarray(PREFACE.length);
        prefaceSeen = true;
      }
      const r = splitFrames(buf, (type, flags, streamId, payload) => {
        const f = { type, flags, streamId, payload: Buffer.from(payload) };
        frames.push(f);
        if (type === SETTINGS && !(flags & ACK)) socket.write(frame(SETTINGS, ACK, 0));
        for (const w of waiters.splice(0))
          if (w.match(f)) w.resolve(f);
          else waiters.push(w);
        return true;
      });
      assert.ok('rest' in r);
      buf = Buffer.from(r.rest);
    });
    socket.on('error', () => {});
    socket.write(frame(SETTINGS, 0, 0));
    onPeer({
      socket,
      frames,
      next: (match) =>
        new Promise((resolve) => {
          const seen = frames.find(match);
          if (seen) resolve(seen);
          else waiters.push({ match, resolve });
        }),
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const session = await H2ClientSession.connect<Probe>('127.0.0.1', port, {
    requestFrames: (_stream, id) => frame(HEADERS, END_HEADERS | END_STREAM, id, Buffer.from([0x82, 0x86, 0x84])),
  });
  return { session, peer: await peerReady };
}

const headersFrom = (peer: Peer, id: number) => peer.next((f) => f.type === HEADERS && f.streamId === id);
/** :status 200 (static index 8). */
const STATUS_200 = Buffer.from([0x88]);

describe('HTTP/2 client session', () => {
  it('answers a stream; RST_STREAM fails it by code; the other streams go on', async () => {
    const { session, peer } = await sessionWithPeer();
    const [a, b, c] = [new Probe(), new Probe(), new Probe()];
    session.request(a);
    session.request(b);
    session.request(c);
    await headersFrom(peer, 5);
    peer.socket.write(frame(RST_STREAM, 0, 3, uint32(H2_ERROR.PROTOCOL_ERROR)));
    peer.socket.write(frame(RST_STREAM, 0, 5, uint32(H2_ERROR.REFUSED_STREAM)));
    peer.socket.write(frame(HEADERS, END_HEADERS, 1, STATUS_200));
    peer.socket.write(frame(DATA, END_STREAM, 1, Buffer.from('hello')));
    assert.deepEqual(await b.outcome, { ok: false, kind: 'protocol_error', code: 'RST_STREAM PROTOCOL_ERROR' });
    assert.deepEqual(await c.outcome, { ok: false, kind: 'connection_reset', code: 'RST_STREAM REFUSED_STREAM' });
    assert.equal(await a.outcome, 'end');
    assert.equal(a.status, '200');
    assert.equal(a.body, 5);
    await session.close();
  });

  it('GOAWAY fails the streams above its last stream id; the rest finish; new calls are refused', async () => {
    const { session, peer } = await sessionWithPeer();
    const [a, b] = [new Probe(), new Probe()];
    session.request(a);
    session.request(b);
    await headersFrom(peer, 3);
    peer.socket.write(frame(GOAWAY, 0, 0, Buffer.concat([uint32(1), uint32(H2_ERROR.NO_ERROR)])));
    const refused = await b.outcome;
    assert.equal(typeof refused === 'object' && refused.kind, 'connection_reset');
    assert.equal(typeof refused === 'object' && refused.code, 'GOAWAY NO_ERROR');
    peer.socket.write(frame(HEADERS, END_HEADERS | END_STREAM, 1, STATUS_200));
    assert.equal(await a.outcome, 'end');
    const late = new Probe();
    session.request(late);
    const lateOutcome = await late.outcome;
    assert.equal(typeof lateOutcome === 'object' && lateOutcome.kind, 'connection_reset');
    await session.close();
  });

  it('a header block HPACK cannot decode is a connection error: GOAWAY COMPRESSION_ERROR, protocol_error', async () => {
    const { session, peer } = await sessionWithPeer();
    const a = new Probe();
    session.request(a);
    await headersFrom(peer, 1);
    // Indexed field 0 does not exist (RFC 7541 6.1).
    peer.socket.write(frame(HEADERS, END_HEADERS, 1, Buffer.from([0x80])));
    const failed = await a.outcome;
    assert.equal(typeof failed === 'object' && failed.kind, 'protocol_error');
    assert.equal(typeof failed === 'object' && failed.code, 'COMPRESSION_ERROR');
    const goaway = await peer.next((f) => f.type === GOAWAY);
    assert.equal(goaway.payload.readUInt32BE(4), H2_ERROR.COMPRESSION_ERROR);
    const late = new Probe();
    session.request(late);
    const lateOutcome = await late.outcome;
    assert.equal(typeof lateOutcome === 'object' && lateOutcome.kind, 'connection_reset', 'so the load loops reconnect');
  });

  it('a lost socket fails open streams as connection_reset', async () => {
    const { session, peer } = await sessionWithPeer();
    const a = new Probe();
    session.request(a);
    await headersFrom(peer, 1);
    peer.socket.destroy();
    const failed = await a.outcome;
    assert.equal(typeof failed === 'object' && failed.kind, 'connection_reset');
    await session.close();
  });

  it('answers PING and returns flow-control credit for large answers', async () => {
    const { session, peer } = await sessionWithPeer();
    peer.socket.write(frame(PING, 0, 0, Buffer.from('12345678')));
    const pong = await peer.next((f) => f.type === PING);
    assert.equal(pong.flags & ACK, ACK);
    assert.equal(pong.payload.toString(), '12345678');
    const a = new Probe();
    session.request(a);
    await headersFrom(peer, 1);
    peer.socket.write(frame(HEADERS, END_HEADERS, 1, STATUS_200));
    for (let i = 0; i < 3; i++) peer.socket.write(frame(DATA, 0, 1, Buffer.alloc(16_000)));
    const connCredit = await peer.next((f) => f.type === WINDOW_UPDATE && f.streamId === 0);
    const streamCredit = await peer.next((f) => f.type === WINDOW_UPDATE && f.streamId === 1);
    assert.ok(connCredit.payload.readUInt32BE(0) >= 32_000);
    assert.ok(streamCredit.payload.readUInt32BE(0) >= 32_000);
    peer.socket.write(frame(DATA, END_STREAM, 1));
    assert.equal(await a.outcome, 'end');
    assert.equal(a.body, 48_000);
    await session.close();
  });
});
