// The profile maths of scripts/profile-yoga.ts (pure): self time by function and package from a
// V8 CPU profile, per request, the two-state split and the differences table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differences, packageOf, perRequest, selfTimes, splitStates, type CpuProfile } from '../scripts/profile-yoga.ts';

test('packageOf: npm packages (scoped too), node internals, the project, V8 pseudo-frames', () => {
  assert.equal(packageOf('file:///w/node_modules/graphql-yoga/esm/server.js', 'handle'), 'graphql-yoga');
  assert.equal(packageOf('file:///w/node_modules/a/node_modules/@whatwg-node/server/x.js', 'f'), '@whatwg-node/server');
  assert.equal(packageOf('node:internal/streams/readable', 'addChunk'), 'node:');
  assert.equal(packageOf('file:///w/servers/graphql.ts', 'serve'), 'project');
  assert.equal(packageOf('', '(garbage collector)'), '(garbage collector)');
  assert.equal(packageOf('', 'writev'), '(native)');
});

test('selfTimes: each sample is charged the delta after it; idle is not busy time', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('handle', 'file:///w/node_modules/graphql-yoga/esm/server.js') },
      { id: 3, callFrame: frame('(idle)') },
      { id: 4, callFrame: frame('(garbage collector)') },
    ],
    samples: [2, 3, 2, 4],
    timeDeltas: [0, 100, 250, 50, 30],
  };
  const t = selfTimes(profile);
  assert.equal(t.busyUs, 100 + 50 + 30);
  assert.deepEqual(t.byPackage, { 'graphql-yoga': 150, '(garbage collector)': 30 });
  assert.deepEqual(t.byFunction, { 'handle graphql-yoga/esm/server.js:1': 150, '(garbage collector)': 30 });
  assert.deepEqual(perRequest(t.byPackage, 10), { 'graphql-yoga': 15, '(garbage collector)': 3 });
});

test('splitStates: two states only when the dearest costs 1.3x the cheapest; each goes with the nearer', () => {
  assert.deepEqual(splitStates([320, 330, 350]), ['fast', 'fast', 'fast']);
  assert.deepEqual(splitStates([320, 650, 340, 640]), ['fast', 'slow', 'fast', 'slow']);
});

test('differences: keys by the size of the gap, a key missing on one side counting 0', () => {
  assert.deepEqual(differences({ a: 10, b: 50, c: 5 }, { a: 9, b: 20, d: 7 }, 3), [
    ['b', 50, 20],
    ['d', 0, 7],
    ['c', 5, 0],
  ]);
});
