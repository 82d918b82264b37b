import type { UserJson } from '../proto/contract.ts';
import type { NestedProfile } from './nested-profile.ts';

/**
 * An operation a scenario asks for. Scenarios add kinds here; a client that cannot express a
 * kind answers with `unsupported(op)` (and the scenario does not list that protocol).
 */
export type Operation =
  | { op: 'getUser'; id: number }
  /** A user with its posts and each post's comments (scenarios/nestedProfile.ts). */
  | { op: 'nestedProfile'; id: number }
  /** A page of users from `after` (an id for cursors, a row count for offsets), `limit` long. */
  | { op: 'listUsers'; after: number; limit: number; variant?: string }
  /** Store `users` in one batch (or one call each, as the variant says). */
  | { op: 'createUsers'; users: NewUserJson[]; variant?: string }
  /** GraphQL: the latest posts with their authors (N+1 shape). */
  | { op: 'postsWithAuthors'; first: number; variant?: string }
  /**
   * deadline: getUser given up after `deadlineMs` (gRPC deadline, client abort or timer).
   * expect 'deadline': the deadline error is the success, an answer is an error; 'answer': the
   * other way round (a deadline longer than the service time). scenarios/deadline.ts.
   */
  | { op: 'getUserWithDeadline'; id: number; deadlineMs: number; expect: 'deadline' | 'answer' }
  /** chat: send `text` on the connection's bidirectional channel; done when the server's relay of it (matched by seq) arrives. */
  | { op: 'chat'; text: string };

/** CreateUserRequest as JSON (proto3 JSON names). */
export interface NewUserJson {
  username: string;
  email: string;
  age: number;
  roles: string[];
  address: UserJson['address'];
}

export function unsupported(op: { op: string }): CallOutcome {
  return { ok: false, kind: 'client_error', code: 'unsupported', detail: `this client cannot express ${op.op}` };
}

/** A client built on another connection: `inner`'s setup bytes, byte counts and close, with calls of its own. */
export function withCalls(inner: Connection, call: Connection['call']): Connection {
  return { setupBytes: inner.setupBytes, wireBytes: () => inner.wireBytes(), close: () => inner.close(), call };
}

export interface Target {
  host: string;
  port: number;
}

/** Application payload of one call: the JSON body or protobuf message, no framing/headers. */
export interface PayloadBytes {
  request: number;
  response: number;
}

export type CallOutcome =
  | {
      ok: true;
      payload: PayloadBytes;
      /** present when the call was made with decode: true */
      user?: UserJson;
      /** nestedProfile with decode: true: the assembled profile (clients/nested-profile.ts) */
      profile?: NestedProfile;
      /** Protocol requests (HTTP requests, gRPC calls) this operation took; absent means 1. */
      requests?: number;
      /** Multi-item calls (pages, streams, batches): items carried; with decode, the users. */
      items?: number;
      users?: UserJson[];
      /** Microseconds from the call's start to its first item (a stream's first message). */
      firstItemUs?: number;
      /** createUsers with decode: the ids the server gave. */
      ids?: number[];
      /** chat with decode: the relayed message (ChatMessage in proto3 JSON). */
      chat?: { seq: number; from: string; text: string; sentAtUs: number };
    }
  | {
      ok: false;
      /** Error class: not_found, timeout, connection_reset, protocol_error, server_error, ... */
      kind: ErrorKind;
      /** The protocol's own status: HTTP status, gRPC status name, error code in a message. */
      code?: string;
      detail?: string;
    };

export type ErrorKind = 'not_found' | 'timeout' | 'connection_reset' | 'protocol_error' | 'server_error' | 'client_error';

export interface CallOptions {
  /**
   * Decode and return the answer with the protocol's own decoder (equivalence check).
   * Under load the lean drivers only frame the response and check its status, as wrk and
   * h2load do, so the generator spends its CPU on sending, not parsing.
   */
  decode?: boolean;
}

export interface ByteCount {
  out: number;
  in: number;
}

export interface Connection {
  call(op: Operation, options?: CallOptions): Promise<CallOutcome>;
  /** Cumulative bytes at the socket(s) since connect, setup included; null if unobservable. */
  wireBytes(): ByteCount | null;
  /** Bytes exchanged to open the connection before the first operation (handshakes, preface, SETTINGS, upgrade, stream heads). */
  readonly setupBytes: ByteCount | null;
  close(): Promise<void>;
}

export interface ClientModule {
  connect(target: Target): Promise<Connection>;
  /** How this client drives its protocol, for the report's Drivers list (a scenario's own client). */
  description?: string;
}
