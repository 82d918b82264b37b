// One vocabulary for how an HTTP/2 stream or connection ends badly, shared by every lean HTTP/2
// driver (clients/wire/h2-session.ts): the error codes of RFC 9113 section 7 by name, and one
// mapping from RST_STREAM, GOAWAY and socket errors to the harness's error kinds.
import type { CallOutcome, ErrorKind } from '../types.ts';

export type Failure = Extract<CallOutcome, { ok: false }>;

/** RFC 9113 section 7, in code order: H2_ERROR_NAMES[code] is the code's name. */
export const H2_ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
] as const;

export type H2ErrorName = (typeof H2_ERROR_NAMES)[number];

/** The code of each name, e.g. H2_ERROR.PROTOCOL_ERROR === 1. */
export const H2_ERROR = Object.fromEntries(H2_ERROR_NAMES.map((name, code) => [name, code])) as Record<H2ErrorName, number>;

/** The code's name; a code RFC 9113 does not define is shown in hex, as the registry lists codes. */
export function h2ErrorName(code: number): string {
  return H2_ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}

/**
 * What a stream reset by the peer (RST_STREAM) means for the call, by error code:
 * - the stream was torn down without an answer but nothing is wrong with either side (NO_ERROR
 *   before END_STREAM, REFUSED_STREAM: not processed, CANCEL, CONNECT_ERROR): connection_reset,
 *   the kind of a call the transport dropped;
 * - one side broke the protocol or the two disagree on it: protocol_error;
 * - the server failed or sheds load (INTERNAL_ERROR, ENHANCE_YOUR_CALM, the way gRPC reads them
 *   as INTERNAL and RESOURCE_EXHAUSTED): server_error. Codes RFC 9113 does not define count as
 *   INTERNAL_ERROR, as section 7 allows.
 */
const RESET_KINDS: readonly ErrorKind[] = [
  'connection_reset', // NO_ERROR
  'protocol_error', // PROTOCOL_ERROR
  'server_error', // INTERNAL_ERROR
  'protocol_error', // FLOW_CONTROL_ERROR
  'protocol_error', // SETTINGS_TIMEOUT
  'protocol_error', // STREAM_CLOSED
  'protocol_error', // FRAME_SIZE_ERROR
  'connection_reset', // REFUSED_STREAM
  'connection_reset', // CANCEL
  'protocol_error', // COMPRESSION_ERROR
  'connection_reset', // CONNECT_ERROR
  'server_error', // ENHANCE_YOUR_CALM
  'protocol_error', // INADEQUATE_SECURITY
  'protocol_error', // HTTP_1_1_REQUIRED
];

export function resetKind(code: number): ErrorKind {
  return RESET_KINDS[code] ?? 'server_error';
}

/** A stream the peer reset before it answered. */
export function streamResetFailure(code: number): Failure {
  return { ok: false, kind: resetKind(code), code: `RST_STREAM ${h2ErrorName(code)}` };
}

/**
 * A stream the peer will not process because it is closing the connection (GOAWAY, stream id
 * above its last-stream-id). Whatever the code, the call needs a new connection, so the kind is
 * connection_reset (the load loops reconnect on it); the code says why the peer left.
 */
export function goawayFailure(code: number): Failure {
  return { ok: false, kind: 'connection_reset', code: `GOAWAY ${h2ErrorName(code)}`, detail: 'server is closing the connection' };
}

/** The socket failed (ECONNRESET, EPIPE, ECONNREFUSED...): the connection is gone. */
export function socketErrorFailure(err: NodeJS.ErrnoException): Failure {
  return { ok: false, kind: 'connection_reset', code: err.code, detail: err.message };
}

export const CONNECTION_CLOSED: Failure = { ok: false, kind: 'connection_reset', detail: 'connection closed' };
export const CLOSED_BY_CLIENT: Failure = { ok: false, kind: 'connection_reset', detail: 'connection closed by client' };
export const STREAM_IDS_EXHAUSTED: Failure = { ok: false, kind: 'connection_reset', detail: 'stream ids exhausted; reconnect' };

/** We found the peer breaking HTTP/2 (a bad frame, an HPACK error) and dropped the connection with GOAWAY `code`. */
export function connectionErrorFailure(code: number, detail: string): Failure {
  return { ok: false, kind: 'protocol_error', code: h2ErrorName(code), detail };
}

/**
 * What a call made on a connection that has already ended gets: connection_reset whatever ended
 * it, so the load loops reconnect instead of failing in a tight loop; the cause stays in code and detail.
 */
export function afterClose(cause: Failure): Failure {
  if (cause.kind === 'connection_reset') return cause;
  return { ok: false, kind: 'connection_reset', code: cause.code, detail: `connection closed: ${cause.detail ?? cause.kind}` };
}
