// WebSocket driver on the ws client: JSON text messages on one connection, replies matched to
// calls by request id, so any number of calls may be in flight at once. Under load a reply is
// only scanned for its id and whether it is a result or an error (the server writes
// {"id":N,"result":...} / {"id":N,"error":...}); it is parsed in full only with decode or
// for errors, as the lean HTTP drivers only frame and check the status.
import type net from 'node:net';
import WebSocket from 'ws';
import { canonicalUser, type UserJson } from '../proto/contract.ts';
import { classifyNetError } from './wire/http1.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule, type Connection, type ErrorKind } from './types.ts';

export const WS_PATH = '/v1/ws';

interface Pending {
  resolve: (o: CallOutcome) => void;
  decode: boolean;
  requestBytes: number;
}

interface Reply {
  id: number | string | null;
  result?: unknown;
  error?: { code?: string; message?: string };
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const R = 0x72;
const ID_PREFIX = Buffer.from('{"id":');

/**
 * Read the request id and reply kind from the start of a reply without parsing it:
 * `{"id":123,"result"` or `{"id":123,"error"`. Undefined when the reply has another shape
 * (a reordered or spaced object, id null or a string): the caller then parses it.
 */
export function scanReply(buf: Buffer): { id: number; isResult: boolean } | undefined {
  if (buf.length < 12 || buf.compare(ID_PREFIX, 0, 6, 0, 6) !== 0) return undefined;
  let i = 6;
  let id = 0;
  for (; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    id = id * 10 + (c - 0x30);
  }
  if (i === 6 || buf[i] !== COMMA || buf[i + 1] !== QUOTE) return undefined;
  return { id, isResult: buf[i + 2] === R };
}

/** `{"id":123,` at the start of a message: its request id without parsing the rest. */
export function leadingId(buf: Buffer): number | undefined {
  if (buf.length < 8 || buf[0] !== 0x7b || buf[5] !== 0x3a) return undefined;
  let id = 0;
  let i = 6;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) break;
    id = id * 10 + (c - 0x30);
  }
  return i > 6 && buf[i] === COMMA ? id : undefined;
}

function errorKind(code: string | undefined): ErrorKind {
  if (code === 'not_found') return 'not_found';
  if (code === 'bad_request' || code === 'unknown_op') return 'client_error';
  return 'server_error';
}

export const connect: ClientModule['connect'] = async ({ host, port }) => {
  const { ws, sock } = await openWebSocket(`ws://${host}:${port}${WS_PATH}`);
  // Nothing is sent after the 101 until the first call, so this is exactly the upgrade.
  const setupBytes: ByteCount = { out: sock.bytesWritten, in: sock.bytesRead };

  const pending = new WebSocketCalls<Pending>(ws);
  let nextId = 0;

  const settle = (p: Pending, responseBytes: number, reply: Reply | undefined, raw: Buffer, isResult: boolean): void => {
    const payload = { request: p.requestBytes, response: responseBytes };
    if (isResult && !p.decode) return p.resolve({ ok: true, payload });
    reply ??= JSON.parse(raw.toString('utf8')) as Reply;
    if (reply.error) return p.resolve(errorReplyOutcome(reply.error));
    if (reply.result === undefined)
      return p.resolve({ ok: false, kind: 'protocol_error', detail: 'reply has neither result nor error' });
    p.resolve({ ok: true, payload, user: canonicalUser(reply.result as UserJson) });
  };

  ws.on('message', (data, isBinary) => {
    const raw = messageBuffer(data);
    if (isBinary) return; // the server never sends binary; nothing to correlate it with
    const scanned = scanReply(raw);
    if (scanned) {
      const p = pending.take(scanned.id);
      if (!p) return;
      settle(p, raw.length, undefined, raw, scanned.isResult);
      return;
    }
    let reply: Reply;
    try {
      reply = JSON.parse(raw.toString('utf8')) as Reply;
    } catch {
      return; // unreadable and uncorrelatable: the call will see the connection's fate
    }
    // id null answers a message we could not have sent; nothing is waiting for it.
    if (typeof reply.id !== 'number') return;
    const p = pending.take(reply.id);
    if (!p) return;
    settle(p, raw.length, reply, raw, reply.error === undefined);
  });

  return connectionOverWebSocket(ws, sock, setupBytes, (op, options): Promise<CallOutcome> => {
    if (op.op !== 'getUser') return Promise.resolve(unsupported(op));
    const notOpen = pending.notOpen();
    if (notOpen) return Promise.resolve(notOpen);
    const id = ++nextId;
    // The request id changes every call, so a cached string would need concatenating anyway:
    // a template string is as cheap and allocates once.
    // A non-integer id (NaN would not even be JSON) goes as JSON so the server can answer
    // bad_request to this request id rather than to id null, which nothing waits for.
    const userId = Number.isInteger(op.id) ? op.id : JSON.stringify(op.id ?? null);
    const text = `{"id":${id},"op":"getUser","params":{"id":${userId}}}`;
    return new Promise((resolve) => {
      // Every character is ASCII here, so length is the byte length.
      pending.set(id, { resolve, decode: options?.decode === true, requestBytes: text.length });
      ws.send(text);
    });
  });
};

