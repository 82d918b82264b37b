// chat scenario clients: each connection keeps one long-lived bidirectional channel open (a
// gRPC Chat stream, a WebSocket, a graphql-ws socket with a `chat` subscription, an SSE
// stream with POSTs beside it) and a call sends one message on it, then completes when the
// server's relay of that message arrives, matched by seq (servers/chat.ts). Any number of
// messages may be in flight on a channel. Each connection sends one probe message (seq 0)
// at connect and waits for its relay, so the channel is proven open (for GraphQL: the
// subscription is live) before the first measured message, and that exchange counts as the
// connection's setup bytes.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type * as grpc from '@grpc/grpc-js';
import type { ChatMessage__Output } from '../generated/proto/bench/v1/ChatMessage.ts';
import { Http1Connection, buildRequest, classifyNetError, statusFailure } from './wire/http1.ts';
import { openStream } from './sse.ts';
import type { SseEvent } from './wire/sse-parser.ts';
import { classifyGrpcStatus } from './grpc.ts';
import { connect as grpcJsConnect } from './grpc-js.ts';
import { unsupported, type ByteCount, type CallOutcome, type ClientModule, type Connection, type Operation } from './types.ts';
import { connectionOverWebSocket, openWebSocket, type OpenWebSocket } from './websocket.ts';

type ChatJson = NonNullable<Extract<CallOutcome, { ok: true }>['chat']>;

/** Who the client says it is; the server stamps its relay `from: "server"`. */
const FROM = 'client';
/** How long a connection waits for its probe's relay before giving up. */
const PROBE_TIMEOUT_MS = 5000;
/** GraphQL: resend the probe this often until the subscription relays it (see connectGraphql). */
const PROBE_RETRY_MS = 50;

interface Waiting {
  resolve: (o: CallOutcome) => void;
  decode: boolean;
  requestBytes: number;
}

/** Messages in flight on one channel, by seq. */
class InFlight {
  private readonly waiting = new Map<number, Waiting>();
  private nextSeq = 1;
  closed: CallOutcome | undefined;

  /** Register the next message; seq 0 is the connect-time probe. */
  add(w: Waiting, seq = this.nextSeq++): number {
    this.waiting.set(seq, w);
    return seq;
  }

  relayed(seq: number, responseBytes: number, message: () => ChatJson): void {
    const w = this.waiting.get(seq);
    if (!w) return; // a probe resent before its first relay arrived, or a message already failed
    this.waiting.delete(seq);
    const payload = { request: w.requestBytes, response: responseBytes };
    w.resolve(w.decode ? { ok: true, payload, chat: message() } : { ok: true, payload });
  }

  failed(seq: number, outcome: CallOutcome): void {
    const w = this.waiting.get(seq);
    if (!w) return;
    this.waiting.delete(seq);
    w.resolve(outcome);
  }

  /** Send one message with `write` (which gives its request bytes) and wait for its relay. */
  send(text: string, decode: boolean, write: (seq: number, text: string) => number): Promise<CallOutcome> {
    return new Promise((resolve) => {
      const w: Waiting = { resolve, decode, requestBytes: 0 };
      w.requestBytes = write(this.add(w), text);
    });
  }

  failAll(outcome: CallOutcome): void {
    this.closed ??= outcome;
    for (const w of this.waiting.values()) w.resolve(outcome);
    this.waiting.clear();
  }
}

function chatOnly(op: Operation): op is Extract<Operation, { op: 'chat' }> {
  return op.op === 'chat';
}

