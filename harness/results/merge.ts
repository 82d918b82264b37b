// Merging result files from several load-generator machines that drove the SAME target at the
// SAME time (generator scale-out across hosts). Pure: inputs in, one result and warnings out.
//
// What adds up and what does not: each generator counted its own calls, bytes and client CPU,
// so those are summed (or ops-weighted); the server is one process seen by every generator, so
// its figures are the same quantity measured N times and must agree, never be summed.
//
// Generator shards (issue 16; merge-shards.ts) are such inputs with an identity: the set must be
// complete (each index once), and each merged row keeps its shards' rows under shards[].
import { mergeSeries, offsetsFrom } from './series.ts';
import { mergeEncoded, summarize } from '../metrics/histogram.ts';
import { summarizeRuns } from './summary.ts';
import { rowKey, rowLabel, type RowIdentity } from './row-identity.ts';
import type { BenchResult, LatencySummary, LoadDescription, RunRecord, RunState } from './types.ts';
import { MergeError } from '../errors.ts';
import { checkShards, withShardRows } from './merge-shards.ts';

export interface MergeInput {
  /** How the input is named in notes and messages (its path, usually). */
  name: string;
  result: BenchResult;
}

export interface MergeOutput {
  result: BenchResult;
  warnings: string[];
}

/** Inputs may differ by this share before a figure that should agree is flagged. */
export const AGREEMENT = 0.1;

/** Runs are matched by their row (protocol, variant, implementation: row-identity.ts) and repeat. */
export function runKey(r: RowIdentity & Pick<RunRecord, 'repeat'>): string {
  return `${rowKey(r)}#${r.repeat}`;
}

function label(r: RowIdentity & Pick<RunRecord, 'repeat'>): string {
  return `${rowLabel(r)} repeat ${r.repeat}`;
}

export function mergeResults(inputs: readonly MergeInput[]): MergeOutput {
  // Issue 16: shard results must be complete (each index 0..N-1 once) before anything is merged.
  const shardCount = checkShards(inputs);
  if (inputs.length < (shardCount ?? 2)) throw new MergeError(`merging needs at least 2 result files, got ${inputs.length}`);
  const first = inputs[0]!;
  for (const x of inputs.slice(1)) {
    if (x.result.schemaVersion !== first.result.schemaVersion) {
      throw new MergeError(
        `${x.name} has schemaVersion ${x.result.schemaVersion} but ${first.name} has ${first.result.schemaVersion}: results of different versions cannot be merged`,
      );
    }
    if (x.result.scenario !== first.result.scenario) {
      throw new MergeError(
        `${x.name} ran scenario "${x.result.scenario}" but ${first.name} ran "${first.result.scenario}": only results of the same scenario against the same target can be merged`,
      );
    }
  }
  const warnings: string[] = [];
  // The same file under two names would double every count without any other sign (shards: checkShards refused it).
  const origins = new Map<string, string>();
  for (const x of shardCount === null ? inputs : []) {
    const origin = `${x.result.environment.hostname} ${x.result.startedAt}`;
    const twin = origins.get(origin);
    if (twin !== undefined)
      warnings.push(
        `${x.name} and ${twin} both started on ${x.result.environment.hostname} at ${x.result.startedAt}: are they copies of one result? Their counts were added twice`,
      );
    origins.set(origin, x.name);
  }
  const configDiffs = differingKeys(
    inputs.map((x) => x.result.config as Record<string, unknown>),
    shardCount === null ? ['out'] : ['out', 'shard'], // each shard's own index differs, by design
  );
  if (configDiffs.length)
    warnings.push(`the inputs' configs differ in ${configDiffs.join(', ')}; the merged result keeps the config of ${first.name}`);

  // Group runs by key, keeping the order in which keys first appear (first file first).
  const groups = new Map<string, { run: RunRecord; from: string }[]>();
  for (const x of inputs) {
    const seen = new Set<string>();
    // The last attempt of each run is merged; superseded ones (disturbed, run again) are left out.
    const superseded = x.result.runs.length - x.result.runs.filter((r) => r.superseded !== true).length;
    if (superseded)
      warnings.push(`${x.name}: ${superseded} superseded attempt(s) of disturbed runs left out; merged the last attempts`);
    for (const run of x.result.runs.filter((r) => r.superseded !== true)) {
      const k = runKey(run);
      // Two runs under one key in one file cannot be paired with the other files' runs.
      if (seen.has(k)) throw new MergeError(`${x.name} holds two runs of ${label(run)}: cannot tell which one to merge`);
      seen.add(k);
      groups.set(k, [...(groups.get(k) ?? []), { run, from: x.name }]);
    }
  }

  const runs: RunRecord[] = [];
  for (const group of groups.values()) {
    const head = group[0]!.run;
    if (group.length < inputs.length) {
      const missing = inputs.map((x) => x.name).filter((n) => !group.some((g) => g.from === n));
      warnings.push(
        group.length === 1
          ? `${label(head)} is only in ${group[0]!.from} (missing from ${missing.join(', ')}): kept as it is`
          : `${label(head)} is missing from ${missing.join(', ')}: merged from the ${group.length} files that have it`,
      );
    }
    // A run only one generator reported is that generator's record, untouched.
    const one = group.length === 1 ? structuredClone(head) : mergeRuns(group, warnings);
    const merged =
      shardCount === null
        ? one
        : withShardRows(
            one,
            group.map((g) => g.run),
            label(head),
            warnings,
          );
    // One generator's machine disturbed makes the merged run disturbed: show that one's readings.
    const disturbed = group.find((g) => g.run.machine?.disturbed)?.run.machine;
    if (disturbed) merged.machine = structuredClone(disturbed);
    runs.push(merged);
  }

  const results = inputs.map((x) => x.result);
  const merged: BenchResult = {
    ...first.result,
    state: results.some((r) => r.state === 'aborted')
      ? 'aborted'
      : results.some((r) => r.state === 'partial') || runs.some((r) => r.state !== 'ok')
        ? 'partial'
        : 'complete',
    startedAt: extremeTime(
      results.map((r) => r.startedAt),
      Math.min,
    ),
    finishedAt: extremeTime(
      results.map((r) => r.finishedAt),
      Math.max,
    ),
    // The merged run is no one shard: its config keeps everything but the first shard's index.
    ...(shardCount !== null && { config: { ...first.result.config, shard: undefined } }),
    environment: structuredClone(first.result.environment),
    notes: [
      ...unique(results.flatMap((r) => r.notes)),
      `merged from ${inputs.length} result files: ${inputs.map((x) => x.name).join(', ')}`,
      ...(shardCount === null
        ? []
        : [`the files are generator shards 0..${shardCount - 1} of ${shardCount}; each row's shards[] holds them`]),
      `environment is that of ${first.result.environment.hostname} (${first.name}); the other load generators ran on ${inputs
        .slice(1)
        .map((x) => `${x.result.environment.hostname} (${x.name})`)
        .join(', ')}`,
      ...warnings.map((w) => `merge warning: ${w}`),
    ],
    runs,
    summary: summarizeRuns(runs),
  };
  return { result: merged, warnings };
}

