// chat: bidirectional messaging. Each generator connection holds one long-lived channel (a
// gRPC Chat bidi stream, a WebSocket, a graphql-ws socket with a subscription, an SSE stream
// plus a keep-alive connection for POSTs, since SSE is one-way); a call sends
// one chat message on it and completes when the server's relay of that message (matched by
// seq) comes back, so the latency histogram is the per-message round trip, and `--load
// rate:R` is a steady message rate spread over the connections. The server echoes to the
// sender's own channel (servers/chat.ts says why not a room broadcast).
import { mulberry32 } from '../servers/dataset.ts';
import { RELAY_FROM } from '../servers/chat.ts';
import { type VerifyReport } from '../harness/run/verify.ts';
import type { CallOutcome, ClientModule, Operation, Target } from '../clients/types.ts';
import { defineScenario, type ScenarioContext } from './types.ts';
import { EquivalenceError } from '../harness/errors.ts';

/** Chat lines of everyday lengths (2 to 98 characters, one with an emoji), drawn at random. */
export const CHAT_LINES: readonly string[] = [
  'hi, are you there?',
  'yes! just got back from lunch',
  'did you see the build failed on main again this morning?',
  'ok',
  'I think it is the flaky integration test, the one that talks to the queue',
  'can you send me the link to the dashboard',
  'sure, one sec',
  'thanks 👍',
  'the p99 went from 12 ms to 40 ms after the deploy, and only on the websocket gateway, which is odd',
  'let us look at it after standup tomorrow',
];

export function chatOps(ctx: ScenarioContext): () => Operation {
  const r = mulberry32(ctx.seed);
  return () => ({ op: 'chat', text: CHAT_LINES[Math.floor(r() * CHAT_LINES.length)]! });
}

const VERIFY_MESSAGES = 5;
const VERIFY_TIMEOUT_MS = 5000;

/**
 * Send `texts` concurrently on one connection and return the relays in the order they
 * arrived; a relay that never comes is an EquivalenceError, not a hang.
 */
export async function sendAll(
  conn: { call: (op: Operation, o?: { decode?: boolean }) => Promise<CallOutcome> },
  texts: readonly string[],
): Promise<CallOutcome[]> {
  const arrived: CallOutcome[] = [];
  const all = Promise.all(texts.map((text) => conn.call({ op: 'chat', text }, { decode: true }).then((o) => arrived.push(o))));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () =>
          reject(
            new EquivalenceError(
              `chat: ${texts.length - arrived.length} of ${texts.length} message(s) not relayed within ${VERIFY_TIMEOUT_MS} ms`,
            ),
          ),
        VERIFY_TIMEOUT_MS,
      )),
  );
  try {
    await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return arrived;
}

/** Relays in arrival order must be the messages sent, in order: seq 1..n, the same text, from the server. */
export function checkRelays(texts: readonly string[], relays: readonly CallOutcome[]): void {
  relays.forEach((o, i) => {
    if (!o.ok) throw new EquivalenceError(`chat message ${i + 1} failed: ${o.kind} ${o.code ?? ''} ${o.detail ?? ''}`);
    const want = { seq: i + 1, from: RELAY_FROM, text: texts[i] };
    const got = o.chat && { seq: o.chat.seq, from: o.chat.from, text: o.chat.text };
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new EquivalenceError(`chat relay ${i + 1}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got ?? o)}`);
    if (!(o.chat!.sentAtUs > 0))
      throw new EquivalenceError(`chat relay ${i + 1}: sentAtUs not carried back (${o.chat!.sentAtUs})`);
  });
}

export async function verifyChat(client: ClientModule, target: Target): Promise<VerifyReport> {
  const conn = await client.connect(target);
  try {
    const texts = CHAT_LINES.slice(0, VERIFY_MESSAGES);
    const relays = await sendAll(conn, texts);
    checkRelays(texts, relays);
    const payload = relays.reduce(
      (s, o) => (o.ok ? { request: s.request + o.payload.request, response: s.response + o.payload.response } : s),
      { request: 0, response: 0 },
    );
    return {
      checked: relays.length,
      payload: { request: payload.request / relays.length, response: payload.response / relays.length },
    };
  } finally {
    await conn.close();
  }
}

export default defineScenario({
  name: 'chat',
  description:
    'Bidirectional messaging: one chat message per call, round trip until the server relays it back (gRPC bidi stream, WebSocket, GraphQL subscription + mutation, SSE + POST)',
  expresses: {
    'grpc-js': true,
    websocket: true,
    graphql: true,
    sse: true,
    rest: 'HTTP request/response has no server push: a chat over REST is polling, which the fanout scenario measures',
    grpc: 'the lean HTTP/2 driver frames unary GetUser only; the bidirectional Chat stream runs on the grpc-js row',
  },
  notes: [
    'Each connection opens one channel at connect and keeps it: gRPC one Chat bidi stream (ChatMessage {seq, from, text, sentAtUs} each way); WebSocket one JSON text frame each way ({"op":"chat","params":{seq,text,sentAtUs}} out, {"chat":{...}} back); GraphQL a graphql-ws socket with one chat(room) subscription and one sendMessage mutation per message on the same socket (the mutation\'s next + complete also come back); SSE, being one-way, receives on one text/event-stream and sends each message as an HTTP POST /v1/rpc (answered 202) on a second keep-alive connection, as web chats without WebSocket do.',
    'The server relays each message to the sender\'s own channel, stamped from "server"; a call completes when the relay with its seq arrives, so latency = per-message round trip. A probe message at connect proves the channel (and the GraphQL subscription) live; its bytes are setup bytes.',
    "Clients: clients/chat.ts for every row: grpc-js stock client; ws client; graphql-ws spoken directly on a ws client (graphql-transport-ws), as the fanout scenario's subscriber does; SSE the getUser row's event-stream reader plus raw HTTP/1.1 POSTs.",
    'Message texts: 10 everyday chat lines, 2-98 characters, drawn from the seed. Wire bytes include framing (HTTP/2 DATA, WebSocket frame headers, the graphql-ws envelope and the mutation query text sent with every message).',
  ],
  ops: chatOps,
  verify: (client, target) => verifyChat(client, target),
  server: () => ({ chat: true }),
  client: async (protocol) => {
    const chat = await import('../clients/chat.ts');
    return (
      { 'grpc-js': chat.grpcJs, websocket: chat.websocket, graphql: chat.graphql, sse: chat.sse } as Record<string, ClientModule>
    )[protocol];
  },
  // The GraphQL row speaks graphql-ws: every message of a connection rides one WebSocket.
  clientTransport: (protocol) => (protocol === 'graphql' ? 'websocket' : undefined),
});