/** Close with 1000 and wait for the close, but no more than 200 ms: every WebSocket client here closes this way. */
export function closeWebSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close(1000);
    // A server that does not answer the close handshake promptly is not ours to wait for.
    setTimeout(() => ws.terminate(), 200).unref();
  });
}

/** A Connection on an open WebSocket: byte counts from the socket under it, closed by closeWebSocket. */
export function connectionOverWebSocket(
  ws: WebSocket,
  sock: net.Socket,
  setupBytes: ByteCount,
  call: Connection['call'],
): Connection {
  return { setupBytes, wireBytes: () => ({ out: sock.bytesWritten, in: sock.bytesRead }), call, close: () => closeWebSocket(ws) };
}

/** An open ws client connection and the net.Socket under it. */
export interface OpenWebSocket {
  ws: WebSocket;
  /** Its counters include the HTTP upgrade exchange and all frame headers, which ws itself does not report. */
  sock: net.Socket;
}

/** Open a ws connection (rejecting if it does not open) with Nagle off on its socket. */
export async function openWebSocket(
  url: string,
  { protocols, perMessageDeflate = false }: { protocols?: string | string[]; perMessageDeflate?: boolean } = {},
): Promise<OpenWebSocket> {
  const ws = new WebSocket(url, protocols, { perMessageDeflate });
  let socket: net.Socket | undefined;
  ws.once('upgrade', (res) => {
    socket = res.socket as net.Socket;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      resolve();
    });
  });
  socket ??= (ws as unknown as { _socket?: net.Socket })._socket;
  if (!socket) throw new Error('ws opened without a socket');
  socket.setNoDelay(true);
  return { ws, sock: socket };
}

/** The calls in flight on one WebSocket, by request id: all of them fail when the socket errors or closes. */
export class WebSocketCalls<P extends { resolve(outcome: CallOutcome): void }> extends Map<number, P> {
  /** What ended the connection, once something has. */
  closedError: Error | undefined;

  constructor(private readonly ws: WebSocket) {
    super();
    ws.on('error', (err) => this.failAll(err));
    ws.on('close', (code) => this.failAll(Object.assign(new Error(`websocket closed (${code})`), { code: 'ECONNRESET' })));
  }

  /** The call waiting for `id`, no longer waiting. */
  take(id: number): P | undefined {
    const p = this.get(id);
    if (p) this.delete(id);
    return p;
  }

  failAll(err: Error): void {
    this.closedError ??= err;
    const kind = classifyNetError(err);
    for (const p of this.values()) p.resolve({ ok: false, kind, detail: err.message });
    this.clear();
  }

  /** The outcome of a call made when the connection cannot carry it, or undefined when it can. */
  notOpen(): CallOutcome | undefined {
    if (!this.closedError && this.ws.readyState === WebSocket.OPEN) return undefined;
    return { ok: false, kind: 'connection_reset', detail: this.closedError?.message ?? 'websocket not open' };
  }
}

/** A getUser error reply ({"id":N,"error":{code,message}}) as the call's outcome. */
export function errorReplyOutcome(error: { code?: string; message?: string }): CallOutcome {
  const code = error.code;
  return { ok: false, kind: errorKind(code), ...(code ? { code } : {}), detail: error.message ?? '' };
}

/** A ws 'message' event's data as one Buffer (ws hands a Buffer unless told otherwise). */
export function messageBuffer(data: WebSocket.RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
}
