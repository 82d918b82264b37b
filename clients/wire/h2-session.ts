// One HTTP/2 client session on a raw node:net socket, shared by the lean drivers (clients/grpc.ts,
// clients/rest-h2-lean.ts, clients/push/grpc.ts): the connection preface and SETTINGS exchange,
// stream ids and MAX_CONCURRENT_STREAMS, flow control both ways, PING, GOAWAY, RST_STREAM, header
// blocks (CONTINUATION, HPACK decoding), corked writes, and how a stream or the connection fails
// (clients/wire/h2-errors.ts). A driver supplies the streams: each says what its request puts on
// the wire and takes its answer's header fields, data and end.
import net from 'node:net';
import { HpackError } from '../../harness/errors.ts';
import type { ByteCount } from '../types.ts';
import {
  ACK,
  CONTINUATION,
  DATA,
  DEFAULT_WINDOW,
  EMPTY,
  END_HEADERS,
  END_STREAM,
  GOAWAY,
  HEADERS,
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
  goawayFrame,
  splitFrames,
  uint32,
} from './h2-frame.ts';
import {
  CLOSED_BY_CLIENT,
  CONNECTION_CLOSED,
  H2_ERROR,
  STREAM_IDS_EXHAUSTED,
  afterClose,
  connectionErrorFailure,
  goawayFailure,
  socketErrorFailure,
  streamResetFailure,
  type Failure,
} from './h2-errors.ts';
import { HpackDecoder, type HeaderSink } from './hpack.ts';

/** One request/answer exchange on the session, implemented by the driver (one object per call). */
export interface H2Stream {
  /** DATA bytes the request sends: it starts only when the connection's send window holds them. */
  readonly sendBytes: number;
  /** Receive credit used on this stream and not yet returned to the peer (the session's bookkeeping). */
  recvUnacked: number;
  /** One field of a header block the peer sent on this stream (response headers or trailers). */
  header(name: string, value: string): void;
  /** A header block is complete (its fields all given to header()); `endStream`: trailers, end() follows. */
  headerBlockEnd?(endStream: boolean): void;
  /** Response DATA, padding removed. */
  data(chunk: Buffer): void;
  /** The peer ended the stream (END_STREAM): the answer is complete. */
  end(): void;
  /** The stream ended without an answer: reset, refused by GOAWAY, or the connection was lost. */
  fail(failure: Failure): void;
}

export interface H2SessionOptions<S extends H2Stream> {
  /** The request's frames for `stream`, given stream id `id` (HEADERS, and DATA if it has a body). */
  requestFrames(stream: S, id: number): Buffer;
  /** The peer's SETTINGS_HEADER_TABLE_SIZE (for the driver's HPACK encoder; see h2-header-table.ts). */
  onPeerHeaderTableSize?(value: number): void;
  /** The peer's SETTINGS_INITIAL_WINDOW_SIZE: the send window of each new stream. */
  onPeerInitialWindowSize?(value: number): void;
  /** The peer sent GOAWAY; streams it did not process have failed already. */
  onGoaway?(failure: Failure): void;
}

const SETTINGS_HEADER_TABLE_SIZE = 0x1,
  SETTINGS_MAX_CONCURRENT_STREAMS = 0x3,
  SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
/** Empty SETTINGS, as node:http2 and grpc-js send: every parameter at its default. */
const CLIENT_PREFACE = Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]);
const SETTINGS_ACK = frame(SETTINGS, ACK, 0);
const GOAWAY_NO_ERROR = goawayFrame(H2_ERROR.NO_ERROR);

export class H2ClientSession<S extends H2Stream> {
  /** Why the session ended, for calls made after it: set on GOAWAY, connection errors and close. */
  private closed: Failure | undefined;
  /** Bytes each way until the SETTINGS exchange completed (preface, SETTINGS, their ACKs). */
  setupBytes: ByteCount = { out: 0, in: 0 };
  private buf: Buffer = EMPTY;
  private readonly streams = new Map<number, S>();
  /** Streams waiting for a slot under MAX_CONCURRENT_STREAMS or for connection send window. */
  private readonly waiting: S[] = [];
  private nextStreamId = 1;
  private sendWindow = DEFAULT_WINDOW;
  private peerMaxStreams = Infinity;
  private recvUnacked = 0;
  private continuation: { streamId: number; flags: number; parts: Buffer[] } | undefined;
  private readonly decoder = new HpackDecoder();
  /** The stream whose header block is being decoded (undefined: one we no longer track). */
  private current: S | undefined;
  private corked = false;
  private settingsSeen = false;
  private settingsAcked = false;
  private onReady: (() => void) | undefined;

