// Exact sizes behind the guide's byte figures, computed rather than estimated: its example
// user as minified JSON and as protobuf with its own .proto's field numbers, its example HTTP
// request head and response body, WebSocket frame headers as ws builds them, and so on. The
// guide's examples are read from the guide by line range (claims/guide.ts).
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import * as wsModule from 'ws';
import { parse, print } from 'graphql';
import { guideText } from './guide.ts';
import { DEFAULT_DATASET, generateUser } from '../servers/dataset.ts';
import { protoType, userToProto, type UserJson } from '../proto/contract.ts';

export const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

// ---------------------------------------------------------------- the guide's example user

/** The user object the guide sizes at L1056-1063 ("145 bytes (minified)", "28 bytes"). */
export function guideUser(): Record<string, unknown> {
  return JSON.parse(guideText(1057, 1063, '{')) as Record<string, unknown>;
}

export function guideUserJsonBytes(): number {
  return utf8(JSON.stringify(guideUser()));
}

// ---------------------------------------------------------------- the guide's .proto

/** The guide's user.proto (L778-869), verbatim. */
export function guideProtoText(): string {
  return guideText(778, 869, 'syntax');
}

export interface ProtoCompileResult {
  parses: boolean;
  resolves: boolean;
  /** protobufjs's own message for the first failure, as written. */
  error: string | null;
  /** Well-known types used without their import. */
  missingImports: string[];
}

const WELL_KNOWN: Record<string, string> = {
  'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
  'google.protobuf.FieldMask': 'google/protobuf/field_mask.proto',
  'google.protobuf.Duration': 'google/protobuf/duration.proto',
  'google.protobuf.Any': 'google/protobuf/any.proto',
  'google.protobuf.Empty': 'google/protobuf/empty.proto',
};

/**
 * Compile the guide's .proto as written: parse it and resolve every type, as protoc and
 * @grpc/proto-loader must before generating code. protobufjs's parser alone is lenient about
 * unknown types; resolveAll() is where a missing import shows.
 */
export function compileGuideProto(text = guideProtoText()): ProtoCompileResult {
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(text, { keepCase: true });
  } catch (err) {
    return { parses: false, resolves: false, error: (err as Error).message, missingImports: [] };
  }
  const imported = new Set(parsed.imports ?? []);
  const missingImports = Object.entries(WELL_KNOWN)
    .filter(([type, file]) => text.includes(type) && !imported.has(file))
    .map(([, file]) => file);
  try {
    parsed.root.resolveAll();
    return { parses: true, resolves: true, error: null, missingImports };
  } catch (err) {
    return { parses: true, resolves: false, error: (err as Error).message, missingImports };
  }
}

