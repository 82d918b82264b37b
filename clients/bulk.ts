// Clients for the multi-item scenarios (listUsers, createUsers, nPlusOne): pages, streams and
// batches that the lean getUser drivers do not carry. One ClientModule per protocol row;
// getUser and other operations fall through to `unsupported`. Each call reports how many items
// it carried and, for streams, when the first one arrived (CallOutcome.items / firstItemUs).
import WebSocket from 'ws';
import type * as grpc from '@grpc/grpc-js';
import { canonicalUser, userFromProto, type UserJson } from '../proto/contract.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import type { CreateUsersResponse__Output } from '../generated/proto/bench/v1/CreateUsersResponse.ts';
import { Http1Connection, buildRequest, classifyNetError, connectionOverHttp1, httpFailure } from './wire/http1.ts';
import { classifyGrpcStatus } from './grpc.ts';
import { connect as grpcJsConnect } from './grpc-js.ts';
import { AWAITING_SEND, openSseRpcCalls } from './sse.ts';
import { unsupported, withCalls, type CallOutcome, type ClientModule, type NewUserJson } from './types.ts';
import { connectionOverWebSocket, leadingId, openWebSocket, WebSocketCalls } from './websocket.ts';

const USER_FIELDS = 'id username email age roles address { street city country postalCode } createdAt';
const elapsedUs = (t0: number): number => (performance.now() - t0) * 1000;

/** Count `"id":` keys at the top of each user without parsing: a page's item count cheaply. */
function countOccurrences(buf: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) n++;
  return n;
}
// Every user has exactly one "username" key and nothing else in these answers has one.
const USERNAME_KEY = Buffer.from('"username"');

// ---------------------------------------------------------------- REST

export const rest: ClientModule = {
  description: 'HTTP/1.1 keep-alive on raw node:net sockets (pages, batch and per-user POSTs, pipelined); fastify server',
  async connect({ host, port }) {
    const conn = await Http1Connection.connect(host, port);
    const authority = `${host}:${port}`;
    const json = { Accept: 'application/json' };
    const post = (path: string, body: string): Buffer =>
      buildRequest('POST', path, authority, { ...json, 'Content-Type': 'application/json' }, body);
    return connectionOverHttp1(conn, async (op, options): Promise<CallOutcome> => {
      const t0 = performance.now();
      try {
        if (op.op === 'listUsers') {
          // offset rows skip `after` rows; cursor rows ask for ids after `after`.
          const q = op.variant?.startsWith('offset') ? `offset=${op.after}` : `after=${op.after}`;
          const res = await conn.request(buildRequest('GET', `/v1/users?${q}&limit=${op.limit}`, authority, json));
          if (res.status !== 200) return httpFailure(res.status, res.body);
          const payload = { request: 0, response: res.body.length };
          // A JSON page is usable only once whole: first item = last item.
          const base = { ok: true as const, payload, firstItemUs: elapsedUs(t0) };
          if (!options?.decode) return { ...base, items: countOccurrences(res.body, USERNAME_KEY) };
          const users = (JSON.parse(res.body.toString('utf8')) as { users: UserJson[] }).users.map(canonicalUser);
          return { ...base, items: users.length, users };
        }
        if (op.op === 'createUsers') {
          if (op.variant === 'each') {
            // One POST per user, pipelined on the keep-alive connection as a client would.
            const bodies = op.users.map((u) => JSON.stringify(u));
            const all = await Promise.all(bodies.map((b) => conn.request(post('/v1/users', b))));
            const bad = all.find((r) => r.status !== 201);
            if (bad) return httpFailure(bad.status, bad.body);
            const payload = {
              request: bodies.reduce((s, b) => s + b.length, 0),
              response: all.reduce((s, r) => s + r.body.length, 0),
            };
            return {
              ok: true,
              payload,
              items: all.length,
              requests: all.length,
              ...(options?.decode && { ids: all.map((r) => (JSON.parse(r.body.toString('utf8')) as UserJson).id) }),
            };
          }
          const body = JSON.stringify(op.users);
          const res = await conn.request(post('/v1/users/batch', body));
          if (res.status !== 201) return httpFailure(res.status, res.body);
          const payload = { request: body.length, response: res.body.length };
          return {
            ok: true,
            payload,
            items: op.users.length,
            ...(options?.decode && { ids: (JSON.parse(res.body.toString('utf8')) as { ids: number[] }).ids }),
          };
        }
      } catch (err) {
        return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
      }
      return unsupported(op);
    });
  },
};

