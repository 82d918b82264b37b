// Lean RPC-over-SSE driver on two raw sockets: a hand-written GET /v1/events whose
// text/event-stream is de-chunked and parsed incrementally, and a keep-alive HTTP/1.1
// connection (clients/wire/http1.ts) for the POST /v1/rpc requests, pipelined. Answers arrive as
// events and are matched to calls by requestId.
import net from 'node:net';
import { canonicalUser, type UserJson } from '../proto/contract.ts';
import { Http1Connection, buildRequest, classifyNetError, httpFailure, statusFailure } from './wire/http1.ts';
import { Dechunker, SseParser, type SseEvent } from './wire/sse-parser.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule, type Connection } from './types.ts';

/** How long connect() waits for the session event. */
const SESSION_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(outcome: CallOutcome): void;
  decode: boolean;
  requestBytes: number;
  /** The POST got its 202. */
  accepted: boolean;
  /** The answer event, if it came before the 202 (the two sockets race). */
  outcome: CallOutcome | undefined;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export const connect: ClientModule['connect'] = async ({ host, port }) => {
  const authority = `${host}:${port}`;
  const pending = new Map<number, Pending>();
  let closed = false;
  let seq = 0;

  const failAll = (err: Error): void => {
    closed = true;
    const outcome: CallOutcome = { ok: false, kind: classifyNetError(err), detail: err.message };
    for (const p of pending.values()) p.resolve(outcome);
    pending.clear();
  };

  const onEvent = (ev: SseEvent): void => {
    let rid: number;
    let outcome: CallOutcome;
    if (ev.type === 'result') {
      // The id line carries the requestId, so the lean path correlates without JSON.parse.
      rid = ev.hasId ? Number(ev.lastEventId) : (JSON.parse(ev.data) as { requestId: number }).requestId;
      const p = pending.get(rid);
      if (!p) return;
      const payload = { request: p.requestBytes, response: ev.dataBytes };
      outcome = p.decode
        ? { ok: true, payload, user: canonicalUser((JSON.parse(ev.data) as { result: UserJson }).result) }
        : { ok: true, payload };
    } else if (ev.type === 'error') {
      const msg = JSON.parse(ev.data) as { requestId: number; error?: { code?: string; message?: string } };
      rid = msg.requestId;
      const code = msg.error?.code ?? 'unknown';
      outcome = { ok: false, kind: code === 'not_found' ? 'not_found' : 'server_error', code, detail: msg.error?.message };
    } else {
      return; // session (handled in open), item/end (not a getUser answer)
    }
    const p = pending.get(rid);
    if (!p) return;
    pending.delete(rid);
    if (p.accepted) p.resolve(outcome);
    else p.outcome = outcome;
  };

  const [streamR, postR] = await Promise.allSettled([
    openStream(host, port, authority, onEvent),
    Http1Connection.connect(host, port),
  ]);
  if (streamR.status === 'rejected' || postR.status === 'rejected') {
    // Do not leak the socket that did open.
    if (streamR.status === 'fulfilled') streamR.value.socket.destroy();
    if (postR.status === 'fulfilled') postR.value.socket.destroy();
    throw streamR.status === 'rejected' ? streamR.reason : (postR as PromiseRejectedResult).reason;
  }
  const stream = streamR.value;
  const post = postR.value;
  const { socket, streamId } = stream;
  socket.on('close', () => failAll(Object.assign(new Error('event stream closed'), { code: 'ECONNRESET' })));
  socket.on('error', () => {}); // 'close' follows and fails the calls
  post.socket.on('close', () => failAll(Object.assign(new Error('POST connection closed'), { code: 'ECONNRESET' })));

  const bytes = (): ByteCount => {
    const p = post.bytes();
    return { out: socket.bytesWritten + p.out, in: socket.bytesRead + p.in };
  };
  // Taken before any POST: the GET, the response head and the session event (plus a TCP
  // connect on the POST socket, which carries no bytes).
  const setupBytes = bytes();

  // Request bytes are what buildRequest('POST', '/v1/rpc', authority, {Content-Type}, body)
  // produces (a test checks it), assembled from cached pieces: only the requestId varies.
  // A UUID streamId and integer ids keep the body ASCII, so latin1 encoding is exact.
  const head = `POST /v1/rpc HTTP/1.1\r\nHost: ${authority}\r\nContent-Type: application/json\r\nContent-Length: `;
  const bodyPrefix = `{"streamId":${JSON.stringify(streamId)},"requestId":`;
  const ascii = /^[\x20-\x7e]*$/.test(bodyPrefix);
  const suffixes = new Map<number, string>();
  const suffixFor = (id: number): string => {
    let s = suffixes.get(id);
    if (s === undefined) suffixes.set(id, (s = `,"op":"getUser","params":{"id":${JSON.stringify(id)}}}`));
    return s;
  };

  const connection: Connection = {
    setupBytes,
    wireBytes: bytes,
    call(op, options): Promise<CallOutcome> {
      if (op.op !== 'getUser') return Promise.resolve(unsupported(op));
      if (closed) return Promise.resolve({ ok: false, kind: 'connection_reset', detail: 'connection closed' });
      const rid = ++seq;
      const body = bodyPrefix + rid + suffixFor(op.id);
      const bodyLen = ascii ? body.length : Buffer.byteLength(body);
      const raw = Buffer.from(head + bodyLen + '\r\n\r\n' + body, ascii ? 'latin1' : 'utf8');
      return new Promise<CallOutcome>((resolve) => {
        const p: Pending = {
          resolve,
          decode: options?.decode === true,
          requestBytes: bodyLen,
          accepted: false,
          outcome: undefined,
        };
        // Registered before the POST is written: the event may beat the 202 back.
        pending.set(rid, p);
        post.request(raw).then(
          (res) => {
            if (res.status === 202) {
              if (p.outcome) resolve(p.outcome);
              else p.accepted = true;
              return;
            }
            pending.delete(rid);
            resolve(statusFailure(res.status, res.body));
          },
          (err: Error) => {
            pending.delete(rid);
            resolve({ ok: false, kind: classifyNetError(err), detail: err.message });
          },
        );
      });
    },
    async close() {
      closed = true;
      await Promise.all([
        post.close(),
        new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          socket.once('close', () => resolve());
          socket.end();
          // The server keeps the stream open until it sees our FIN; don't wait on it long.
          setTimeout(() => socket.destroy(), 200).unref();
        }),
      ]);
    },
  };
  return connection;
};

