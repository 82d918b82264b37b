// The live metrics as exposition text: OpenMetrics 1.0 (what Prometheus asks for) or the older
// Prometheus text format 0.0.4 (what `promtool check metrics` lints). Pure: a snapshot in, text out.
//
// Hand-written rather than prom-client: prom-client's histograms observe one value at a time,
// while our latency arrives as per-interval HdrHistograms of thousands of calls already counted
// into fixed buckets (openmetrics-buckets.ts); replaying every call into it would cost more than
// the exposition itself, and a pure function of a snapshot is trivially testable.
//
// The two formats differ only in a counter's metadata name (OpenMetrics: the family `x` whose
// sample is `x_total`; text 0.0.4: `x_total` itself), in `# UNIT` lines and in the closing `# EOF`.
import { BUCKET_BOUNDS_US, type BucketCounts } from './openmetrics-buckets.ts';

export type ExpositionFormat = 'openmetrics' | 'text';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  text: 'text/plain; version=0.0.4; charset=utf-8',
};

/**
 * A row's labels. `shard` is absent (not empty) when the run is not sharded: Prometheus stores an
 * empty label as no label anyway, so omitting it changes no query and keeps the text free of noise.
 */
export interface RowLabels {
  scenario: string;
  protocol: string;
  /** '' when the row has no server implementation (a fanout transport). */
  implementation: string;
  shard?: string;
}

export const RUN_STATES = ['ok', 'failed', 'aborted'] as const;
export type RunStateLabel = (typeof RUN_STATES)[number];

/** Everything counted for one row (protocol x implementation) since the bench started. */
export interface RowMetrics {
  labels: RowLabels;
  runsStarted: number;
  runsFinished: Record<RunStateLabel, number>;
  calls: number;
  errors: number;
  /** Socket bytes of finished runs; undefined until a run of this row measured them. */
  sentBytes?: number;
  receivedBytes?: number;
  latency: BucketCounts;
}

export interface MetricsSnapshot {
  rows: readonly RowMetrics[];
}

const PREFIX = 'protocol_bench';

interface Family {
  name: string;
  type: 'counter' | 'histogram';
  unit?: 'seconds' | 'bytes';
  help: string;
  /** Sample lines (without the trailing newline), for every row that has the figure. */
  samples(rows: readonly RowMetrics[]): string[];
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: RowLabels, extra: Record<string, string> = {}): string {
  const pairs: [string, string][] = [
    ['scenario', labels.scenario],
    ['protocol', labels.protocol],
    ['implementation', labels.implementation],
    ...(labels.shard !== undefined ? ([['shard', labels.shard]] as [string, string][]) : []),
    ...Object.entries(extra),
  ];
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** A number as both formats read it: integers plainly, others in JavaScript's shortest round-trip form. */
export function formatValue(x: number): string {
  if (x === Infinity) return '+Inf';
  return String(x);
}

function counter(name: string, help: string, read: (r: RowMetrics) => number | undefined, unit?: 'bytes'): Family {
  return {
    name,
    type: 'counter',
    ...(unit && { unit }),
    help,
    samples: (rows) =>
      rows.flatMap((r) => {
        const v = read(r);
        return v === undefined ? [] : [`${name}_total${labelText(r.labels)} ${formatValue(v)}`];
      }),
  };
}

const FAMILIES: readonly Family[] = [
  counter(`${PREFIX}_runs_started`, 'Runs (one protocol row, one repeat) that started.', (r) => r.runsStarted),
  {
    name: `${PREFIX}_runs_finished`,
    type: 'counter',
    help: 'Runs that finished, by state: ok, failed (errors or timeouts beyond the limits), aborted (interrupted).',
    samples: (rows) =>
      rows.flatMap((r) =>
        RUN_STATES.map((s) => `${PREFIX}_runs_finished_total${labelText(r.labels, { state: s })} ${r.runsFinished[s]}`),
      ),
  },
  counter(`${PREFIX}_calls`, 'Calls answered without error in measured windows (warm-up excluded).', (r) => r.calls),
  counter(`${PREFIX}_call_errors`, 'Calls that failed in measured windows (error answers, timeouts, resets).', (r) => r.errors),
  counter(
    `${PREFIX}_sent_bytes`,
    'Socket bytes the load generator sent in measured windows, steady state (counted when a run ends).',
    (r) => r.sentBytes,
    'bytes',
  ),
  counter(
    `${PREFIX}_received_bytes`,
    'Socket bytes the load generator received in measured windows, steady state (counted when a run ends).',
    (r) => r.receivedBytes,
    'bytes',
  ),
  {
    name: `${PREFIX}_call_duration_seconds`,
    type: 'histogram',
    unit: 'seconds',
    help: 'Latency of the calls answered without error, from the intended start of each call (open loop) or its send.',
    samples: (rows) => rows.flatMap(histogramSamples),
  },
];

function histogramSamples(r: RowMetrics): string[] {
  const name = `${PREFIX}_call_duration_seconds`;
  const lines: string[] = [];
  let cumulative = 0;
  BUCKET_BOUNDS_US.forEach((us, i) => {
    cumulative += r.latency.counts[i] ?? 0;
    lines.push(`${name}_bucket${labelText(r.labels, { le: formatValue(us / 1e6) })} ${cumulative}`);
  });
  lines.push(`${name}_bucket${labelText(r.labels, { le: '+Inf' })} ${r.latency.count}`);
  lines.push(`${name}_count${labelText(r.labels)} ${r.latency.count}`);
  lines.push(`${name}_sum${labelText(r.labels)} ${formatValue(r.latency.sumUs / 1e6)}`);
  return lines;
}

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** The exposition of a snapshot; a family without samples is left out (a row's bytes before any run ended). */
export function renderExposition(snapshot: MetricsSnapshot, format: ExpositionFormat): string {
  const out: string[] = [];
  for (const f of FAMILIES) {
    const samples = f.samples(snapshot.rows);
    if (samples.length === 0) continue;
    // Text 0.0.4 names a counter by its sample name; OpenMetrics by the family, without `_total`.
    const meta = format === 'text' && f.type === 'counter' ? `${f.name}_total` : f.name;
    out.push(`# TYPE ${meta} ${f.type}`);
    if (format === 'openmetrics' && f.unit) out.push(`# UNIT ${meta} ${f.unit}`);
    out.push(`# HELP ${meta} ${escapeHelp(f.help)}`);
    out.push(...samples);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/**
 * Which format a scraper asked for: OpenMetrics unless its Accept header names text/plain and not
 * OpenMetrics (Prometheus names both, OpenMetrics first; `curl -H 'Accept: text/plain'` gets 0.0.4).
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'openmetrics';
  const a = accept.toLowerCase();
  return a.includes('text/plain') && !a.includes('application/openmetrics-text') ? 'text' : 'openmetrics';
}