  /** Takes over `socket` (connected or still connecting) and sends the client preface at once. */
  constructor(
    readonly socket: net.Socket,
    private readonly options: H2SessionOptions<S>,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.failAll(socketErrorFailure(err)));
    socket.on('close', () => this.failAll(CONNECTION_CLOSED));
    // net queues writes made while it connects; requests written later follow the preface.
    this.write(CLIENT_PREFACE);
  }

  /** Connect to host:port and resolve once SETTINGS went both ways (each side ACKed the other's). */
  static connect<S extends H2Stream>(
    host: string,
    port: number,
    options: H2SessionOptions<S>,
    timeoutMs = 10_000,
  ): Promise<H2ClientSession<S>> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const session = new H2ClientSession(socket, options);
      const timer = setTimeout(() => socket.destroy(new Error(`HTTP/2 setup with ${host}:${port} timed out`)), timeoutMs);
      const fail = (err?: Error): void => {
        clearTimeout(timer);
        reject(err ?? new Error(`connection to ${host}:${port} closed during HTTP/2 setup`));
      };
      const closedEarly = (): void => fail();
      socket.once('error', fail);
      socket.once('close', closedEarly);
      session.onReady = () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.off('close', closedEarly);
        resolve(session);
      };
    });
  }

  bytes(): ByteCount {
    return { out: this.socket.bytesWritten, in: this.socket.bytesRead };
  }

  /** Start `stream` now, or queue it until a stream slot and send window are free. */
  request(stream: S): void {
    if (this.closed) return stream.fail(afterClose(this.closed));
    if (this.waiting.length === 0 && this.canStart(stream)) this.start(stream);
    else this.waiting.push(stream);
  }

  /** GOAWAY (NO_ERROR), fail what is open, and close the socket. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      if (!this.closed) this.write(GOAWAY_NO_ERROR);
      this.failAll(CLOSED_BY_CLIENT);
      this.socket.end();
      // A server that does not close its side promptly is not our problem to wait for.
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }

  private canStart(stream: S): boolean {
    return this.streams.size < this.peerMaxStreams && this.sendWindow >= stream.sendBytes;
  }

  private start(stream: S): void {
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) return stream.fail(STREAM_IDS_EXHAUSTED);
    this.nextStreamId += 2;
    this.streams.set(id, stream);
    this.sendWindow -= stream.sendBytes;
    this.write(this.options.requestFrames(stream, id));
  }

  private drain(): void {
    while (this.waiting.length > 0 && !this.closed && this.canStart(this.waiting[0]!)) this.start(this.waiting.shift()!);
  }

  private write(b: Buffer): void {
    // Writes made in one tick (a burst of answers releases a burst of calls) leave in one writev.
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

  private failAll(failure: Failure): void {
    this.closed ??= failure;
    const open = [...this.streams.values(), ...this.waiting.splice(0)];
    this.streams.clear();
    for (const stream of open) stream.fail(failure);
  }

  /** The peer broke HTTP/2: tell it why (GOAWAY `code`), fail every stream, drop the connection. */
  private connectionError(code: number, detail: string): void {
    if (!this.socket.destroyed) this.socket.write(goawayFrame(code));
    this.failAll(connectionErrorFailure(code, detail));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const r = splitFrames(buf, (type, flags, streamId, payload) => {
      try {
        this.onFrame(type, flags, streamId, payload);
      } catch (err) {
        if (err instanceof HpackError) this.connectionError(H2_ERROR.COMPRESSION_ERROR, `HPACK: ${err.message}`);
        else this.connectionError(H2_ERROR.PROTOCOL_ERROR, err instanceof Error ? err.message : String(err));
        return false;
      }
      return !this.socket.destroyed;
    });
    if ('error' in r) return this.connectionError(H2_ERROR.FRAME_SIZE_ERROR, r.error);
    // A partial frame is copied: a slice would pin the whole read (64 KiB) per idle connection.
    if (!this.socket.destroyed) this.buf = r.rest.length === 0 ? EMPTY : Buffer.from(r.rest);
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuation && type !== CONTINUATION) throw new Error('expected CONTINUATION');
    switch (type) {
      case DATA:
        return this.onDataFrame(flags, streamId, payload);
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
        const stream = this.streams.get(streamId);
        if (!stream) return;
        this.streams.delete(streamId);
        stream.fail(streamResetFailure(payload.readUInt32BE(0)));
        return this.drain();
      }
      case SETTINGS:
        return this.onSettings(flags, payload);
      case PING:
        if (!(flags & ACK)) this.write(frame(PING, ACK, 0, payload));
        return;
      case GOAWAY:
        return this.onGoaway(payload);
      case WINDOW_UPDATE:
        // Only the connection window limits us: every request fits its stream's initial window.
        if (streamId === 0) {
          this.sendWindow += payload.readUInt32BE(0) & MAX_STREAM_ID;
          this.drain();
        }
        return;
      case PUSH_PROMISE:
        throw new Error('unexpected PUSH_PROMISE');
      default:
        // PRIORITY and unknown frame types carry nothing a client must act on.
        return;
    }
  }

  private onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    this.recvUnacked += payload.length;
    // Return flow-control credit once half the window is used, as nghttp2 does.
    if (this.recvUnacked >= DEFAULT_WINDOW / 2) {
      this.write(frame(WINDOW_UPDATE, 0, 0, uint32(this.recvUnacked)));
      this.recvUnacked = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream) return;
    const data = flags & PADDED ? payload.subarray(1, payload.length - payload[0]!) : payload;
    if (data.length > 0) stream.data(data);
    if (flags & END_STREAM) return this.finish(streamId, stream);
    stream.recvUnacked += payload.length;
    if (stream.recvUnacked >= DEFAULT_WINDOW / 2) {
      this.write(frame(WINDOW_UPDATE, 0, streamId, uint32(stream.recvUnacked)));
      stream.recvUnacked = 0;
    }
  }

  private onSettings(flags: number, payload: Buffer): void {
    if (flags & ACK) {
      this.settingsAcked = true;
    } else {
      for (let i = 0; i + 6 <= payload.length; i += 6) {
        const id = payload.readUInt16BE(i);
        const value = payload.readUInt32BE(i + 2);
        if (id === SETTINGS_MAX_CONCURRENT_STREAMS) this.peerMaxStreams = value;
        else if (id === SETTINGS_HEADER_TABLE_SIZE) this.options.onPeerHeaderTableSize?.(value);
        else if (id === SETTINGS_INITIAL_WINDOW_SIZE) this.options.onPeerInitialWindowSize?.(value);
      }
      this.write(SETTINGS_ACK);
      this.settingsSeen = true;
      this.drain();
    }
    if (this.onReady && this.settingsSeen && this.settingsAcked) {
      const onReady = this.onReady;
      this.onReady = undefined;
      // The ACK we may just have written is corked until the next tick; count it in the setup.
      process.nextTick(() => {
        this.setupBytes = this.bytes();
        onReady();
      });
    }
  }

  private onGoaway(payload: Buffer): void {
    const lastStreamId = payload.readUInt32BE(0) & MAX_STREAM_ID;
    const failure = goawayFailure(payload.readUInt32BE(4));
    this.closed ??= failure;
    // Streams above lastStreamId were not processed; those at or below it still finish.
    for (const [id, stream] of this.streams) {
      if (id > lastStreamId) {
        this.streams.delete(id);
        stream.fail(failure);
      }
    }
    for (const stream of this.waiting.splice(0)) stream.fail(failure);
    this.options.onGoaway?.(failure);
    if (this.streams.size === 0 && !this.socket.destroyed) this.socket.end();
  }

  private readonly sink: HeaderSink = (name, value) => this.current?.header(name, value);

  private onHeaderBlock(streamId: number, flags: number, block: Buffer): void {
    // Always decode, even for a stream we gave up on: the HPACK table must stay in step.
    this.current = this.streams.get(streamId);
    try {
      this.decoder.decode(block, this.sink);
    } finally {
      this.current = undefined;
    }
    const stream = this.streams.get(streamId);
    if (!stream) return;
    const endStream = (flags & END_STREAM) !== 0;
    stream.headerBlockEnd?.(endStream);
    if (endStream && this.streams.get(streamId) === stream) this.finish(streamId, stream);
  }

  private finish(streamId: number, stream: S): void {
    this.streams.delete(streamId);
    stream.end();
    if (this.waiting.length > 0) this.drain();
    if (this.closed && this.streams.size === 0 && !this.socket.destroyed) this.socket.end();
  }
}
