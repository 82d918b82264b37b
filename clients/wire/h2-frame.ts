// HTTP/2 framing (RFC 9113) for the harness's lean drivers (clients/grpc.ts for gRPC,
// clients/rest-h2-lean.ts for h2c REST, clients/push/grpc.ts): frame types and flags, building a
// frame, and cutting a byte stream into frames. The session over them is clients/wire/h2-session.ts.
export const DATA = 0,
  HEADERS = 1,
  RST_STREAM = 3,
  SETTINGS = 4,
  PUSH_PROMISE = 5,
  PING = 6,
  GOAWAY = 7,
  WINDOW_UPDATE = 8,
  CONTINUATION = 9;
export const END_STREAM = 0x1,
  ACK = 0x1,
  END_HEADERS = 0x4,
  PADDED = 0x8,
  PRIORITY = 0x20;
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Initial flow-control window and max frame size; the drivers announce no SETTINGS, so both are the defaults. */
export const DEFAULT_WINDOW = 65_535;
export const MAX_FRAME_SIZE = 16_384;
export const MAX_STREAM_ID = 0x7fff_ffff;
export const EMPTY = Buffer.alloc(0);

export function frame(type: number, flags: number, streamId: number, payload?: Buffer): Buffer {
  const len = payload?.length ?? 0;
  const b = Buffer.allocUnsafe(9 + len);
  b.writeUIntBE(len, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(streamId, 5);
  if (payload) payload.copy(b, 9);
  return b;
}

export function uint32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
}

/** GOAWAY with error `code` (RFC 9113 section 7) and last stream 0: a client processes no streams the server opens. */
export function goawayFrame(code: number): Buffer {
  return frame(GOAWAY, 0, 0, Buffer.concat([uint32(0), uint32(code)]));
}

/**
 * Hand every complete frame in `buf` to `onFrame`, in order. Returns the bytes of an unfinished
 * frame to keep for the next read, or an error when a frame is larger than we allow (we never
 * raise SETTINGS_MAX_FRAME_SIZE). `onFrame` returning false stops early (the connection closed).
 */
export function splitFrames(
  buf: Buffer,
  onFrame: (type: number, flags: number, streamId: number, payload: Buffer) => boolean,
): { rest: Buffer } | { error: string } {
  let pos = 0;
  while (buf.length - pos >= 9) {
    const len = (buf[pos]! << 16) | (buf[pos + 1]! << 8) | buf[pos + 2]!;
    if (len > MAX_FRAME_SIZE) return { error: `frame of ${len} bytes exceeds SETTINGS_MAX_FRAME_SIZE` };
    const end = pos + 9 + len;
    if (buf.length < end) break;
    const type = buf[pos + 3]!;
    const flags = buf[pos + 4]!;
    const streamId = buf.readUInt32BE(pos + 5) & MAX_STREAM_ID;
    const payload = buf.subarray(pos + 9, end);
    pos = end;
    if (!onFrame(type, flags, streamId, payload)) return { rest: EMPTY };
  }
  return { rest: pos === buf.length ? EMPTY : buf.subarray(pos) };
}
