// Fair concurrency (issue 13, item 3), the pure parts: every row's layout on connections for
// every row kind and flag combination, which rows are HTTP/1.1, the pipelined label, and that
// configs and results written before the change still read. The runs: test/layout-e2e.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig, resolveConfig, resolveLoad, type BenchConfigInput } from '../harness/config.ts';
import { resolveLayout, variantWithLayout, type LayoutRequest, type Transport } from '../harness/load/layout.ts';
import { rowTransport } from '../harness/workloads/request-response-plan.ts';
import { PROTOCOL_NAMES } from '../harness/protocols.ts';
import { parseCli } from '../harness/run/args.ts';
import { runRecordSchema } from '../harness/results/schema.ts';
import { SCENARIOS } from '../scenarios/registry.ts';
import { ConfigError } from '../harness/errors.ts';

describe('layout resolution (pure)', () => {
  // [what was asked, HTTP/1.1 row, multiplexed row]; a layout as CONNxINFLIGHT, `p` = pipelined.
  const table: [string, LayoutRequest, string, string][] = [
    ['nothing given: 32 outstanding each way', {}, '32x1', '4x8'],
    ['--connections 10: literal, per-connection default kept', { connections: 10 }, '10x1', '10x8'],
    ['--inflight 8: literal, connections fill to 32', { inflight: 8 }, '4x8 p', '4x8'],
    ['--inflight 1', { inflight: 1 }, '32x1', '32x1'],
    ['--inflight 16', { inflight: 16 }, '2x16 p', '2x16'],
    ['--connections 1 --inflight 1 (round trip)', { connections: 1, inflight: 1 }, '1x1', '1x1'],
    ['--connections 2 --inflight 2', { connections: 2, inflight: 2 }, '2x2 p', '2x2'],
    ['--pipelining 8: HTTP/1.1 only', { pipelining: 8 }, '4x8 p', '4x8'],
    ['--pipelining 1: no pipelining', { pipelining: 1 }, '32x1', '4x8'],
    ['--pipelining 3: 32/3 rounds to 11', { pipelining: 3 }, '11x3 p', '4x8'],
    ['--pipelining 64: at least one connection', { pipelining: 64 }, '1x64 p', '4x8'],
    ['--pipelining 4 --connections 3', { pipelining: 4, connections: 3 }, '3x4 p', '3x8'],
  ];
  const show = (t: Transport, req: LayoutRequest): string => {
    const { layout, pipelined } = resolveLayout(t, req);
    return `${layout.connections}x${layout.inflightPerConnection}${pipelined === null ? '' : ' p'}`;
  };
  for (const [what, req, http1, multiplexed] of table) {
    it(what, () => {
      assert.equal(show('http1', req), http1, 'HTTP/1.1 row');
      for (const t of ['http2', 'websocket'] as const) assert.equal(show(t, req), multiplexed, `${t} row`);
    });
  }

  it('a pipelined row says how many per connection; the label follows a scenario variant after a comma', () => {
    assert.equal(resolveLayout('http1', { pipelining: 8 }).pipelined, 8);
    assert.equal(resolveLayout('http2', { inflight: 8 }).pipelined, null, 'streams are not pipelining');
    assert.equal(variantWithLayout(undefined, null), undefined);
    assert.equal(variantWithLayout('offset', null), 'offset');
    assert.equal(variantWithLayout(undefined, 8), 'pipelined-8');
    assert.equal(variantWithLayout('offset', 8), 'offset,pipelined-8');
    assert.equal(variantWithLayout('autocannon', 2), 'autocannon,pipelined-2');
  });
});

describe('a pooled HTTP/1.1 client (node:http Agent) never pipelines', () => {
  it('C x I becomes C*I sockets of one call, with no pipelined label, whatever was asked', () => {
    const pool = (req: LayoutRequest) => resolveLayout('http1-pool', req);
    assert.deepEqual(pool({}), { layout: { connections: 32, inflightPerConnection: 1 }, pipelined: null });
    assert.deepEqual(pool({ connections: 4, inflight: 4 }), {
      layout: { connections: 16, inflightPerConnection: 1 },
      pipelined: null,
    });
    assert.deepEqual(pool({ pipelining: 8 }), { layout: { connections: 32, inflightPerConnection: 1 }, pipelined: null });
  });
  it('the deadline scenario runs REST and GraphQL that way, the SSE POSTs as plain HTTP/1.1', () => {
    assert.equal(rowTransport('deadline', 'rest', undefined), 'http1-pool');
    assert.equal(rowTransport('deadline', 'graphql', undefined), 'http1-pool');
    assert.equal(rowTransport('deadline', 'sse', undefined), 'http1');
  });
});

describe('which rows are HTTP/1.1', () => {
  it('protocol rows: rest, graphql and sse (its calls are POSTs on HTTP/1.1) one call per connection', () => {
    const transports = Object.fromEntries(PROTOCOL_NAMES.map((p) => [p, rowTransport('getUser', p, undefined)]));
    assert.deepEqual(transports, {
      rest: 'http1',
      grpc: 'http2',
      'grpc-js': 'http2',
      websocket: 'websocket',
      graphql: 'http1',
      sse: 'http1',
    });
    assert.equal(rowTransport('getUser', 'rest-hello', undefined), 'http1', 'calibration driver');
    assert.equal(rowTransport('getUser', 'rest', undefined, 'autocannon'), 'http1', 'autocannon speaks HTTP/1.1');
    assert.equal(rowTransport('getUser', 'graphql', undefined, 'autocannon'), 'http1');
  });

  it("a scenario's own client says where it differs: http2's h2c rows, chat's graphql-ws", () => {
    for (const v of ['h2c', 'h2c-shared', 'h2c-node']) assert.equal(rowTransport('http2', 'rest', v), 'http2', v);
    assert.equal(rowTransport('http2', 'rest', 'http1'), 'http1');
    assert.equal(rowTransport('chat', 'graphql', undefined), 'websocket');
    assert.equal(rowTransport('chat', 'sse', undefined), 'http1', 'chat over SSE still POSTs on HTTP/1.1');
    assert.equal(rowTransport('chat', 'grpc-js', undefined), 'http2');
    // Every other scenario's clients keep their row's transport (deadline: see the pooled client above).
    for (const s of Object.values(SCENARIOS).filter((x) => !['http2', 'chat', 'deadline'].includes(x.name)))
      for (const p of s.protocols)
        for (const v of s.variants?.[p] ?? [undefined])
          assert.equal(rowTransport(s.name, p, v), rowTransport('getUser', p, undefined), `${s.name} ${p} ${v ?? ''}`);
  });
});

