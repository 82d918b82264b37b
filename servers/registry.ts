// Server modules by name. Adding a protocol's server is one file and one line here.
import type { StartServer } from './types.ts';

export const SERVERS = {
  rest: () => import('./rest.ts'),
  grpc: () => import('./grpc.ts'),
  websocket: () => import('./websocket.ts'),
  graphql: () => import('./graphql.ts'),
  sse: () => import('./sse.ts'),
} satisfies Record<string, () => Promise<{ start: StartServer }>>;

export type ServerName = keyof typeof SERVERS;
export const SERVER_NAMES = Object.keys(SERVERS) as ServerName[];

export async function loadServer(name: ServerName): Promise<StartServer> {
  return (await SERVERS[name]()).start;
}
