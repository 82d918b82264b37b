// The protocol rows a run can measure. A row pairs a reference server with a client
// (driver). gRPC has two rows on the same server: a lean driver that can saturate the
// server, and the stock grpc-js client "as an application sees it". Which server a row runs
// against is the server's to say (its index in servers/*/index.ts lists its rows).
import { serverOfRow, type ServerName } from '../servers/registry.ts';
import type { ClientModule } from '../clients/types.ts';
import type { Transport } from './load/layout.ts';

export interface ProtocolRow {
  /** Name used on the command line and in result files. */
  name: string;
  server: ServerName;
  client: () => Promise<ClientModule>;
  /** What the client is and how it talks, printed under the report. */
  driver: string;
  /**
   * How the row's client carries concurrent calls: 'http1' one request at a time per
   * connection unless pipelined, 'http2' and 'websocket' multiplexed. It decides the row's
   * default layout (harness/load/layout.ts); a scenario's own client may say otherwise.
   */
  transport: Transport;
}

const ROWS = {
  rest: {
    name: 'rest',
    client: () => import('../clients/rest.ts'),
    driver: 'HTTP/1.1 keep-alive on raw node:net sockets, pre-built GET requests (the autocannon/wrk approach); fastify server',
    transport: 'http1',
  },
  grpc: {
    name: 'grpc',
    client: () => import('../clients/grpc.ts'),
    driver:
      'HTTP/2 spoken on raw node:net sockets as h2load does: frames pre-built per id (5-byte gRPC prefix + protobuf), HPACK as nghttp2 encodes it, grpc-status trailer checked; @grpc/grpc-js server',
    transport: 'http2',
  },
  'grpc-js': {
    name: 'grpc-js',
    client: () => import('../clients/grpc-js.ts'),
    driver: 'stock @grpc/grpc-js client (what an application sees); @grpc/grpc-js server',
    transport: 'http2',
  },
  websocket: {
    name: 'websocket',
    client: () => import('../clients/websocket.ts'),
    driver: 'ws client, JSON messages correlated by request id; ws server',
    transport: 'websocket',
  },
  graphql: {
    name: 'graphql',
    client: () => import('../clients/graphql.ts'),
    driver: 'HTTP/1.1 keep-alive on raw node:net sockets, pre-built POST /graphql; graphql-yoga server on node:http',
    transport: 'http1',
  },
  sse: {
    name: 'sse',
    client: () => import('../clients/sse.ts'),
    driver: 'RPC over SSE: request as HTTP POST, answer as an event on a long-lived text/event-stream, correlated by request id',
    // The calls go out as POSTs on a keep-alive HTTP/1.1 connection (clients/sse.ts), pipelined
    // when several are in flight; only the answers share the event stream. So: an HTTP/1.1 row.
    transport: 'http1',
  },
} satisfies Record<string, Omit<ProtocolRow, 'server'>>;

export type ProtocolName = keyof typeof ROWS;
export const PROTOCOL_NAMES = Object.keys(ROWS) as ProtocolName[];

export const PROTOCOLS = Object.fromEntries(
  PROTOCOL_NAMES.map((name) => [name, { ...ROWS[name], server: serverOfRow(name) }]),
) as { [P in ProtocolName]: ProtocolRow & { name: P } };

export function isProtocolName(s: string): s is ProtocolName {
  return Object.hasOwn(PROTOCOLS, s);
}

/**
 * Drivers that are not protocol rows: used by calibration benchmarks (harness/cli/calibrate.ts)
 * against a reference server, never in a scenario's table.
 */
export const CALIBRATION_DRIVERS = {
  'rest-hello': {
    name: 'rest-hello',
    server: 'rest',
    client: () => import('../clients/rest-hello.ts'),
    driver: 'the REST driver against GET /v1/hello on the same fastify server (fastify hello-world)',
    transport: 'http1',
  },
} satisfies Record<string, ProtocolRow & { server: ServerName }>;

export type DriverName = ProtocolName | keyof typeof CALIBRATION_DRIVERS;

export function driverRow(name: DriverName): ProtocolRow {
  return name in PROTOCOLS ? PROTOCOLS[name as ProtocolName] : CALIBRATION_DRIVERS[name as keyof typeof CALIBRATION_DRIVERS];
}
