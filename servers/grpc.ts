// gRPC with @grpc/grpc-js: the four UserService methods (unary, server, client and bidi
// streaming) over the store. Both gRPC rows (lean driver and stock client) hit this server.
import * as grpc from '@grpc/grpc-js';
import { loadPackageDefinition, userToProto } from '../proto/contract.ts';
import type { ProtoGrpcType } from '../generated/proto/user.ts';
import type { UserServiceHandlers } from '../generated/proto/bench/v1/UserService.ts';
import type { CreateUserRequest__Output } from '../generated/proto/bench/v1/CreateUserRequest.ts';
import type { ChatMessage__Output } from '../generated/proto/bench/v1/ChatMessage.ts';
import type { ServerOptions, StartServer } from './types.ts';
import { cpuBurner } from './inject-cpu.ts';
import { openRequest } from './request-scope.ts';

export interface GrpcServerOptions extends ServerOptions {
  /** Largest request message accepted; default 4 MiB, RESOURCE_EXHAUSTED above. */
  maxReceiveMessageBytes?: number;
  /** GOAWAY a connection that has had no open call for this long; default 120 s. */
  idleTimeoutMs?: number;
  /**
   * HTTP/2 PING every this often; a peer that does not answer within keepaliveTimeoutMs is
   * dropped. This is gRPC's own keep-alive and finds half-open connections: grpc-js owns the
   * accepted sockets, so SO_KEEPALIVE cannot be set on them. Default 30 s.
   */
  keepaliveMs?: number;
  /** Default 10 s. */
  keepaliveTimeoutMs?: number;
}

export const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const EMPTY_ADDRESS = { street: '', city: '', country: '', postalCode: '' };

export const start: StartServer = (options) => startGrpc(options);

/** RFC 3339 (whole seconds, as the data set makes them) to a protobuf Timestamp. */
function timestamp(rfc3339: string): { seconds: number; nanos: number } {
  return { seconds: Math.floor(Date.parse(rfc3339) / 1000), nanos: 0 };
}

