// Messages between the runner and its child processes (server, load generator).
import type { ByteCount, PayloadBytes } from '../../clients/types.ts';
import type { DriverName } from '../protocols.ts';
import type { LoadModel } from '../load/model.ts';
import type { AutocannonOwnFigures } from '../load/autocannon.ts';
import type { ServerName } from '../../servers/registry.ts';
import type { ServerTuning } from '../../servers/types.ts';
import type { IntervalCounts } from '../load/intervals.ts';

/** What a server reports of itself when asked: memory and store counters (its CPU is read from /proc). */
export interface ServerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** performance.timeOrigin + performance.now() at the sample, ms. */
  atMs: number;
  /** SQL statements the SQLite store has executed so far (absent on the memory store). */
  sqlStatements?: number;
  /**
   * Requests the server has completed and the SQL statements those requests ran (SQLite store,
   * servers that scope their requests: servers/request-scope.ts). Deltas between two samples give
   * exact statements per request: a request in flight at an edge is counted whole, with its statements.
   */
  sqlRequests?: { completed: number; statements: number };
  /** Users the store holds (createUsers checks they were really stored). */
  users?: number;
}

/** A server sample at a window edge: CPU time from /proc/<pid>/stat (metrics/cpu.ts), microseconds, with its stats. */
export interface CpuSample extends ServerStats {
  userUs: number;
  systemUs: number;
}

export interface ServerJob {
  server: ServerName;
  /** The server's implementation by name (servers/<server>/index.ts, `--impl`); unset: its reference. */
  implementation?: string;
  host: string;
  port: number;
  dataset: { users: number; seed: number };
  /** Backing store (default memory) and scenario knobs (scenarios/types.ts ServerTuning). */
  store?: 'memory' | 'sqlite';
  tuning?: ServerTuning;
}

export type ServerToRunner =
  { type: 'ready'; port: number } | { type: 'stats'; sample: ServerStats; seq: number } | { type: 'error'; message: string };

export type RunnerToServer = { type: 'stats'; seq: number } | { type: 'shutdown' };

export interface GeneratorJob {
  /** Scenario whose operations the generator sends. */
  scenario: string;
  protocol: DriverName;
  host: string;
  port: number;
  connections: number;
  /** Calls outstanding per connection (closed loop: always; open loop: at most). */
  inflight: number;
  load: LoadModel;
  /** Who makes the calls: the harness's own client, or autocannon (HTTP/1.1 cross-check, closed loop). */
  driver?: 'harness' | 'autocannon';
  /** Open loop: queued + outstanding limit; beyond it calls are dropped. */
  maxInflight: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
  users: number;
  idSeed: number;
  /** The row's variant (scenarios with several rows per protocol). */
  variant?: string;
  /** The scenario's resolved options (its own schema's output), handed to its ops() unread. */
  options: Record<string, unknown>;
  /** Issue 17: length of the measured window's intervals (absent: 1000 ms). */
  intervalMs?: number;
}

export interface GeneratorResult {
  histogram: string;
  /** Stopped early by the runner (interrupt): the window is shorter than asked. */
  aborted?: boolean;
  /** Open loop: latency from the actual send (histogram is from the intended start). */
  rawHistogram?: string;
  dropped?: number;
  requestedRate?: number;
  achievedRate?: number;
  ops: number;
  measuredMs: number;
  errors: { total: number; byKind: Record<string, number> };
  /** Socket bytes over the measured window and the completions they carried. */
  windowBytes: ByteCount | null;
  windowCompletions: number;
  setupBytes: ByteCount | null;
  payload: PayloadBytes | null;
  /** Multi-item operations: items carried by measured calls, and time to each call's first item. */
  items?: number;
  firstItemHistogram?: string;
  /** autocannon's own figures, when it drove the run. */
  autocannon?: AutocannonOwnFigures;
  /** Issue 17: the window by interval (absent on autocannon rows: it keeps its calls to itself). */
  series?: IntervalCounts[];
}

export type GeneratorToRunner =
  | { type: 'connected'; setupBytes: ByteCount | null }
  | { type: 'phase'; phase: 'measure' | 'end'; atMs: number }
  | { type: 'progress'; phase: 'warmup' | 'measure'; elapsedMs: number; totalMs: number; opsPerSec: number }
  | { type: 'interval'; interval: IntervalCounts }
  | { type: 'result'; result: GeneratorResult }
  | { type: 'error'; message: string };

export type RunnerToGenerator = { type: 'start' } | { type: 'stop' };

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