/** The guide's .proto with its missing well-known imports supplied: what a reader must do to use it. */
export function repairedGuideRoot(): protobuf.Root {
  const text = guideProtoText();
  const root = new protobuf.Root();
  for (const file of Object.values(WELL_KNOWN)) {
    const json = protobuf.common.get(file) as protobuf.INamespace | undefined;
    if (json?.nested) root.addJSON(json.nested);
  }
  protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** The guide's user encoded with the guide's own User message (field numbers L784-790). */
export function guideUserProtobufBytes(): number {
  const User = repairedGuideRoot().lookupType('user_service.User');
  const u = guideUser();
  const msg = User.fromObject({ user_id: u.user_id, username: u.username, email: u.email, age: u.age, roles: u.roles });
  return User.encode(msg).finish().length;
}

/** The harness's own user (proto/user.proto), the one every getUser run carries. */
export function harnessUser(id = 1): UserJson {
  return generateUser(DEFAULT_DATASET, id);
}

export function harnessUserSizes(id = 1): { json: number; protobuf: number; msgpack: number } {
  const u = harnessUser(id);
  const User = protoType('User');
  return {
    json: utf8(JSON.stringify(u)),
    protobuf: User.encode(User.fromObject(userToProto(u))).finish().length,
    msgpack: msgpackSize(u),
  };
}

// ---------------------------------------------------------------- MessagePack, by the spec

/**
 * Size of a JSON-like value encoded as MessagePack, using the smallest representation the spec
 * allows for each value (what @msgpack/msgpack and msgpackr produce for these types). Numbers
 * that are not safe integers are float64, as JavaScript encoders write them by default.
 */
export function msgpackSize(v: unknown): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || !Number.isSafeInteger(v)) return 9;
    if (v >= 0) return v < 128 ? 1 : v < 256 ? 2 : v < 65536 ? 3 : v < 2 ** 32 ? 5 : 9;
    return v >= -32 ? 1 : v >= -128 ? 2 : v >= -32768 ? 3 : v >= -(2 ** 31) ? 5 : 9;
  }
  if (typeof v === 'string') {
    const n = utf8(v);
    return n + (n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5);
  }
  const header = (n: number, small: number): number => (n < small ? 1 : n < 65536 ? 3 : 5);
  if (Array.isArray(v)) return header(v.length, 16) + v.reduce((s: number, x) => s + msgpackSize(x), 0);
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return header(entries.length, 16) + entries.reduce((s, [k, x]) => s + msgpackSize(k) + msgpackSize(x), 0);
  }
  throw new TypeError(`msgpackSize: cannot size a ${typeof v}`);
}

// ---------------------------------------------------------------- HTTP examples

/** The guide's example request (L173-180) as it goes on the wire: CRLF line ends and the blank line. */
export function guideRequestHead(): { text: string; bytes: number; tokenChars: number } {
  const lines = guideText(173, 180, 'GET /api/v1/users/123').split('\n');
  const text = lines.join('\r\n') + '\r\n\r\n';
  const token = /Bearer (\S+)/.exec(text)?.[1] ?? '';
  return { text, bytes: utf8(text), tokenChars: token.length };
}

/** The example response body under "Content-Length: 324" (L198-203), as printed and minified. */
export function guideResponseBody(): { printed: number; minified: number } {
  const body = guideText(198, 203, '{');
  return { printed: utf8(body), minified: utf8(JSON.stringify(JSON.parse(body))) };
}

// ---------------------------------------------------------------- WebSocket

export interface FrameOverhead {
  payload: number;
  serverToClient: number;
  clientToServer: number;
}

/** Header bytes of one unfragmented frame as ws builds it (clients mask, servers do not). */
export function wsFrameOverhead(payload: number): FrameOverhead {
  const frame = (mask: boolean): number => {
    const data = Buffer.alloc(payload);
    // ws's own framing code, not a formula of ours: what its sockets actually write.
    // ws's ESM entry exports Sender, though @types/ws does not declare it.
    const { Sender } = wsModule as unknown as { Sender: { frame(d: Buffer, o: Record<string, unknown>): Buffer[] } };
    const parts = Sender.frame(data, {
      fin: true,
      opcode: 0x1,
      mask,
      readOnly: false,
      rsv1: false,
      maskBuffer: Buffer.alloc(4),
      generateMask: undefined,
    });
    return parts.reduce((s, b) => s + b.length, 0) - payload;
  };
  return { payload, serverToClient: frame(false), clientToServer: frame(true) };
}

/** RFC 6455's accept value for the guide's example key (L1455). */
export function wsAcceptFor(key: string): string {
  return createHash('sha1')
    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
}

export function guideHandshake(): { key: string; printedAccept: string; computedAccept: string } {
  const req = guideText(1451, 1458, 'GET /chat');
  const res = guideText(1461, 1464, 'HTTP/1.1 101');
  const key = /Sec-WebSocket-Key: (\S+)/.exec(req)?.[1] ?? '';
  const printedAccept = /Sec-WebSocket-Accept: (\S+)/.exec(res)?.[1] ?? '';
  return { key, printedAccept, computedAccept: wsAcceptFor(key) };
}