describe('layout from flags and config', () => {
  const fromFlags = (argv: string[], file: BenchConfigInput = {}) =>
    resolveConfig(mergeConfig(file, parseCli(['--protocols', 'rest,grpc', ...argv]).layer));
  const layoutOf = (argv: string[], t: Transport, file?: BenchConfigInput): string => {
    const { layout, load, pipelined } = resolveLoad(fromFlags(argv, file), t);
    const model = load.model === 'closed' ? `closed ${load.connections}x${load.inflight}` : `${load.model}`;
    return `${layout.connections}x${layout.inflightPerConnection} ${model}${pipelined === null ? '' : ` pipelined-${pipelined}`}`;
  };
  const rows: [string[], BenchConfigInput | undefined, string, string][] = [
    [[], undefined, '32x1 closed 32x1', '4x8 closed 4x8'],
    [['--pipelining', '8'], undefined, '4x8 closed 4x8 pipelined-8', '4x8 closed 4x8'],
    [['--inflight', '8'], undefined, '4x8 closed 4x8 pipelined-8', '4x8 closed 4x8'],
    [['--connections', '4', '--inflight', '8'], undefined, '4x8 closed 4x8 pipelined-8', '4x8 closed 4x8'],
    [['--load', 'closed:16x2'], undefined, '16x2 closed 16x2 pipelined-2', '16x2 closed 16x2'],
    [['--load', 'closed:16'], undefined, '16x1 closed 16x1', '16x8 closed 16x8'],
    // Open loop keeps its rate; its connections (and the per-connection limit) follow the layout.
    [['--load', 'rate:1000'], undefined, '32x1 rate', '4x8 rate'],
    [['--load', 'rate:1000', '--connections', '1', '--inflight', '1000'], undefined, '1x1000 rate pipelined-1000', '1x1000 rate'],
    // The config file's numbers are given numbers too; a flag overrides them.
    [[], { connections: 2, inflight: 2 }, '2x2 closed 2x2 pipelined-2', '2x2 closed 2x2'],
    [['--inflight', '1'], { connections: 2, inflight: 2 }, '2x1 closed 2x1', '2x1 closed 2x1'],
    [[], { pipelining: 4 }, '8x4 closed 8x4 pipelined-4', '4x8 closed 4x8'],
  ];
  for (const [argv, file, http1, multiplexed] of rows) {
    it(`${argv.join(' ') || '(no flags)'}${file ? ` with config ${JSON.stringify(file)}` : ''}`, () => {
      assert.equal(layoutOf(argv, 'http1', file), http1);
      assert.equal(layoutOf(argv, 'http2', file), multiplexed);
    });
  }

  it('--pipelining with --inflight (flag, config or closed:CxI) is the caller to fix, exit 2', () => {
    for (const [argv, file] of [
      [['--pipelining', '8', '--inflight', '2'], {}],
      [['--pipelining', '8'], { inflight: 2 }],
      [['--pipelining', '8', '--load', 'closed:4x2'], {}],
    ] as const)
      assert.throws(
        () => fromFlags([...argv], file),
        (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && /pipelining/.test(e.message),
      );
    assert.throws(() => fromFlags(['--pipelining', '0']), ConfigError);
    assert.doesNotThrow(() => fromFlags(['--pipelining', '8', '--load', 'closed:4']));
  });

  it('leaves connections and inflight unset in the resolved config (the result says what was asked)', () => {
    const cfg = resolveConfig({});
    assert.equal(cfg.connections, undefined);
    assert.equal(cfg.inflight, undefined);
    assert.equal(cfg.pipelining, undefined);
  });
});

describe('results written before the layout field', () => {
  it('a schemaVersion 1 run record without layout and a config with connections 4 x inflight 8 still read', () => {
    const old = {
      protocol: 'rest',
      server: 'rest',
      driver: 'd',
      state: 'ok',
      opsPerSec: 1,
      ops: 1,
      measuredSeconds: 1,
      latencyUs: null,
      cpuUsPerOp: { server: null, client: null },
      cpuCores: { server: null, client: null },
      bytesPerOp: null,
      setupBytes: null,
      payloadBytes: null,
      errors: { total: 0, byKind: {} },
      generatorBound: false,
      bound: 'unknown',
      serverRssBytes: null,
      verified: 0,
      load: { model: 'closed', connections: 4, inflight: 8 },
    };
    const parsed = runRecordSchema.parse(old);
    assert.equal(parsed.layout, undefined);
    assert.deepEqual(runRecordSchema.parse({ ...old, layout: { connections: 32, inflightPerConnection: 1 } }).layout, {
      connections: 32,
      inflightPerConnection: 1,
    });
    const cfg = resolveConfig({ connections: 4, inflight: 8 });
    assert.equal(cfg.connections, 4);
    assert.equal(cfg.inflight, 8);
  });
});
