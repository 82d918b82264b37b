import getUser from './getUser.ts';
import type { ScenarioDefinition } from './types.ts';

/** Scenarios by name. Adding one is a file in scenarios/ and a line here. */
export const SCENARIOS: Record<string, ScenarioDefinition> = {
  getUser,
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
