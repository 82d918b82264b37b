// Issue 14: a row is a protocol AND an implementation. The pure parts: which implementations
// the plan runs (against a stubbed server table, so a second implementation need not exist in
// production), the config and flag errors, what --list says, and the one row identity every
// result reader uses (old records without the field read as the reference).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type ResolvedConfig } from '../harness/config.ts';
import { implementationsOfRows, planRequestResponse } from '../harness/workloads/request-response-plan.ts';
import {
  REFERENCE_ONLY_REASON,
  implementationsFor,
  parseTargetImplementation,
  scenarioImplementationLines,
  supportOf,
  unknownImplementations,
  type ServerTable,
} from '../harness/run/implementations.ts';
import { SCENARIOS } from '../scenarios/registry.ts';
import { listScenarios, parseCli } from '../harness/run/args.ts';
import { parseServeArgs } from '../harness/cli/serve.ts';
import { SERVERS, referenceImplementation } from '../servers/registry.ts';
import type { ServerImplementation } from '../servers/types.ts';
import { implementationText, rowKey, rowLabel } from '../harness/results/row-identity.ts';
import { summarizeRuns } from '../harness/results/summary.ts';
import { compareResults } from '../harness/results/compare.ts';
import { checkThresholds, formatBroken } from '../harness/results/thresholds.ts';
import { runKey } from '../harness/results/merge.ts';
import { renderReport, serverLines } from '../harness/output/markdown.ts';
import { progressLine } from '../harness/output/progress.ts';
import { summaryRows } from '../harness/output/summary-rows.ts';
import { runRecordSchema } from '../harness/results/schema.ts';
import { ConfigError, InputError, UsageError } from '../harness/errors.ts';
import { result, run } from './compare-fixtures.ts';
import type { RunRecord } from '../harness/results/types.ts';

// A second implementation for REST and GraphQL, in the test only: never registered in production.
const fake = (name: string): ServerImplementation => ({
  name,
  versionOf: null,
  packages: [],
  description: `test double ${name}`,
  load: () => Promise.reject(new Error('a test double is never started')),
});
const STUB: ServerTable = {
  ...SERVERS,
  // The reference and one double each, whatever the real registry holds by now.
  rest: { implementations: [SERVERS.rest.implementations[0], fake('node-http')] },
  graphql: { implementations: [SERVERS.graphql.implementations[0], fake('mercurius-jit')] },
  grpc: { implementations: [SERVERS.grpc.implementations[0]] },
  websocket: { implementations: [SERVERS.websocket.implementations[0]] },
  sse: { implementations: [SERVERS.sse.implementations[0]] },
};
/** A resolved config asking for implementations the real registry may not have yet. */
const cfgWith = (input: Record<string, unknown>, implementations: ResolvedConfig['implementations']): ResolvedConfig => ({
  ...resolveConfig(input),
  implementations,
});
const rowNames = (rows: ReturnType<typeof planRequestResponse>): string[] =>
  rows.map(
    (r) => `${r.repeat}:${r.protocol}${r.implementation ? `@${r.implementation}` : ''}${r.variant ? `/${r.variant}` : ''}`,
  );

