// Push servers by module name (harness/workloads/fanout-transports.ts maps transports onto them).
import type { StartPushServer } from './types.ts';
import type { TransportInfo } from '../../harness/workloads/fanout-transports.ts';

export const PUSH_SERVERS: Record<TransportInfo['server'], () => Promise<{ start: StartPushServer }>> = {
  sse: () => import('./sse.ts'),
  websocket: () => import('./websocket.ts'),
  grpc: () => import('./grpc.ts'),
  'graphql-sse': () => import('./graphql-sse.ts'),
  'graphql-ws': () => import('./graphql-ws.ts'),
  polling: () => import('./polling.ts'),
};