export async function startGrpc({
  host,
  port,
  store,
  maxReceiveMessageBytes = DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
  idleTimeoutMs = 120_000,
  keepaliveMs = 30_000,
  keepaliveTimeoutMs = 10_000,
  serviceDelayMs = 0,
  maxPageUsers = MAX_PAGE_SIZE,
  injectCpuUs,
}: GrpcServerOptions) {
  const proto = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as ProtoGrpcType;

  const handlers: UserServiceHandlers = {
    GetUser(call, callback) {
      const { id } = call.request;
      const user = store.getUser(id);
      if (!user) return callback({ code: grpc.status.NOT_FOUND, details: `no user with id ${id}` });
      callback(null, userToProto(user));
    },

    ListUsers(call) {
      const { pageSize, afterId } = call.request;
      for (const user of store.listUsers(afterId, Math.min(pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))) {
        call.write(userToProto(user));
      }
      call.end();
    },

    // payloadSize: the same page as ONE message (ListUsers above streams one per user).
    ListUsersPage(call, callback) {
      const { pageSize, afterId } = call.request;
      const n = Math.min(pageSize || DEFAULT_PAGE_SIZE, maxPageUsers);
      const users = store.listUsers(afterId, n);
      const last = users[users.length - 1];
      callback(null, { users: users.map(userToProto), nextAfterId: users.length === n && last ? last.id : 0 });
    },

    CreateUsers(call, callback) {
      const ids: number[] = [];
      call.on('data', (req: CreateUserRequest__Output) => {
        ids.push(
          store.createUser({
            username: req.username,
            email: req.email,
            age: req.age,
            roles: [...req.roles],
            // proto-loader with defaults: true still gives null for an unset message field.
            address: req.address ?? EMPTY_ADDRESS,
          }).id,
        );
      });
      call.on('end', () => callback(null, { created: ids.length, ids }));
      call.on('error', () => {
        /* client went away; nothing to answer */
      });
    },

    // nestedProfile: an unknown user or post is NOT_FOUND, as GetUser is, rather than an
    // empty list, so every protocol fails the same way on a bad id.
    GetUserPosts(call, callback) {
      const { userId } = call.request;
      if (!store.getUser(userId)) return callback({ code: grpc.status.NOT_FOUND, details: `no user with id ${userId}` });
      callback(null, {
        posts: store.postsByUser(userId).map((p) => ({
          id: p.id,
          authorId: p.authorId,
          title: p.title,
          content: p.content,
          createdAt: timestamp(p.createdAt),
        })),
      });
    },

    GetPostComments(call, callback) {
      const { postId } = call.request;
      const comments = store.commentsByPost(postId);
      if (comments.length === 0) return callback({ code: grpc.status.NOT_FOUND, details: `no post with id ${postId}` });
      callback(null, {
        comments: comments.map((c) => ({
          id: c.id,
          postId: c.postId,
          authorId: c.authorId,
          text: c.text,
          createdAt: timestamp(c.createdAt),
        })),
      });
    },

    Chat(call) {
      call.on('data', (m: ChatMessage__Output) => {
        call.write({ seq: m.seq, from: 'server', text: m.text, sentAtUs: m.sentAtUs });
      });
      call.on('end', () => call.end());
      call.on('error', () => {
        /* client went away */
      });
    },
  };

  const server = new grpc.Server({
    // grpc-js checks the length prefix before buffering a message, so an oversized one is
    // refused with RESOURCE_EXHAUSTED without being read into memory.
    'grpc.max_receive_message_length': maxReceiveMessageBytes,
    'grpc.max_connection_idle_ms': idleTimeoutMs,
    'grpc.keepalive_time_ms': keepaliveMs,
    'grpc.keepalive_timeout_ms': keepaliveTimeoutMs,
  });
  // deadline scenario: GetUser answers serviceDelayMs (a timer) after the call arrived; a call
  // the client cancelled or whose deadline passed meanwhile is not answered (grpc-js has
  // already ended it with CANCELLED / DEADLINE_EXCEEDED).
  if (serviceDelayMs > 0) {
    const getUser = handlers.GetUser;
    handlers.GetUser = (call, callback) =>
      void setTimeout(() => (call.cancelled ? undefined : getUser(call, callback)), serviceDelayMs);
  }
  // --inject-server-cpu-us: busy work at the start of every call, whatever the method (servers/inject-cpu.ts).
  const burn = cpuBurner(injectCpuUs);
  if (burn) {
    const table = handlers as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const [name, handler] of Object.entries(table))
      table[name] = (...args) => {
        burn();
        return handler(...args);
      };
  }
  scopeCalls(handlers);
  server.addService(proto.bench.v1.UserService.service, handlers);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });

  return {
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        // tryShutdown waits for open calls; a client that keeps a stream open must not hang the harness.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * Each call in its own request scope (servers/request-scope.ts), so the store charges it the
 * statements it ran: ended when it answers (unary and client-streaming calls: the callback), when
 * its stream finishes, or when it is cancelled. Outermost, so the service delay's timer and the
 * injected CPU run inside it. Statements run from a client stream's 'data' events (CreateUsers)
 * run in the stream's context, not the call's, and are charged to no request.
 */
function scopeCalls(handlers: UserServiceHandlers): void {
  type Call = { once(event: 'cancelled' | 'finish', fn: () => void): unknown };
  const table = handlers as unknown as Record<string, (call: Call, callback?: (...a: unknown[]) => void) => unknown>;
  for (const [name, handler] of Object.entries(table))
    table[name] = (call, callback) => {
      const scope = openRequest();
      call.once('cancelled', scope.end);
      if (typeof callback !== 'function') {
        call.once('finish', scope.end);
        return scope.run(() => handler(call));
      }
      return scope.run(() =>
        handler(call, (...a) => {
          scope.end();
          callback(...a);
        }),
      );
    };
}