/** Bytes to deliver one binary blob: a ws binary frame vs SSE, which must base64 it into data: lines. */
export function binaryOverSse(blobBytes: number): { ws: number; sse: number; ratio: number } {
  const ws = blobBytes + wsFrameOverhead(blobBytes).serverToClient;
  const b64 = Math.ceil(blobBytes / 3) * 4;
  const sse = utf8('data: ') + b64 + utf8('\n\n');
  return { ws, sse, ratio: sse / ws };
}

// ---------------------------------------------------------------- price updates

/**
 * One price update (L1619 "200 bytes per update (JSON) vs 50 bytes (Protobuf)"). The guide
 * gives no schema; these are the fields such an update carries, with realistic values.
 */
export const PRICE_UPDATE = {
  type: 'price',
  symbol: 'AAPL',
  price: 189.25,
  change: -1.32,
  volume: 51234567,
  timestamp: 1704978000123,
};
const PRICE_PROTO = `syntax = "proto3";
message PriceUpdate { string type = 1; string symbol = 2; double price = 3; double change = 4; int64 volume = 5; int64 timestamp = 6; }`;

export function priceUpdateSizes(): { json: number; protobuf: number } {
  const T = protobuf.parse(PRICE_PROTO).root.lookupType('PriceUpdate');
  return { json: utf8(JSON.stringify(PRICE_UPDATE)), protobuf: T.encode(T.fromObject(PRICE_UPDATE)).finish().length };
}

// ---------------------------------------------------------------- compression

/** A users page as REST would return it: a JSON array of the harness's users, about `targetBytes` long. */
export function usersJson(targetBytes: number): string {
  const users: UserJson[] = [];
  let size = 2;
  for (let id = 1; size < targetBytes; id++) {
    const u = harnessUser(id);
    users.push(u);
    size += utf8(JSON.stringify(u)) + 1;
  }
  return JSON.stringify(users);
}

export interface CompressionSizes {
  identity: number;
  gzip: number;
  /** Brotli at quality 4, @fastify/compress's default. */
  brQ4: number;
  /** Brotli at quality 11, zlib's default and the best it does. */
  brQ11: number;
}

export function compressionSizes(text: string): CompressionSizes {
  const buf = Buffer.from(text);
  const br = (q: number): number =>
    brotliCompressSync(buf, { params: { [zc.BROTLI_PARAM_QUALITY]: q, [zc.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
  return { identity: buf.length, gzip: gzipSync(buf).length, brQ4: br(4), brQ11: br(11) };
}

/** Payload sizes the compression claims are checked at: one user, then pages of ~1, 5 and 50 KB. */
export function compressionTable(): { label: string; sizes: CompressionSizes }[] {
  return [
    { label: 'one user', sizes: compressionSizes(JSON.stringify(harnessUser(1))) },
    { label: '~1 KB page', sizes: compressionSizes(usersJson(1024)) },
    { label: '~5 KB page', sizes: compressionSizes(usersJson(5 * 1024)) },
    { label: '~50 KB page', sizes: compressionSizes(usersJson(50 * 1024)) },
  ];
}

// ---------------------------------------------------------------- GraphQL APQ

/**
 * Request body of the guide's GetUserProfile query (L2179-2198) as a client sends it (the query
 * printed by graphql-js, as Apollo Client does), and the Automatic Persisted Query form that
 * replaces the query with its SHA-256 (L2620-2630).
 */
export function apqBodies(): { full: number; persisted: number; reduction: number } {
  const query = print(parse(guideText(2179, 2198, 'query GetUserProfile')));
  const variables = { userId: '123' };
  const hash = createHash('sha256').update(query).digest('hex');
  const full = utf8(JSON.stringify({ operationName: 'GetUserProfile', variables, query }));
  const persisted = utf8(
    JSON.stringify({
      operationName: 'GetUserProfile',
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    }),
  );
  return { full, persisted, reduction: 1 - persisted / full };
}