// Result, item and end events start `{"requestId":N,`: read N without JSON.parse.
const RID_PREFIX = '{"requestId":';
export function requestIdOf(data: string): number | undefined {
  if (!data.startsWith(RID_PREFIX)) return undefined;
  let id = 0;
  let i = RID_PREFIX.length;
  for (; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    id = id * 10 + (c - 0x30);
  }
  return i > RID_PREFIX.length ? id : undefined;
}

/** A scenario call in flight on an SseRpcCalls session. */
export interface SseCall {
  /** Set by send(): what settles the call (pass AWAITING_SEND). */
  resolve: (outcome: CallOutcome) => void;
  /** performance.now() when the call started. */
  t0: number;
  decode: boolean;
  /** Set by send(): the POST body's length (pass 0). */
  requestBytes: number;
}

/** The placeholder `resolve` of an SseCall not yet sent: send() replaces it before anything can settle the call. */
export const AWAITING_SEND = (): void => {};

/**
 * An RPC-over-SSE session for a scenario client: the event stream plus a keep-alive
 * connection for the POSTs, with its calls matched to events by requestId.
 */
export interface SseRpcCalls<C extends SseCall> {
  /** POST `op` with `params` (JSON text); answers when the call's events have, or at once if the POST was refused. */
  send(op: string, params: string, call: C): Promise<CallOutcome>;
  /** The session as a Connection whose calls are made by `call` (with send). */
  connection(call: Connection['call']): Connection;
}

/**
 * Open a session whose `error` events fail their call (client_error) and whose events of the
 * types in `answers` go to `answer`, which gives the call's outcome once it is complete
 * (undefined while more events are to come, as for a streamed page's items).
 */