// ---------------------------------------------------------------- GraphQL

const CONNECTION_QUERY = `query Page($first: Int, $after: String) { userConnection(first: $first, after: $after) { edges { cursor node { ${USER_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const CREATE_MUTATION = 'mutation Create($input: [NewUser!]!) { createUsers(input: $input) { created ids } }';
export const POSTS_QUERY = 'query Posts($first: Int) { posts(first: $first) { id title author { id username } } }';
const ERRORS_KEY = Buffer.from('"errors"');

/** The cursor the server gives for user `id` (servers/graphql.ts userCursor); 0 = from the start. */
function cursorFor(id: number): string | null {
  return id > 0 ? Buffer.from(`user:${id}`).toString('base64') : null;
}

export const graphql: ClientModule = {
  description:
    "HTTP/1.1 keep-alive on raw node:net sockets, POST /graphql with the scenario's query or mutation; graphql-yoga server",
  async connect({ host, port }) {
    const conn = await Http1Connection.connect(host, port);
    const authority = `${host}:${port}`;
    return connectionOverHttp1(conn, async (op, options): Promise<CallOutcome> => {
      let body: string;
      if (op.op === 'listUsers')
        body = JSON.stringify({ query: CONNECTION_QUERY, variables: { first: op.limit, after: cursorFor(op.after) } });
      else if (op.op === 'createUsers') body = JSON.stringify({ query: CREATE_MUTATION, variables: { input: op.users } });
      else if (op.op === 'postsWithAuthors') body = JSON.stringify({ query: POSTS_QUERY, variables: { first: op.first } });
      else return unsupported(op);
      const t0 = performance.now();
      let res;
      try {
        res = await conn.request(
          buildRequest('POST', '/graphql', authority, { 'Content-Type': 'application/json', Accept: 'application/json' }, body),
        );
      } catch (err) {
        return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
      }
      if (res.status !== 200) return httpFailure(res.status, res.body);
      const payload = { request: Buffer.byteLength(body), response: res.body.length };
      const hasErrors = res.body.indexOf(ERRORS_KEY) >= 0;
      if (!options?.decode && !hasErrors) {
        const items =
          op.op === 'listUsers' ? countOccurrences(res.body, USERNAME_KEY) : op.op === 'createUsers' ? op.users.length : op.first;
        return { ok: true, payload, items, ...(op.op === 'listUsers' && { firstItemUs: elapsedUs(t0) }) };
      }
      const parsed = JSON.parse(res.body.toString('utf8')) as {
        data?: {
          userConnection?: { edges: { node: UserJson }[] };
          createUsers?: { ids: string[] };
          posts?: { id: string; author: { id: string } }[];
        } | null;
        errors?: { message?: string; extensions?: { code?: string } }[];
      };
      if (parsed.errors?.length) {
        const e = parsed.errors[0]!;
        return { ok: false, kind: 'client_error', code: e.extensions?.code, detail: e.message ?? '' };
      }
      const data = parsed.data ?? {};
      if (op.op === 'listUsers') {
        const users = data.userConnection!.edges.map((e) => canonicalUser(e.node));
        return { ok: true, payload, items: users.length, users, firstItemUs: elapsedUs(t0) };
      }
      if (op.op === 'createUsers') return { ok: true, payload, items: op.users.length, ids: data.createUsers!.ids.map(Number) };
      const posts = data.posts!;
      // Post ids, then author ids: enough to check each post's author against the store.
      return { ok: true, payload, items: posts.length, ids: posts.flatMap((p) => [Number(p.id), Number(p.author.id)]) };
    });
  },
};

// ---------------------------------------------------------------- gRPC (stock grpc-js client)

/** Server streaming ListUsers and client streaming CreateUsers on the grpc-js client. */
export const grpcJs: ClientModule = {
  description: 'stock @grpc/grpc-js client: server-streaming ListUsers, client-streaming CreateUsers; @grpc/grpc-js server',
  async connect(target) {
    const base = await grpcJsConnect(target);
    const client = base.client;
    return withCalls(base, (op, options): Promise<CallOutcome> => {
      const t0 = performance.now();
      if (op.op === 'listUsers') {
        return new Promise((resolve) => {
          const users: UserJson[] = [];
          let items = 0;
          let firstItemUs: number | undefined;
          const stream = client.ListUsers({ pageSize: op.limit, afterId: op.after });
          stream.on('data', (u: User__Output) => {
            firstItemUs ??= elapsedUs(t0);
            items++;
            if (options?.decode) users.push(canonicalUser(userFromProto(u)));
          });
          stream.on('error', (err: grpc.ServiceError) => resolve(classifyGrpcStatus(err.code, err.details)));
          // grpc-js does not report message sizes; the socket bytes (wireBytes) carry them.
          stream.on('end', () =>
            resolve({
              ok: true,
              payload: { request: 0, response: 0 },
              items,
              firstItemUs: firstItemUs ?? elapsedUs(t0),
              ...(options?.decode && { users }),
            }),
          );
        });
      }
      if (op.op === 'createUsers') {
        return new Promise((resolve) => {
          const call = client.CreateUsers((err, res?: CreateUsersResponse__Output) => {
            if (err) return resolve(classifyGrpcStatus(err.code, err.details));
            resolve({
              ok: true,
              payload: { request: 0, response: 0 },
              items: res?.created ?? 0,
              ...(options?.decode && { ids: [...(res?.ids ?? [])] }),
            });
          });
          for (const u of op.users) call.write(u);
          call.end();
        });
      }
      return Promise.resolve(unsupported(op));
    });
  },
};

// ---------------------------------------------------------------- WebSocket

/** A WebSocket answer when it has to be parsed (see scanStreamed). */
interface WsStreamed {
  id: number;
  item?: UserJson;
  end?: boolean;
  result?: { created: number; ids: number[] };
  error?: { code?: string; message?: string };
}

interface WsPending {
  resolve: (o: CallOutcome) => void;
  t0: number;
  decode: boolean;
  requestBytes: number;
  responseBytes: number;
  items: number;
  firstItemUs?: number;
  users: UserJson[];
}

export const websocket: ClientModule = {
  description:
    'ws client, one JSON request message per call; a batch answered in one message, a page streamed one message per item then an end marker; ws server',
  async connect({ host, port }) {
    const { ws, sock } = await openWebSocket(`ws://${host}:${port}/v1/ws`);
    const setupBytes = { out: sock.bytesWritten, in: sock.bytesRead };
    const pending = new WebSocketCalls<WsPending>(ws);
    let nextId = 0;
    ws.on('message', (data) => {
      const raw = data as Buffer;
      // `{"id":123,"item"` / `{"id":123,"end"`: the id and kind without JSON.parse, as the getUser
      // driver's scanReply does; anything else is parsed.
      const lead = leadingId(raw);
      const at = lead === undefined ? -1 : raw.indexOf(0x2c) + 2; // the key's first letter
      let id: number;
      let kind: 'item' | 'end' | 'result' | 'error';
      let msg: WsStreamed | undefined;
      if (lead !== undefined && (raw[at] === 0x69 || (raw[at] === 0x65 && raw[at + 1] === 0x6e))) {
        // 'i'tem or 'en'd (not 'er'ror)
        id = lead;
        kind = raw[at] === 0x69 ? 'item' : 'end';
      } else {
        msg = JSON.parse(raw.toString('utf8')) as WsStreamed;
        id = msg.id;
        kind = msg.error ? 'error' : msg.item !== undefined ? 'item' : msg.end ? 'end' : 'result';
      }
      const p = pending.get(id);
      if (!p) return;
      p.responseBytes += raw.length;
      if (kind === 'item') {
        p.firstItemUs ??= elapsedUs(p.t0);
        p.items++;
        if (p.decode) p.users.push(canonicalUser((msg ?? (JSON.parse(raw.toString('utf8')) as WsStreamed)).item!));
        return;
      }
      pending.delete(id);
      const payload = { request: p.requestBytes, response: p.responseBytes };
      if (kind === 'error')
        return p.resolve({ ok: false, kind: 'client_error', code: msg!.error!.code, detail: msg!.error!.message });
      if (kind === 'end')
        return p.resolve({
          ok: true,
          payload,
          items: p.items,
          firstItemUs: p.firstItemUs ?? elapsedUs(p.t0),
          ...(p.decode && { users: p.users }),
        });
      // createUsers: {"id":N,"result":{"created":K,"ids":[...]}}
      const { result } = msg ?? (JSON.parse(raw.toString('utf8')) as WsStreamed);
      p.resolve({ ok: true, payload, items: result!.created, ...(p.decode && { ids: result!.ids }) });
    });
    const send = (text: string, decode: boolean): Promise<CallOutcome> =>
      new Promise((resolve) => {
        if (ws.readyState !== WebSocket.OPEN)
          return resolve({ ok: false, kind: 'connection_reset', detail: 'websocket not open' });
        const id = nextId;
        pending.set(id, {
          resolve,
          t0: performance.now(),
          decode,
          requestBytes: Buffer.byteLength(text),
          responseBytes: 0,
          items: 0,
          users: [],
        });
        ws.send(text);
      });
    return connectionOverWebSocket(ws, sock, setupBytes, (op, options): Promise<CallOutcome> => {
      const id = ++nextId;
      if (op.op === 'listUsers')
        return send(
          `{"id":${id},"op":"listUsersStream","params":{"afterId":${op.after},"limit":${op.limit}}}`,
          options?.decode === true,
        );
      if (op.op === 'createUsers')
        return send(JSON.stringify({ id, op: 'createUsers', params: { users: op.users } }), options?.decode === true);
      return Promise.resolve(unsupported(op));
    });
  },
};

