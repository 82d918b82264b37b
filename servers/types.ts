import type { UserStore } from './store.ts';
import type { ProtocolName } from '../harness/protocols.ts';

/**
 * Knobs a scenario may set on a server (scenarios/types.ts `server()`); they travel from the
 * runner to the server's child process in the job, unchanged. Add a field here, read it in
 * the server that honours it; servers ignore the fields they do not know.
 */
export interface ServerTuning {
  /**
   * deadline: every server handles each request (REST, GraphQL, SSE rpc), message (WebSocket)
   * or GetUser call (gRPC) this many ms after it arrives, on a timer (the process stays free);
   * default 0, no wait.
   */
  serviceDelayMs?: number;
  /**
   * `--inject-server-cpu-us`: every server spins this many microseconds of CPU per request
   * (servers/inject-cpu.ts), to plant a known regression the CI gate must catch; default 0.
   */
  injectCpuUs?: number;
  /** GraphQL: batch Post.author / Comment.author loads through a DataLoader (nPlusOne); default off. */
  dataloader?: boolean;
  /**
   * GraphQL: also serve the chat subscription and sendMessage mutation over graphql-ws at /graphql
   * (chat scenario); default off.
   */
  chat?: boolean;
  /**
   * payloadSize / compression: most users one list answer may carry, on every server (default
   * 1000 each); the 1 MB page needs more.
   */
  maxPageUsers?: number;
  /** GraphQL: the query complexity limit (default 1000); the 1 MB page (4000 users x 11 fields) needs it raised. */
  maxComplexity?: number;
  /**
   * compression: compress answers when the client asks (REST @fastify/compress and GraphQL by
   * Accept-Encoding, WebSocket permessage-deflate by negotiation); default off.
   */
  compression?: boolean;
  /** REST: serve cleartext HTTP/2 (h2c, prior knowledge) instead of HTTP/1.1, same routes (http2 scenario); default off. */
  http2?: boolean;
  /** REST: ETag and Last-Modified on GET /v1/users/:id, 304 for a matching conditional GET (claims); default off. */
  conditionalGet?: boolean;
  /** REST: limit requests per client address, 429 with Retry-After past it (claims); default off. */
  rateLimit?: { max: number; windowMs: number };
  /** REST: this Cache-Control on each GET /v1/users/:id that finds the user (claims, HTTP caching); default none. */
  cacheControl?: string;
}

export interface ServerOptions extends ServerTuning {
  /** Address to bind; 127.0.0.1 unless the user asks otherwise. */
  host: string;
  /** 0 lets the OS choose; the real port is in the returned handle. */
  port: number;
  store: UserStore;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** One module per protocol exports `start` with this signature. */
export type StartServer = (options: ServerOptions) => Promise<RunningServer>;

/** Scheme of the URL a client connects to; `grpc` is plaintext HTTP/2 (h2c) carrying gRPC. */
export type UrlScheme = 'http' | 'ws' | 'grpc';

/**
 * What a protocol's server is, declared once in servers/<protocol>/index.ts and listed in
 * servers/registry.ts. The index holds data only and loads the server's own module (and its
 * npm packages) when `load` is called: the protocol rows and the environment read the index in
 * every process, generators included, where loading graphql-yoga would cost about a second.
 */
/**
 * One library serving a protocol's contract (fastify or bare node:http for REST, graphql-yoga or
 * mercurius for GraphQL, ...): the protocol-vs-library question needs more than one per protocol.
 * Every implementation serves the same contract, data set and limits, and passes the same
 * equivalence check; the run record names it (`implementation: { name, version }`).
 */
export interface ServerImplementation {
  /** Name on the command line (`--impl`) and in results; unique within its server. */
  name: string;
  /** The package whose installed version is the implementation's version; null for node: built-ins (the Node version stands). */
  versionOf: string | null;
  /** npm packages this implementation runs on; their installed versions go into each result's environment. */
  packages: readonly string[];
  /** One line: what it is, for `--list` and the report. */
  description: string;
  /** The implementation's `start`, imported on first use. */
  load(): Promise<StartServer>;
}

export interface ServerIndex {
  /**
   * The libraries that serve this protocol, the reference (the default run's) first. The index
   * holds data only; `load` imports the server's module and its packages.
   */
  implementations: readonly [ServerImplementation, ...ServerImplementation[]];
  /** `npm run serve` prints `listening <scheme>://HOST:PORT<urlPath>`. */
  scheme: UrlScheme;
  /** Path a client opens, part of the listening URL: '' when host and port say it all. */
  urlPath: string;
  /** What to call, printed by `npm run serve` with HOST:PORT replaced by the bound address. */
  pathHint: string;
  /** The protocol rows (harness/protocols.ts) measured against this server. */
  rows: readonly ProtocolName[];
}