/** Send the probe (seq 0) until its relay comes back; reject after PROBE_TIMEOUT_MS. */
async function probe(inFlight: InFlight, send: () => void, retryMs?: number): Promise<void> {
  const relayed = new Promise<CallOutcome>((resolve) => inFlight.add({ resolve, decode: false, requestBytes: 0 }, 0));
  send();
  const retry = retryMs ? setInterval(send, retryMs) : undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const o = await Promise.race([
      relayed,
      new Promise<CallOutcome>(
        (resolve) =>
          (timer = setTimeout(
            () => resolve({ ok: false, kind: 'timeout', detail: `no relay of the probe message within ${PROBE_TIMEOUT_MS} ms` }),
            PROBE_TIMEOUT_MS,
          )),
      ),
    ]);
    if (!o.ok) throw new Error(`chat channel did not open: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`);
  } finally {
    clearInterval(retry);
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- gRPC (stock grpc-js client)

function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function stringFieldLen(s: string): number {
  if (!s) return 0;
  const n = Buffer.byteLength(s);
  return 1 + varintLen(n) + n;
}

/** Encoded size of a ChatMessage (grpc-js does not report message sizes): tag+varint, tag+len+bytes, tag+double. */
export function chatProtoSize(m: { seq: number; from: string; text: string; sentAtUs: number }): number {
  return (m.seq ? 1 + varintLen(m.seq) : 0) + stringFieldLen(m.from) + stringFieldLen(m.text) + (m.sentAtUs ? 9 : 0);
}

/** One Chat bidi stream per connection, opened at connect and kept for the connection's life. */
export const grpcJs: ClientModule = {
  description:
    'stock @grpc/grpc-js client, one Chat bidirectional stream per connection, messages matched by seq; @grpc/grpc-js server',
  async connect(target) {
    // The probe's round trip below settles the handshake; its bytes are read after it.
    const base = await grpcJsConnect(target, { settle: false });
    const inFlight = new InFlight();
    const stream = base.client.Chat();
    stream.on('data', (m: ChatMessage__Output) => {
      inFlight.relayed(m.seq, chatProtoSize(m), () => ({ seq: m.seq, from: m.from, text: m.text, sentAtUs: m.sentAtUs }));
    });
    stream.on('error', (err: grpc.ServiceError) =>
      inFlight.failAll(
        typeof err.code === 'number'
          ? classifyGrpcStatus(err.code, err.details)
          : { ok: false, kind: 'protocol_error', detail: err.message },
      ),
    );
    stream.on('end', () => inFlight.failAll({ ok: false, kind: 'connection_reset', detail: 'Chat stream ended by the server' }));
    const write = (seq: number, text: string): number => {
      const m = { seq, from: FROM, text, sentAtUs: performance.now() * 1000 };
      stream.write(m);
      return chatProtoSize(m);
    };
    try {
      await probe(inFlight, () => write(0, ''));
    } catch (err) {
      stream.cancel();
      await base.close();
      throw err;
    }
    // The stream's HEADERS and the probe's round trip are this connection's setup.
    const setupBytes: ByteCount | null = base.wireBytes();
    const connection: Connection = {
      setupBytes,
      wireBytes: () => base.wireBytes(),
      call(op, options): Promise<CallOutcome> {
        if (!chatOnly(op)) return Promise.resolve(unsupported(op));
        if (inFlight.closed) return Promise.resolve(inFlight.closed);
        return inFlight.send(op.text, options?.decode === true, write);
      },
      async close() {
        inFlight.failAll({ ok: false, kind: 'connection_reset', detail: 'connection closed' });
        stream.removeAllListeners('error');
        stream.on('error', () => {}); // the CANCELLED our own end() may raise
        stream.end();
        await base.close();
      },
    };
    return connection;
  },
};

// ---------------------------------------------------------------- WebSocket and graphql-ws

function watchSocket(ws: WebSocket, inFlight: InFlight): void {
  ws.on('error', (err) => inFlight.failAll({ ok: false, kind: classifyNetError(err), detail: err.message }));
  ws.on('close', (code) => inFlight.failAll({ ok: false, kind: 'connection_reset', detail: `websocket closed (${code})` }));
}

/** A chat connection on an open (probed) socket: `write` sends one message and gives its bytes. */
function socketConnection(
  { ws, sock }: OpenWebSocket,
  inFlight: InFlight,
  write: (seq: number, text: string) => number,
): Connection {
  // The upgrade and the probe's round trip are this connection's setup.
  return connectionOverWebSocket(ws, sock, { out: sock.bytesWritten, in: sock.bytesRead }, (op, options) => {
    if (!chatOnly(op)) return Promise.resolve(unsupported(op));
    if (inFlight.closed || ws.readyState !== WebSocket.OPEN)
      return Promise.resolve(inFlight.closed ?? { ok: false, kind: 'connection_reset', detail: 'websocket not open' });
    return inFlight.send(op.text, options?.decode === true, write);
  });
}

/**
 * The WebSocket server's `chat` op: {"id":S,"op":"chat","params":{"seq":S,"text":T,"sentAtUs":U}}
 * out, a push {"chat":{seq,from,text,sentAtUs}} back (the id only correlates an error reply).
 */
export const websocket: ClientModule = {
  description: 'ws client, one JSON chat frame each way, matched by seq; ws server',
  async connect({ host, port }) {
    const { ws, sock } = await openWebSocket(`ws://${host}:${port}/v1/ws`);
    const inFlight = new InFlight();
    watchSocket(ws, inFlight);
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as {
        chat?: ChatJson;
        id?: unknown;
        error?: { code?: string; message?: string };
      };
      if (m.chat) return inFlight.relayed(m.chat.seq, data.length, () => m.chat!);
      if (m.error && typeof m.id === 'number')
        inFlight.failed(m.id, { ok: false, kind: 'client_error', code: m.error.code, detail: m.error.message ?? '' });
    });
    const write = (seq: number, text: string): number => {
      const msg = `{"id":${seq},"op":"chat","params":{"seq":${seq},"text":${JSON.stringify(text)},"sentAtUs":${performance.now() * 1000}}}`;
      ws.send(msg);
      return Buffer.byteLength(msg);
    };
    try {
      await probe(inFlight, () => write(0, ''));
    } catch (err) {
      ws.terminate();
      throw err;
    }
    return socketConnection({ ws, sock }, inFlight, write);
  },
};