// ---------------------------------------------------------------- SSE

export const sse: ClientModule = {
  description: 'RPC over SSE: request as HTTP POST, one event per item then an end event on the long-lived text/event-stream',
  async connect({ host, port }) {
    const calls = await openSseRpcCalls<WsPending>(host, port, ['item', 'end'], (ev, p) => {
      p.responseBytes += ev.dataBytes;
      if (ev.type === 'item') {
        p.firstItemUs ??= elapsedUs(p.t0);
        p.items++;
        if (p.decode) p.users.push(canonicalUser((JSON.parse(ev.data) as { item: UserJson }).item));
        return undefined;
      }
      return {
        ok: true,
        payload: { request: p.requestBytes, response: p.responseBytes },
        items: p.items,
        firstItemUs: p.firstItemUs ?? elapsedUs(p.t0),
        ...(p.decode && { users: p.users }),
      };
    });
    return calls.connection((op, options): Promise<CallOutcome> => {
      if (op.op !== 'listUsers') return Promise.resolve(unsupported(op));
      return calls.send('listUsers', `{"afterId":${op.after},"limit":${op.limit}}`, {
        resolve: AWAITING_SEND,
        t0: performance.now(),
        decode: options?.decode === true,
        requestBytes: 0,
        responseBytes: 0,
        items: 0,
        users: [],
      });
    });
  },
};

export type { NewUserJson };
