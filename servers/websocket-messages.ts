// The JSON message protocol of the WebSocket servers (servers/websocket.ts on ws,
// servers/websocket-node.ts on WebSocket-Node): one request message in, its answer out. Free of
// any WebSocket library, so each server loads only its own.
// Request  {"id": <requestId>, "op": "getUser", "params": {"id": <userId>}}
// Success  {"id": <requestId>, "result": <user>}
// Error    {"id": <requestId>, "error": {"code": "not_found" | "bad_request" | "unknown_op", "message": "..."}}
import type { NewUser, UserStore } from './store.ts';
import { relayOf } from './chat.ts';

/** listUsers answers at most this many users per message. */
export const MAX_LIST_LIMIT = 1000;

/** Largest message a server accepts by default: 1 MiB, close code 1009 above. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export type RequestId = number | string | null;
type ErrorCode = 'not_found' | 'bad_request' | 'unknown_op';

export function errorMessage(id: RequestId, code: ErrorCode, message: string): string {
  return JSON.stringify({ id, error: { code, message } });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalInt(v: unknown, fallback: number): number | undefined {
  if (v === undefined || v === null) return fallback;
  return Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined;
}

/** The shape of a CreateUserRequest (types only: field limits are the REST schema's business). */
function isNewUser(v: unknown): v is NewUser {
  if (!isRecord(v) || !isRecord(v.address)) return false;
  const a = v.address;
  return (
    typeof v.username === 'string' &&
    typeof v.email === 'string' &&
    Number.isInteger(v.age) &&
    Array.isArray(v.roles) &&
    v.roles.every((r) => typeof r === 'string') &&
    typeof a.street === 'string' &&
    typeof a.city === 'string' &&
    typeof a.country === 'string' &&
    typeof a.postalCode === 'string'
  );
}

/** Answer one text message; pure apart from the store read, so every branch is easy to test. */
export function handleMessage(store: UserStore, text: string, maxList = MAX_LIST_LIMIT): string {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return errorMessage(null, 'bad_request', 'message is not JSON');
  }
  if (!isRecord(msg)) return errorMessage(null, 'bad_request', 'message is not a JSON object');
  // Echo only ids a client can correlate; anything else is answered with id null.
  const id: RequestId = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
  const params = isRecord(msg.params) ? msg.params : {};
  switch (msg.op) {
    case 'getUser': {
      const userId = params.id;
      if (!Number.isInteger(userId)) return errorMessage(id, 'bad_request', 'params.id must be an integer');
      const user = store.getUser(userId as number);
      if (!user) return errorMessage(id, 'not_found', `no user with id ${String(userId)}`);
      return JSON.stringify({ id, result: user });
    }
    case 'listUsers': {
      const afterId = optionalInt(params.afterId, 0);
      const limit = optionalInt(params.limit, 100);
      if (afterId === undefined || limit === undefined) {
        return errorMessage(id, 'bad_request', 'params.afterId and params.limit must be non-negative integers');
      }
      return JSON.stringify({ id, result: store.listUsers(afterId, Math.min(limit, maxList)) });
    }
    case 'createUsers': {
      // {"id":N,"op":"createUsers","params":{"users":[NewUser...]}} -> {"id":N,"result":{"created":K,"ids":[...]}}
      const users = params.users;
      if (!Array.isArray(users) || users.length > MAX_LIST_LIMIT * 10 || !users.every(isNewUser)) {
        return errorMessage(id, 'bad_request', 'params.users must be an array of users (username, email, age, roles, address)');
      }
      const created = store.createUsers?.(users) ?? users.map((u) => store.createUser(u));
      return JSON.stringify({ id, result: { created: created.length, ids: created.map((u) => u.id) } });
    }
    case 'chat': {
      // chat scenario: {"op":"chat","params":{"seq":S,"text":T,"sentAtUs":U}} is relayed back as
      // a push {"chat":{seq,from,text,sentAtUs}} (servers/chat.ts), matched by seq, not by id.
      const relay = relayOf(params);
      if (typeof relay === 'string') return errorMessage(id, 'bad_request', relay);
      return JSON.stringify({ chat: relay });
    }
    default:
      return errorMessage(id, 'unknown_op', `unknown op ${JSON.stringify(msg.op ?? null)}`);
  }
}

/**
 * listUsersStream: {"id":N,"op":"listUsersStream","params":{"afterId":A,"limit":L}} is answered
 * with one {"id":N,"item":<user>} message per user, then {"id":N,"end":true,"count":K}, so a
 * client can use the first user before the last is sent. Undefined for any other message.
 */
export function handleStreamMessage(store: UserStore, text: string): string[] | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(msg) || msg.op !== 'listUsersStream') return undefined;
  const id: RequestId = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
  const params = isRecord(msg.params) ? msg.params : {};
  const afterId = optionalInt(params.afterId, 0);
  const limit = optionalInt(params.limit, 100);
  if (afterId === undefined || limit === undefined)
    return [errorMessage(id, 'bad_request', 'params.afterId and params.limit must be non-negative integers')];
  const rid = JSON.stringify(id);
  const users = store.listUsers(afterId, Math.min(limit, MAX_LIST_LIMIT));
  const out = users.map((u) => `{"id":${rid},"item":${JSON.stringify(u)}}`);
  out.push(`{"id":${rid},"end":true,"count":${users.length}}`);
  return out;
}
