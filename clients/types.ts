import type { UserJson } from '../proto/contract.ts';

/**
 * An operation a scenario asks for. Scenarios add kinds here; a client that cannot express a
 * kind answers with `unsupported(op)` (and the scenario does not list that protocol).
 */
export type Operation = { op: 'getUser'; id: number };

export function unsupported(op: { op: string }): CallOutcome {
  return { ok: false, kind: 'client_error', code: 'unsupported', detail: `this client cannot express ${op.op}` };
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
  | { ok: true; payload: PayloadBytes; /** present when the call was made with decode: true */ user?: UserJson }
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
}
