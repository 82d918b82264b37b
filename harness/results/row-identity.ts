// One row's identity wherever results are read (issue 14): the protocol, the scenario's variant
// and, when it is not its server's reference, the server implementation. The key groups a row's
// repeats (summaries, compare, thresholds, merge, concat); the label names it in every report.
// A record without `implementation` (written before issue 14) or with null (a --target not told
// which) reads as the reference, so old files and results/baseline.json compare with new ones.
import { SERVERS, type ServerName } from '../../servers/registry.ts';
import type { RunRecord } from './types.ts';

/** What a row is, once resolved: `implementation` only when it is not the server's reference. */
export interface RowName {
  protocol: string;
  variant?: string;
  implementation?: string;
}

/** The fields of a run record the identity is read from. */
export type RowIdentity = Pick<RunRecord, 'protocol' | 'variant'> & Partial<Pick<RunRecord, 'server' | 'implementation'>>;

/** The reference implementation's name of a server the harness knows; undefined for others (push servers, typos). */
export function referenceNameOf(server: string | undefined): string | undefined {
  return server !== undefined && Object.hasOwn(SERVERS, server)
    ? SERVERS[server as ServerName].implementations[0].name
    : undefined;
}

/** The record's implementation name when it is not its server's reference; else undefined. */
export function nonReferenceImplementation(r: RowIdentity): string | undefined {
  const name = r.implementation?.name;
  return name === undefined || name === referenceNameOf(r.server) ? undefined : name;
}

export function rowName(r: RowIdentity): RowName {
  const implementation = nonReferenceImplementation(r);
  return {
    protocol: r.protocol,
    ...(r.variant !== undefined && r.variant !== '' && { variant: r.variant }),
    ...(implementation !== undefined && { implementation }),
  };
}

/** `rest`, `rest/offset`, `graphql@mercurius-jit`, `graphql/naive@mercurius-jit`: equal for runs of one row. */
export function nameKey(n: RowName): string {
  return `${n.protocol}${n.variant ? `/${n.variant}` : ''}${n.implementation ? `@${n.implementation}` : ''}`;
}

/** `rest`, `rest (offset)`, `graphql · mercurius-jit (naive)`. */
export function nameLabel(n: RowName): string {
  return `${n.protocol}${n.implementation ? ` · ${n.implementation}` : ''}${n.variant ? ` (${n.variant})` : ''}`;
}

export const rowKey = (r: RowIdentity): string => nameKey(rowName(r));
export const rowLabel = (r: RowIdentity): string => nameLabel(rowName(r));

/** `fastify 5.6.1`, or what is known of an external target's server; undefined for records before issue 14. */
export function implementationText(r: Pick<RunRecord, 'implementation' | 'target'>): string | undefined {
  if (r.implementation === undefined) return undefined;
  if (r.implementation === null) return r.target?.external ? 'external server, implementation not stated' : 'unknown';
  const { name, version } = r.implementation;
  return version === null ? `${name} (version not stated)` : `${name} ${version}`;
}
