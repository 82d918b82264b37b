// The printed summary of a run in the format asked for (`npm run bench -- --format md|json|csv`):
// Markdown for people (the report, whose table is renderRunsTable), JSON and CSV for
// spreadsheets and dashboards. Pure: result in, text out.
import { describeLoadRecord, renderReport } from './markdown.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';

export const SUMMARY_FORMATS = ['md', 'json', 'csv'] as const;
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

export function isSummaryFormat(x: string): x is SummaryFormat {
  return (SUMMARY_FORMATS as readonly string[]).includes(x);
}

/** One flat row per run: the columns of the CSV and the `runs` of the JSON. */
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
  }));
}

// RFC 4180 quoting: quote a field holding a comma, quote or line break; double the quotes inside.
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatSummary(result: BenchResult, format: SummaryFormat, resultPath?: string): string {
  switch (format) {
    case 'md':
      return renderReport(result, resultPath);
    case 'json':
      return JSON.stringify(
        {
          scenario: result.scenario,
          description: result.description,
          state: result.state,
          startedAt: result.startedAt,
          commit: result.environment.commit,
          resultPath: resultPath ?? null,
          runs: summaryRows(result),
          summary: result.summary ?? [],
        },
        null,
        2,
      );
    case 'csv': {
      const lines = [SUMMARY_COLUMNS.join(',')];
      for (const row of summaryRows(result)) lines.push(SUMMARY_COLUMNS.map((c) => csvField(row[c])).join(','));
      return lines.join('\n');
    }
  }
}