describe('plan: implementations per protocol row', () => {
  it('default: every row on its reference, no implementation in the plan (output as before)', () => {
    const rows = planRequestResponse(resolveConfig({ scenario: 'getUser' }), STUB);
    assert.ok(rows.every((r) => r.implementation === undefined));
    assert.equal(rows.length, 6);
  });

  it('--impl all: each protocol runs every implementation its server has, reference first, repeats interleaved', () => {
    const rows = planRequestResponse(cfgWith({ protocols: ['rest', 'grpc', 'graphql'], repeat: 2 }, 'all'), STUB);
    const round = ['rest', 'rest@node-http', 'grpc', 'graphql', 'graphql@mercurius-jit'];
    assert.deepEqual(rowNames(rows), [...round.map((x) => `0:${x}`), ...round.map((x) => `1:${x}`)]);
    assert.deepEqual(
      rows.map((r) => r.firstOfRound),
      [true, false, false, false, false, true, false, false, false, false],
    );
  });

  it('names: a row runs those its server has; a row whose server has none keeps its reference', () => {
    const only = planRequestResponse(cfgWith({ protocols: ['rest', 'grpc', 'sse'] }, ['node-http']), STUB);
    // node-http is REST's second implementation and SSE's reference: both rows take it.
    assert.deepEqual(rowNames(only), ['0:rest@node-http', '0:grpc', '0:sse']);
    const both = planRequestResponse(cfgWith({ protocols: ['rest'] }, ['fastify', 'node-http']), STUB);
    assert.deepEqual(rowNames(both), ['0:rest', '0:rest@node-http']);
  });

  it('variants and autocannon rows run on each implementation', () => {
    const rows = planRequestResponse(cfgWith({ protocols: ['rest'], driver: 'autocannon' }, 'all'), STUB);
    assert.deepEqual(
      rows.map((r) => `${r.kind}:${r.implementation ?? 'ref'}`),
      ['measure:ref', 'autocannon:ref', 'measure:node-http', 'autocannon:node-http'],
    );
  });

  it('all: what the scenario cannot express is skipped with its reason, in notes; by name it is an InputError', () => {
    const cfg = cfgWith({ scenario: 'listUsers', protocols: ['rest', 'graphql'] }, 'all');
    const { rows, notes } = implementationsOfRows(cfg, STUB);
    assert.deepEqual(
      rows.map((r) => r.implementations),
      [[undefined], [undefined]],
    );
    assert.deepEqual(notes, [
      `rest · node-http not run: scenario listUsers ${REFERENCE_ONLY_REASON}`,
      `graphql · mercurius-jit not run: scenario listUsers ${REFERENCE_ONLY_REASON}`,
    ]);
    assert.throws(
      () => planRequestResponse(cfgWith({ scenario: 'listUsers', protocols: ['rest'] }, ['node-http']), STUB),
      (e: Error) =>
        e instanceof UsageError && /rest · node-http not run: scenario listUsers runs on the reference/.test(e.message),
    );
  });

  it('an external target is one server: its row runs once, whatever was asked', () => {
    const cfg = cfgWith({ protocols: ['rest', 'graphql'], targets: { rest: 'http://127.0.0.1:9' } }, 'all');
    assert.deepEqual(rowNames(planRequestResponse(cfg, STUB)), ['0:rest', '0:graphql', '0:graphql@mercurius-jit']);
  });

  it("every implementation a scenario names is one some server has (a typo would silently mean 'not listed')", () => {
    for (const scenario of Object.values(SCENARIOS)) {
      const support = scenario.implementations;
      if (support === undefined || support === 'all') continue;
      assert.deepEqual(unknownImplementations(Object.keys(support)), [], scenario.name);
    }
  });

  it('scenario support: the reference always; "all"; a named reason; else the default reason', () => {
    assert.equal(supportOf(undefined, 'fastify', true), true);
    assert.equal(supportOf('all', 'node-http', false), true);
    assert.equal(supportOf({ 'node-http': 'built for getUser only' }, 'node-http', false), 'built for getUser only');
    assert.equal(supportOf({ 'node-http': true }, 'node-http', false), true);
    assert.equal(supportOf({}, 'node-http', false), REFERENCE_ONLY_REASON);
    const choice = implementationsFor('rest', 'all', { 'node-http': 'built for getUser only' }, STUB);
    assert.deepEqual(
      choice.run.map((i) => i.name),
      ['fastify'],
    );
    assert.deepEqual(choice.skipped, [{ name: 'node-http', reason: 'built for getUser only' }]);
  });
});

describe('config, flags and --list', () => {
  it('an unknown name is an InputError listing the valid ones per server; every problem at once', () => {
    assert.throws(
      () => resolveConfig({ implementations: ['nope'], targetImplementations: { grpc: 'connect-node' } }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError && e instanceof InputError);
        assert.match(e.message, /implementations: unknown "nope"; valid: 'all' or, by server, rest: fastify.*; grpc: grpc-js/);
        assert.match(e.message, /targetImplementations\.grpc: no target for grpc/);
        return true;
      },
    );
    assert.equal(resolveConfig({ implementations: 'all' }).implementations, 'all');
    assert.equal(resolveConfig({}).implementations, undefined);
  });

  it('--impl and --target-impl become config; a malformed --target-impl is a usage error', () => {
    assert.equal(parseCli(['--impl', 'all']).layer.implementations, 'all');
    assert.deepEqual(parseCli(['--impl', 'fastify, node-http']).layer.implementations, ['fastify', 'node-http']);
    assert.deepEqual(parseCli(['--target-impl', 'rest=node-http@1.2.3']).layer.targetImplementations, {
      rest: 'node-http@1.2.3',
    });
    assert.throws(() => parseCli(['--target-impl', 'http3=x']), UsageError);
    assert.throws(() => parseCli(['--impl', ',']), UsageError);
    assert.deepEqual(parseTargetImplementation('node-http@1.2.3'), { name: 'node-http', version: '1.2.3' });
    assert.deepEqual(parseTargetImplementation('node-http'), { name: 'node-http', version: null });
  });

  it('--list shows each server implementation (reference marked) and what each scenario runs on', () => {
    const list = listScenarios();
    for (const name of Object.keys(SERVERS))
      assert.match(list, new RegExp(`${referenceImplementation(name as keyof typeof SERVERS).name} \\S+ \\(reference\\)`));
    assert.match(list, /getUser[^]*implementations: all/);
    assert.deepEqual(scenarioImplementationLines(undefined, STUB), [
      "implementations: each protocol's reference only",
      `not on node-http, mercurius-jit: ${REFERENCE_ONLY_REASON}`,
    ]);
    assert.deepEqual(scenarioImplementationLines({ 'mercurius-jit': true }, STUB), [
      "implementations: each protocol's reference, mercurius-jit",
      `not on node-http: ${REFERENCE_ONLY_REASON}`,
    ]);
  });

  it('npm run serve takes --impl; an implementation the server lacks names the valid ones', () => {
    assert.equal(parseServeArgs(['--protocol', 'rest', '--impl', 'fastify'])?.implementation, 'fastify');
    assert.equal(parseServeArgs(['--protocol', 'rest'])?.implementation, undefined);
    assert.throws(
      () => parseServeArgs(['--protocol', 'rest', '--impl', 'nope']),
      (e: Error) => e instanceof InputError && /no implementation "nope"; valid: fastify/.test(e.message),
    );
  });
});

