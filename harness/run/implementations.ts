// Which server implementations a run's protocol rows use (issue 14): `--impl` (config
// `implementations`) against each server's list (servers/<protocol>/index.ts, reference first)
// and what the scenario can express (scenarios/types.ts `implementations`). Pure but for the
// installed-version lookup; the server table is a parameter so tests can hand in their own.
import { SERVERS } from '../../servers/registry.ts';
import type { ServerImplementation } from '../../servers/types.ts';
import type { ImplementationSupport } from '../../scenarios/types.ts';
import { packageVersions } from '../metrics/environment.ts';

/** What is read of a server's index here: its implementations, the reference first. */
export type ServerTable = Readonly<Record<string, { implementations: readonly ServerImplementation[] }>>;

/** `--impl`: 'all', some names, or unset (each server's reference). */
export type ImplementationRequest = 'all' | readonly string[] | undefined;

/** What a run record carries (harness/results/schema.ts): version null when nobody said (an external target). */
export interface ImplementationRecord {
  name: string;
  version: string | null;
}

/** Where a scenario that names no implementation leaves the others. */
export const REFERENCE_ONLY_REASON = 'runs on the reference implementation only: its server tuning was built and checked there';

/** Every server's implementation names, `rest: fastify, node-http; grpc: grpc-js; ...`, for messages. */
export function describeValidImplementations(servers: ServerTable = SERVERS): string {
  return Object.entries(servers)
    .map(([server, index]) => `${server}: ${index.implementations.map((i) => i.name).join(', ')}`)
    .join('; ');
}

/** Names in the request that no server has (empty when all are known, or the request is 'all'/unset). */
export function unknownImplementations(requested: ImplementationRequest, servers: ServerTable = SERVERS): string[] {
  if (requested === undefined || requested === 'all') return [];
  const known = new Set(Object.values(servers).flatMap((s) => s.implementations.map((i) => i.name)));
  return requested.filter((name) => !known.has(name));
}

/** Whether the scenario can run on the implementation: true, or why not. The reference always can. */
export function supportOf(support: ImplementationSupport | undefined, name: string, isReference: boolean): true | string {
  if (isReference || support === 'all') return true;
  return support?.[name] ?? REFERENCE_ONLY_REASON;
}

export interface ImplementationChoice {
  /** The implementations the server's rows run on, in the server's order. */
  run: ServerImplementation[];
  /** Those asked for that the scenario cannot express, with the reason. */
  skipped: { name: string; reason: string }[];
}

/**
 * The implementations one server's rows run on. Unset: the reference. 'all': every one the
 * scenario can express (the others skipped with their reason). Names: those the server has;
 * a server with none of them keeps its reference.
 */
export function implementationsFor(
  server: string,
  requested: ImplementationRequest,
  support: ImplementationSupport | undefined,
  servers: ServerTable = SERVERS,
): ImplementationChoice {
  const all = servers[server]?.implementations ?? [];
  const reference = all[0];
  if (!reference) throw new Error(`server "${server}" lists no implementation`);
  const wanted = requested === undefined ? [] : all.filter((i) => requested === 'all' || requested.includes(i.name));
  if (wanted.length === 0) return { run: [reference], skipped: [] };
  const choice: ImplementationChoice = { run: [], skipped: [] };
  for (const impl of wanted) {
    const can = supportOf(support, impl.name, impl === reference);
    if (can === true) choice.run.push(impl);
    else choice.skipped.push({ name: impl.name, reason: can });
  }
  return choice;
}

/** The installed version of an implementation: its `versionOf` package's, or Node's for node: built-ins. */
export function implementationVersion(impl: Pick<ServerImplementation, 'versionOf'>): string {
  if (impl.versionOf === null) return process.versions.node;
  return packageVersions([impl.versionOf])[impl.versionOf] ?? 'unknown';
}

export function implementationRecord(impl: ServerImplementation): ImplementationRecord {
  return { name: impl.name, version: implementationVersion(impl) };
}

/** `--target-impl rest=node-http@1.2.3`'s value part: the name, and the version when given after the last '@'. */
export function parseTargetImplementation(spec: string): ImplementationRecord {
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) || null } : { name: spec, version: null };
}

/** `--list`: each server's implementations, the reference marked, with version and description. */
export function listImplementations(servers: ServerTable = SERVERS): string[] {
  const lines: string[] = [];
  for (const [server, index] of Object.entries(servers)) {
    for (const [i, impl] of index.implementations.entries()) {
      const head = `${i === 0 ? server : ''}`.padEnd(16);
      lines.push(`${head} ${impl.name} ${implementationVersion(impl)}${i === 0 ? ' (reference)' : ''}: ${impl.description}`);
    }
  }
  return lines;
}

/**
 * `--list`, per scenario: the non-reference implementations it cannot express, grouped by
 * reason so the default ("reference only") is one line however many implementations there are.
 */
export function scenarioImplementationLines(
  support: ImplementationSupport | undefined,
  servers: ServerTable = SERVERS,
): string[] {
  if (support === 'all') return ['implementations: all'];
  const byReason = new Map<string, string[]>();
  const can: string[] = [];
  for (const index of Object.values(servers)) {
    for (const impl of index.implementations.slice(1)) {
      const s = supportOf(support, impl.name, false);
      if (s === true) can.push(impl.name);
      else byReason.set(s, [...(byReason.get(s) ?? []), impl.name]);
    }
  }
  const lines = [`implementations: each protocol's reference${can.length ? `, ${[...new Set(can)].join(', ')}` : ' only'}`];
  for (const [reason, names] of byReason) lines.push(`not on ${[...new Set(names)].join(', ')}: ${reason}`);
  return lines;
}
