// Scenario options: a scenario declares its knobs (schema, defaults, flags) in its own file and
// they reach its ops() without any other file naming them; the old top-level config keys and
// flags keep working; which protocols a scenario expresses comes from one exhaustive record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { configSchema, mergeConfig, resolveConfig, scenarioOptions } from '../harness/config.ts';
import { parseCli, usage, listScenarios } from '../harness/run/args.ts';
import { fanoutSettings } from '../harness/workloads/fanout.ts';
import { PROTOCOL_NAMES } from '../harness/protocols.ts';
import { ConfigError, UsageError } from '../harness/errors.ts';
import { SCENARIOS } from '../scenarios/registry.ts';
import { defineScenario } from '../scenarios/types.ts';
import {
  defineOptions,
  helpOf,
  optionFlags,
  optionsLayer,
  parseArgsOptions,
  scenarioOptionsSchema,
} from '../scenarios/options.ts';
import { fanoutOptionsSchema } from '../scenarios/fanout.ts';
import type { Operation } from '../clients/types.ts';

// A scenario of the test's own: its option is declared here and nowhere else.
const throwaway = defineScenario({
  name: 'throwaway',
  description: 'a knob declared in one place',
  options: defineOptions(z.object({ knob: z.number().int().min(1).default(3).describe('ids per call') }), {
    knob: { flag: 'knob', help: 'ids per call (default 3)' },
  }),
  expresses: { rest: true, grpc: 'no', 'grpc-js': 'no', websocket: 'no', graphql: 'no', sse: 'no' },
  ops: (ctx) => () => ({ op: 'getUser', id: ctx.options.knob }),
});

/** Flags -> config layer -> validated options -> ops(), with only the generic helpers in between. */
function knobReachingOps(argv: string[]): Operation {
  const registry = { throwaway };
  const flags = optionFlags(registry);
  const { values } = parseArgs({ args: argv, options: parseArgsOptions(flags), strict: true });
  const resolved = scenarioOptionsSchema(registry).parse(optionsLayer(flags, values) ?? {}) as Record<string, never>;
  return throwaway.ops!({ users: 10, seed: 1, options: resolved.throwaway })();
}

test('a scenario-declared option: its flag parses, its default applies, its value reaches ops()', () => {
  assert.deepEqual(knobReachingOps(['--knob', '7']), { op: 'getUser', id: 7 });
  assert.deepEqual(knobReachingOps([]), { op: 'getUser', id: 3 });
  assert.match(helpOf(optionFlags({ throwaway })[0]!), /^throwaway: ids per call/);
  assert.throws(
    () => knobReachingOps(['--knob', 'x']),
    (e: unknown) => e instanceof UsageError && /--knob/.test(e.message),
  );
  assert.throws(() => knobReachingOps(['--knob', '0']), /knob/);
});

test('the bench path: --page-size overrides the file, reaches the run context and listUsers ops()', () => {
  const cli = parseCli(['--scenario', 'listUsers', '--page-size', '20']);
  assert.deepEqual(cli.layer, { scenario: 'listUsers', scenarios: { listUsers: { pageSize: 20 }, nPlusOne: { pageSize: 20 } } });
  // The file still uses the old top-level keys.
  const cfg = resolveConfig(mergeConfig({ pageSize: 50, offsetDepth: 10 }, cli.layer));
  assert.deepEqual(scenarioOptions(cfg), { pageSize: 20, offsetDepth: 10 });
  assert.deepEqual(cfg.scenarios.nPlusOne, { pageSize: 20 });
  const op = SCENARIOS.listUsers!.ops!({ users: 1000, seed: 1, options: scenarioOptions(cfg) })();
  assert.equal((op as { limit: number }).limit, 20);
});

test('defaults do not move: pages of 100 (nPlusOne too), offset 9000, batches of 100, fanout 1000 x 10/s, poll 1 s', () => {
  const cfg = resolveConfig({});
  assert.deepEqual(cfg.scenarios.listUsers, { pageSize: 100, offsetDepth: 9000 });
  assert.deepEqual(cfg.scenarios.nPlusOne, { pageSize: 100 });
  assert.deepEqual(cfg.scenarios.createUsers, { batchSize: 100 });
  assert.deepEqual(scenarioOptions(cfg), {}, 'getUser has no options');
  assert.deepEqual(fanoutSettings(cfg), {
    subscribers: [1000],
    eventRates: [10],
    pollIntervals: [1000],
    options: fanoutOptionsSchema.parse({}),
  });
  const nPlusOne = SCENARIOS.nPlusOne!.ops!({ users: 10, seed: 1, options: cfg.scenarios.nPlusOne! })();
  assert.equal((nPlusOne as { first: number }).first, 100);
});

