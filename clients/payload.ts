// Clients for payloadSize and compression: one page of users as ONE response message on every
// protocol (the listUsers operation, answered whole rather than streamed), optionally
// compressed. REST GET /v1/users?after=&limit= (JSON {users, nextAfter}); GraphQL the plain
// list field users(afterId:, limit:) (no connection edges/cursors, so the same page as the
// others); gRPC the unary ListUsersPage (UserPage); WebSocket op listUsers, one
// {"id","result":[...]} message; SSE op listUsersPage, one result event.
// A compressed answer is really decompressed (node:zlib, or ws's permessage-deflate inflater)
// before it is counted, so the client's CPU per op includes decompression. payload.response is
// the decompressed message size; the socket byte counters show what the compression saved.
import zlib from 'node:zlib';
import WebSocket from 'ws';
import type * as grpc from '@grpc/grpc-js';
import { canonicalUser, userFromProto, type UserJson } from '../proto/contract.ts';
import type { UserPage__Output } from '../generated/proto/bench/v1/UserPage.ts';
import {
  Http1Connection,
  buildRequest,
  classifyNetError,
  connectionOverHttp1,
  httpFailure,
  type Http1Response,
} from './wire/http1.ts';
import { classifyGrpcStatus } from './grpc.ts';
import { connect as grpcJsConnect, wireSizeOf } from './grpc-js.ts';
import { AWAITING_SEND, openSseRpcCalls } from './sse.ts';
import { unsupported, withCalls, type CallOutcome, type ClientModule } from './types.ts';
import { connectionOverWebSocket, leadingId, openWebSocket, WebSocketCalls } from './websocket.ts';

/** How the answer travels: identity, HTTP Content-Encoding (gzip, br) or WebSocket permessage-deflate. */
export type PayloadEncoding = 'identity' | 'gzip' | 'br' | 'deflate';

const USERNAME_KEY = Buffer.from('"username"');
const elapsedUs = (t0: number): number => (performance.now() - t0) * 1000;

/** Users in a JSON page without parsing it: every user has exactly one "username" key. */
function countUsers(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(USERNAME_KEY); i >= 0; i = buf.indexOf(USERNAME_KEY, i + USERNAME_KEY.length)) n++;
  return n;
}

/** The same count on a string (an SSE event's data is already decoded text). */
function countUsersIn(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"username"'); i >= 0; i = text.indexOf('"username"', i + 10)) n++;
  return n;
}

/**
 * The plain body of an HTTP answer: decompressed as its Content-Encoding says. An encoding the
 * client did not ask for is an error (the server ignored Accept-Encoding); an uncompressed
 * answer to a compressing request is fine (under the server's 1024-byte threshold).
 */
export function plainBody(res: Http1Response, asked: PayloadEncoding): Buffer {
  const enc = res.contentEncoding;
  if (enc === undefined) return res.body;
  if (enc !== asked) throw Object.assign(new Error(`answer is ${enc}-encoded; asked for ${asked}`), { code: 'EPROTO' });
  // Synchronous: the decompression is the client's work for this call and shows in its CPU.
  return enc === 'br' ? zlib.brotliDecompressSync(res.body) : zlib.gunzipSync(res.body);
}

function acceptHeaders(encoding: PayloadEncoding): Record<string, string> {
  return encoding === 'gzip' || encoding === 'br' ? { 'Accept-Encoding': encoding } : {};
}

// ---------------------------------------------------------------- REST

export function restPage(encoding: PayloadEncoding = 'identity'): ClientModule {
  return {
    async connect({ host, port }) {
      const conn = await Http1Connection.connect(host, port);
      const authority = `${host}:${port}`;
      const headers = { Accept: 'application/json', ...acceptHeaders(encoding) };
      return connectionOverHttp1(conn, async (op, options): Promise<CallOutcome> => {
        if (op.op !== 'listUsers') return unsupported(op);
        const t0 = performance.now();
        try {
          const res = await conn.request(
            buildRequest('GET', `/v1/users?after=${op.after}&limit=${op.limit}`, authority, headers),
          );
          if (res.status !== 200) return httpFailure(res.status, res.body);
          const body = plainBody(res, encoding);
          const base = { ok: true as const, payload: { request: 0, response: body.length }, firstItemUs: elapsedUs(t0) };
          if (!options?.decode) return { ...base, items: countUsers(body) };
          const users = (JSON.parse(body.toString('utf8')) as { users: UserJson[] }).users.map(canonicalUser);
          return { ...base, items: users.length, users };
        } catch (err) {
          return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
        }
      });
    },
  };
}

