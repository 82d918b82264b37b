// Generator shards (issue 16, item 1): N bench processes, usually on N machines, each drive a
// share of one run's load against one shared server from a shared wall-clock start, and write a
// result that `npm run merge` combines exactly (harness/results/merge.ts).
//
// What a shard takes: its share of the calls outstanding (the row's connections split over the
// shards, at least one each; calls per connection unchanged), of the open-loop rate and of the
// in-flight limit, and its own id sequence and seed. What it records: `shard` (index, count, host)
// and its measured `window` in epoch milliseconds, so the merge can check the windows coincide.
//
// The start: `startAt` (epoch ms) is when every shard's warm-up begins; row k of the plan starts
// k slots later (a slot is warm-up + measured window + `shardGapS` for teardown, verify and
// connect). A shard ready early waits; one that is late starts at once, warns, and records its real
// window. Clock skew between hosts moves a shard's whole run: up to the warm-up, every shard is
// already loading the server when any shard's measured window opens; at the end nothing absorbs
// it (the earliest shard stops first), so the merge warns when the windows overlap less than 90%
// (two shards: skew above duration / 19, about 0.5 s of a 10 s window). NTP keeps hosts within
// milliseconds; Kubernetes nodes normally run it.
import os from 'node:os';
import type { ResolvedConfig, ResolvedLoad } from '../config.ts';
import type { ResolvedLayout } from '../load/layout.ts';
import { isOpenLoop } from '../load/model.ts';
import { measuredMs } from '../load/schedule.ts';
import { UsageError } from '../errors.ts';

export interface ShardSpec {
  /** 0-based, as an Indexed Job's JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/** The environment variable a Kubernetes Indexed Job sets in each pod: its 0-based completion index. */
export const INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** A shard verifies and connects this long before the shared start at most (connect, verify, spawn take seconds). */
export const PREPARE_AHEAD_MS = 30_000;

/** Merged shards' measured windows should share at least this part of their span (intersection / union). */
export const MIN_WINDOW_OVERLAP = 0.9;

/**
 * `--shard I/N` (0-based index I of N shards) or `--shard auto/N` (I from JOB_COMPLETION_INDEX,
 * which an Indexed Job sets). Pure: the environment is passed in.
 */
export function parseShardSpec(spec: string, env: Readonly<Record<string, string | undefined>>): ShardSpec {
  const m = /^\s*(\d+|auto)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m)
    throw new UsageError(`--shard ${spec}: expected I/N (0-based index I of N shards, e.g. 0/4) or auto/N (I from ${INDEX_ENV})`);
  const count = Number(m[2]);
  let index: number;
  if (m[1] === 'auto') {
    const raw = env[INDEX_ENV];
    if (raw === undefined || !/^\d+$/.test(raw.trim()))
      throw new UsageError(
        `--shard auto/${count}: ${INDEX_ENV} is ${raw === undefined ? 'not set' : `"${raw}"`}; give I/N instead`,
      );
    index = Number(raw.trim());
  } else {
    index = Number(m[1]);
  }
  if (count < 1 || index >= count)
    throw new UsageError(`--shard ${spec}: the index must be 0 to ${Math.max(0, count - 1)} (0-based) of N >= 1 shards`);
  return { index, count };
}

