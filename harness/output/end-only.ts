// Most outputs are a report of the finished result: silent while the run goes, one text at the end.
import type { BenchResult } from '../results/types.ts';
import type { Output } from './types.ts';

export function endOnly(render: (result: BenchResult, writtenPath?: string) => string): Output {
  return {
    start: () => undefined,
    progress: () => undefined,
    record: () => undefined,
    end: render,
  };
}
