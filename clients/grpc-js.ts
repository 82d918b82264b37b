// The stock @grpc/grpc-js client, as an application uses it: generated client constructor,
// one channel per connection, every answer deserialised by grpc-js. It costs far more client
// CPU per call than the lean driver in ./grpc.ts, so under load it measures itself, not the
// server; it is the row that says what an application would see.
//
// grpc-js exposes no socket, so wire bytes come from the kernel: channelz (on by default in
// grpc-js) names the local port of each of this channel's sockets, and `ss -tin` reports
// that TCP socket's byte counters. Both are only read at phase boundaries, never per call.
import { execFileSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { canonicalUser, loadPackageDefinition, userFromProto } from '../proto/contract.ts';
import type { ProtoGrpcType } from '../generated/proto/user.ts';
import type { UserServiceClient } from '../generated/proto/bench/v1/UserService.ts';
import type { User__Output } from '../generated/proto/bench/v1/User.ts';
import type { GetUserRequest } from '../generated/proto/bench/v1/GetUserRequest.ts';
import { classifyGrpcStatus } from './grpc.ts';
import { grpcProfile } from './nested-profile.ts';
import { unsupported, type ByteCount, type CallOutcome, type Connection, type Target } from './types.ts';

const READY_TIMEOUT_MS = 5000;

type UserServiceCtor = ProtoGrpcType['bench']['v1']['UserService'];

/** Where the wrapped (de)serialisers leave the encoded size on the message object. */
const WIRE_SIZE = Symbol('wireSize');
type Sized = { [WIRE_SIZE]?: number };

let ctor: UserServiceCtor | undefined;
/**
 * The generated client constructor, with GetUser's (de)serialisers wrapped to note the
 * encoded message sizes on the objects they handle: grpc-js reports no sizes, and reading
 * Buffer.length there costs nothing next to the call itself.
 */
function userServiceClient(): UserServiceCtor {
  if (ctor) return ctor;
  const proto = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as ProtoGrpcType;
  const { service } = proto.bench.v1.UserService;
  const getUser = service.GetUser;
  // nestedProfile's answers are sized the same way (clients/nested-profile.ts reads them).
  const sized = <D extends { responseDeserialize: (b: Buffer) => unknown }>(d: D): D => ({
    ...d,
    responseDeserialize: (buf: Buffer) => {
      const msg = d.responseDeserialize(buf) as Sized;
      msg[WIRE_SIZE] = buf.length;
      return msg;
    },
  });
  const wrapped = {
    ...service,
    GetUserPosts: sized(service.GetUserPosts),
    GetPostComments: sized(service.GetPostComments),
    ListUsersPage: sized(service.ListUsersPage),
    GetUser: {
      ...getUser,
      requestSerialize: (value: GetUserRequest & Sized) => {
        const buf = getUser.requestSerialize(value);
        value[WIRE_SIZE] = buf.length;
        return buf;
      },
      responseDeserialize: (buf: Buffer) => {
        const msg = getUser.responseDeserialize(buf) as User__Output & Sized;
        msg[WIRE_SIZE] = buf.length;
        return msg;
      },
    },
  };
  ctor = grpc.makeClientConstructor(wrapped, 'UserService') as unknown as UserServiceCtor;
  return ctor;
}

/** Encoded size of an answer whose deserialiser is wrapped above (0 for any other). */
export const wireSizeOf = (msg: unknown): number => (msg as Sized)[WIRE_SIZE] ?? 0;

export interface GrpcJsConnection extends Connection {
  /** The generated client, for methods beyond the harness's operations (streaming tests). */
  readonly client: UserServiceClient;
}

/**
 * `settle: false` skips waiting for the handshake's counters to settle (100 ms or more per
 * connection, polling `ss`): for a caller that measures its own setup after a round trip of
 * its own (clients/chat.ts), so 100 connections open well inside the generator's timeout.
 */
export const connect = async ({ host, port }: Target, o: { settle?: boolean } = {}): Promise<GrpcJsConnection> => {
  const Client = userServiceClient();
  // Without a local subchannel pool every client to the same target shares one TCP connection.
  const client = new Client(`${host}:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.waitForReady(Date.now() + READY_TIMEOUT_MS, (err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    client.close(); // otherwise the channel keeps reconnecting in the background
    throw err;
  }

  const counter = socketByteCounter(client, port);
  const setupBytes = counter ? (o.settle === false ? counter() : await settledBytes(counter)) : null;

  const connection: GrpcJsConnection = {
    client,
    setupBytes,
    wireBytes: () => counter?.() ?? null,
    call(op, options): Promise<CallOutcome> {
      if (op.op === 'nestedProfile')
        return grpcProfile(client, op.id, options?.decode === true, (m) => (m as Sized)[WIRE_SIZE] ?? 0);
      if (op.op !== 'getUser') return Promise.resolve(unsupported(op));
      return new Promise((resolve) => {
        const request: GetUserRequest & Sized = { id: op.id };
        client.GetUser(request, (err, res) => {
          if (err) {
            const code = (err as grpc.ServiceError).code;
            resolve(
              typeof code === 'number'
                ? classifyGrpcStatus(code, (err as grpc.ServiceError).details)
                : { ok: false, kind: 'protocol_error', detail: err.message },
            );
            return;
          }
          if (!res) return resolve({ ok: false, kind: 'protocol_error', detail: 'no response message' });
          const payload = { request: request[WIRE_SIZE] ?? 0, response: (res as User__Output & Sized)[WIRE_SIZE] ?? 0 };
          if (!options?.decode) return resolve({ ok: true, payload });
          resolve({ ok: true, payload, user: canonicalUser(userFromProto(res as User__Output)) });
        });
      });
    },
    close: async () => client.close(),
  };
  return connection;
};

// ---- wire bytes via channelz + ss ----

/** The parts of channelz's answers this file reads (grpc-js's channelz protos, as plain objects). */
interface ChannelzReply {
  channel?: { subchannel_ref?: { subchannel_id: string | number }[] };
  subchannel?: { socket_ref?: { socket_id: string | number }[] };
  socket?: { local?: { tcpip_address?: { port?: number } } };
}

type Handler = (call: { request: Record<string, unknown> }, cb: (err: unknown, value?: ChannelzReply) => void) => void;

/** Run an in-process channelz query; grpc-js answers these synchronously. */
function channelz(
  method: 'GetChannel' | 'GetSubchannel' | 'GetSocket',
  request: Record<string, unknown>,
): ChannelzReply | undefined {
  let out: ChannelzReply | undefined;
  (grpc.getChannelzHandlers()[method] as unknown as Handler)({ request }, (err, value) => {
    if (!err) out = value;
  });
  return out;
}

/** Local TCP ports of the sockets this client's channel holds now. */
function localPorts(client: grpc.Client): number[] {
  const ports: number[] = [];
  const channel = channelz('GetChannel', { channel_id: String(client.getChannel().getChannelzRef().id) })?.channel;
  for (const sub of channel?.subchannel_ref ?? []) {
    const subchannel = channelz('GetSubchannel', { subchannel_id: String(sub.subchannel_id) })?.subchannel;
    for (const sock of subchannel?.socket_ref ?? []) {
      const port = channelz('GetSocket', { socket_id: String(sock.socket_id) })?.socket?.local?.tcpip_address?.port;
      if (typeof port === 'number') ports.push(port);
    }
  }
  return ports;
}

/**
 * Per-socket TCP counters of this process's connections to `remotePort`, by local port.
 * bytes_acked (minus the SYN's 1) is what the peer received from us; bytes_received is what
 * we received. Returns undefined when `ss` is unavailable.
 */
export function ssSocketBytes(remotePort: number): Map<number, ByteCount> | undefined {
  let text: string;
  try {
    text = execFileSync('ss', ['-tinpH', 'state', 'established', `dport = :${remotePort}`], { encoding: 'utf8', timeout: 2000 });
  } catch {
    return undefined;
  }
  const result = new Map<number, ByteCount>();
  // With -i each socket is a head line (addresses, users:) followed by an indented info line.
  const lines = text.split('\n');
  const pidTag = `pid=${process.pid},`;
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i] ?? '';
    if (!head.includes(pidTag)) continue;
    const info = lines[i + 1] ?? '';
    // With a state filter ss drops the State column: Recv-Q Send-Q Local:Port Peer:Port users:...
    const local = /^\s*\d+\s+\d+\s+(\S+):(\d+)\s/.exec(head);
    if (!local) continue;
    const acked = /\bbytes_acked:(\d+)/.exec(info);
    const received = /\bbytes_received:(\d+)/.exec(info);
    result.set(Number(local[2]), {
      out: acked ? Math.max(0, Number(acked[1]) - 1) : 0,
      in: received ? Number(received[1]) : 0,
    });
  }
  return result;
}

/**
 * The connection's bytes once the HTTP/2 handshake is over. grpc-js reports READY before its
 * SETTINGS ACK has left (measured: 20-60 ms later with the server in another process), so
 * wait until the counters have not moved for SETTLE_MS, at most SETTLE_MAX_MS.
 */
const SETTLE_MS = 100;
const SETTLE_MAX_MS = 1000;
async function settledBytes(read: () => ByteCount | null): Promise<ByteCount | null> {
  const t0 = Date.now();
  let last = read();
  let stableSince = Date.now();
  while (Date.now() - stableSince < SETTLE_MS && Date.now() - t0 < SETTLE_MAX_MS) {
    await new Promise((r) => setTimeout(r, 10));
    const now = read();
    if (now?.out !== last?.out || now?.in !== last?.in) {
      last = now;
      stableSince = Date.now();
    }
  }
  return last;
}

/**
 * ssSocketBytes, run once per event-loop turn and port: the runner reads every connection's
 * bytes in one synchronous loop, and a synchronous `ss` per connection stalled the event loop
 * (about 1 s for 100 connections on a loaded 2-core machine) right at the window's edge.
 */
let ssThisTurn: { port: number; bytes: Map<number, ByteCount> | undefined } | undefined;
function ssSocketBytesThisTurn(remotePort: number): Map<number, ByteCount> | undefined {
  if (ssThisTurn?.port === remotePort) return ssThisTurn.bytes;
  ssThisTurn = { port: remotePort, bytes: ssSocketBytes(remotePort) };
  setImmediate(() => (ssThisTurn = undefined));
  return ssThisTurn.bytes;
}

/**
 * A reader of this client's cumulative socket bytes, or undefined if `ss` does not work here.
 * Sockets the channel closed keep their last reading, so the total never goes backwards.
 */
function socketByteCounter(client: grpc.Client, remotePort: number): (() => ByteCount | null) | undefined {
  if (!ssSocketBytes(remotePort)) return undefined;
  const last = new Map<number, ByteCount>();
  return () => {
    const now = ssSocketBytesThisTurn(remotePort);
    if (!now) return null;
    for (const port of localPorts(client)) {
      const b = now.get(port);
      if (b) last.set(port, b);
    }
    if (last.size === 0) return null;
    let out = 0;
    let inn = 0;
    for (const b of last.values()) {
      out += b.out;
      inn += b.in;
    }
    return { out, in: inn };
  };
}
