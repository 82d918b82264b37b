// Lean GraphQL driver: POST /graphql over HTTP/1.1 keep-alive on a raw socket, requests
// pre-built per user id. GraphQL reports "no such user" inside a 200 answer, so a body is
// parsed when decoding, or when it carries an "errors" key; a plain data answer is only
// framed, as the REST driver does.
import { canonicalUser, type UserJson } from '../proto/contract.ts';
import { Http1Connection, buildRequest, classifyNetError, statusFailure } from './wire/http1.ts';
import { nestedProfileBody, profileFromGraphql } from './nested-profile.ts';
import { unsupported, type CallOutcome, type ClientModule, type Connection } from './types.ts';

export const GRAPHQL_PATH = '/graphql';
/** Selects every contract field, so the answer is comparable with the other protocols'. */
export const GET_USER_QUERY =
  'query GetUser($id: ID!) { user(id: $id) { id username email age roles address { street city country postalCode } createdAt } }';

interface GraphQLBody {
  data?: { user?: (Omit<UserJson, 'id'> & { id: string }) | null } | null;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

interface Prebuilt {
  raw: Buffer;
  bodyBytes: number;
}

// Searched as bytes in the Buffer: no string conversion on the hot path. A user's fields
// cannot contain it, since a quote inside a JSON string is escaped.
const ERRORS_KEY = Buffer.from('"errors"');

/** The JSON body for one getUser; the id is a string because the variable is an ID. */
export function getUserBody(id: number): string {
  return JSON.stringify({ query: GET_USER_QUERY, variables: { id: String(id) } });
}

/** Classify a 200 answer's parsed body. Exported for unit tests. */
const CLIENT_ERROR_CODES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'DEPTH_LIMIT_EXCEEDED',
  'COMPLEXITY_LIMIT_EXCEEDED',
]);

export function outcomeFromBody(body: GraphQLBody, payload: { request: number; response: number }): CallOutcome {
  const user = body.data?.user;
  if (user) {
    // ID is a string on the wire; the contract's id is a number.
    return { ok: true, payload, user: canonicalUser({ ...user, id: Number(user.id) }) };
  }
  const first = body.errors?.[0];
  const code = first?.extensions?.code;
  if (code === 'NOT_FOUND') return { ok: false, kind: 'not_found', code };
  // The request's fault, not the server's: bad input, invalid query, or over a limit.
  if (code !== undefined && CLIENT_ERROR_CODES.has(code)) {
    return { ok: false, kind: 'client_error', code, detail: first?.message ?? '' };
  }
  return { ok: false, kind: 'server_error', code: code ?? 'GRAPHQL_ERROR', detail: first?.message ?? 'no data and no error' };
}

const POST_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

/** The POST for each user id, built on first use and kept: a call then only looks it up. */
function prebuiltRequests(authority: string, bodyFor: (id: number) => string): (id: number) => Prebuilt {
  const cache = new Map<number, Prebuilt>();
  return (id) => {
    let p = cache.get(id);
    if (!p) {
      const body = Buffer.from(bodyFor(id));
      cache.set(id, (p = { raw: buildRequest('POST', GRAPHQL_PATH, authority, POST_HEADERS, body), bodyBytes: body.length }));
    }
    return p;
  };
}

export const connect: ClientModule['connect'] = async ({ host, port }) => {
  const conn = await Http1Connection.connect(host, port);
  const authority = `${host}:${port}`;
  const requestFor = prebuiltRequests(authority, getUserBody);
  // nestedProfile: the whole profile in one query (clients/nested-profile.ts).
  const nestedFor = prebuiltRequests(authority, nestedProfileBody);

  const connection: Connection = {
    setupBytes: { out: 0, in: 0 }, // HTTP/1.1 has no handshake beyond TCP's
    wireBytes: () => conn.bytes(),
    async call(op, options): Promise<CallOutcome> {
      if (op.op !== 'getUser' && op.op !== 'nestedProfile') return unsupported(op);
      const req = op.op === 'nestedProfile' ? nestedFor(op.id) : requestFor(op.id);
      let res;
      try {
        res = await conn.request(req.raw);
      } catch (err) {
        return { ok: false, kind: classifyNetError(err), detail: (err as Error).message };
      }
      const payload = { request: req.bodyBytes, response: res.body.length };
      if (res.status === 200) {
        if (!options?.decode && !res.body.includes(ERRORS_KEY)) return { ok: true, payload };
        let parsed: GraphQLBody;
        try {
          parsed = JSON.parse(res.body.toString('utf8')) as GraphQLBody;
        } catch (err) {
          return { ok: false, kind: 'protocol_error', code: '200', detail: `body is not JSON: ${(err as Error).message}` };
        }
        const outcome = outcomeFromBody(parsed, payload);
        // Lean mode reports success without the user, like every other driver.
        if (outcome.ok && !options?.decode) return { ok: true, payload };
        if (outcome.ok && op.op === 'nestedProfile') {
          return {
            ok: true,
            payload,
            profile: profileFromGraphql(parsed.data!.user as unknown as Parameters<typeof profileFromGraphql>[0]),
          };
        }
        return outcome;
      }
      return statusFailure(res.status, res.body);
    },
    close: () => conn.close(),
  };
  return connection;
};
