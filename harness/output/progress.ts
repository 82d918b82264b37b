// Progress on stderr while a bench runs: on a terminal one line per row rewritten in place (in
// the measured window: the last interval's ops/s, p99 and errors), elsewhere (a log, CI) one
// plain line per event. The edge writes the text exactly as returned.
import type { IntervalProgress, ProgressEvent } from '../workloads/types.ts';
import type { Output } from './types.ts';
import { decodeHistogram } from '../metrics/histogram.ts';

/** Microseconds as a short terminal figure: 850 us, 1.23 ms, 2.5 s. */
export function shortLatency(us: number): string {
  if (us < 1000) return `${Math.round(us)} us`;
  if (us < 1_000_000) return `${+(us / 1000).toPrecision(3)} ms`;
  return `${+(us / 1_000_000).toPrecision(3)} s`;
}

/** Issue 17: what a closed interval adds to the live line: its p99 and errors (its ops/s is the line's rate). */
export function intervalFigures(i: IntervalProgress): string {
  const h = decodeHistogram(i.histogram);
  const p99 = h.totalCount > 0 ? shortLatency(h.getValueAtPercentile(99)) : 'n/a';
  return `p99 ${p99}  ${i.errors.toLocaleString('en-US')} error${i.errors === 1 ? '' : 's'}`;
}

export function progressLine(e: ProgressEvent): string {
  // A row off its server's reference implementation names it (issue 14): `[graphql · mercurius-jit]`.
  const tag = `[${e.protocol}${e.implementation ? ` · ${e.implementation}` : ''}]`;
  switch (e.phase) {
    case 'note':
      // A workload's own line (fanout labels its lines itself; a round marker has no protocol).
      return e.message ?? '';
    case 'warmup':
    case 'measure': {
      const seconds = `${((e.elapsedMs ?? 0) / 1000).toFixed(1)}/${((e.totalMs ?? 0) / 1000).toFixed(1)} s`;
      // The window's opening has no rate yet.
      if (e.opsPerSec === undefined && !e.interval) return `${tag} ${e.phase} ${seconds}`;
      const rate = `${tag} ${e.phase} ${seconds}  ${(e.opsPerSec ?? 0).toLocaleString('en-US')} ops/s`;
      return e.interval ? `${rate}  ${intervalFigures(e.interval)}` : rate;
    }
    case 'done':
      return `${tag} done: ${Math.round(e.opsPerSec ?? 0).toLocaleString('en-US')} ops/s`;
    case 'failed':
      return `${tag} FAILED: ${e.message ?? ''}`;
    case 'start':
      return `${tag} starting server`;
    case 'verify':
      return `${tag} verifying answers against the store`;
  }
}

export function progressOutput(opts: { tty: boolean }): Output {
  return {
    start: () => undefined,
    progress: (e) => {
      const line = progressLine(e);
      if (!opts.tty) return `${line}\n`;
      // \r and erase-to-end-of-line overwrite the previous update; a run's last word keeps its line.
      const closes = e.phase === 'done' || e.phase === 'failed' || e.phase === 'note';
      return `\r\x1b[K${line}${closes ? '\n' : ''}`;
    },
    record: () => undefined,
    end: () => undefined,
  };
}
