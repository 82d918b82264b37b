// Progress on stderr while a bench runs: on a terminal one line rewritten in place, elsewhere
// (a log, CI) one plain line per event. The edge writes the text exactly as returned.
import type { ProgressEvent } from '../workloads/types.ts';
import type { Output } from './types.ts';

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
      return `${tag} ${e.phase} ${seconds}  ${(e.opsPerSec ?? 0).toLocaleString('en-US')} ops/s`;
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
