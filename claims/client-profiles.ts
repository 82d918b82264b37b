// The request headers of three kinds of client, for the claims whose answer depends on what a
// client sends (issue 15.1): the guide's "~950 bytes with HTTP/1.1 headers" names Content-Type
// and Authorization, while the harness's lean driver sends Accept alone. Pure data.
import { BROWSER_HEADERS } from '../clients/rest-h2.ts';

export type ProfileId = 'minimal' | 'api' | 'browser';

export interface ClientProfile {
  id: ProfileId;
  /** How the table names it. */
  label: string;
  /** HTTP/1.1 request headers besides the request line and Host. */
  rest: Readonly<Record<string, string>>;
  /**
   * gRPC request headers besides the pseudo-headers, as grpc-js sends them plus the profile's
   * metadata; null: this client does not speak gRPC (a browser needs grpc-web and a proxy).
   */
  grpc: Readonly<Record<string, string>> | null;
}

/** What grpc-js 1.x puts on every call (its http2 subchannel call), metadata aside. */
const GRPC_JS_HEADERS = {
  'content-type': 'application/grpc',
  te: 'trailers',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'accept-encoding': 'identity',
  'user-agent': 'grpc-node-js/1.14.0',
} as const;

/** The browser profile's bearer token (a JWT of a few claims, ~240 characters), reused so the profiles compare. */
const TOKEN = BROWSER_HEADERS.authorization!;

export const PROFILES: readonly ClientProfile[] = [
  {
    id: 'minimal',
    label: 'minimal client',
    // The harness's lean driver (clients/rest.ts): Accept only; gRPC with only the headers the protocol requires.
    rest: { Accept: 'application/json' },
    grpc: { 'content-type': 'application/grpc', te: 'trailers' },
  },
  {
    id: 'api',
    label: 'typical API client',
    // A service calling an API with a bearer token: the headers the guide's sentence names.
    rest: {
      Authorization: TOKEN,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': 'orders-service/2.3.1 node/24',
    },
    grpc: { ...GRPC_JS_HEADERS, authorization: TOKEN },
  },
  {
    id: 'browser',
    label: 'browser-like request',
    // The http2 scenario's browser headers (clients/rest-h2.ts): user agent, languages, token, cookies.
    rest: BROWSER_HEADERS,
    grpc: null,
  },
];

export const profile = (id: ProfileId): ClientProfile => PROFILES.find((p) => p.id === id)!;

/** An HTTP/1.1 GET as the profile writes it. */
export function restRequest(p: ClientProfile, path: string, host: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${Object.entries(p.rest)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}
