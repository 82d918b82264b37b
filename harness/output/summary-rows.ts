// One flat row per run: the columns of the CSV output and the `runs` of the JSON output.
import { describeLoadRecord } from './markdown.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';

export interface SummaryRow {
  scenario: string;
  protocol: string;
  variant: string | null;
  /** 0-based, as in the result file. */
  repeat: number;
  state: RunRecord['state'];
  opsPerSec: number;
  p50Us: number | null;
  p90Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  maxUs: number | null;
  serverCpuUsPerOp: number | null;
  clientCpuUsPerOp: number | null;
  bytesPerOpOut: number | null;
  bytesPerOpIn: number | null;
  errors: number;
  dropped: number | null;
  bound: RunRecord['bound'];
  generatorBound: boolean;
  load: string;
  startedAt: string;
  commit: string | null;
  /** Issue 14: the server implementation and its version (null: not recorded, or an external target not told). */
  implementation: string | null;
  implementationVersion: string | null;
}

export const SUMMARY_COLUMNS: readonly (keyof SummaryRow)[] = [
  'scenario',
  'protocol',
  'variant',
  'repeat',
  'state',
  'opsPerSec',
  'p50Us',
  'p90Us',
  'p99Us',
  'p999Us',
  'maxUs',
  'serverCpuUsPerOp',
  'clientCpuUsPerOp',
  'bytesPerOpOut',
  'bytesPerOpIn',
  'errors',
  'dropped',
  'bound',
  'generatorBound',
  'load',
  'startedAt',
  'commit',
  'implementation',
  'implementationVersion',
];

export function summaryRows(result: BenchResult): SummaryRow[] {
  return result.runs.map((r) => ({
    scenario: result.scenario,
    protocol: r.protocol,
    variant: r.variant ?? null,
    repeat: r.repeat,
    state: r.state,
    opsPerSec: r.opsPerSec,
    p50Us: r.latencyUs?.p50 ?? null,
    p90Us: r.latencyUs?.p90 ?? null,
    p99Us: r.latencyUs?.p99 ?? null,
    p999Us: r.latencyUs?.p999 ?? null,
    maxUs: r.latencyUs?.max ?? null,
    serverCpuUsPerOp: r.cpuUsPerOp.server,
    clientCpuUsPerOp: r.cpuUsPerOp.client,
    bytesPerOpOut: r.bytesPerOp?.out ?? null,
    bytesPerOpIn: r.bytesPerOp?.in ?? null,
    errors: r.errors.total,
    dropped: r.dropped ?? null,
    bound: r.bound,
    generatorBound: r.generatorBound,
    load: describeLoadRecord(r.load),
    startedAt: result.startedAt,
    commit: result.environment.commit,
    implementation: r.implementation?.name ?? null,
    implementationVersion: r.implementation?.version ?? null,
  }));
}
