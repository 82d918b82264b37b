// Server modules by name, each described by its index (servers/<name>/index.ts: how to start it,
// its URL, what to call, its npm packages, the protocol rows it serves). Adding a protocol's
// server is its module, its index, and one line here.
import type { ServerImplementation, ServerIndex, StartServer } from './types.ts';
import { InputError } from '../harness/errors.ts';
import type { ProtocolName } from '../harness/protocols.ts';
import { index as rest } from './rest/index.ts';
import { index as grpc } from './grpc/index.ts';
import { index as websocket } from './websocket/index.ts';
import { index as graphql } from './graphql/index.ts';
import { index as sse } from './sse/index.ts';

export const SERVERS = { rest, grpc, websocket, graphql, sse } satisfies Record<string, ServerIndex>;

export type ServerName = keyof typeof SERVERS;
export const SERVER_NAMES = Object.keys(SERVERS) as ServerName[];

/** The server's reference implementation: the one a run uses unless `--impl` chooses. */
export function referenceImplementation(name: ServerName): ServerImplementation {
  return SERVERS[name].implementations[0];
}

/** A server's implementation by name (default the reference); an unknown name lists the valid ones. */
export function implementationOf(name: ServerName, impl?: string): ServerImplementation {
  const all = SERVERS[name].implementations;
  if (impl === undefined) return all[0];
  const found = all.find((i) => i.name === impl);
  if (!found)
    throw new InputError(`the ${name} server has no implementation "${impl}"; valid: ${all.map((i) => i.name).join(', ')}`);
  return found;
}

export async function loadServer(name: ServerName, impl?: string): Promise<StartServer> {
  return implementationOf(name, impl).load();
}

/** host:port as a URL carries it: an IPv6 literal needs brackets, or its colons read as the port separator. */
function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The URL a client (or `npm run bench -- --target NAME=URL`) connects to. */
export function serverUrl(name: ServerName, host: string, port: number): string {
  const s = SERVERS[name];
  return `${s.scheme}://${hostPort(host, port)}${s.urlPath}`;
}

/** The server's path hint with its HOST:PORT placeholders replaced by the bound address. */
export function pathHint(name: ServerName, host: string, port: number): string {
  return SERVERS[name].pathHint.replaceAll('HOST:PORT', hostPort(host, port));
}

/** Every implementation's npm packages, each once, in registry order. */
export function serverPackages(): string[] {
  return [...new Set(SERVER_NAMES.flatMap((n) => SERVERS[n].implementations.flatMap((i) => i.packages)))];
}

/**
 * The server a protocol row is measured against: the one whose index lists the row. Throws
 * when no server or more than one claims it, a mistake in the indexes that must not wait for a run.
 */
export function serverOfRow(row: ProtocolName): ServerName {
  const owners = SERVER_NAMES.filter((n) => SERVERS[n].rows.includes(row));
  if (owners.length !== 1) {
    throw new Error(
      `protocol row "${row}" must be served by exactly one server; servers/*/index.ts list: ${owners.join(', ') || 'none'}`,
    );
  }
  return owners[0]!;
}
