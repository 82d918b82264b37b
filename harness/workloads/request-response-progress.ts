// Live progress of a request/response row on stderr: one line rewritten in place on a terminal,
// a line per event otherwise (a log file or a test reading stderr).
import type { ProgressEvent } from './request-response.ts';

/** The text of one progress event. Pure. */
export function progressLine(e: ProgressEvent): string {
  const s = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(1);
  const rate = (x: number): string => x.toLocaleString('en-US');
  switch (e.phase) {
    case 'warmup':
    case 'measure':
      return `[${e.protocol}] ${e.phase} ${s(e.elapsedMs)}/${s(e.totalMs)} s  ${rate(e.opsPerSec ?? 0)} ops/s`;
    case 'done':
      return `[${e.protocol}] done: ${rate(Math.round(e.opsPerSec ?? 0))} ops/s`;
    case 'failed':
      return `[${e.protocol}] FAILED: ${e.message ?? ''}`;
    case 'start':
      return `[${e.protocol}] starting server`;
    case 'verify':
      return `[${e.protocol}] verifying answers against the store`;
  }
}

export function printProgress(e: ProgressEvent): void {
  const line = progressLine(e);
  const last = e.phase === 'done' || e.phase === 'failed';
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${last ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}
