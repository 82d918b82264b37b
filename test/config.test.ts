import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig, resolveConfig } from '../harness/config.ts';
import { parseCli } from '../harness/run/args.ts';
import { protocolsFor } from '../harness/cli/bench.ts';
import { PROTOCOL_NAMES } from '../harness/protocols.ts';
import { ConfigError, UsageError } from '../harness/errors.ts';

test('defaults fill an empty config', () => {
  const c = resolveConfig({});
  assert.equal(c.scenario, 'getUser');
  assert.equal(c.host, '127.0.0.1');
  assert.deepEqual(c.dataset, { users: 10_000, seed: 42 });
  assert.deepEqual(protocolsFor(c), PROTOCOL_NAMES);
});

test('every problem is reported at once, each with its path', () => {
  assert.throws(
    () =>
      resolveConfig({
        duration: -1,
        connections: 1.5,
        protocols: ['rest', 'soap'],
        bogus: 1,
        scenario: 'nope',
        dataset: { users: 0 },
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const path of ['duration', 'connections', 'protocols.1', 'dataset.users', 'bogus', 'scenario'])
        assert.match(text, new RegExp(path.replace('.', '\\.')), `mentions ${path}`);
      assert.match(text, /getUser/, 'names the valid scenarios');
      assert.match(text, /grpc-js/, 'names the valid protocols');
      return true;
    },
  );
});

test('command-line flags override the file, nested dataset merged field by field', () => {
  const merged = mergeConfig({ duration: 10, dataset: { users: 5, seed: 1 } }, { duration: 2, dataset: { seed: 9 } });
  assert.equal(merged.duration, 2);
  assert.deepEqual(merged.dataset, { users: 5, seed: 9 });
});

test('CLI: flags parse into a config layer', () => {
  const { layer } = parseCli([
    '--scenario',
    'getUser',
    '--protocols',
    'rest,grpc',
    '--duration',
    '5',
    '--warmup',
    '2',
    '--connections',
    '8',
    '--out',
    'r.json',
  ]);
  assert.deepEqual(layer, {
    scenario: 'getUser',
    protocols: ['rest', 'grpc'],
    duration: 5,
    warmup: 2,
    connections: 8,
    out: 'r.json',
  });
});

test('CLI: unknown flag, protocol or scenario names the valid choices', () => {
  assert.throws(
    () => parseCli(['--frobnicate']),
    (e: unknown) => e instanceof UsageError && /--scenario/.test(e.message) && /--protocols/.test(e.message),
  );
  assert.throws(
    () => parseCli(['--protocols', 'rest,soap']),
    (e: unknown) => e instanceof UsageError && /"soap"/.test(e.message) && /websocket/.test(e.message),
  );
  assert.throws(
    () => parseCli(['--scenario', 'nope']),
    (e: unknown) => e instanceof UsageError && /getUser/.test(e.message),
  );
  assert.throws(
    () => parseCli(['--duration', 'abc']),
    (e: unknown) => e instanceof UsageError && /--duration/.test(e.message),
  );
});
