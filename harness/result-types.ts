// The result file: self-describing, so it can be re-read, re-rendered and compared later.
import type { ByteCount, PayloadBytes } from '../clients/types.ts';
import type { ResolvedConfig } from './config.ts';
import type { Environment } from './environment.ts';
import type { LatencySummary } from './histogram.ts';

export const SCHEMA_VERSION = 1;

export type RunState = 'ok' | 'failed' | 'aborted';

export interface RunRecord {
  protocol: string;
  server: string;
  driver: string;
  state: RunState;
  /** Why the run failed, when it did. */
  error?: string;
  /** Successful calls per second over the measured window. */
  opsPerSec: number;
  ops: number;
  measuredSeconds: number;
  latencyUs: LatencySummary | null;
  /** CPU time per successful call, microseconds; null when not observable (external server). */
  cpuUsPerOp: { server: number | null; client: number | null };
  /** Mean CPU use during the measured window, in cores (1 = one core fully busy). */
  cpuCores: { server: number | null; client: number | null };
  /** Socket bytes per call in steady state (setup excluded); null when not observable. */
  bytesPerOp: ByteCount | null;
  /** One-time bytes to open one connection (handshake, preface, upgrade, stream head). */
  setupBytes: ByteCount | null;
  /** Application payload per call: JSON body or protobuf message, no framing or headers. */
  payloadBytes: PayloadBytes | null;
  errors: { total: number; byKind: Record<string, number> };
  /** The generator was near a full core while the server was not: the figure is the generator's limit, not the server's. */
  generatorBound: boolean;
  bound: 'server' | 'generator' | 'neither' | 'unknown';
  serverRssBytes: number | null;
  verified: number;
  load: { model: 'closed'; connections: number; inflight: number };
}

export interface BenchResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: 'protocol-bench';
  state: 'complete' | 'partial' | 'aborted';
  scenario: string;
  description: string;
  startedAt: string;
  finishedAt: string;
  config: ResolvedConfig;
  environment: Environment;
  notes: string[];
  runs: RunRecord[];
}
