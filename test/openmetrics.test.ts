// Live metrics (--metrics-port), without a bench: the fixed buckets, the accumulator fed with
// synthetic ProgressEvents and run records, the exposition checked by Prometheus's own tools
// (promtool check metrics lints the text format; promtool's OpenMetrics parser reads the other),
// and the HTTP edge on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';
import { BUCKET_BOUNDS_US, bucketsOfEncoded } from '../harness/output/openmetrics-buckets.ts';
import { createLiveMetrics, implementationLabel } from '../harness/output/openmetrics.ts';
import { CONTENT_TYPES, negotiateFormat, renderExposition, type MetricsSnapshot } from '../harness/output/openmetrics-render.ts';
import { serveMetrics } from '../harness/output/openmetrics-server.ts';
import type { ProgressEvent } from '../harness/workloads/types.ts';
import { run } from './compare-fixtures.ts';

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const NO_PROMTOOL = PROMTOOL ? false : 'promtool is not installed (Debian: apt-get install prometheus; .ci/run does it)';

function encoded(values: number[]): string {
  const h = createHistogram();
  for (const v of values) h.recordValue(v);
  return encodeHistogram(h);
}

function interval(protocol: string, ops: number, errors: number, values: number[], implementation?: string): ProgressEvent {
  return {
    protocol,
    ...(implementation && { implementation }),
    phase: 'measure',
    interval: { tMs: 0, durationMs: 1000, ops, errors, histogram: encoded(values) },
  };
}

/** A small session's worth of events: rest with intervals, grpc (a second implementation) without. */
function sampleSnapshot(shard?: string): MetricsSnapshot {
  const m = createLiveMetrics(shard !== undefined ? { shard } : {});
  m.output.start({ scenario: 'getUser', runs: 2 });
  m.output.progress({ protocol: 'rest', phase: 'start' });
  m.output.progress(interval('rest', 3, 1, [40, 120, 2500]));
  m.output.progress(interval('rest', 2, 0, [60, 15_000_000]));
  m.output.record(run('rest', 0, { opsPerSec: 2.5 }));
  m.output.progress({ protocol: 'grpc', implementation: 'connect', phase: 'start' });
  return m.snapshot();
}

const value = (text: string, sample: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  assert.ok(line, `${sample} in\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
};

const restLabels = 'scenario="getUser",protocol="rest",implementation="fastify"';

test('buckets: fixed, ascending, whole microseconds from 50 us to 10 s', () => {
  assert.equal(BUCKET_BOUNDS_US[0], 50);
  assert.equal(BUCKET_BOUNDS_US.at(-1), 10_000_000);
  assert.ok(BUCKET_BOUNDS_US.every((b, i) => Number.isInteger(b) && (i === 0 || b > BUCKET_BOUNDS_US[i - 1]!)));
  // Neighbours at most 1.67x apart: histogram_quantile interpolates inside one bucket.
  assert.ok(BUCKET_BOUNDS_US.every((b, i) => i === 0 || b / BUCKET_BOUNDS_US[i - 1]! <= 5 / 3 + 1e-9));
});

test('an HdrHistogram folds into the buckets: edges inclusive, beyond 10 s in +Inf, the sum kept', () => {
  const b = bucketsOfEncoded(encoded([10, 50, 51, 70, 71, 2000, 15_000_000]));
  const at = (us: number): number => b.counts[BUCKET_BOUNDS_US.indexOf(us)]!;
  assert.equal(at(50), 2, '10 and 50 are <= 50 us');
  assert.equal(at(70), 2, '51 and 70');
  assert.equal(at(100), 1, '71');
  assert.equal(at(2000), 1, '2000 sits on its bound');
  assert.equal(b.counts.at(-1), 1, '15 s is beyond the last bound');
  assert.equal(b.count, 7);
  assert.ok(Math.abs(b.sumUs - 15_002_252) / 15_002_252 < 0.001, `sum ${b.sumUs} within HdrHistogram's 0.1%`);
});

