// Bytes on the wire per getUser for each client profile (claims/client-profiles.ts), measured at
// the socket against the reference REST (fastify) and gRPC (grpc-js) servers started in this
// process: HTTP/1.1 on one keep-alive connection, gRPC on one HTTP/2 session through
// node:http2 (the HTTP/2 stack grpc-js itself uses, so HPACK decides what is indexed as it
// would for a grpc-js client). The first call of each connection is setup and not counted.
import net from 'node:net';
import http2 from 'node:http2';
import { startRest } from '../servers/rest.ts';
import { startGrpc } from '../servers/grpc.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { protoType } from '../proto/contract.ts';
import { parseResponse } from '../clients/wire/http1.ts';
import { PROFILES, restRequest, type ClientProfile, type ProfileId } from './client-profiles.ts';
import { withTimeout, type CheckResult } from './observe.ts';
import { wireObservations } from './figures-wire.ts';
import { binaryOverSse } from './checks-sse-binary.ts';

const HOST = '127.0.0.1';
/** Calls counted per connection (after one uncounted warm-up call); ids 1..CALLS, like the bench's spread of users. */
export const CALLS = 50;

/** Bytes per call each way and the application payload, one profile on one protocol. */
export interface WireFigure {
  out: number;
  in: number;
  payload: number;
}
export type WireFigures = Partial<Record<ProfileId, { rest: WireFigure; grpc: WireFigure | null }>>;

async function restBytes(port: number, p: ClientProfile): Promise<WireFigure> {
  const s = net.connect(port, HOST);
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  let buf = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    waiting?.();
  });
  const call = async (id: number): Promise<number> => {
    s.write(restRequest(p, `/v1/users/${id}`, `${HOST}:${port}`));
    for (;;) {
      const r = parseResponse(buf);
      if (r) {
        buf = buf.subarray(r.wireBytes);
        return r.body.length;
      }
      await new Promise<void>((resolve) => (waiting = resolve));
    }
  };
  try {
    await call(1);
    const [out0, in0] = [s.bytesWritten, s.bytesRead];
    let payload = 0;
    for (let id = 1; id <= CALLS; id++) payload += await call(id);
    return { out: (s.bytesWritten - out0) / CALLS, in: (s.bytesRead - in0) / CALLS, payload: payload / CALLS };
  } finally {
    s.destroy();
  }
}

async function grpcBytes(port: number, headers: Readonly<Record<string, string>>): Promise<WireFigure> {
  const socket = net.connect(port, HOST);
  const session = http2.connect(`http://${HOST}:${port}`, { createConnection: () => socket });
  const reqType = protoType('GetUserRequest');
  const call = (id: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const msg = Buffer.from(reqType.encode({ id }).finish());
      // gRPC message framing: compressed flag, 4-byte length, message.
      const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), msg]);
      framed.writeUInt32BE(msg.length, 1);
      const stream = session.request({ ':method': 'POST', ':path': '/bench.v1.UserService/GetUser', ...headers });
      let got = 0;
      stream.on('data', (d: Buffer) => (got += d.length));
      stream.on('end', () => resolve(msg.length + Math.max(0, got - 5)));
      stream.on('error', reject);
      stream.end(framed);
    });
  try {
    await call(1);
    const [out0, in0] = [socket.bytesWritten, socket.bytesRead];
    let payload = 0;
    for (let id = 1; id <= CALLS; id++) payload += await call(id);
    return { out: (socket.bytesWritten - out0) / CALLS, in: (socket.bytesRead - in0) / CALLS, payload: payload / CALLS };
  } finally {
    session.destroy();
    socket.destroy();
  }
}

/** The figures for every profile; each protocol's server is started and stopped here. */
export async function measureWire(): Promise<WireFigures> {
  const store = createMemoryStore(DEFAULT_DATASET);
  const rest = await startRest({ host: HOST, port: 0, store });
  const grpc = await startGrpc({ host: HOST, port: 0, store });
  const out: WireFigures = {};
  try {
    for (const p of PROFILES) {
      const r = await withTimeout(restBytes(rest.port, p), 10_000, `REST getUser, ${p.label}`);
      const g = p.grpc ? await withTimeout(grpcBytes(grpc.port, p.grpc), 10_000, `gRPC GetUser, ${p.label}`) : null;
      out[p.id] = { rest: r, grpc: g };
    }
  } finally {
    await Promise.all([rest.close(), grpc.close()]);
  }
  return out;
}

/** The check: the header-dependent claims' observations (claims/figures-wire.ts) from measured figures. */
export async function wireCheck(): Promise<CheckResult> {
  return { ...wireObservations(await measureWire()), binaryOverSse: await binaryOverSse() };
}
