// A lean h2c REST driver, the HTTP/2 counterpart of clients/wire/http1.ts: HTTP/2 spoken on a raw
// node:net socket as h2load speaks it, so the h2c rows load the server instead of measuring
// node:http2's client (60-100+ us of CPU per request: a Duplex per stream, header objects,
// AsyncResource.bind; see clients/grpc.ts). Each GET is one HEADERS frame (END_STREAM), its
// HPACK block encoded as nghttp2 (node:http2, curl, h2load) encodes it: fields enter the
// dynamic table on first use and are 1-byte references afterwards, except :path (never
// indexed by nghttp2) and authorization (sent never-indexed, as nghttp2 does for it), so the
// bytes on the wire are a real client's; test/scenario-http2.test.ts compares them with
// node:http2's. Answers are framed and their header blocks decoded for :status.
import net from 'node:net';
import { HpackDecoder, STATIC_TABLE, hpackInt, hpackString, type HeaderSink } from './wire/hpack.ts';
import {
  ACK,
  CONTINUATION,
  DATA,
  DEFAULT_WINDOW,
  EMPTY,
  END_HEADERS,
  END_STREAM,
  GOAWAY,
  GOAWAY_PROTOCOL_ERROR,
  HEADERS,
  MAX_FRAME_SIZE,
  MAX_STREAM_ID,
  PADDED,
  PING,
  PREFACE,
  PRIORITY,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
  frame,
  splitFrames,
  uint32,
} from './wire/h2-frame.ts';
import type { ByteCount, CallOutcome } from './types.ts';
import { HpackError } from '../harness/errors.ts';

const staticName = (name: string): number => STATIC_TABLE.findIndex(([n]) => n === name) + 1;

/**
 * HPACK blocks for GET requests with a fixed header set, as nghttp2 encodes them:
 * `first(path)` inserts every indexable field, `next(path)` references them (dynamic index
 * 62 is the newest insertion), `literal(path)` indexes nothing (a peer table too small).
 */
export function getHeaderBlocks(
  authority: string,
  headers: Readonly<Record<string, string>>,
): {
  first: (path: string) => Buffer;
  next: (path: string) => Buffer;
  literal: (path: string) => Buffer;
  tableBytes: number;
} {
  // :method GET (static 2) and :scheme http (static 6) are full static matches.
  const head = [0x80 | 2, 0x80 | 6];
  const fields: [string, string][] = [[':authority', authority], ...Object.entries(headers)];
  const neverIndexed = (name: string, value: string): boolean =>
    name === 'authorization' || (name === 'cookie' && value.length < 20);
  const literal = (flags: number, prefix: number, name: string, value: string): number[] => {
    const idx = staticName(name);
    return [...hpackInt(flags, prefix, idx), ...(idx ? [] : hpackString(name)), ...hpackString(value)];
  };
  const inserted = fields.filter(([n, v]) => !neverIndexed(n, v));
  const first: number[] = [];
  const next: number[] = [];
  const plain: number[] = [];
  let tableBytes = 0;
  for (const [name, value] of fields) {
    if (neverIndexed(name, value)) {
      const f = literal(0x10, 4, name, value);
      first.push(...f);
      next.push(...f);
      plain.push(...f);
    } else {
      first.push(...literal(0x40, 6, name, value));
      next.push(...hpackInt(0x80, 7, STATIC_TABLE.length + inserted.length - inserted.findIndex(([n]) => n === name)));
      plain.push(...literal(0x00, 4, name, value));
      tableBytes += name.length + value.length + 32;
    }
  }
  const withPath =
    (block: number[]) =>
    (path: string): Buffer =>
      Buffer.from([...head, ...hpackInt(0x00, 4, staticName(':path')), ...hpackString(path), ...block]);
  return { first: withPath(first), next: withPath(next), literal: withPath(plain), tableBytes };
}

type Failure = Extract<CallOutcome, { ok: false }>;

interface Pending {
  resolve: (r: { status: number; body: Buffer } | Failure) => void;
  path: string;
  status: number;
  body: Buffer[];
  unacked: number;
}

