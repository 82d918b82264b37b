// gRPC with @connectrpc/connect-node: the same UserService as servers/grpc.ts (grpc-js), served
// over cleartext HTTP/2 (prior knowledge) with only the gRPC protocol enabled, so both gRPC rows
// (the lean HTTP/2 driver and the stock grpc-js client) call it unchanged. Messages are
// protobuf-es (generated/es, `npm run gen`), encoded by @bufbuild/protobuf's reflection codec
// where grpc-js uses protobufjs: that and the handler pipeline are the library difference measured.
// The connection itself (HTTP/2 settings, idle GOAWAY, keep-alive PING) is a node:http2 server
// this module owns, set up as grpc-js sets up its own (servers/h2-connection-limits.ts).
import http2 from 'node:http2';
import { Code, ConnectError, type ConnectRouter, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { UserService, type UserSchema } from '../generated/es/user_pb.ts';
import type { UserJson } from '../proto/contract.ts';
import type { GrpcServerOptions } from './grpc.ts';
import type { StartServer } from './types.ts';
import { cpuBurner } from './inject-cpu.ts';
import { openRequest } from './request-scope.ts';
import { limitSessions } from './h2-connection-limits.ts';
import { listenOn } from './listen.ts';

/** As servers/grpc.ts: 4 MiB, grpc-js's default; not imported, so this process never loads grpc-js. */
const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const EMPTY_ADDRESS = { street: '', city: '', country: '', postalCode: '' };

export const start: StartServer = (options) => startGrpcConnect(options);

function userMessage(u: UserJson): MessageInitShape<typeof UserSchema> {
  return { ...u, createdAt: timestampFromMs(Date.parse(u.createdAt)) };
}

/** Resolve after ms, or reject with the call's own error (DEADLINE_EXCEEDED, CANCELLED) once it is over. */
function delay(ms: number, ctx: HandlerContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(ctx.signal.reason, Code.Canceled));
    };
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

function routes(store: GrpcServerOptions['store'], maxPageUsers: number, serviceDelayMs: number) {
  return (router: ConnectRouter) =>
    router.service(UserService, {
      async getUser({ id }, ctx) {
        // deadline scenario: answered serviceDelayMs (a timer) after the call arrived; a call the
        // client cancelled or whose deadline passed meanwhile ends with that status instead.
        if (serviceDelayMs > 0) await delay(serviceDelayMs, ctx);
        const user = store.getUser(id);
        if (!user) throw new ConnectError(`no user with id ${id}`, Code.NotFound);
        return userMessage(user);
      },

      async *listUsers({ pageSize, afterId }) {
        for (const user of store.listUsers(afterId, Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))) {
          yield userMessage(user);
        }
      },

      // payloadSize: the same page as ONE message (listUsers above streams one per user).
      listUsersPage({ pageSize, afterId }) {
        const n = Math.min(pageSize || DEFAULT_PAGE_SIZE, maxPageUsers);
        const users = store.listUsers(afterId, n);
        const last = users[users.length - 1];
        return { users: users.map(userMessage), nextAfterId: users.length === n && last ? last.id : 0 };
      },

      async createUsers(requests) {
        const ids: number[] = [];
        for await (const req of requests) {
          ids.push(
            store.createUser({
              username: req.username,
              email: req.email,
              age: req.age,
              roles: [...req.roles],
              address: req.address ?? EMPTY_ADDRESS,
            }).id,
          );
        }
        return { created: ids.length, ids };
      },

      // nestedProfile: an unknown user or post is NOT_FOUND, as in servers/grpc.ts.
      getUserPosts({ userId }) {
        if (!store.getUser(userId)) throw new ConnectError(`no user with id ${userId}`, Code.NotFound);
        return {
          posts: store.postsByUser(userId).map((p) => ({ ...p, createdAt: timestampFromMs(Date.parse(p.createdAt)) })),
        };
      },

      getPostComments({ postId }) {
        const comments = store.commentsByPost(postId);
        if (comments.length === 0) throw new ConnectError(`no post with id ${postId}`, Code.NotFound);
        return { comments: comments.map((c) => ({ ...c, createdAt: timestampFromMs(Date.parse(c.createdAt)) })) };
      },

      async *chat(messages) {
        for await (const m of messages) yield { seq: m.seq, from: 'server', text: m.text, sentAtUs: m.sentAtUs };
      },
    });
}

