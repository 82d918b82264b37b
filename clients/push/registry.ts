// Subscriber implementations by transport.
import type { FanoutTransport } from '../../harness/workloads/fanout-transports.ts';
import type { CreateSubscriber } from './types.ts';

export const SUBSCRIBERS: Record<FanoutTransport, () => Promise<CreateSubscriber>> = {
  sse: async () => (await import('./sse.ts')).createSubscriber,
  websocket: async () => (await import('./websocket.ts')).createSubscriber,
  grpc: async () => (await import('./grpc.ts')).createSubscriber,
  'graphql-sse': async () => (await import('./graphql-sse.ts')).createSubscriber,
  'graphql-ws': async () => (await import('./graphql-ws.ts')).createSubscriber,
  poll: async () => (await import('./poll.ts')).createShortPollSubscriber,
  'long-poll': async () => (await import('./poll.ts')).createLongPollSubscriber,
};