export class LeanH2cConnection {
  private buf: Buffer = EMPTY;
  private readonly streams = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];
  private nextStreamId = 1;
  private peerMaxStreams = Infinity;
  private recvUnacked = 0;
  private mode: 'first' | 'indexed' | 'literal' = 'first';
  private tableSizeUpdate: Buffer | undefined;
  private closed: Failure | undefined;
  private continuation: { streamId: number; flags: number; parts: Buffer[] } | undefined;
  private current: Pending | undefined;
  private corked = false;
  private readonly decoder = new HpackDecoder();
  private readonly blocks;
  /** HEADERS frames for the indexed mode by path, stream id patched per request. */
  private readonly templates = new Map<string, Buffer>();
  private ready = { remote: false, localAcked: false };
  private onReady: (() => void) | undefined;
  setupBytes: ByteCount = { out: 0, in: 0 };

  private constructor(
    readonly socket: net.Socket,
    authority: string,
    headers: Readonly<Record<string, string>>,
  ) {
    this.blocks = getHeaderBlocks(authority, headers);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.failAll({ ok: false, kind: 'connection_reset', code: err.code, detail: err.message }),
    );
    socket.on('close', () => this.failAll({ ok: false, kind: 'connection_reset', detail: 'connection closed' }));
  }

  static connect(
    host: string,
    port: number,
    headers: Readonly<Record<string, string>>,
    timeoutMs = 10_000,
  ): Promise<LeanH2cConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const conn = new LeanH2cConnection(socket, `${host}:${port}`, headers);
      const timer = setTimeout(() => socket.destroy(new Error(`HTTP/2 setup with ${host}:${port} timed out`)), timeoutMs);
      const fail = (err?: Error): void => {
        clearTimeout(timer);
        reject(err ?? new Error(`connection to ${host}:${port} closed during HTTP/2 setup`));
      };
      socket.once('error', fail);
      const closedEarly = (): void => fail();
      socket.once('close', closedEarly);
      conn.onReady = () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.off('close', closedEarly);
        resolve(conn);
      };
      // An empty SETTINGS frame, as node:http2's client sends: every parameter at its default.
      socket.once('connect', () => socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)])));
    });
  }

  bytes(): ByteCount {
    return { out: this.socket.bytesWritten, in: this.socket.bytesRead };
  }

  get(path: string): Promise<{ status: number; body: Buffer } | Failure> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => {
      const p: Pending = { resolve, path, status: 0, body: [], unacked: 0 };
      if (this.waiting.length === 0 && this.streams.size < this.peerMaxStreams) this.start(p);
      else this.waiting.push(p);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      if (!this.closed) this.write(frame(GOAWAY, 0, 0, Buffer.concat([uint32(0), uint32(0)])));
      this.failAll({ ok: false, kind: 'connection_reset', detail: 'connection closed by client' });
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }

  private start(p: Pending): void {
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) return p.resolve({ ok: false, kind: 'connection_reset', detail: 'stream ids exhausted; reconnect' });
    this.nextStreamId += 2;
    this.streams.set(id, p);
    let out: Buffer;
    if (this.mode === 'indexed') {
      let t = this.templates.get(p.path);
      if (!t) this.templates.set(p.path, (t = frame(HEADERS, END_HEADERS | END_STREAM, 0, this.blocks.next(p.path))));
      // A fresh copy per request: a queued socket write still references the previous one.
      out = Buffer.allocUnsafe(t.length);
      t.copy(out);
      out.writeUInt32BE(id, 5);
    } else {
      let block = this.mode === 'first' ? this.blocks.first(p.path) : this.blocks.literal(p.path);
      if (this.tableSizeUpdate) {
        block = Buffer.concat([this.tableSizeUpdate, block]);
        this.tableSizeUpdate = undefined;
      }
      out = frame(HEADERS, END_HEADERS | END_STREAM, id, block);
      if (this.mode === 'first') this.mode = 'indexed';
    }
    this.write(out);
  }

  private drain(): void {
    while (this.waiting.length > 0 && !this.closed && this.streams.size < this.peerMaxStreams) this.start(this.waiting.shift()!);
  }

  private write(b: Buffer): void {
    // Requests issued in one tick (a burst of answers releases a burst of calls) leave in one writev.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(b);
  }

  private failAll(f: Failure): void {
    this.closed ??= f;
    for (const p of this.streams.values()) p.resolve(f);
    this.streams.clear();
    for (const p of this.waiting.splice(0)) p.resolve(f);
  }

  private connectionError(detail: string): void {
    if (!this.socket.destroyed) this.socket.write(GOAWAY_PROTOCOL_ERROR);
    this.failAll({ ok: false, kind: 'protocol_error', detail });
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const r = splitFrames(buf, (type, flags, streamId, payload) => {
      try {
        this.onFrame(type, flags, streamId, payload);
      } catch (err) {
        this.connectionError(err instanceof HpackError ? `HPACK: ${err.message}` : String(err));
        return false;
      }
      return !this.socket.destroyed;
    });
    if ('error' in r) return this.connectionError(r.error);
    if (!this.socket.destroyed) this.buf = r.rest;
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuation && type !== CONTINUATION) throw new Error('expected CONTINUATION');
    switch (type) {
      case DATA: {
        this.recvUnacked += payload.length;
        // Return flow-control credit once half the window is used, as nghttp2 does.
        if (this.recvUnacked >= DEFAULT_WINDOW / 2) {
          this.write(frame(WINDOW_UPDATE, 0, 0, uint32(this.recvUnacked)));
          this.recvUnacked = 0;
        }
        const p = this.streams.get(streamId);
        if (!p) return;
        const data = flags & PADDED ? payload.subarray(1, payload.length - payload[0]!) : payload;
        if (data.length > 0) p.body.push(data);
        if (flags & END_STREAM) return this.finish(streamId, p);
        p.unacked += payload.length;
        if (p.unacked >= DEFAULT_WINDOW / 2) {
          this.write(frame(WINDOW_UPDATE, 0, streamId, uint32(p.unacked)));
          p.unacked = 0;
        }
        return;
      }
      case HEADERS: {
        let start = 0;
        let end = payload.length;
        if (flags & PADDED) {
          start = 1;
          end -= payload[0]!;
        }
        if (flags & PRIORITY) start += 5;
        const fragment = payload.subarray(start, end);
        if (!(flags & END_HEADERS)) {
          this.continuation = { streamId, flags, parts: [fragment] };
          return;
        }
        return this.onHeaderBlock(streamId, flags, fragment);
      }
      case CONTINUATION: {
        const c = this.continuation;
        if (!c || c.streamId !== streamId) throw new Error('unexpected CONTINUATION');
        c.parts.push(payload);
        if (!(flags & END_HEADERS)) return;
        this.continuation = undefined;
        return this.onHeaderBlock(streamId, c.flags, Buffer.concat(c.parts));
      }
      case RST_STREAM: {
        const p = this.streams.get(streamId);
        if (!p) return;
        this.streams.delete(streamId);
        p.resolve({ ok: false, kind: 'connection_reset', code: `RST_STREAM ${payload.readUInt32BE(0)}` });
        return this.drain();
      }
      case SETTINGS: {
        if (flags & ACK) {
          this.ready.localAcked = true;
        } else {
          for (let i = 0; i + 6 <= payload.length; i += 6)
            this.applySetting(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
          this.write(frame(SETTINGS, ACK, 0));
          this.ready.remote = true;
          this.drain();
        }
        if (this.onReady && this.ready.remote && this.ready.localAcked) {
          // The ACK we just wrote is corked until the next tick; count it in the setup.
          const onReady = this.onReady;
          this.onReady = undefined;
          process.nextTick(() => {
            this.setupBytes = this.bytes();
            onReady();
          });
        }
        return;
      }
      case PING:
        if (!(flags & ACK)) this.write(frame(PING, ACK, 0, payload));
        return;
      case GOAWAY: {
        const lastStreamId = payload.readUInt32BE(0) & MAX_STREAM_ID;
        const f: Failure = {
          ok: false,
          kind: 'connection_reset',
          code: `GOAWAY ${payload.readUInt32BE(4)}`,
          detail: 'server is closing the connection',
        };
        this.closed ??= f;
        // Streams above lastStreamId were not processed; those at or below it still finish.
        for (const [id, p] of this.streams) {
          if (id > lastStreamId) {
            this.streams.delete(id);
            p.resolve(f);
          }
        }
        for (const p of this.waiting.splice(0)) p.resolve(f);
        if (this.streams.size === 0) this.socket.end();
        return;
      }
      case PUSH_PROMISE:
        throw new Error('unexpected PUSH_PROMISE');
      default:
        // WINDOW_UPDATE (we send no DATA), PRIORITY and unknown types need no action.
        return;
    }
  }

  private applySetting(id: number, value: number): void {
    if (id === 0x3)
      this.peerMaxStreams = value; // MAX_CONCURRENT_STREAMS
    else if (id === 0x1 && value < this.blocks.tableBytes && this.mode !== 'literal') {
      // HEADER_TABLE_SIZE below what our entries need: say so and stop referencing them.
      if (this.mode === 'indexed') this.tableSizeUpdate = Buffer.from(hpackInt(0x20, 5, 0));
      this.mode = 'literal';
    }
  }

  private readonly sink: HeaderSink = (name, value) => {
    if (this.current && name === ':status') this.current.status = Number(value);
  };

  private onHeaderBlock(streamId: number, flags: number, block: Buffer): void {
    // Always decode, even for a stream we gave up on: the HPACK table must stay in step.
    this.current = this.streams.get(streamId);
    try {
      this.decoder.decode(block, this.sink);
    } finally {
      this.current = undefined;
    }
    const p = this.streams.get(streamId);
    if (p && flags & END_STREAM) this.finish(streamId, p);
  }

  private finish(streamId: number, p: Pending): void {
    this.streams.delete(streamId);
    p.resolve({ status: p.status, body: p.body.length === 1 ? p.body[0]! : Buffer.concat(p.body) });
    if (this.waiting.length > 0) this.drain();
    if (this.closed && this.streams.size === 0 && !this.socket.destroyed) this.socket.end();
  }
}