/**
 * What every call goes through before its handler: the injected CPU (servers/inject-cpu.ts), at
 * the start of every call as in servers/grpc.ts; and, with a store that counts statements
 * (SQLite), a request scope (servers/request-scope.ts) so statements are charged per call. The
 * in-memory store counts nothing, so the getUser hot path carries no scope, as grpc-js's does not.
 */
function interceptors(options: GrpcServerOptions): Interceptor[] {
  const out: Interceptor[] = [];
  const burn = cpuBurner(options.injectCpuUs);
  if (burn)
    out.push((next) => (req) => {
      burn();
      return next(req);
    });
  if (options.store.statementCount)
    out.push((next) => async (req) => {
      const scope = openRequest();
      try {
        return await scope.run(() => next(req));
      } finally {
        scope.end();
      }
    });
  return out;
}

/**
 * A path no route serves: grpc-js answers UNIMPLEMENTED (the gRPC spec's status for an unknown
 * method), and 415 for a body that is not gRPC; connect-node's own fallback is a bare 404.
 */
const unknownMethod: NonNullable<ConnectNodeAdapterOptions['fallback']> = (req, res) => {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/grpc')) {
    res.writeHead(415, { 'content-type': 'text/plain' });
    res.end('expected a gRPC request (content-type application/grpc)');
    return;
  }
  // Trailers-only: the status rides in the only HEADERS frame.
  res.writeHead(200, {
    'content-type': 'application/grpc',
    'grpc-status': String(Code.Unimplemented),
    'grpc-message': encodeURIComponent(`method not found: ${(req.url ?? '').slice(0, 200)}`),
  });
  res.end();
};

export async function startGrpcConnect(options: GrpcServerOptions) {
  const {
    host,
    port,
    store,
    maxReceiveMessageBytes = DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
    idleTimeoutMs = 120_000,
    keepaliveMs = 30_000,
    keepaliveTimeoutMs = 10_000,
    serviceDelayMs = 0,
    maxPageUsers = MAX_PAGE_SIZE,
  } = options;
  const handler = connectNodeAdapter({
    routes: routes(store, maxPageUsers, serviceDelayMs),
    // gRPC only: the contract's rows are gRPC clients; Connect and gRPC-web would answer other content types.
    grpc: true,
    connect: false,
    grpcWeb: false,
    // connect-node reads the 5-byte prefix first and refuses a message declared larger with
    // RESOURCE_EXHAUSTED before buffering it, as grpc-js does.
    readMaxBytes: maxReceiveMessageBytes,
    // Compressed requests are read (as grpc-js reads them), but answers are never compressed:
    // grpc-js servers do not compress, and a gzip answer would be a different measurement.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    interceptors: interceptors(options),
    fallback: unknownMethod,
  });
  const server = http2.createServer(
    // As grpc-js sets up its server: no header-block or session-memory cap of Node's own, which
    // degrade badly under load (grpc-js server.js); no Node socket timeout, the limits below rule.
    { maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER, maxSessionMemory: Number.MAX_SAFE_INTEGER },
    (req, res) => {
      // A call answered before its request was read to the end (RESOURCE_EXHAUSTED from the
      // length prefix, INTERNAL for a bad message) would otherwise stall: connect-node stops
      // reading, the client's flow-control window never reopens and the stream never ends.
      // Read and discard the rest, as grpc-js does (stream.resume() after its status); on the
      // Http2Stream itself, since connect-node has destroyed the compat request by then.
      res.stream.once('finish', () => {
        if (!res.stream.readableEnded) res.stream.resume();
      });
      try {
        handler(req, res);
      } catch {
        // connect-node builds a URL from :authority synchronously and throws on one that is not a
        // host (found by test/fuzz.test.ts): uncaught, that takes the server process down. A 400.
        if (res.headersSent) res.stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
        else {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('malformed request');
        }
      }
    },
  );
  server.setTimeout(0);
  const sessions = limitSessions(server, { idleTimeoutMs, keepaliveMs, keepaliveTimeoutMs });
  const boundPort = await listenOn(server, host, port, 'grpc');

  return {
    port: boundPort,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // As servers/grpc.ts: open calls get 1 s to finish, then their connections are destroyed.
      await sessions.closeAll(1000);
      await closed;
    },
  };
}
