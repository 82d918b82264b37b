import getUser from './getUser.ts';
import fanout from './fanout.ts';
import nestedProfile from './nestedProfile.ts';
import listUsers from './listUsers.ts';
import createUsers from './createUsers.ts';
import nPlusOne from './nPlusOne.ts';
import type { ScenarioDefinition } from './types.ts';

/** Scenarios by name. Adding one is a file in scenarios/ and a line here. */
export const SCENARIOS: Record<string, ScenarioDefinition> = {
  getUser,
  fanout,
  nestedProfile,
  listUsers,
  createUsers,
  nPlusOne,
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