// ---------------------------------------------------------------- GraphQL

const USER_FIELDS = 'id username email age roles address { street city country postalCode } createdAt';
// The page size is a literal, as a client with a fixed page size writes it: the server's cost
// check then depends on no variable and yoga caches its verdict per document.
const pageQuery = (limit: number): string =>
  `query Page($after: Int) { users(afterId: $after, limit: ${limit}) { ${USER_FIELDS} } }`;
const DATA_PREFIX = Buffer.from('{"data"');

export function graphqlPage(encoding: PayloadEncoding = 'identity'): ClientModule {
  return {
    async connect({ host, port }) {
      const conn = await Http1Connection.connect(host, port);
      const authority = `${host}:${port}`;
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...acceptHeaders(encoding) };
      const queries = new Map<number, string>();
      return connectionOverHttp1(conn, async (op, options): Promise<CallOutcome> => {
        if (op.op !== 'listUsers') return unsupported(op);
        let query = queries.get(op.limit);
        if (!query) queries.set(op.limit, (query = pageQuery(op.limit)));
        const body = `{"query":${JSON.stringify(query)},"variables":{"after":${op.after}}}`;
        const t0 = performance.now();
        try {
          const res = await conn.request(buildRequest('POST', '/graphql', authority, headers, body));
          if (res.status !== 200) return httpFailure(res.status, res.body);
          const plain = plainBody(res, encoding);
          const payload = { request: Buffer.byteLength(body), response: plain.length };
          // graphql-js puts "errors" before "data": an answer that starts with data has none.
          const clean = plain.subarray(0, DATA_PREFIX.length).equals(DATA_PREFIX);
          if (!options?.decode && clean) return { ok: true, payload, items: countUsers(plain), firstItemUs: elapsedUs(t0) };
          const parsed = JSON.parse(plain.toString('utf8')) as {
            data?: { users?: UserJson[] } | null;
            errors?: { message?: string; extensions?: { code?: string } }[];
          };
          if (parsed.errors?.length) {
            const e = parsed.errors[0]!;
            return { ok: false, kind: 'client_error', code: e.extensions?.code, detail: e.message ?? '' };
          }
          const users = (parsed.data?.users ?? []).map(canonicalUser);
          return { ok: true, payload, items: users.length, users, firstItemUs: elapsedUs(t0) };
        } catch (err) {
          return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
        }
      });
    },
  };
}

// ---------------------------------------------------------------- gRPC (stock grpc-js client)

/** Unary ListUsersPage: the page as one UserPage message (grpc-js deserialises it whole). */
export const grpcJsPage: ClientModule = {
  async connect(target) {
    const base = await grpcJsConnect(target);
    return withCalls(base, (op, options): Promise<CallOutcome> => {
      if (op.op !== 'listUsers') return Promise.resolve(unsupported(op));
      const t0 = performance.now();
      return new Promise((resolve) => {
        base.client.ListUsersPage(
          { pageSize: op.limit, afterId: op.after },
          (err: grpc.ServiceError | null, res?: UserPage__Output) => {
            if (err) return resolve(classifyGrpcStatus(err.code, err.details));
            if (!res) return resolve({ ok: false, kind: 'protocol_error', detail: 'no response message' });
            const base = {
              ok: true as const,
              payload: { request: 0, response: wireSizeOf(res) },
              items: res.users.length,
              firstItemUs: elapsedUs(t0),
            };
            if (!options?.decode) return resolve(base);
            resolve({ ...base, users: res.users.map((u) => canonicalUser(userFromProto(u))) });
          },
        );
      });
    });
  },
};