function mergeRuns(group: readonly { run: RunRecord; from: string }[], warnings: string[]): RunRecord {
  const rs = group.map((g) => g.run);
  const head = rs[0]!;
  const what = label(head);
  const ops = sum(rs.map((r) => r.ops));
  // Runs that completed calls carry per-op figures; a failed run (0 ops) carries nothing.
  const counted = rs.filter((r) => r.ops > 0);

  const measuredSeconds = Math.max(...rs.map((r) => r.measuredSeconds));
  const windows = rs.filter((r) => r.state === 'ok').map((r) => r.measuredSeconds);
  if (windows.length > 1 && !agree(windows)) {
    warnings.push(
      `${what}: the measured windows differ by more than ${AGREEMENT * 100}% (${windows.join(', ')} s); ops/s uses the longest`,
    );
  }

  const models = new Set(rs.map((r) => r.load.model));
  if (models.size > 1) warnings.push(`${what}: the inputs used different load models (${[...models].join(', ')})`);

  const state: RunState = rs.some((r) => r.state === 'failed')
    ? 'failed'
    : rs.some((r) => r.state === 'aborted')
      ? 'aborted'
      : 'ok';
  const errorTexts = group.filter((g) => g.run.error !== undefined).map((g) => `${g.from}: ${g.run.error}`);

  const byKind: Record<string, number> = {};
  for (const r of rs) for (const [k, n] of Object.entries(r.errors.byKind)) byKind[k] = (byKind[k] ?? 0) + n;

  const anyHas = (k: keyof RunRecord): boolean => rs.some((r) => r[k] !== undefined);

  const out: RunRecord = {
    // Scenario-specific extras, setup and payload bytes, probe and target come from the first.
    ...structuredClone(head),
    state,
    opsPerSec: measuredSeconds > 0 ? round(ops / measuredSeconds, 1) : 0,
    ops,
    measuredSeconds,
    latencyUs: mergeLatency(rs.map((r) => r.latencyUs)) ?? null,
    cpuUsPerOp: { server: null, client: weightedMean(counted, (r) => r.cpuUsPerOp.client, 2) },
    // A sum with one generator's share unknown would understate the total: then unknown.
    cpuCores: {
      server: null,
      client: counted.some((r) => r.cpuCores.client === null)
        ? null
        : sumOrNull(
            counted.map((r) => r.cpuCores.client),
            3,
          ),
    },
    bytesPerOp: mergeBytesPerOp(counted),
    setupBytes: rs.find((r) => r.setupBytes !== null)?.setupBytes ?? null,
    payloadBytes: rs.find((r) => r.payloadBytes !== null)?.payloadBytes ?? null,
    errors: { total: sum(rs.map((r) => r.errors.total)), byKind },
    generatorBound: rs.some((r) => r.generatorBound),
    bound: mergeBound(rs),
    serverRssBytes: maxOrNull(rs.map((r) => r.serverRssBytes)),
    // Every generator verified its own sample of ids; the weakest check is what all passed.
    verified: Math.min(...rs.map((r) => r.verified)),
    load: mergeLoad(
      rs.map((r) => r.load),
      what,
      warnings,
    ),
  };
  if (errorTexts.length) out.error = errorTexts.join('; ');
  else delete out.error;
  // The connections every input opened add up, as the load's do.
  if (out.layout) out.layout = { ...out.layout, connections: sum(rs.map((r) => r.layout?.connections ?? 0)) };
  // Per-interval series (issue 17): intervals of every input merged exactly, each input's moved by
  // how much later its window opened (startedAtMs, else its shard window) than the first's.
  if (anyHas('series')) {
    const withSeries = rs.filter((r) => r.series !== undefined);
    if (withSeries.length < rs.length)
      warnings.push(
        `${what}: ${rs.length - withSeries.length} of ${rs.length} inputs have no per-interval series; the merged series lacks them`,
      );
    const intervals = new Set(withSeries.map((r) => r.intervalMs));
    if (intervals.size > 1) {
      delete (out as Record<string, unknown>).series;
      warnings.push(`${what}: inputs used different intervals (${[...intervals].join(', ')} ms); the merged row has no series`);
    } else {
      const offsets = offsetsFrom(withSeries.map((r) => r.startedAtMs ?? r.window?.startMs));
      out.series = mergeSeries(
        withSeries.map((r) => r.series ?? []),
        offsets,
        withSeries[0]?.intervalMs,
      );
    }
  }

  if (anyHas('rawLatencyUs')) out.rawLatencyUs = mergeLatency(rs.map((r) => r.rawLatencyUs)) ?? null;
  if (anyHas('requestedRate')) out.requestedRate = sumOrNull(rs.map((r) => r.requestedRate));
  if (anyHas('achievedRate'))
    out.achievedRate = sumOrNull(
      rs.map((r) => r.achievedRate),
      1,
    );
  if (anyHas('dropped')) out.dropped = sum(rs.map((r) => r.dropped ?? 0));

  // Server CPU: one process, measured by each generator over (nearly) the same window. Each
  // input's cpuUsPerOp.server divides that one server's CPU by that generator's ops alone, so
  // the per-op figures are not comparable; their products with ops (the server's CPU time)
  // are, and the merged per-op figure is that time over the summed ops.
  const serverCpuUs = present(counted.map((r) => (r.cpuUsPerOp.server === null ? null : r.cpuUsPerOp.server * r.ops)));
  const serverCores = present(counted.map((r) => r.cpuCores.server));
  if (agree(serverCpuUs) && agree(serverCores)) {
    out.cpuUsPerOp.server = serverCpuUs.length === 0 || ops === 0 ? null : round(mean(serverCpuUs) / ops, 2);
    out.cpuCores.server = serverCores.length === 0 ? null : round(mean(serverCores), 3);
  } else {
    // Both go: a CPU time that disagrees makes the cores suspect too, and the other way round.
    warnings.push(
      `${what}: server CPU disagrees by more than ${AGREEMENT * 100}% between inputs (CPU time ${serverCpuUs.map((x) => `${Math.round(x)} us`).join(', ')}; cores ${serverCores.join(', ')}); ` +
        'the server is shared, so every input should see the same figure: set to null (were the inputs measured at the same time against the same server?)',
    );
  }
  return out;
}

