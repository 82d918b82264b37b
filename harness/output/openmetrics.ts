// Live metrics (`--metrics-port`): an Output that prints nothing and counts what a run reports, for
// the HTTP edge (openmetrics-server.ts) to expose. Not in the --format registry: it renders no
// report, its text is served, not printed.
//
// Fed by ProgressEvents: 'start' counts a run started; a 'measure' event carrying `interval` adds
// the interval's calls, errors and latency (its HdrHistogram folded into fixed buckets); each
// finished run record counts the run's state and its bytes. A run whose workload sent no
// intervals (a workload that does not send them yet) is counted from its record when it ends, so
// the counters hold the same totals either way, only later.
import type { RunRecord } from '../results/types.ts';
import type { ProgressEvent } from '../workloads/types.ts';
import { isProtocolName } from '../protocols.ts';
import { referenceImplementation, serverOfRow } from '../../servers/registry.ts';
import { addBuckets, bucketsOfEncoded, emptyBuckets, type BucketCounts } from './openmetrics-buckets.ts';
import { RUN_STATES, type MetricsSnapshot, type RowLabels, type RowMetrics, type RunStateLabel } from './openmetrics-render.ts';
import type { Output, OutputPlan } from './types.ts';

/** The implementation label: the row's own when named, else its server's reference; '' when it has no server. */
export function implementationLabel(protocol: string, implementation: string | undefined): string {
  if (implementation) return implementation;
  return isProtocolName(protocol) ? referenceImplementation(serverOfRow(protocol)).name : '';
}

/**
 * The implementation a run record names. Records gain `implementation: { name, version } | null`
 * with issue 14; read structurally so this module works on records with and without it.
 */
function recordImplementation(run: RunRecord): string | undefined {
  const impl = (run as { implementation?: { name?: unknown } | null }).implementation;
  return typeof impl?.name === 'string' ? impl.name : undefined;
}

export interface LiveMetrics {
  /** Feed it every call the session makes on its outputs. */
  output: Output;
  snapshot(): MetricsSnapshot;
}

export function createLiveMetrics(opts: { shard?: string } = {}): LiveMetrics {
  let scenario = '';
  const rows = new Map<string, RowMetrics>();
  // Rows whose current run has sent intervals: their record must not be counted a second time.
  const sentIntervals = new Set<string>();

  const row = (protocol: string, implementation: string | undefined): [string, RowMetrics] => {
    const labels: RowLabels = {
      scenario,
      protocol,
      implementation: implementationLabel(protocol, implementation),
      ...(opts.shard !== undefined && { shard: opts.shard }),
    };
    const key = JSON.stringify([labels.protocol, labels.implementation]);
    let r = rows.get(key);
    if (!r) {
      const finished = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as Record<RunStateLabel, number>;
      r = { labels, runsStarted: 0, runsFinished: finished, calls: 0, errors: 0, latency: emptyBuckets() };
      rows.set(key, r);
    }
    return [key, r];
  };

  const addLatency = (r: RowMetrics, encoded: string | undefined): void => {
    if (!encoded) return;
    let buckets: BucketCounts;
    try {
      buckets = bucketsOfEncoded(encoded);
    } catch {
      return; // a histogram that does not decode costs the latency of one interval, never the run
    }
    addBuckets(r.latency, buckets);
  };

  const progress = (e: ProgressEvent): undefined => {
    if (!e.protocol || e.phase === 'note') return undefined;
    const [key, r] = row(e.protocol, e.implementation);
    if (e.phase === 'start') r.runsStarted++;
    if (e.interval) {
      sentIntervals.add(key);
      r.calls += e.interval.ops;
      r.errors += e.interval.errors;
      addLatency(r, e.interval.histogram);
    }
    return undefined;
  };

  const record = (run: RunRecord): undefined => {
    const [key, r] = row(run.protocol, recordImplementation(run));
    r.runsFinished[run.state]++;
    if (!sentIntervals.delete(key)) {
      r.calls += run.ops;
      r.errors += run.errors.total;
      addLatency(r, run.latencyUs?.histogram);
    }
    if (run.bytesPerOp) {
      // bytesPerOp is the window's socket bytes over its calls: times the calls gives the bytes back.
      r.sentBytes = (r.sentBytes ?? 0) + Math.round(run.bytesPerOp.out * run.ops);
      r.receivedBytes = (r.receivedBytes ?? 0) + Math.round(run.bytesPerOp.in * run.ops);
    }
    return undefined;
  };

  return {
    output: {
      start: (plan: OutputPlan) => void (scenario = plan.scenario),
      progress,
      record,
      end: () => undefined,
    },
    snapshot: () => ({ rows: [...rows.values()].map((r) => structuredClone(r)) }),
  };
}