describe('row identity', () => {
  const ref = (r: RunRecord, name = 'fastify', version: string | null = '5.0.0'): RunRecord => ({
    ...r,
    server: 'rest',
    implementation: { name, version },
  });
  const old = { ...run('rest', 0), server: 'rest' };
  const fastify = ref(run('rest', 0));
  const nodeHttp = ref(run('rest', 0), 'node-http', '24.0.0');

  it('the reference (or no field, or an untold target) keys and labels as the bare protocol; another implementation is named', () => {
    assert.equal(rowKey(old), 'rest');
    assert.equal(rowKey(fastify), 'rest');
    assert.equal(rowKey({ ...old, implementation: null }), 'rest');
    assert.equal(rowKey(nodeHttp), 'rest@node-http');
    assert.equal(rowLabel({ ...nodeHttp, variant: 'offset' }), 'rest · node-http (offset)');
    assert.equal(rowKey({ ...nodeHttp, variant: 'offset' }), 'rest/offset@node-http');
    assert.equal(runKey(nodeHttp), 'rest@node-http#0');
    assert.equal(implementationText(nodeHttp), 'node-http 24.0.0');
    assert.equal(
      implementationText({ ...old, implementation: null, target: { url: 'x', external: true } }),
      'external server, implementation not stated',
    );
    assert.equal(implementationText(old), undefined);
    // Old records still validate; new ones carry the field.
    assert.equal(runRecordSchema.parse(old).implementation, undefined);
    assert.deepEqual(runRecordSchema.parse(nodeHttp).implementation, { name: 'node-http', version: '24.0.0' });
  });

  it('summaries keep implementations apart; an old baseline compares with a new reference run', () => {
    const summary = summarizeRuns([fastify, nodeHttp, ref(run('rest', 1)), ref(run('rest', 1), 'node-http')]);
    assert.deepEqual(
      summary.map((s) => [s.protocol, s.implementation, s.repeats]),
      [
        ['rest', undefined, 2],
        ['rest', 'node-http', 2],
      ],
    );
    const c = compareResults(result([old]), result([fastify, nodeHttp]));
    assert.deepEqual([...new Set(c.rows.map((r) => r.protocol + (r.implementation ?? '')))], ['rest']);
    assert.deepEqual(c.notes, ['rest · node-http: only in candidate; not compared.']);
  });

  it('a threshold on the bare protocol applies to every implementation, and the message names it', () => {
    const broken = checkThresholds({ getUser: { rest: ['opsPerSec > 20000'] } }, 'getUser', [fastify, nodeHttp]);
    assert.deepEqual(
      broken.map((b) => formatBroken(b)),
      [
        'threshold broken: rest opsPerSec > 20000 (measured 10000)',
        'threshold broken: rest · node-http opsPerSec > 20000 (measured 10000)',
      ],
    );
  });

  it('reports name every row with its implementation and version; progress names a non-reference one', () => {
    const r = result([fastify, nodeHttp]);
    assert.deepEqual(serverLines(r.runs), ['- rest: fastify 5.0.0', '- rest · node-http: node-http 24.0.0']);
    const md = renderReport(r);
    assert.match(md, /\| rest · node-http \| 10,000 \|/);
    assert.match(md, /Servers \(implementation and version of each row; --impl chooses\):\n- rest: fastify 5\.0\.0/);
    assert.doesNotMatch(renderReport(result([old])), /Servers \(/, 'results before issue 14 render as before');
    assert.deepEqual(
      summaryRows(r).map((x) => [x.implementation, x.implementationVersion]),
      [
        ['fastify', '5.0.0'],
        ['node-http', '24.0.0'],
      ],
    );
    assert.equal(
      progressLine({ protocol: 'rest', implementation: 'node-http', phase: 'start' }),
      '[rest · node-http] starting server',
    );
    assert.equal(progressLine({ protocol: 'rest', phase: 'start' }), '[rest] starting server');
  });
});