export const CHAT_SUBSCRIPTION = 'subscription Chat($room: ID!) { chat(room: $room) { seq from text sentAtUs } }';
export const SEND_MUTATION =
  'mutation Send($room: ID!, $seq: Int!, $text: String!, $sentAtUs: Float) { sendMessage(room: $room, seq: $seq, text: $text, sentAtUs: $sentAtUs) }';
const SUBSCRIPTION_ID = 'chat';
const QUERY_JSON = JSON.stringify(SEND_MUTATION);

interface GqlWsMessage {
  id?: string;
  type: string;
  payload?:
    | { data?: { chat?: ChatJson } | null; errors?: { message?: string; extensions?: { code?: string } }[] }
    | { message?: string; extensions?: { code?: string } }[];
}

/**
 * GraphQL over graphql-ws (graphql-transport-ws), spoken directly as the fanout client does:
 * connection_init / connection_ack, one `chat(room)` subscription for the connection's own
 * room, and one `sendMessage` mutation per message on the same socket (a graphql-ws
 * `subscribe` of a mutation, answered by next + complete). The call completes on the
 * subscription's event; a mutation error fails it.
 */
export const graphql: ClientModule = {
  description:
    'graphql-ws client: a chat subscription plus one sendMessage mutation per message on the same socket; graphql-ws on the yoga schema',
  async connect({ host, port }) {
    const { ws, sock } = await openWebSocket(`ws://${host}:${port}/graphql`, { protocols: 'graphql-transport-ws' });
    const inFlight = new InFlight();
    watchSocket(ws, inFlight);
    const room = randomUUID();
    const roomJson = JSON.stringify(room);
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as GqlWsMessage;
      if (m.id === SUBSCRIPTION_ID) {
        const p = m.payload;
        if (m.type === 'next' && p && !Array.isArray(p) && p.data?.chat) {
          const chat = p.data.chat;
          return inFlight.relayed(chat.seq, data.length, () => chat);
        }
        // The subscription failed or ended: every message in flight will never be relayed.
        return inFlight.failAll({
          ok: false,
          kind: 'protocol_error',
          detail: `chat subscription ${m.type}: ${JSON.stringify(p ?? null).slice(0, 200)}`,
        });
      }
      if (m.id?.startsWith('m')) {
        const p = m.payload;
        const errors = Array.isArray(p) ? p : p?.errors;
        if ((m.type === 'next' || m.type === 'error') && errors?.length) {
          inFlight.failed(Number(m.id.slice(1)), {
            ok: false,
            kind: 'client_error',
            code: errors[0]!.extensions?.code,
            detail: errors[0]!.message ?? '',
          });
        }
        return; // the mutation's own answer (next {sendMessage: seq}, complete): the relay is what the call waits for
      }
      if (m.type === 'connection_ack') acked();
      else if (m.type === 'ping') ws.send('{"type":"pong"}');
    });
    const write = (seq: number, text: string, opId = `m${seq}`): number => {
      const msg = `{"id":"${opId}","type":"subscribe","payload":{"query":${QUERY_JSON},"variables":{"room":${roomJson},"seq":${seq},"text":${JSON.stringify(text)},"sentAtUs":${performance.now() * 1000}}}}`;
      ws.send(msg);
      return Buffer.byteLength(msg);
    };
    try {
      ws.send(JSON.stringify({ type: 'connection_init' }));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ack,
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('graphql-ws: no connection_ack')), PROBE_TIMEOUT_MS)),
        ),
      ]).finally(() => clearTimeout(timer));
      ws.send(
        JSON.stringify({ id: SUBSCRIPTION_ID, type: 'subscribe', payload: { query: CHAT_SUBSCRIPTION, variables: { room } } }),
      );
      // Nothing acknowledges a subscribe, and the server registers it asynchronously, so a
      // message sent right after it may be published before anyone listens: the probe is
      // resent until one relay comes back, and only then is the connection ready. Each resend
      // has its own graphql-ws id (p1, p2, ...): reusing a live one closes the socket (4409).
      let attempt = 0;
      await probe(inFlight, () => write(0, '', `p${++attempt}`), PROBE_RETRY_MS);
    } catch (err) {
      ws.terminate();
      throw err;
    }
    return socketConnection({ ws, sock }, inFlight, write);
  },
};

