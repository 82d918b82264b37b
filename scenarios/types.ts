import type { z } from 'zod';
import type { ProtocolName } from '../harness/protocols.ts';
import type { ClientModule, Operation, Target } from '../clients/types.ts';
import type { DatasetOptions } from '../servers/dataset.ts';
import type { VerifyReport } from '../harness/run/verify.ts';
import { idSequence } from '../harness/load/ids.ts';
import type { ServerTuning as ServerKnobs } from '../servers/types.ts';
import type { ScenarioOptions } from './options.ts';
import type { WorkloadName } from '../harness/workloads/types.ts';
import type { Transport } from '../harness/load/layout.ts';

/**
 * For each protocol row, whether the scenario can express it: `true`, or why not (shown by
 * `--list` and in the report, never silently missing). Exhaustive on purpose: a protocol added
 * to harness/protocols.ts does not compile until every scenario has decided.
 */
export type Expresses = Readonly<Record<ProtocolName, true | string>>;

/**
 * Which server implementations besides each protocol's reference (servers/<protocol>/index.ts,
 * `--impl`) can express the scenario: 'all', or by implementation name `true` or why not. A
 * non-reference implementation not named gets the default reason (harness/run/implementations.ts),
 * shown by `--list` and in the report, never silently left out. Unset: reference only, the safe
 * default for a scenario whose server tuning (stores, plugins, routes) was built on the reference.
 */
export type ImplementationSupport = 'all' | Readonly<Record<string, true | string>>;

/** A scenario as the registry holds it; scenarios write theirs with defineScenario. */
export interface ScenarioDefinition<O extends object = Record<string, unknown>> {
  name: string;
  /** One line for `--list` and the report. */
  description: string;
  /** The scenario's own options (scenarios/options.ts): schema, defaults and flags. */
  options?: ScenarioOptions;
  /** Request/response scenarios: which protocols can express it (the source of the two fields below). */
  expresses?: Expresses;
  /** Implementations besides the reference that can express it (issue 14); unset: reference only. */
  implementations?: ImplementationSupport;
  /** How the scenario loads a server (harness/workloads/registry.ts); default 'request-response'. */
  workload?: WorkloadName;
  /** Protocols that can express the scenario, in run order (from `expresses`). */
  protocols: readonly ProtocolName[];
  /** Protocols that cannot, with the reason (from `expresses`). */
  notExpressible: Partial<Record<ProtocolName, string>>;
  /** Notes the report prints under the table (how each protocol carries the operation). */
  notes?: readonly string[];
  /**
   * Rows of a scenario that is not request/response (fanout: push transports such as
   * graphql-ws or long-poll); such a scenario has its own runner and lists no `protocols`.
   */
  transports?: readonly string[];
  /**
   * Protocols that run as several rows, one per variant (REST 'offset' and 'cursor', GraphQL
   * 'dataloader' and 'naive'): the variant reaches ops(), verify() and the run record.
   */
  variants?: Partial<Record<ProtocolName, readonly string[]>>;
  /**
   * A client of the scenario's own for a protocol row, when the row's lean getUser driver
   * cannot carry its operations (streams, batches); undefined keeps the row's client.
   */
  client?: (protocol: ProtocolName, variant: string | undefined) => Promise<ClientModule | undefined> | undefined;
  /**
   * How that client carries concurrent calls, where it differs from the protocol row's
   * `transport` (harness/protocols.ts): e.g. GraphQL over graphql-ws is multiplexed on a
   * WebSocket, REST over h2c on HTTP/2 streams. It picks the row's default layout
   * (harness/load/layout.ts); undefined keeps the row's.
   */
  clientTransport?: (protocol: ProtocolName, variant: string | undefined) => Transport | undefined;
  // The three below are methods, not function properties: method parameters are checked
  // bivariantly, so a scenario typed with its own options still fits the registry's record.
  /**
   * The load's operations: a seeded source the generator draws from, the same sequence for
   * every protocol. Default: getUser with uniformly random ids.
   */
  ops?(ctx: ScenarioContext<O>): () => Operation;
  /** Server-side settings the scenario needs (e.g. the SQLite store, DataLoader on or off). */
  server?(ctx: ScenarioContext<O>): ServerTuning;
  /**
   * Before measuring: check the protocol answers this scenario's operations as the store
   * would, and refuse to measure otherwise (throw with the first difference). Default: the
   * getUser equivalence check.
   */
  verify?(
    client: ClientModule,
    target: Target,
    dataset: DatasetOptions,
    sample: number,
    ctx?: ScenarioContext<O>,
  ): Promise<VerifyReport>;
}

/**
 * What a scenario's ops(), verify() and server() see of the run. `options` is the scenario's
 * resolved options object (its schema's output): required where the scenario has options, so
 * its own functions never guess a default.
 */
export type ScenarioContext<O extends object = Record<string, unknown>> = {
  users: number;
  seed: number;
  variant?: string;
  store?: 'memory' | 'sqlite';
} & (Record<string, never> extends O ? { options?: O } : { options: O });

/** Server knobs a scenario may set (servers/types.ts ServerTuning); they travel in the server job. */
export interface ServerTuning extends ServerKnobs {
  store?: 'memory' | 'sqlite';
}

export function getUserOps(ctx: ScenarioContext): () => Operation {
  const next = idSequence(ctx.users, ctx.seed);
  return () => ({ op: 'getUser', id: next() });
}

type Declared = 'protocols' | 'notExpressible' | 'expresses' | 'transports' | 'options' | 'ops' | 'server' | 'verify';

/** What a scenario file writes: its rows are either protocols (`expresses`) or push transports. */
export type ScenarioDeclaration<S extends z.ZodObject> = Omit<ScenarioDefinition, Declared> &
  Pick<ScenarioDefinition<z.output<S>>, 'ops' | 'server' | 'verify'> & {
    options?: ScenarioOptions<S>;
  } & ({ expresses: Expresses; transports?: never } | { transports: readonly string[]; expresses?: never });

export function defineScenario<S extends z.ZodObject = z.ZodObject<Record<string, never>>>(
  d: ScenarioDeclaration<S>,
): ScenarioDefinition {
  const expresses: Partial<Record<ProtocolName, true | string>> = d.expresses ?? {};
  const entries = Object.entries(expresses) as [ProtocolName, true | string][];
  return {
    ...(d as unknown as ScenarioDefinition),
    // The record's key order is the run order (rows run as the scenario lists them).
    protocols: entries.filter(([, can]) => can === true).map(([p]) => p),
    notExpressible: Object.fromEntries(entries.filter(([, can]) => can !== true)),
  };
}