/** `--start-at`: epoch milliseconds, or an ISO 8601 time. */
export function parseStartAt(v: string): number {
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--start-at expects epoch milliseconds (e.g. ${Date.now() + 60_000}) or an ISO time, got "${v}"`);
  return n;
}

/** The share of `total` that shard `index` of `count` takes: as even as whole numbers allow. */
export function shareOf(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/**
 * Pure: one shard's part of a row's load. Connections split (at least one per shard: with fewer
 * connections than shards the total grows, and the merged layout says so), calls per connection
 * kept, open-loop rates and the in-flight limit divided.
 */
export function shardShare(
  row: { load: ResolvedLoad } & ResolvedLayout,
  maxInflight: number,
  shard: ShardSpec | undefined,
): { load: ResolvedLoad; maxInflight: number } & ResolvedLayout {
  if (!shard || shard.count === 1) return { ...row, maxInflight };
  const connections = Math.max(1, shareOf(row.layout.connections, shard.index, shard.count));
  const layout = { ...row.layout, connections };
  const n = shard.count;
  const load: ResolvedLoad =
    row.load.model === 'closed'
      ? { ...row.load, connections }
      : row.load.model === 'stages'
        ? { ...row.load, stages: row.load.stages.map((s) => ({ ...s, rate: s.rate / n })) }
        : { ...row.load, rate: row.load.rate / n };
  return { ...row, layout, load, maxInflight: Math.max(1, Math.round(maxInflight / n)) };
}

/** Seed of worker `w` of `workers` in this shard: distinct over every shard and worker, shard 0 as before shards. */
export function workerSeed(seed: number, shard: ShardSpec | undefined, w: number, workers: number): number {
  return seed + ((shard?.index ?? 0) * workers + w) * 7919;
}

/** One row's slot on the shared clock: warm-up, its measured window, then the gap for the next row to get ready. */
export function rowSlotMs(cfg: Pick<ResolvedConfig, 'warmup' | 'duration' | 'shardGapS'>, load: ResolvedLoad): number {
  const window = isOpenLoop(load) ? measuredMs(load, cfg.duration * 1000) : cfg.duration * 1000;
  return cfg.warmup * 1000 + window + cfg.shardGapS * 1000;
}

/** When row `index` of the plan starts its warm-up (epoch ms); undefined when the run has no shared start. */
export function rowStartAt(
  cfg: Pick<ResolvedConfig, 'warmup' | 'duration' | 'shardGapS' | 'startAt'>,
  load: ResolvedLoad,
  index: number,
): number | undefined {
  return cfg.startAt === undefined ? undefined : cfg.startAt + index * rowSlotMs(cfg, load);
}

/** A disturbed run of a shard is marked, never rerun: a rerun cannot share the start. */
export function rerunsFor(cfg: Pick<ResolvedConfig, 'startAt' | 'machine'>): number {
  return cfg.startAt === undefined ? cfg.machine.reruns : 0;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * Waits until `startAt` (epoch ms). Returns how late the caller was (0 when on time): a late
 * shard starts at once. Sleeps in steps of at most 1 s so a clock stepped by NTP meanwhile is
 * followed; an abort ends the wait early.
 */
export async function waitForStart(startAt: number, signal?: AbortSignal, clock: Clock = realClock): Promise<number> {
  const lateMs = clock.now() - startAt;
  if (lateMs >= 0) return lateMs;
  for (let left = -lateMs; left > 0 && !signal?.aborted; left = startAt - clock.now())
    await clock.sleep(Math.min(left, 1000), signal);
  return 0;
}

/**
 * What the request/response workload records for a row with a shared start: its shard identity
 * and its measured window, read from the generators' own phase messages (epoch ms).
 */
export class ShardWindow {
  private startMs: number | null = null;
  private endMs: number | null = null;
  private lateMs = 0;
  constructor(
    private readonly cfg: Pick<ResolvedConfig, 'shard' | 'startAt'>,
    readonly startAt: number | undefined,
  ) {}

  /**
   * Before verifying and connecting: sleep until PREPARE_AHEAD_MS before the start, so connections
   * opened long before it are not closed as idle by the server (the reference servers keep idle
   * connections 120 s, nginx 75 s; a bare Node http server only 5 s, which this cannot cover).
   */
  async prepare(signal: AbortSignal | undefined): Promise<void> {
    if (this.startAt !== undefined) await waitForStart(this.startAt - PREPARE_AHEAD_MS, signal);
  }

  /** Before the generators are told to start: wait for the shared start, warn when late. */
  async waitForStart(signal: AbortSignal | undefined, note: (message: string) => void): Promise<void> {
    if (this.startAt === undefined) return;
    const aheadMs = this.startAt - Date.now();
    const who = this.cfg.shard ? `shard ${this.cfg.shard.index} of ${this.cfg.shard.count}: ` : '';
    if (aheadMs > 1000) note(`${who}ready; waiting ${(aheadMs / 1000).toFixed(1)} s for the shared start`);
    this.lateMs = await waitForStart(this.startAt, signal);
    if (this.lateMs > 0)
      note(
        `${who}started ${this.lateMs} ms after the shared start (${new Date(this.startAt).toISOString()}): ` +
          'the measured window is recorded as it was; the merge warns if the shards overlap too little',
      );
  }

  /** A generator entered its measured window (the first one opens the row's window). */
  measureStarted(atMs: number): void {
    this.startMs = this.startMs === null ? atMs : Math.min(this.startMs, atMs);
  }

  /** A generator left its measured window (the last one closes it). */
  measureEnded(atMs: number): void {
    this.endMs = this.endMs === null ? atMs : Math.max(this.endMs, atMs);
  }

  /** The record's `shard` and `window` (empty for a run without a shared start). */
  fields(): { shard?: ShardIdentity; window?: { startMs: number; endMs: number } } {
    if (this.startAt === undefined) return {};
    const round = (x: number): number => Math.round(x);
    return {
      ...(this.cfg.shard && { shard: { ...shardIdentity(this.cfg, this.startAt).shard!, lateMs: round(this.lateMs) } }),
      ...(this.startMs !== null && { window: { startMs: round(this.startMs), endMs: round(this.endMs ?? this.startMs) } }),
    };
  }
}

/** A shard's row identity, known before anything runs (so a failed row carries it too); {} unsharded. */
export function shardIdentity(cfg: Pick<ResolvedConfig, 'shard'>, startAt: number | undefined): { shard?: ShardIdentity } {
  if (!cfg.shard) return {};
  return {
    shard: {
      index: cfg.shard.index,
      count: cfg.shard.count,
      host: os.hostname(),
      ...(startAt !== undefined && { startAtMs: startAt }),
    },
  };
}

export interface ShardIdentity extends ShardSpec {
  host: string;
  startAtMs?: number;
  lateMs?: number;
}

/** Config problems of a sharded run, every one at once (config.ts adds them to its own). */
export function shardConfigProblems(
  cfg: Pick<ResolvedConfig, 'shard' | 'startAt' | 'sweep' | 'targets'>,
  protocols: readonly string[],
  workload: string,
): string[] {
  const problems: string[] = [];
  if (cfg.sweep !== false && (cfg.shard || cfg.startAt !== undefined))
    problems.push('sweep: each step is found from its own maximum, which shards and a shared start cannot share: run it alone');
  if (workload !== 'request-response' && (cfg.shard || cfg.startAt !== undefined))
    problems.push(`shard: the ${workload} workload cannot be sharded or given a shared start; only request/response scenarios`);
  if (!cfg.shard) return problems;
  if (cfg.shard.index >= cfg.shard.count)
    problems.push(`shard: index ${cfg.shard.index} is not below count ${cfg.shard.count} (indexes are 0-based)`);
  if (cfg.startAt === undefined)
    problems.push('startAt: shards must share a start: give --start-at EPOCH_MS (the same on every shard)');
  const untargeted = protocols.filter((p) => !cfg.targets?.[p as keyof typeof cfg.targets]);
  if (untargeted.length)
    problems.push(
      `targets: shards drive one shared server, so every row needs --target PROTOCOL=URL; none for ${untargeted.join(', ')} ` +
        '(or choose the rows with --protocols)',
    );
  return problems;
}
