import type { ProtocolName } from '../harness/protocols.ts';

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
}

export function defineScenario(s: ScenarioDefinition): ScenarioDefinition {
  return s;
}