// ---------------------------------------------------------------- SSE + POST

/**
 * Chat the way many web chats do without WebSocket: receive on one long-lived event stream
 * (GET /v1/events), send each message as an HTTP POST /v1/rpc {"streamId","requestId":seq,
 * "op":"chat","params":{seq,text,sentAtUs}} on a second keep-alive connection (answered 202);
 * the relay is a `chat` event on the stream. The call completes on the event; a POST that is
 * not answered 202, or an error event for its requestId, fails it.
 */
export const sse: ClientModule = {
  description: 'one text/event-stream for the relays, each message sent as POST /v1/rpc on a second keep-alive connection',
  async connect({ host, port }) {
    const authority = `${host}:${port}`;
    const inFlight = new InFlight();
    const onEvent = (ev: SseEvent): void => {
      if (ev.type === 'chat') {
        const m = JSON.parse(ev.data) as ChatJson;
        return inFlight.relayed(m.seq, ev.dataBytes, () => m);
      }
      if (ev.type === 'error') {
        const e = JSON.parse(ev.data) as { requestId?: unknown; error?: { code?: string; message?: string } };
        if (typeof e.requestId === 'number')
          inFlight.failed(e.requestId, { ok: false, kind: 'client_error', code: e.error?.code, detail: e.error?.message ?? '' });
      }
    };
    const [{ socket, streamId }, post] = await Promise.all([
      openStream(host, port, authority, onEvent),
      Http1Connection.connect(host, port),
    ]);
    socket.on('close', () => inFlight.failAll({ ok: false, kind: 'connection_reset', detail: 'event stream closed' }));
    const streamJson = JSON.stringify(streamId);
    const headers = { 'Content-Type': 'application/json' };
    let lastPost: Promise<unknown> = Promise.resolve();
    const write = (seq: number, text: string): number => {
      const body = `{"streamId":${streamJson},"requestId":${seq},"op":"chat","params":{"seq":${seq},"text":${JSON.stringify(text)},"sentAtUs":${performance.now() * 1000}}}`;
      lastPost = post.request(buildRequest('POST', '/v1/rpc', authority, headers, body)).then(
        (res) => {
          if (res.status !== 202) inFlight.failed(seq, statusFailure(res.status, res.body));
        },
        (err: unknown) => inFlight.failed(seq, { ok: false, kind: classifyNetError(err), detail: (err as Error).message }),
      );
      return Buffer.byteLength(body);
    };
    const bytes = (): ByteCount => {
      const b = post.bytes();
      return { out: b.out + socket.bytesWritten, in: b.in + socket.bytesRead };
    };
    try {
      await probe(inFlight, () => write(0, ''));
      await lastPost; // its 202 too belongs to the setup
    } catch (err) {
      socket.destroy();
      await post.close();
      throw err;
    }
    return {
      setupBytes: bytes(),
      wireBytes: bytes,
      call(op, options): Promise<CallOutcome> {
        if (!chatOnly(op)) return Promise.resolve(unsupported(op));
        if (inFlight.closed) return Promise.resolve(inFlight.closed);
        return inFlight.send(op.text, options?.decode === true, write);
      },
      async close() {
        socket.destroy();
        await post.close();
      },
    };
  },
};