test('the accumulator counts intervals once, a record without intervals from the record, and labels every row', () => {
  const snap = sampleSnapshot();
  assert.equal(snap.rows.length, 2);
  const rest = snap.rows.find((r) => r.labels.protocol === 'rest')!;
  assert.deepEqual(rest.labels, { scenario: 'getUser', protocol: 'rest', implementation: 'fastify' });
  assert.equal(rest.runsStarted, 1);
  assert.deepEqual(rest.runsFinished, { ok: 1, failed: 0, aborted: 0 });
  // From the intervals only: the record's own 5 calls are not added a second time.
  assert.equal(rest.calls, 5);
  assert.equal(rest.errors, 1);
  assert.equal(rest.latency.count, 5);
  assert.equal(rest.sentBytes, 100 * 5, "bytesPerOp.out x the record's calls");
  assert.equal(rest.receivedBytes, 200 * 5);
  const grpc = snap.rows.find((r) => r.labels.protocol === 'grpc')!;
  assert.equal(grpc.labels.implementation, 'connect');
  assert.equal(grpc.calls, 0);

  // A workload that sends no intervals: the record's calls, errors and histogram count at its end.
  const m = createLiveMetrics();
  m.output.start({ scenario: 'getUser', runs: 1 });
  const rec = { ...run('websocket', 0, { opsPerSec: 3, errors: 2 }) };
  rec.latencyUs = { ...rec.latencyUs!, histogram: encoded([100, 200, 300, 400, 500, 600]) };
  m.output.record(rec);
  m.output.record(rec);
  const ws = m.snapshot().rows[0]!;
  assert.equal(ws.calls, 12);
  assert.equal(ws.errors, 4);
  assert.equal(ws.latency.count, 12);
});

test('implementation label: named, else the reference of the row server, else empty', () => {
  assert.equal(implementationLabel('rest', undefined), 'fastify');
  assert.equal(implementationLabel('rest', 'node-http'), 'node-http');
  assert.equal(implementationLabel('graphql-ws', undefined), '');
});

