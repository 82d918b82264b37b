// The CSV summary (`--format csv`): a header and one row per run, for spreadsheets.
import type { BenchResult } from '../results/types.ts';
import { endOnly } from './end-only.ts';
import { SUMMARY_COLUMNS, summaryRows } from './summary-rows.ts';
import type { OutputEntry } from './types.ts';

// RFC 4180 quoting: quote a field holding a comma, quote or line break; double the quotes inside.
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsvSummary(result: BenchResult): string {
  const lines = [SUMMARY_COLUMNS.join(',')];
  for (const row of summaryRows(result)) lines.push(SUMMARY_COLUMNS.map((c) => csvField(row[c])).join(','));
  return lines.join('\n');
}

export const csvOutput: OutputEntry<true> = {
  description: 'CSV: a header and one row per run',
  summary: true,
  create: () => endOnly((result) => renderCsvSummary(result)),
};
