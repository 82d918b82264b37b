// Workloads by name: a scenario names its own (scenarios/types.ts `workload`), request/response
// when it says nothing. Adding one is a file implementing Workload (types.ts) and a line here.
import type { ScenarioDefinition } from '../../scenarios/types.ts';
import { fanout } from './fanout.ts';
import { requestResponse } from './request-response.ts';
import type { Workload, WorkloadName } from './types.ts';

export const WORKLOADS: { readonly [N in WorkloadName]: Workload } = {
  'request-response': requestResponse,
  fanout,
};

export function workloadOf(scenario: ScenarioDefinition): Workload {
  return WORKLOADS[scenario.workload ?? 'request-response'];
}
