// Assemble a result file's body from a finished (or interrupted) run. Pure but for the clock
// and the environment snapshot, which the caller's run already depends on.
import { SCHEMA_VERSION, type BenchResult, type Pinning, type RunRecord } from './schema.ts';
import { captureEnvironment } from '../metrics/environment.ts';
import { summarizeRuns } from './summary.ts';
import type { ResolvedConfig } from '../config.ts';
import type { ScenarioDefinition } from '../../scenarios/types.ts';
import { implementationsOfRows } from '../workloads/request-response-plan.ts';

export function buildResult(
  state: BenchResult['state'],
  o: { cfg: ResolvedConfig; scenario: ScenarioDefinition; startedAt: Date; pinning: Pinning; runs: RunRecord[] },
): BenchResult {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: 'protocol-bench',
    state,
    scenario: o.cfg.scenario,
    description: o.scenario.description,
    startedAt: o.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    config: o.cfg,
    environment: captureEnvironment(o.pinning),
    notes: [...(o.scenario.notes ?? []), ...implementationNotes(o.cfg, o.scenario)],
    runs: o.runs,
    summary: summarizeRuns(o.runs),
  };
}

/** Implementations asked for that did not run (issue 14): named with the reason, never silently missing. */
function implementationNotes(cfg: ResolvedConfig, scenario: ScenarioDefinition): string[] {
  if (!scenario.transports) return implementationsOfRows(cfg).notes;
  return cfg.implementations
    ? [`implementations: ${scenario.name} runs push servers (servers/push/), one implementation each; --impl does not apply`]
    : [];
}