/** True when the largest is within AGREEMENT of the smallest (none, or all zero, agrees too). */
function agree(xs: readonly number[]): boolean {
  if (xs.length === 0) return true;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return hi - lo <= AGREEMENT * lo;
}

function mergeLatency(xs: readonly (LatencySummary | null | undefined)[]): LatencySummary | null | undefined {
  const known = xs.filter((x): x is LatencySummary => x != null);
  if (known.length === 0) return xs.some((x) => x === null) ? null : undefined;
  // Lossless: HdrHistogram counts add bucket by bucket, so the merged percentiles are those of
  // one histogram holding every call, not an average of percentiles.
  return summarize(mergeEncoded(known.map((x) => x.histogram)));
}

function weightedMean(rs: readonly RunRecord[], read: (r: RunRecord) => number | null, digits: number): number | null {
  const known = rs.filter((r) => read(r) !== null);
  const w = sum(known.map((r) => r.ops));
  return w > 0 ? round(sum(known.map((r) => read(r)! * r.ops)) / w, digits) : null;
}

function mergeBytesPerOp(rs: readonly RunRecord[]): RunRecord['bytesPerOp'] {
  const known = rs.filter((r) => r.bytesPerOp !== null);
  const w = sum(known.map((r) => r.ops));
  if (w === 0) return null;
  return {
    out: round(sum(known.map((r) => r.bytesPerOp!.out * r.ops)) / w, 1),
    in: round(sum(known.map((r) => r.bytesPerOp!.in * r.ops)) / w, 1),
  };
}

