// chat scenario: what every server does with a chat message. The relay is the same on each
// protocol: check the message, stamp it `from: "server"` (as servers/grpc.ts Chat does) and
// send it back on the sender's own channel (its gRPC stream, its WebSocket, its GraphQL
// subscription). The sender matches the relay to its message by seq. Echoing to the sender
// rather than broadcasting to a room keeps the work per message constant as connections grow:
// a room of N would multiply each message by N, which is the fanout scenario's question.

/** ChatMessage (proto/user.proto) in proto3 JSON. */
export interface ChatJson {
  seq: number;
  from: string;
  text: string;
  /** Sender's clock, microseconds; relayed unchanged so a sender could time the trip itself. */
  sentAtUs: number;
}

/** Longest text a server relays (characters); a chat line, not a file transfer. */
export const MAX_CHAT_TEXT = 4096;
export const RELAY_FROM = 'server';

/** The relay of a checked message, or a reason to refuse it (bad_request / BAD_USER_INPUT). */
export function relayOf(m: Record<string, unknown>): ChatJson | string {
  const { seq, text, sentAtUs } = m;
  if (!Number.isInteger(seq) || (seq as number) < 0 || (seq as number) > 0xffffffff) return 'seq must be an integer in 0..2^32-1';
  if (typeof text !== 'string' || text.length > MAX_CHAT_TEXT)
    return `text must be a string of at most ${MAX_CHAT_TEXT} characters`;
  if (sentAtUs !== undefined && (typeof sentAtUs !== 'number' || !Number.isFinite(sentAtUs)))
    return 'sentAtUs must be a finite number';
  return { seq: seq as number, from: RELAY_FROM, text, sentAtUs: (sentAtUs as number | undefined) ?? 0 };
}
