// What a bench session hands CI and dashboards besides its report (issue 17): live metrics on
// `--metrics-port`, `--junit FILE`, and the Markdown summary appended to GITHUB_STEP_SUMMARY. The
// session (session.ts) starts them before the first row, feeds their Output every call it makes
// on its own outputs, and finishes and closes them at the end.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { BenchResult } from '../results/types.ts';
import { benchSuites, renderJunit, type JunitSuite } from '../output/junit.ts';
import { createLiveMetrics } from '../output/openmetrics.ts';
import { serveMetrics, type MetricsServer } from '../output/openmetrics-server.ts';
import { createOutput } from '../output/registry.ts';
import { appendStepSummary } from '../output/step-summary.ts';
import type { Output } from '../output/types.ts';

/** The bench's CI flags, parsed (harness/run/args.ts). */
export interface CiOutputOptions {
  metricsPort?: number;
  metricsHost: string;
  junit?: string;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';
export const NO_CI_OUTPUTS: CiOutputOptions = { metricsHost: DEFAULT_METRICS_HOST };

/** A JUnit path whose directory does not exist fails before anything runs (exit 2), not after the benchmark. */
export function checkJunitPath(file: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`--junit ${file}: the directory ${dir} does not exist; create it or choose another path`);
}

/** Writes the JUnit file; a failure is reported and does not change the command's exit status. */
export function writeJunitFile(
  file: string,
  suites: readonly JunitSuite[],
  warn: (m: string) => void = (m) => console.error(m),
): boolean {
  try {
    writeFileSync(file, renderJunit(suites));
    return true;
  } catch (err) {
    warn(`could not write the JUnit report to ${file}: ${(err as Error).message}`);
    return false;
  }
}

/**
 * The shard label of the live metrics. Shards (issue 16) put `shard: { index, count }` in the
 * config; read structurally so this works before and after they land.
 */
export function shardLabel(cfg: object): string | undefined {
  const shard = (cfg as { shard?: { index?: unknown } | null }).shard;
  return typeof shard?.index === 'number' ? String(shard.index) : undefined;
}

export interface SessionCiOutputs {
  /** Fed like the session's other outputs; prints nothing. */
  output: Output;
  /** The result is final: writes the JUnit file and appends the Markdown summary, each when asked. */
  finish(result: BenchResult, writtenPath: string | undefined): void;
  close(): Promise<void>;
}

export async function startCiOutputs(
  opts: CiOutputOptions,
  ctx: { shard?: string; note: (line: string) => void },
): Promise<SessionCiOutputs> {
  if (opts.junit !== undefined) checkJunitPath(opts.junit);
  const live = createLiveMetrics(ctx.shard !== undefined ? { shard: ctx.shard } : {});
  let server: MetricsServer | undefined;
  if (opts.metricsPort !== undefined) {
    server = await serveMetrics({ host: opts.metricsHost, port: opts.metricsPort }, live.snapshot);
    ctx.note(`metrics: serving OpenMetrics at ${server.url} while the bench runs`);
  }
  return {
    output: live.output,
    finish(result, writtenPath) {
      if (opts.junit !== undefined) writeJunitFile(opts.junit, benchSuites(result));
      appendStepSummary(createOutput('md').end(result, writtenPath) ?? '');
    },
    close: async () => server?.close(),
  };
}
