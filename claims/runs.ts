// The bench runs the claims need, as `npm run bench` invocations, and how their result files map
// back to run ids: shared by the claims CLI (which runs them) and claims/inputs.ts (which reads
// saved ones back to rebuild the table).
import type { BenchResult } from '../harness/results/types.ts';
import { REGISTRY } from './registry.ts';
import { FANOUT, FANOUT_LOAD, NESTED_DELAY_MS, delivery, type BenchRunId } from './figures.ts';

export interface BenchRunSpec {
  scenario: string;
  /** Flags for `npm run bench` besides --scenario and --out. */
  args: string[];
  quick: string[];
  /** Whether a result file of this scenario is this run (getUser serves two: saturated and 1 x 1). */
  matches?: (r: BenchResult) => boolean;
  /**
   * Invocations to make, their runs merged as repeats 0, 1, ...: for a scenario whose runner
   * does not repeat by itself (fanout), so its figures still come with a spread.
   */
  times?: number;
}

const oneInFlight = (r: BenchResult): boolean =>
  r.runs.length > 0 && r.runs.every((x) => x.load.model === 'closed' && x.load.connections * x.load.inflight === 1);
const FULL = ['--duration', '5', '--warmup', '2'];
const QUICK = ['--duration', '2', '--warmup', '1'];
const scenarioRun = (scenario: string): BenchRunSpec => ({
  scenario,
  args: ['--repeat', '3', ...FULL],
  quick: ['--repeat', '3', ...QUICK],
});

/**
 * Issue 14.3: the getUser runs, which feed the protocol-vs-protocol verdicts, run every server
 * implementation, so a protocol is judged on its fastest here (claims/figures.ts chooseRuns). The
 * other scenarios run their reference only (scenarios/*.ts `implementations`), and so do they here:
 * a --quick claims run doubles its getUser time, no more.
 */
const EVERY_IMPL = ['--impl', 'all'];
/** getUser-rtt: one call in flight on each request-response row. */
const RTT_ROWS = ['--repeat', '3', '--connections', '1', '--inflight', '1', '--protocols', 'rest,grpc,grpc-js,websocket,graphql'];
/** fanout: the push rows at the subscriber count, event rates and poll interval the claims name (claims/figures.ts). */
const FANOUT_ROWS = [
  '--protocols',
  'websocket,sse,poll',
  '--subscribers',
  String(FANOUT.subscribers),
  '--event-rate',
  FANOUT.eventRates.join(','),
  '--poll-interval',
  String(FANOUT.pollMs),
];
/** fanout-load: server CPU per event, polling against WebSocket push, at the reference's 1,000 subscribers and 0.1 event/s. */
const FANOUT_LOAD_ROWS = [
  '--protocols',
  'websocket,poll',
  '--subscribers',
  String(FANOUT_LOAD.subscribers),
  '--event-rate',
  String(FANOUT_LOAD.eventRate),
  '--poll-interval',
  String(FANOUT_LOAD.pollMs),
];

export const BENCH_RUNS: Record<BenchRunId, BenchRunSpec> = {
  getUser: {
    scenario: 'getUser',
    args: ['--repeat', '3', ...EVERY_IMPL, ...FULL],
    quick: ['--repeat', '3', ...EVERY_IMPL, ...QUICK],
    matches: (r) => !oneInFlight(r),
  },
  // Round-trip latency: one call in flight, so latency is the stack's, not queueing's.
  'getUser-rtt': {
    scenario: 'getUser',
    args: [...RTT_ROWS, ...EVERY_IMPL, ...FULL],
    quick: [...RTT_ROWS, ...EVERY_IMPL, ...QUICK],
    matches: oneInFlight,
  },
  listUsers: scenarioRun('listUsers'),

  createUsers: scenarioRun('createUsers'),
  chat: scenarioRun('chat'),
  nestedProfile: { ...scenarioRun('nestedProfile'), matches: (r) => !(r.config.delayMs ?? 0) },
  // The same with 25 ms each way through the harness's delaying proxy: a 50 ms round trip, the
  // WAN-like condition the guide's latency figures for nested data assume.
  'nestedProfile-delay': {
    scenario: 'nestedProfile',
    args: ['--repeat', '3', '--duration', '5', '--warmup', '2', '--delay', String(NESTED_DELAY_MS)],
    quick: ['--repeat', '3', '--duration', '3', '--warmup', '1', '--delay', String(NESTED_DELAY_MS)],
    matches: (r) => (r.config.delayMs ?? 0) > 0,
  },
  nPlusOne: scenarioRun('nPlusOne'),
  // REST rows only: the claim compares REST gzip with plain; GraphQL's 1 MB rows take long.
  compression: {
    scenario: 'compression',
    args: ['--protocols', 'rest', '--repeat', '3', '--duration', '5', '--warmup', '2'],
    quick: ['--protocols', 'rest', '--repeat', '3', ...QUICK],
  },
  http2: scenarioRun('http2'),
  encodings: scenarioRun('encodings'),
  // Push to FANOUT.subscribers subscribers at each of FANOUT.eventRates, polls every FANOUT.pollMs (claims/figures.ts).
  // 20 s windows: at 0.1 event/s a shorter one holds one or two events.
  fanout: {
    scenario: 'fanout',
    times: 3,
    args: [...FANOUT_ROWS, '--duration', '20', '--warmup', '2'],
    quick: [...FANOUT_ROWS, '--duration', '10', '--warmup', '1'],
    matches: (r) => !r.runs.some((x) => delivery(x)?.subscribers === FANOUT_LOAD.subscribers),
  },
  // Long windows: server CPU is read in 10 ms ticks, and WebSocket push at 0.1 event/s spends only
  // a few of them; the claim's margin carries the tick (claims/figures.ts tickInterval).
  'fanout-load': {
    scenario: 'fanout',
    times: 3,
    args: [...FANOUT_LOAD_ROWS, '--duration', '40', '--warmup', '2'],
    quick: [...FANOUT_LOAD_ROWS, '--duration', '20', '--warmup', '1'],
    matches: (r) => r.runs.some((x) => delivery(x)?.subscribers === FANOUT_LOAD.subscribers),
  },
};

/** The run ids the registry needs, in a stable order. */
export function neededRuns(): BenchRunId[] {
  const ids = new Set<BenchRunId>();
  for (const e of REGISTRY) if (e.measure.kind === 'bench') e.measure.runs.forEach((r) => ids.add(r));
  return (Object.keys(BENCH_RUNS) as BenchRunId[]).filter((id) => ids.has(id));
}

/** Which run a result file stands for: its scenario, and for getUser its load. */
export function runIdOf(result: BenchResult): BenchRunId | undefined {
  return (Object.keys(BENCH_RUNS) as BenchRunId[]).find((id) => {
    const spec = BENCH_RUNS[id];
    return spec.scenario === result.scenario && (spec.matches?.(result) ?? true);
  });
}

/** Results of several invocations as one: each file's repeats follow the previous file's. */
export function mergeAsRepeats(results: BenchResult[]): BenchResult {
  if (results.length === 1) return results[0]!;
  let offset = 0;
  const runs = results.flatMap((r) => {
    const shifted = r.runs.map((run) => ({ ...run, repeat: offset + run.repeat }));
    offset += Math.max(0, ...r.runs.map((run) => run.repeat)) + 1;
    return shifted;
  });
  return { ...results[0]!, runs };
}
