import type { ProtocolName } from '../harness/protocols.ts';
import type { ClientModule, Operation, Target } from '../clients/types.ts';
import type { DatasetOptions } from '../servers/dataset.ts';
import type { VerifyReport } from '../harness/verify.ts';
import { idSequence } from '../harness/ids.ts';

export interface ScenarioDefinition {
  name: string;
  /** One line for `--list` and the report. */
  description: string;
  /** Protocols that can express the scenario. */
  protocols: readonly ProtocolName[];
  /** Protocols that cannot, with the reason (shown in the report, never silently missing). */
  notExpressible?: Partial<Record<ProtocolName, string>>;
  /** Notes the report prints under the table (how each protocol carries the operation). */
  notes?: readonly string[];
  /**
   * The load's operations: a seeded source the generator draws from, the same sequence for
   * every protocol. Default: getUser with uniformly random ids.
   */
  ops?: (ctx: { users: number; seed: number }) => () => Operation;
  /**
   * Before measuring: check the protocol answers this scenario's operations as the store
   * would, and refuse to measure otherwise (throw with the first difference). Default: the
   * getUser equivalence check.
   */
  verify?: (client: ClientModule, target: Target, dataset: DatasetOptions, sample: number) => Promise<VerifyReport>;
}

export function getUserOps(ctx: { users: number; seed: number }): () => Operation {
  const next = idSequence(ctx.users, ctx.seed);
  return () => ({ op: 'getUser', id: next() });
}

export function defineScenario(s: ScenarioDefinition): ScenarioDefinition {
  return s;
}
