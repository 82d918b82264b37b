// Cross-check with a known tool: the same closed-loop load driven by autocannon instead of
// the harness's own driver, for the HTTP/1.1 protocols. autocannon's own latency histogram
// keeps whole milliseconds; its per-response event carries the hrtime duration as a float,
// so this driver records that, in microseconds, into the harness's HdrHistogram, and keeps
// autocannon's own figures beside it for comparison.
import autocannon from 'autocannon';
import { createHistogram, type Histogram } from '../metrics/histogram.ts';
import { getUserBody } from '../../clients/graphql.ts';
import type { ProtocolName } from '../protocols.ts';

export const AUTOCANNON_PROTOCOLS: readonly ProtocolName[] = ['rest', 'graphql'];

export interface AutocannonJob {
  protocol: ProtocolName;
  host: string;
  port: number;
  connections: number;
  /**
   * Requests pipelined per connection: the row's calls per connection, 1 unless --pipelining or
   * --inflight asks for more (harness/load/layout.ts; the row is then labelled pipelined-N).
   */
  pipelining: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
  nextId: () => number;
  onPhase: (phase: 'measure' | 'end') => void;
  stop?: AbortSignal;
}

export interface AutocannonOwnFigures {
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface AutocannonRun {
  aborted: boolean;
  histogram: Histogram;
  ops: number;
  measuredMs: number;
  errors: { total: number; byKind: Record<string, number> };
  autocannon: AutocannonOwnFigures;
}

function options(job: AutocannonJob, durationMs: number): autocannon.Options {
  const base = {
    url: `http://${job.host}:${job.port}`,
    connections: job.connections,
    pipelining: job.pipelining,
    duration: durationMs / 1000,
    timeout: Math.ceil(job.timeoutMs / 1000),
  };
  if (job.protocol === 'graphql') {
    return {
      ...base,
      requests: [
        {
          method: 'POST',
          path: '/graphql',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          setupRequest: (req) => ({ ...req, body: getUserBody(job.nextId()) }),
        },
      ],
    };
  }
  return { ...base, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/users/${job.nextId()}` }) }] };
}

function runOnce(
  job: AutocannonJob,
  durationMs: number,
  onResponse?: (status: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options(job, durationMs), (err, result) => (err ? reject(err) : resolve(result)));
    const stop = (): void => instance.stop();
    job.stop?.addEventListener('abort', stop, { once: true });
    instance.on('done', () => job.stop?.removeEventListener('abort', stop));
    // autocannon 8 emits (client, statusCode, resBytes, responseTime); read from the end.
    if (onResponse) {
      instance.on('response', (...args: unknown[]) => onResponse(Number(args[args.length - 3]), Number(args[args.length - 1])));
    }
  });
}

export async function runAutocannon(job: AutocannonJob): Promise<AutocannonRun> {
  if (job.warmupMs > 0) await runOnce(job, job.warmupMs);
  const histogram = createHistogram();
  const byKind: Record<string, number> = {};
  let ops = 0;
  job.onPhase('measure');
  const t0 = performance.now();
  const result = await runOnce(job, job.durationMs, (status, ms) => {
    if (status >= 200 && status < 300) {
      ops++;
      histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
    } else {
      const kind = status === 404 ? 'not_found' : status >= 500 ? 'server_error' : 'client_error';
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
  });
  const elapsed = performance.now() - t0;
  job.onPhase('end');
  if (result.errors) byKind.connection_reset = (byKind.connection_reset ?? 0) + result.errors - result.timeouts;
  if (result.timeouts) byKind.timeout = (byKind.timeout ?? 0) + result.timeouts;
  const aborted = job.stop?.aborted ?? false;
  return {
    aborted,
    histogram,
    ops,
    measuredMs: aborted ? Math.min(job.durationMs, elapsed) : job.durationMs,
    errors: { total: Object.values(byKind).reduce((s, v) => s + v, 0), byKind },
    autocannon: {
      requestsPerSec: result.requests.average,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        p999: result.latency.p99_9,
        max: result.latency.max,
      },
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    },
  };
}