function mergeBound(rs: readonly RunRecord[]): RunRecord['bound'] {
  if (rs.some((r) => r.bound === 'both')) return 'both';
  if (rs.some((r) => r.generatorBound || r.bound === 'generator')) return 'generator';
  const bounds = new Set(rs.map((r) => r.bound));
  if (bounds.size === 1) return rs[0]!.bound;
  // The server is shared: if any generator saw it saturated, it was.
  return bounds.has('server') ? 'server' : 'unknown';
}

/** The load all generators offered together: rates, connections and in-flight limits add up. */
function mergeLoad(loads: readonly LoadDescription[], what: string, warnings: string[]): LoadDescription {
  const head = structuredClone(loads[0]!);
  if (loads.some((l) => l.model !== head.model)) return head; // already warned about
  const total = (read: (l: LoadDescription) => number): number => sum(loads.map(read));
  if (loads.some((l) => l.inflight !== head.inflight))
    warnings.push(`${what}: the inputs used different in-flight limits per connection; the merged load keeps ${head.inflight}`);
  head.connections = total((l) => l.connections);
  if (head.model === 'closed') return head;
  head.maxInflight = total((l) => (l.model === 'closed' ? 0 : l.maxInflight));
  if (head.model === 'rate' || head.model === 'poisson') {
    head.rate = total((l) => (l.model === 'rate' || l.model === 'poisson' ? l.rate : 0));
    return head;
  }
  const stages = loads.map((l) => (l.model === 'stages' ? l.stages : []));
  const same = stages.every(
    (s) => s.length === head.stages.length && s.every((st, i) => st.durationS === head.stages[i]!.durationS),
  );
  if (!same) {
    warnings.push(`${what}: the inputs used different stage plans; the merged load keeps the first input's`);
    return head;
  }
  head.stages = head.stages.map((st, i) => ({ ...st, rate: sum(stages.map((s) => s[i]!.rate)) }));
  return head;
}

/** Top-level keys whose values are not the same in every object. */
function differingKeys(objs: readonly Record<string, unknown>[], ignore: readonly string[]): string[] {
  const keys = new Set(objs.flatMap((o) => Object.keys(o)));
  return [...keys].filter((k) => !ignore.includes(k) && new Set(objs.map((o) => JSON.stringify(o[k]))).size > 1).sort();
}

function extremeTime(isos: readonly string[], pick: (...xs: number[]) => number): string {
  const ms = isos.map((s) => Date.parse(s));
  // An unparseable timestamp cannot be compared: keep the first input's as written.
  if (ms.some((x) => Number.isNaN(x))) return isos[0]!;
  return new Date(pick(...ms)).toISOString();
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function present(xs: readonly (number | null)[]): number[] {
  return xs.filter((x): x is number => x !== null);
}

function mean(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Sum of the known values; null when none is known. */
function sumOrNull(xs: readonly (number | null | undefined)[], digits?: number): number | null {
  const known = xs.filter((x): x is number => typeof x === 'number');
  if (known.length === 0) return null;
  return digits === undefined ? sum(known) : round(sum(known), digits);
}

function maxOrNull(xs: readonly (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? Math.max(...known) : null;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