test('old top-level keys and flags land under their scenario; the new place wins', () => {
  const cfg = resolveConfig({
    scenario: 'fanout',
    batchSize: 7,
    subscribers: [1, 10],
    eventRate: 2,
    fanout: { drainMs: 600, drop: { fraction: 0.5 } },
    pageSize: 30,
    scenarios: { nPlusOne: { pageSize: 40 } },
  });
  assert.deepEqual(cfg.scenarios.createUsers, { batchSize: 7 });
  assert.deepEqual(cfg.scenarios.listUsers, { pageSize: 30, offsetDepth: 9000 });
  assert.deepEqual(cfg.scenarios.nPlusOne, { pageSize: 40 });
  const f = fanoutSettings(cfg);
  assert.deepEqual([f.subscribers, f.eventRates, f.pollIntervals], [[1, 10], [2], [1000]]);
  assert.equal(f.options.drainMs, 600);
  assert.deepEqual(f.options.drop, { fraction: 0.5, side: 'server' });
  assert.deepEqual(parseCli(['--subscribers', '1,1000', '--event-rate', '5', '--batch-size', '9']).layer, {
    scenarios: { fanout: { subscribers: [1, 1000], eventRate: 5 }, createUsers: { batchSize: 9 } },
  });
});

test('invalid options are reported at once, each under the name it was given', () => {
  assert.throws(
    () =>
      resolveConfig({
        pageSize: 0,
        fanout: { drainMs: -5 },
        scenarios: { createUsers: { batchSize: 1.5 }, listUsers: { bogus: 1 } },
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const path of ['pageSize', 'fanout.drainMs', 'scenarios.createUsers.batchSize', 'scenarios.listUsers'])
        assert.match(text, new RegExp(`^${path.replace(/\./g, '\\.')}:`, 'm'), `mentions ${path}`);
      assert.match(text, /bogus/);
      assert.equal(err.problems.filter((p) => p.startsWith('pageSize:')).length, 1, 'one bad value, one problem');
      return true;
    },
  );
});

test('old result configs (top-level pageSize, fanout block) still parse', () => {
  const old = configSchema.parse({
    ...resolveConfig({}),
    scenarios: undefined,
    pageSize: 100,
    offsetDepth: 9000,
    batchSize: 100,
  });
  assert.deepEqual(old.scenarios.listUsers, { pageSize: 100, offsetDepth: 9000 });
  assert.deepEqual(old.scenarios.createUsers, { batchSize: 100 });
});

test('which protocols a scenario expresses: every protocol decided, protocols and reasons derived in order', () => {
  for (const s of Object.values(SCENARIOS)) {
    if (s.transports) continue; // push rows (fanout): its transports, not protocols
    assert.deepEqual(Object.keys(s.expresses ?? {}).sort(), [...PROTOCOL_NAMES].sort(), s.name);
    assert.deepEqual([...s.protocols, ...Object.keys(s.notExpressible)].sort(), [...PROTOCOL_NAMES].sort(), s.name);
  }
  assert.deepEqual(SCENARIOS.getUser!.protocols, PROTOCOL_NAMES);
  assert.deepEqual(SCENARIOS.listUsers!.protocols, ['rest', 'graphql', 'grpc-js', 'websocket', 'sse']);
  assert.match(SCENARIOS.listUsers!.notExpressible.grpc!, /lean HTTP\/2 driver/);
});

test('--help and --list show each scenario options', () => {
  assert.match(usage(), /--page-size\s+listUsers: users per page.*; nPlusOne: posts per request/);
  assert.match(usage(), /--subscribers\s+fanout:/);
  const list = listScenarios();
  assert.match(list, /option pageSize \(--page-size\) = 100: users per page/);
  assert.match(list, /option batchSize \(--batch-size\) = 100/);
  assert.match(list, /option drainMs = 2000/);
});
