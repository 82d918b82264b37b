// What every push server (servers/push/<transport>.ts) takes and gives back. Servers hold
// transport code only: the events, their ids and the resume buffer live in EventLog.
import type net from 'node:net';
import type { EventLog } from './events.ts';

export interface PushServerOptions {
  /** Address to bind; loopback unless the user asks otherwise. */
  host: string;
  /** 0 lets the OS choose. */
  port: number;
  log: EventLog;
  /** Heartbeat interval: WebSocket ping, SSE `: ka` comment, gRPC HTTP/2 PING. Default 30 s. */
  heartbeatMs?: number;
  /** SSE `retry:` field sent to every stream: the client's reconnection delay. Default 1 s. */
  retryMs?: number;
  /** Long polling: how long a poll is held when there is nothing new. Default 30 s. */
  longPollTimeoutMs?: number;
  /**
   * A subscriber whose unsent backlog passes this is dropped (it reconnects and resumes)
   * rather than grow the server's memory without bound. Default 4 MiB.
   */
  maxBufferedBytes?: number;
}

export interface PushServer {
  port: number;
  /** Subscriptions (streams, sockets, held or keep-alive poll connections) open now. */
  subscribers(): number;
  /** Server-side close of up to `count` subscriber connections; returns how many were closed. */
  drop(count: number): number;
  close(): Promise<void>;
}

export type StartPushServer = (options: PushServerOptions) => Promise<PushServer>;

/** drop()'s loop: close the first `count` subscribers with `close`; gives how many it closed. */
export function dropFirst<T>(subscribers: Iterable<T>, count: number, close: (subscriber: T) => void): number {
  let n = 0;
  for (const s of subscribers) {
    if (n >= count) break;
    close(s);
    n++;
  }
  return n;
}

export const DEFAULT_HEARTBEAT_MS = 30_000;
export const DEFAULT_RETRY_MS = 1000;
export const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;

export async function listen(server: net.Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: thousands of subscribers connect within a second or two, and the
    // default backlog of 511 would turn the overflow into 1-3 s SYN retransmits.
    server.listen({ port, host, backlog: 8192 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('push server did not bind a TCP port');
  return address.port;
}
