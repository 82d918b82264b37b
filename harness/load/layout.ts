// How a row's calls are laid out on connections (issue 13, item 3). Every row gets the same
// number of calls outstanding by default, but each the way its transport is used in practice:
//   HTTP/1.1 rows (rest, graphql, the SSE POSTs, autocannon)  32 connections x 1 call: no
//                     mainstream HTTP/1.1 client pipelines (browsers removed it; curl, undici
//                     and fetch do not by default), so pipelining is asked for, and labelled.
//   multiplexed rows (gRPC, h2c, WebSocket)  4 connections x 8 concurrent streams or messages.
// `connections` and `inflight`, when given, keep their literal meaning on every row; whichever
// of the two is missing is filled so that 32 calls stay outstanding. Pure.

/**
 * How a row's client carries concurrent calls on one connection. 'http1-pool': an HTTP/1.1 client
 * that never pipelines but opens a socket per call in flight (a node:http keep-alive Agent, as the
 * deadline scenario's clients use): I calls on one of its "connections" are I sockets of one call.
 */
export type Transport = 'http1' | 'http1-pool' | 'http2' | 'websocket';

/** Calls outstanding on every row unless the caller says otherwise. */
export const DEFAULT_OUTSTANDING = 32;
/** Streams per connection on a multiplexed row by default: 4 connections x 8. */
export const MULTIPLEXED_INFLIGHT = 8;

/** What ran: recorded as `layout` on every request/response run record. */
export interface Layout {
  connections: number;
  inflightPerConnection: number;
}

/** What the caller asked for (flags, config, `--load closed:CxI`); undefined = not given. */
export interface LayoutRequest {
  connections?: number | undefined;
  inflight?: number | undefined;
  /** HTTP/1.1 rows only: requests pipelined per connection (32/N connections of N). */
  pipelining?: number | undefined;
}

export interface ResolvedLayout {
  layout: Layout;
  /** Calls pipelined per HTTP/1.1 connection when more than one; null otherwise. */
  pipelined: number | null;
}

export function isMultiplexed(t: Transport): boolean {
  return t === 'http2' || t === 'websocket';
}

export function resolveLayout(transport: Transport, req: LayoutRequest): ResolvedLayout {
  if (transport === 'http1-pool') {
    // Such a client cannot pipeline: C x I becomes C*I sockets of one call, which is also what
    // the generator then opens (C*I clients of one call each are the same sockets).
    const { layout } = resolveLayout('http1', { ...req, pipelining: undefined });
    return {
      layout: { connections: layout.connections * layout.inflightPerConnection, inflightPerConnection: 1 },
      pipelined: null,
    };
  }
  const http1 = !isMultiplexed(transport);
  // --pipelining speaks of HTTP/1.1 connections only: a multiplexed row keeps its streams.
  const inflight = req.inflight ?? (http1 ? (req.pipelining ?? 1) : MULTIPLEXED_INFLIGHT);
  // 32/N may not divide: round to the nearest count, at least one connection; the record says what ran.
  const connections = req.connections ?? Math.max(1, Math.round(DEFAULT_OUTSTANDING / inflight));
  return {
    layout: { connections, inflightPerConnection: inflight },
    pipelined: http1 && inflight > 1 ? inflight : null,
  };
}

/** The label of a pipelined HTTP/1.1 row. */
export function pipelinedLabel(n: number): string {
  return `pipelined-${n}`;
}

/**
 * A record's variant with the layout's label: `pipelined-8` alone, or after the row's own
 * variant as `offset,pipelined-8` (the scenario's variant first, so it still sorts and reads first).
 */
export function variantWithLayout(variant: string | undefined, pipelined: number | null): string | undefined {
  if (pipelined === null) return variant;
  return variant === undefined ? pipelinedLabel(pipelined) : `${variant},${pipelinedLabel(pipelined)}`;
}
