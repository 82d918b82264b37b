// The fanout scenario's rows: push transports (and polling), by name. Kept free of imports so
// the config schema and the CLI can name them without loading any server or client.
export const FANOUT_TRANSPORTS = ['sse', 'websocket', 'grpc', 'graphql-sse', 'graphql-ws', 'poll', 'long-poll'] as const;
export type FanoutTransport = (typeof FANOUT_TRANSPORTS)[number];

export function isFanoutTransport(s: string): s is FanoutTransport {
  return (FANOUT_TRANSPORTS as readonly string[]).includes(s);
}

export interface TransportInfo {
  /** Push server module (servers/push/<server>.ts). */
  server: 'sse' | 'websocket' | 'grpc' | 'graphql-sse' | 'graphql-ws' | 'polling';
  /** What serves and what subscribes, printed under the report. */
  driver: string;
  /** Resumes from the last event id after a lost connection (no loss, no duplicate). */
  resume: boolean;
  /** Heartbeat the subscriber's watchdog can rely on at the configured interval. */
  heartbeat: boolean;
  /** Polling transports: the poll interval is theirs and matters. */
  polling?: 'short' | 'long';
}

export const TRANSPORTS: Record<FanoutTransport, TransportInfo> = {
  sse: {
    server: 'sse',
    driver:
      'node:http text/event-stream (chunked), event JSON built once per event; raw-socket subscriber with the harness SSE parser, Last-Event-ID resume, retry: honoured',
    resume: true,
    heartbeat: true,
  },
  websocket: {
    server: 'websocket',
    driver:
      'ws server, one text frame per event (same Buffer to every socket), ping/pong heartbeat; ws client, backoff reconnect, ?lastEventId resume',
    resume: true,
    heartbeat: true,
  },
  grpc: {
    server: 'grpc',
    driver:
      '@grpc/grpc-js server streaming (UserEvent protobuf encoded once per event), HTTP/2 PING keep-alive; lean raw-socket HTTP/2 subscriber, after_event_id resume',
    resume: true,
    heartbeat: true,
  },
  'graphql-sse': {
    server: 'graphql-sse',
    driver:
      'graphql-yoga subscription over its SSE transport (execution per event per subscriber); raw-socket SSE subscriber; no resume',
    resume: false,
    heartbeat: false,
  },
  'graphql-ws': {
    server: 'graphql-ws',
    driver: 'graphql-ws (graphql-transport-ws) on ws, same schema and pubsub; ws client speaking the protocol; no resume',
    resume: false,
    heartbeat: false,
  },
  poll: {
    server: 'polling',
    driver: 'HTTP/1.1 short polling: GET /v1/poll?after=N every poll interval on a keep-alive raw socket; node:http server',
    resume: true,
    heartbeat: false,
    polling: 'short',
  },
  'long-poll': {
    server: 'polling',
    driver:
      'HTTP/1.1 long polling: GET /v1/poll?after=N&wait=1 held until the next event (or 30 s), re-sent at once; node:http server',
    resume: true,
    heartbeat: false,
    polling: 'long',
  },
};