// ---------------------------------------------------------------- WebSocket

interface Pending {
  resolve: (o: CallOutcome) => void;
  t0: number;
  decode: boolean;
  requestBytes: number;
}

export function websocketPage(encoding: PayloadEncoding = 'identity'): ClientModule {
  return {
    async connect({ host, port }) {
      // permessage-deflate with ws's defaults (threshold 1024 B, context takeover), offered only
      // for the deflate variant: the server uses it only if both sides agree.
      const { ws, sock } = await openWebSocket(`ws://${host}:${port}/v1/ws`, { perMessageDeflate: encoding === 'deflate' });
      if (encoding === 'deflate' && !ws.extensions.includes('permessage-deflate')) {
        ws.terminate();
        throw new Error('the server did not accept permessage-deflate (is ServerTuning.compression on?)');
      }
      const setupBytes = { out: sock.bytesWritten, in: sock.bytesRead };
      const pending = new WebSocketCalls<Pending>(ws);
      ws.on('message', (data) => {
        const raw = data as Buffer;
        let id = leadingId(raw);
        let msg: { id?: number; result?: UserJson[]; error?: { code?: string; message?: string } } | undefined;
        if (id === undefined) {
          msg = JSON.parse(raw.toString('utf8')) as typeof msg;
          id = msg!.id ?? -1;
        }
        const p = pending.get(id);
        if (!p) return;
        pending.delete(id);
        // A page starts {"id":N,"result":[ ; anything else (an error) is parsed.
        const isResult = raw[raw.indexOf(0x2c) + 3] === 0x72;
        if (!isResult || p.decode) msg ??= JSON.parse(raw.toString('utf8')) as typeof msg;
        if (msg?.error)
          return p.resolve({ ok: false, kind: 'client_error', code: msg.error.code, detail: msg.error.message ?? '' });
        const base = {
          ok: true as const,
          payload: { request: p.requestBytes, response: raw.length },
          firstItemUs: elapsedUs(p.t0),
        };
        if (!p.decode) return p.resolve({ ...base, items: countUsers(raw) });
        const users = (msg?.result ?? []).map(canonicalUser);
        p.resolve({ ...base, items: users.length, users });
      });
      let nextId = 0;
      return connectionOverWebSocket(ws, sock, setupBytes, (op, options): Promise<CallOutcome> => {
        if (op.op !== 'listUsers') return Promise.resolve(unsupported(op));
        const id = ++nextId;
        const text = `{"id":${id},"op":"listUsers","params":{"afterId":${op.after},"limit":${op.limit}}}`;
        return new Promise((resolve) => {
          if (ws.readyState !== WebSocket.OPEN)
            return resolve({ ok: false, kind: 'connection_reset', detail: 'websocket not open' });
          pending.set(id, { resolve, t0: performance.now(), decode: options?.decode === true, requestBytes: text.length });
          ws.send(text);
        });
      });
    },
  };
}

// ---------------------------------------------------------------- SSE

/** POST /v1/rpc op listUsersPage; the page comes back as one `result` event on the stream. */
export const ssePage: ClientModule = {
  async connect({ host, port }) {
    const calls = await openSseRpcCalls<Pending>(host, port, ['result'], (ev, p) => {
      const base = {
        ok: true as const,
        payload: { request: p.requestBytes, response: ev.dataBytes },
        firstItemUs: elapsedUs(p.t0),
      };
      if (!p.decode) return { ...base, items: countUsersIn(ev.data) };
      const users = (JSON.parse(ev.data) as { result: UserJson[] }).result.map(canonicalUser);
      return { ...base, items: users.length, users };
    });
    return calls.connection((op, options): Promise<CallOutcome> => {
      if (op.op !== 'listUsers') return Promise.resolve(unsupported(op));
      const params = `{"afterId":${op.after},"limit":${op.limit}}`;
      const decode = options?.decode === true;
      return calls.send('listUsersPage', params, { resolve: AWAITING_SEND, t0: performance.now(), decode, requestBytes: 0 });
    });
  },
};
