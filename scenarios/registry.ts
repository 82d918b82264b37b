import getUser from './getUser.ts';
import fanout from './fanout.ts';
import nestedProfile from './nestedProfile.ts';
import listUsers from './listUsers.ts';
import createUsers from './createUsers.ts';
import nPlusOne from './nPlusOne.ts';
import chat from './chat.ts';
import encodings from './encodings.ts';
import deadline from './deadline.ts';
import http2 from './http2.ts';
import payloadSize from './payloadSize.ts';
import compression from './compression.ts';
import type { ScenarioDefinition } from './types.ts';

/** Scenarios by name. Adding one is a file in scenarios/ and a line here. */
export const SCENARIOS: Record<string, ScenarioDefinition> = {
  getUser,
  fanout,
  nestedProfile,
  listUsers,
  createUsers,
  nPlusOne,
  chat,
  http2,
  encodings,
  deadline,
  payloadSize,
  compression,
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