test('exposition: counters with _total, cumulative buckets ending in +Inf = _count, # EOF only in OpenMetrics', () => {
  const om = renderExposition(sampleSnapshot(), 'openmetrics');
  assert.ok(om.endsWith('# EOF\n'));
  assert.match(om, /^# TYPE protocol_bench_calls counter$/m);
  assert.match(om, /^# UNIT protocol_bench_call_duration_seconds seconds$/m);
  assert.match(om, /^# UNIT protocol_bench_sent_bytes bytes$/m);
  assert.doesNotMatch(om, /quantile|p99/, 'no percentile gauges');
  assert.equal(value(om, `protocol_bench_calls_total{${restLabels}}`), 5);
  assert.equal(value(om, `protocol_bench_sent_bytes_total{${restLabels}}`), 500);
  const buckets = om
    .split('\n')
    .filter((l) => l.startsWith(`protocol_bench_call_duration_seconds_bucket{${restLabels},`))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
  assert.equal(buckets.length, BUCKET_BOUNDS_US.length + 1);
  assert.ok(
    buckets.every((c, i) => i === 0 || c >= buckets[i - 1]!),
    'cumulative',
  );
  assert.equal(value(om, `protocol_bench_call_duration_seconds_bucket{${restLabels},le="+Inf"}`), 5);
  assert.equal(value(om, `protocol_bench_call_duration_seconds_count{${restLabels}}`), 5);
  assert.equal(value(om, `protocol_bench_call_duration_seconds_bucket{${restLabels},le="0.00005"}`), 1, '40 us');
  assert.equal(value(om, `protocol_bench_call_duration_seconds_bucket{${restLabels},le="0.003"}`), 4, 'up to 2.5 ms');
  assert.ok(Math.abs(value(om, `protocol_bench_call_duration_seconds_sum{${restLabels}}`) - 15.00272) < 0.02, 'seconds');
  // No shard label when not sharded; the shard's index when it is.
  assert.doesNotMatch(om, /shard=/);
  assert.match(renderExposition(sampleSnapshot('3'), 'openmetrics'), /implementation="fastify",shard="3"\}/);

  const text = renderExposition(sampleSnapshot(), 'text');
  assert.doesNotMatch(text, /# EOF|# UNIT/);
  assert.match(text, /^# TYPE protocol_bench_calls_total counter$/m);
});

test('every OpenMetrics sample belongs to the family declared before it, with the suffix its type allows', () => {
  const suffixes = { counter: ['_total'], histogram: ['_bucket', '_count', '_sum'] } as Record<string, string[]>;
  let family = '';
  let type = '';
  const seen = new Set<string>();
  for (const line of renderExposition(sampleSnapshot('0'), 'openmetrics').trimEnd().split('\n')) {
    const meta = /^# (TYPE|UNIT|HELP) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.ok(!seen.has(meta[2]!), `${meta[2]} declared once`);
        seen.add(meta[2]!);
        [family, type] = [meta[2]!, meta[3]!];
      } else assert.equal(meta[2], family, line);
      continue;
    }
    if (line === '# EOF') continue;
    const name = line.slice(0, line.indexOf('{'));
    assert.ok(
      suffixes[type]!.some((s) => name === `${family}${s}`),
      `${name} is a sample of ${type} ${family}`,
    );
  }
});

test('promtool check metrics passes the text format, and promtool reads the OpenMetrics one', { skip: NO_PROMTOOL }, () => {
  const text = renderExposition(sampleSnapshot('1'), 'text');
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
  assert.equal(`${lint.stdout}${lint.stderr}`.trim(), '', 'no lint findings');

  // promtool check metrics lints only the text format; its backfill reads OpenMetrics with
  // Prometheus's own parser (which insists on # EOF and on units matching names), given timestamps.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openmetrics-'));
  try {
    const om = renderExposition(sampleSnapshot('1'), 'openmetrics');
    const stamped = om.replace(/^([^#\n].*)$/gm, '$1 1700000000');
    writeFileSync(path.join(dir, 'in.om'), stamped);
    const read = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', 'in.om', 'blocks'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(read.status, 0, `promtool's OpenMetrics parser:\n${read.stdout}${read.stderr}`);
    // And the same parser refuses an exposition without its end: the check can fail.
    writeFileSync(path.join(dir, 'bad.om'), stamped.replace('# EOF\n', ''));
    const bad = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', 'bad.om', 'bad'], { cwd: dir });
    assert.notEqual(bad.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('content negotiation: OpenMetrics unless the scraper asks only for text/plain', () => {
  assert.equal(negotiateFormat(undefined), 'openmetrics');
  assert.equal(negotiateFormat('*/*'), 'openmetrics');
  const prometheus =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  assert.equal(negotiateFormat(prometheus), 'openmetrics');
  assert.equal(negotiateFormat('text/plain'), 'text');
});

test('the HTTP edge serves /metrics on 127.0.0.1, 404 elsewhere, and closes', async () => {
  const snap = sampleSnapshot();
  const server = await serveMetrics({ host: '127.0.0.1', port: 0 }, () => snap);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const om = await fetch(server.url);
    assert.equal(om.status, 200);
    assert.equal(om.headers.get('content-type'), CONTENT_TYPES.openmetrics);
    assert.ok((await om.text()).endsWith('# EOF\n'));
    const text = await fetch(server.url, { headers: { accept: 'text/plain' } });
    assert.equal(text.headers.get('content-type'), CONTENT_TYPES.text);
    assert.doesNotMatch(await text.text(), /# EOF/);
    assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(server.url), 'closed at the end');
});

test('a port that cannot be bound is the caller to fix (exit 2), naming the flag', async () => {
  const first = await serveMetrics({ host: '127.0.0.1', port: 0 }, () => ({ rows: [] }));
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(
      serveMetrics({ host: '127.0.0.1', port }, () => ({ rows: [] })),
      (err: Error & { exitCode?: number }) => {
        assert.equal(err.exitCode, 2);
        assert.match(err.message, /--metrics-port \d+.*EADDRINUSE/);
        return true;
      },
    );
  } finally {
    await first.close();
  }
});
