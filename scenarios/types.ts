import type { ProtocolName } from '../harness/protocols.ts';
import type { ClientModule, Operation, Target } from '../clients/types.ts';
import type { DatasetOptions } from '../servers/dataset.ts';
import type { VerifyReport } from '../harness/run/verify.ts';
import { idSequence } from '../harness/load/ids.ts';
import type { ServerTuning as ServerKnobs } from '../servers/types.ts';
import type { WorkloadName } from '../harness/workloads/types.ts';

export interface ScenarioDefinition {
  name: string;
  /** One line for `--list` and the report. */
  description: string;
  /** How the scenario loads a server (harness/workloads/registry.ts); default 'request-response'. */
  workload?: WorkloadName;
  /** Protocols that can express the scenario. */
  protocols: readonly ProtocolName[];
  /** Protocols that cannot, with the reason (shown in the report, never silently missing). */
  notExpressible?: Partial<Record<ProtocolName, string>>;
  /** Notes the report prints under the table (how each protocol carries the operation). */
  notes?: readonly string[];
  /**
   * Rows of a scenario that is not request/response (fanout: push transports such as
   * graphql-ws or long-poll); such a scenario has its own runner and lists no `protocols`.
   */
  transports?: readonly string[];
  /**
   * The load's operations: a seeded source the generator draws from, the same sequence for
   * every protocol. Default: getUser with uniformly random ids.
   */
  ops?: (ctx: ScenarioContext) => () => Operation;
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
  /** Server-side settings the scenario needs (e.g. the SQLite store, DataLoader on or off). */
  server?: (ctx: ScenarioContext) => ServerTuning;
  /**
   * Before measuring: check the protocol answers this scenario's operations as the store
   * would, and refuse to measure otherwise (throw with the first difference). Default: the
   * getUser equivalence check.
   */
  verify?: (
    client: ClientModule,
    target: Target,
    dataset: DatasetOptions,
    sample: number,
    ctx?: ScenarioContext,
  ) => Promise<VerifyReport>;
}

/** What a scenario's ops(), verify() and server() see of the run. */
export interface ScenarioContext {
  users: number;
  seed: number;
  variant?: string;
  /** listUsers: users per page (config pageSize). */
  pageSize?: number;
  /** createUsers: users per batch (config batchSize). */
  batchSize?: number;
  /** listUsers: where pages start; 'deep' starts them at offsetDepth. */
  offsetDepth?: number;
  store?: 'memory' | 'sqlite';
}

/** Server knobs a scenario may set (servers/types.ts ServerTuning); they travel in the server job. */
export interface ServerTuning extends ServerKnobs {
  store?: 'memory' | 'sqlite';
}

export function getUserOps(ctx: ScenarioContext): () => Operation {
  const next = idSequence(ctx.users, ctx.seed);
  return () => ({ op: 'getUser', id: next() });
}

export function defineScenario(s: ScenarioDefinition): ScenarioDefinition {
  return s;
}