export async function openSseRpcCalls<C extends SseCall>(
  host: string,
  port: number,
  answers: readonly string[],
  answer: (ev: SseEvent, call: C) => CallOutcome | undefined,
): Promise<SseRpcCalls<C>> {
  const authority = `${host}:${port}`;
  const pending = new Map<number, C>();
  const onEvent = (ev: SseEvent): void => {
    if (ev.type !== 'error' && !answers.includes(ev.type)) return;
    const rid = requestIdOf(ev.data) ?? (JSON.parse(ev.data) as { requestId: number }).requestId;
    const call = pending.get(rid);
    if (!call) return;
    let outcome: CallOutcome | undefined;
    if (ev.type === 'error') {
      const e = (JSON.parse(ev.data) as { error: { code?: string; message?: string } }).error;
      outcome = { ok: false, kind: 'client_error', code: e.code, detail: e.message ?? '' };
    } else {
      outcome = answer(ev, call);
      if (!outcome) return;
    }
    pending.delete(rid);
    call.resolve(outcome);
  };
  const [{ socket, streamId }, conn] = await Promise.all([
    openStream(host, port, authority, onEvent),
    Http1Connection.connect(host, port),
  ]);
  const setupBytes = { out: socket.bytesWritten, in: socket.bytesRead };
  socket.on('close', () => {
    for (const call of pending.values()) call.resolve({ ok: false, kind: 'connection_reset', detail: 'event stream closed' });
    pending.clear();
  });
  const headers = { 'Content-Type': 'application/json' };
  const streamJson = JSON.stringify(streamId);
  let nextId = 0;
  const post = async (body: string): Promise<CallOutcome | undefined> => {
    try {
      const res = await conn.request(buildRequest('POST', '/v1/rpc', authority, headers, body));
      return res.status === 202 ? undefined : httpFailure(res.status, res.body);
    } catch (err) {
      return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
    }
  };
  const wireBytes = (): ByteCount => {
    const b = conn.bytes();
    return { out: b.out + socket.bytesWritten, in: b.in + socket.bytesRead };
  };
  const close = async (): Promise<void> => {
    socket.destroy();
    await conn.close();
  };
  return {
    connection: (call) => ({ setupBytes, wireBytes, close, call }),
    async send(op, params, call) {
      const rid = ++nextId;
      const body = `{"streamId":${streamJson},"requestId":${rid},"op":"${op}","params":${params}}`;
      call.requestBytes = body.length;
      // Registered before the POST is written: the event may beat the 202 back.
      const done = new Promise<CallOutcome>((resolve) => {
        call.resolve = resolve;
        pending.set(rid, call);
      });
      const refused = await post(body);
      if (refused) {
        pending.delete(rid);
        return refused;
      }
      return done;
    },
  };
}

/**
 * Open the event stream: write the GET, check the response head, then feed the body
 * (de-chunked if needed) to the SSE parser. Resolves once the session event names the stream.
 */
export function openStream(
  host: string,
  port: number,
  authority: string,
  onEvent: (ev: SseEvent) => void,
): Promise<{ socket: net.Socket; streamId: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(Object.assign(new Error('no session event'), { code: 'ETIMEDOUT' })), SESSION_TIMEOUT_MS);
    timer.unref();

    const parser = new SseParser({
      onEvent(ev) {
        if (settled) return onEvent(ev);
        if (ev.type !== 'session') return fail(new Error(`expected a session event first, got ${ev.type}`));
        let streamId: unknown;
        try {
          streamId = (JSON.parse(ev.data) as { streamId?: unknown }).streamId;
        } catch {
          /* falls through to the check below */
        }
        if (typeof streamId !== 'string') return fail(new Error('session event without a streamId'));
        settled = true;
        clearTimeout(timer);
        resolve({ socket, streamId });
      },
    });

    let headBuf: Buffer | undefined = Buffer.alloc(0);
    let feed: (chunk: Buffer) => void = (c) => parser.push(c);
    socket.on('data', (chunk: Buffer) => {
      try {
        if (headBuf === undefined) return feed(chunk);
        headBuf = Buffer.concat([headBuf, chunk]);
        const end = headBuf.indexOf(CRLFCRLF);
        if (end < 0) {
          if (headBuf.length > 16 * 1024) throw new Error('response head too large');
          return;
        }
        const head = headBuf.toString('latin1', 0, end);
        const rest = headBuf.subarray(end + 4);
        headBuf = undefined;
        const status = Number(head.slice(9, 12));
        if (!head.startsWith('HTTP/1.') || status !== 200) throw new Error(`event stream refused: ${head.split('\r\n', 1)[0]}`);
        const lower = head.toLowerCase();
        if (!/\r\ncontent-type:\s*text\/event-stream/.test(lower)) throw new Error('response is not text/event-stream');
        if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
          const dechunker = new Dechunker(
            (body) => parser.push(body),
            () => socket.end(), // the server ended the stream cleanly
          );
          feed = (c) => dechunker.push(c);
        }
        if (rest.length > 0) feed(rest);
      } catch (err) {
        // A framing error leaves the stream unusable: drop it, which fails pending calls.
        if (!settled) fail(Object.assign(err as Error, { code: 'EPROTO' }));
        else socket.destroy();
      }
    });
    socket.once('error', (err) => fail(err));
    socket.once('close', () => {
      parser.end();
      fail(Object.assign(new Error('event stream closed before the session event'), { code: 'ECONNRESET' }));
    });
    socket.once('connect', () => {
      socket.write(
        `GET /v1/events HTTP/1.1\r\nHost: ${authority}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`,
      );
    });
  });
}
