// Figures taken from bench results for the claims: one sample per repeat, computed from the
// runs of that repeat (interleaved A B C A B C, so a ratio pairs runs that ran close in time).
import type { BenchResult, RunRecord } from '../harness/results/types.ts';
import type { Observation } from './decide.ts';
import { fmt } from './decide.ts';
import { referenceNameOf } from '../harness/results/row-identity.ts';

/** The bench runs the registry asks for, by id; the CLI maps them to `npm run bench` flags. */
export type BenchRunId =
  | 'getUser'
  | 'getUser-rtt'
  | 'listUsers'
  | 'createUsers'
  | 'chat'
  | 'nestedProfile'
  | 'nestedProfile-delay'
  | 'nPlusOne'
  | 'compression'
  | 'http2'
  | 'encodings'
  | 'fanout'
  | 'fanout-load';

/**
 * The fanout run the claims ask for: K subscribers at each event rate claims-reference.yaml names
 * for polling (0.1, 1 and 10 events/s), short polls every second: from ten polls per event to ten
 * events per poll. Run variants are named from these (harness/workloads/fanout.ts variantName).
 */
export const FANOUT = { subscribers: 100, eventRates: [0.1, 1, 10], pollMs: 1000 } as const;
export type FanoutRate = (typeof FANOUT.eventRates)[number];
export const fanoutVariant = (transport: string, rate: number = 1, subscribers: number = FANOUT.subscribers): string =>
  `subscribers=${subscribers},rate=${rate}${transport === 'poll' ? `,poll=${FANOUT.pollMs}ms` : ''}`;
/** polling-server-load-10x as the reference states it: 1,000 subscribers, 0.1 event/s, polls every second. */
export const FANOUT_LOAD = { subscribers: 1000, eventRate: 0.1, pollMs: 1000 } as const;
export const fanoutLoadVariant = (transport: string): string =>
  fanoutVariant(transport, FANOUT_LOAD.eventRate, FANOUT_LOAD.subscribers);

/**
 * Server CPU is read from /proc/<pid>/stat in clock ticks (harness/metrics/cpu.ts: 10 ms at
 * CLK_TCK 100); user and system time are each floored at both window edges, so a total can be
 * off by up to two ticks. The range a per-event figure could lie in, given `events` events.
 */
export const CPU_TICK_US = 10_000;
export function tickRange(usPerEvent: number, events: number): [number, number] {
  const slack = (2 * CPU_TICK_US) / Math.max(1, events);
  return [Math.max(0, usPerEvent - slack), usPerEvent + slack];
}

/** One-way delay of the nestedProfile-delay run (harness delaying proxy): a 50 ms round trip. */
export const NESTED_DELAY_MS = 25;

/** The fanout scenario's delivery section of a run (harness/results/schema.ts deliverySchema), loosely typed. */
export interface Delivery {
  subscribers: number;
  eventRate: number;
  latencyUs: { mean: number; p50: number; p99: number } | null;
  bytesPerEvent: { out: number; in: number } | null;
  serverCpuUsPerEvent: number | null;
  delivered: number;
  lost: number;
}
export const delivery = (r: RunRecord): Delivery | null =>
  ((r as Record<string, unknown>).delivery as Delivery | undefined) ?? null;

export interface BenchContext {
  /** The result for a run id, or why there is none (scenario not built, run failed, ...). */
  get(id: BenchRunId): BenchResult | { missing: string };
}

export const isMissing = (r: BenchResult | { missing: string }): r is { missing: string } => 'missing' in r;

/** The implementation a run ran on: its own name, or for a record from before issue 14 its server's reference. */
export const implementationOf = (r: RunRecord): string => r.implementation?.name ?? referenceNameOf(r.server) ?? '';

/**
 * Runs of `protocol` (and `variant`, when given) per implementation, each a Map<repeat, run>,
 * implementations in the order first met: one implementation's repeat never stands for another's.
 */
export function runsByImplementation(
  result: BenchResult,
  protocol: string,
  variant?: string,
): Map<string, Map<number, RunRecord>> {
  const byImpl = new Map<string, Map<number, RunRecord>>();
  for (const r of result.runs) {
    if (r.protocol !== protocol || r.state !== 'ok') continue;
    if (variant !== undefined ? r.variant !== variant : r.variant !== undefined && r.variant !== '') continue;
    const name = implementationOf(r);
    const out = byImpl.get(name) ?? byImpl.set(name, new Map()).get(name)!;
    // The last attempt of a repeat stands for it (issue 13); a superseded one only when no later attempt succeeded.
    if (r.superseded && out.has(r.repeat) && !out.get(r.repeat)!.superseded) continue;
    out.set(r.repeat, r);
  }
  return byImpl;
}

/**
 * How a protocol's implementations are ranked when a claim is about the protocol (issue 14.3):
 * by the figure the claim compares, so the protocol is judged on its floor on this runtime.
 */
export interface Ranking {
  of: (r: RunRecord) => number | null;
  better: 'higher' | 'lower';
  unit: string;
}

/** One implementation's runs of a part, and what the detail says about the choice. */
export interface Chosen {
  runs: Map<number, RunRecord>;
  /** `rest on fastify`, `grpc: connect-node 12.1k .. grpc-js 18.4k ops/s, grpc-js used`; null for records that name none. */
  note: string | null;
  /** `grpc on grpc-js`: what the figure was measured on, for the table; null for records that name none. */
  used: string | null;
}

const medianOfList = (xs: number[]): number | null => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The runs a part is decided on. A part naming an implementation (a claim about a library) gets
 * that one; otherwise the protocol's best implementation by `ranking`'s median over repeats, ties
 * to the first met (the reference in a --impl all run). Records from before issue 14 name no
 * implementation: they form one group and no note, so old inputs decide and read as before.
 */
export function chooseRuns(result: BenchResult, part: Part, ranking: Ranking): Chosen {
  const byImpl = runsByImplementation(result, part.protocol, part.variant);
  const named = result.runs.some((r) => r.protocol === part.protocol && r.implementation);
  if (part.implementation !== undefined) {
    const runs = byImpl.get(part.implementation) ?? new Map<number, RunRecord>();
    return { runs, note: `${label(part)} (the claim is about this library)`, used: label(part) };
  }
  if (byImpl.size <= 1) {
    const [name, runs] = [...byImpl.entries()][0] ?? ['', new Map<number, RunRecord>()];
    const used = named && name ? `${label(part)} on ${name}` : null;
    return { runs, note: used, used };
  }
  const sign = ranking.better === 'higher' ? -1 : 1;
  const ranked = [...byImpl.entries()]
    .map(([name, runs]) => ({ name, runs, m: medianOfList([...runs.values()].map((r) => ranking.of(r) ?? NaN)) }))
    // Stable sort: an implementation with no figure goes last; equal medians keep the order met.
    .sort((a, b) => (a.m === null || b.m === null ? Number(a.m === null) - Number(b.m === null) : sign * (a.m - b.m)));
  const best = ranked[0]!;
  // Worst to best, so the spread reads as a range ending at the figure decided on.
  const spread = [...ranked]
    .reverse()
    .map((c) => `${c.name} ${c.m === null ? 'n/a' : fmt(c.m)}`)
    .join(' .. ');
  return {
    runs: best.runs,
    note: `${label(part)}: ${spread} ${ranking.unit}, ${best.name} used`,
    used: `${label(part)} on ${best.name}`,
  };
}

/** Run of `protocol` (and `variant`) in each repeat, on its best implementation by ops/s (see chooseRuns). */
export function runsOf(result: BenchResult, protocol: string, variant?: string): Map<number, RunRecord> {
  return chooseRuns(result, { protocol, ...(variant !== undefined && { variant }) }, BY_OPS).runs;
}

/** Why a run's timing figures are not the server's on a quiet machine, or null (issue 13: machine, superseded). */
export function machineDisturbance(r: RunRecord): string | null {
  if (r.machine?.disturbed) return `machine disturbed: ${r.machine.reasons.join(', ') || 'no reason given'}`;
  if (r.superseded) return 'only a superseded (disturbed) attempt succeeded';
  return null;
}

export interface Part {
  protocol: string;
  variant?: string;
  /** Set for a claim about a library: decided on that implementation, not the protocol's best. */
  implementation?: string;
}

const label = (p: Part): string =>
  `${p.variant ? `${p.protocol}/${p.variant}` : p.protocol}${p.implementation ? ` on ${p.implementation}` : ''}`;

export interface PerRepeatOptions {
  unit: string;
  /** Throughput, latency and CPU figures depend on who was saturated; byte counts do not. */
  boundMatters: boolean;
  /**
   * A capacity figure (closed loop at saturation): every deciding run must have been
   * server-bound. A server that did not get a full core was sharing it with someone else.
   */
  saturated?: boolean;
  /** A latency figure: no deciding run may have started on a machine the CPU probe found slowed. */
  quiet?: boolean;
  exact?: boolean;
  /** Round each sample (bytes per message are whole numbers; window averages carry fractions). */
  round?: (x: number) => number;
  /** The range each sample could lie in given the clock's resolution (see tickRange), and what it comes from. */
  range?: { of: (...runs: RunRecord[]) => [number, number] | null; resolution: string };
  detail?: string;
  /** Which implementation of each protocol decides (issue 14.3); default the run's (defaultRanking). */
  rankBy?: Ranking;
}

/**
 * One sample per repeat in which every part ran: `f` receives those runs in the order of
 * `parts`. Missing parts make the observation unavailable, with the reason.
 */
export function perRepeat(
  ctx: BenchContext,
  id: BenchRunId,
  parts: Part[],
  f: (...runs: RunRecord[]) => number | null,
  opts: PerRepeatOptions,
): Observation {
  const result = ctx.get(id);
  if (isMissing(result)) return { samples: [], unit: opts.unit, unavailable: result.missing };
  const chosen = parts.map((p) => chooseRuns(result, p, opts.rankBy ?? defaultRanking(id)));
  const maps = chosen.map((c) => c.runs);
  const absent = parts.filter((_, i) => maps[i]!.size === 0).map(label);
  if (absent.length)
    return { samples: [], unit: opts.unit, unavailable: `the ${id} result has no successful ${absent.join(', ')} run` };
  const repeats = [...maps[0]!.keys()].filter((k) => maps.every((m) => m.has(k))).sort((a, b) => a - b);
  const samples: number[] = [];
  const ranges: [number, number][] = [];
  const bound: string[] = [];
  const disturbed: string[] = [];
  const clean: number[] = [];
  const cleanRanges: [number, number][] = [];
  for (const k of repeats) {
    const runs = maps.map((m) => m.get(k)!);
    const x = f(...runs);
    if (x === null || !Number.isFinite(x)) continue;
    const v = opts.round ? opts.round(x) : x;
    // No range known: the sample is its own range (decide then treats it as a point).
    const range = opts.range?.of(...runs) ?? [v, v];
    samples.push(v);
    ranges.push(range);
    let quiet = true;
    runs.forEach((r, i) => {
      const where = `${label(parts[i]!)} repeat ${k + 1}`;
      const machine = opts.boundMatters ? machineDisturbance(r) : null;
      if (opts.boundMatters && r.generatorBound) bound.push(where);
      else if (machine) {
        disturbed.push(`${where}: ${machine}`);
        quiet = false;
      } else if (opts.saturated && r.bound !== 'server') {
        const cores = r.cpuCores.server === null ? '?' : r.cpuCores.server.toFixed(2);
        disturbed.push(`${where}: server ${cores} cores, bound ${r.bound}`);
        quiet = false;
      } else if (opts.quiet && r.probe?.slowed) {
        disturbed.push(`${where}: CPU probe ${r.probe.ms} ms against ${r.probe.baselineMs} ms`);
        quiet = false;
      }
    });
    if (quiet) {
      clean.push(v);
      cleanRanges.push(range);
    }
  }
  const resolution = opts.range && { resolution: opts.range.resolution };
  // The implementations behind the figure, and the spread between a protocol's (issue 14.3).
  const impls = chosen.flatMap((c) => (c.note ? [c.note] : []));
  if (impls.length) opts = { ...opts, detail: [opts.detail, `implementation: ${impls.join('; ')}`].filter(Boolean).join('; ') };
  const used = chosen.flatMap((c) => (c.used ? [c.used] : [])).join(', ');
  const on = used ? { implementations: used } : {};
  // Repeats run on a busy machine are set aside while at least two undisturbed ones remain.
  if (disturbed.length && clean.length >= 2 && !bound.length) {
    const note = `${samples.length - clean.length} of ${samples.length} repeats set aside: the machine was busy (${disturbed.join(', ')})`;
    return {
      samples: clean,
      ...(resolution && { intervals: cleanRanges, ...resolution }),
      unit: opts.unit,
      exact: opts.exact,
      generatorBound: [],
      disturbed: [],
      detail: opts.detail ? `${opts.detail}; ${note}` : note,
      ...on,
    };
  }
  // One run's capacity bounds the server's from below, one run's latency from above; a ratio of two runs bounds nothing.
  const oneSided = parts.length === 1 ? (opts.saturated ? 'lower' : opts.quiet ? 'upper' : undefined) : undefined;
  return {
    samples,
    ...(resolution && { intervals: ranges, ...resolution }),
    unit: opts.unit,
    exact: opts.exact,
    generatorBound: bound,
    disturbed,
    detail: opts.detail,
    ...(oneSided && { bound: oneSided }),
    ...on,
  };
}

/** Median over repeats of one figure, for detail text: on the implementation perRepeat picks with the same ranking. */
export function medianOf(
  ctx: BenchContext,
  id: BenchRunId,
  part: Part,
  f: (r: RunRecord) => number | null,
  rankBy: Ranking = defaultRanking(id),
): number | null {
  const result = ctx.get(id);
  if (isMissing(result)) return null;
  return medianOfList([...chooseRuns(result, part, rankBy).runs.values()].map((r) => f(r) ?? NaN));
}

// Figures of one run.
export const ops = (r: RunRecord): number => r.opsPerSec;
export const p50 = (r: RunRecord): number | null => r.latencyUs?.p50 ?? null;
export const p99 = (r: RunRecord): number | null => r.latencyUs?.p99 ?? null;
export const wire = (r: RunRecord): number | null => (r.bytesPerOp ? r.bytesPerOp.out + r.bytesPerOp.in : null);
export const payload = (r: RunRecord): number | null =>
  r.payloadBytes ? r.payloadBytes.request + r.payloadBytes.response : null;
/** Framing and headers: wire bytes per call minus the application payload, both ways. */
export const overhead = (r: RunRecord): number | null => {
  const w = wire(r);
  const p = payload(r);
  return w === null || p === null ? null : w - p;
};
export const serverCpu = (r: RunRecord): number | null => r.cpuUsPerOp.server;

// Rankings of a protocol's implementations (chooseRuns), by what a claim compares.
export const BY_OPS: Ranking = { of: ops, better: 'higher', unit: 'ops/s' };
export const BY_P50: Ranking = { of: p50, better: 'lower', unit: 'us p50' };
export const BY_P99: Ranking = { of: p99, better: 'lower', unit: 'us p99' };
export const BY_SERVER_CPU: Ranking = { of: serverCpu, better: 'lower', unit: 'us server CPU/call' };
export const BY_WIRE: Ranking = { of: wire, better: 'lower', unit: 'B/call' };
/** One call in flight compares latency; every other run compares capacity. */
export function defaultRanking(id: BenchRunId): Ranking {
  return id === 'getUser-rtt' ? BY_P50 : BY_OPS;
}

/**
 * One observation from several measured under different conditions (event rates, client
 * profiles) when the claim names none: samples keep their condition as a label, so decide()
 * can say under which the claim holds. Conditions not measured are named in the detail.
 */
export function acrossConditions(cases: { label: string; obs: Observation }[], detail?: string): Observation {
  const have = cases.filter((c) => !c.obs.unavailable && c.obs.samples.length);
  const lacking = cases.filter((c) => !have.includes(c)).map((c) => `${c.label}: ${c.obs.unavailable ?? 'nothing measured'}`);
  const unit = cases[0]?.obs.unit ?? '';
  if (!have.length) return { samples: [], unit, unavailable: cases[0]?.obs.unavailable ?? 'nothing was measured', detail };
  const all = <T>(f: (o: Observation) => T[] | undefined): T[] => have.flatMap((c) => f(c.obs) ?? []);
  const withRanges = have.some((c) => c.obs.intervals);
  const notes = [
    detail,
    ...have.map((c) => c.obs.detail && `${c.label}: ${c.obs.detail}`),
    lacking.length && `not measured: ${lacking.join('; ')}`,
  ];
  return {
    samples: all((o) => o.samples),
    labels: have.flatMap((c) => c.obs.samples.map(() => c.label)),
    ...(withRanges && {
      intervals: have.flatMap((c) => c.obs.samples.map((x, i): [number, number] => c.obs.intervals?.[i] ?? [x, x])),
      resolution: have.find((c) => c.obs.resolution)?.obs.resolution,
    }),
    unit,
    ...(lacking.length && { missingConditions: cases.filter((c) => !have.includes(c)).map((c) => c.label) }),
    exact: have.every((c) => c.obs.exact),
    generatorBound: all((o) => o.generatorBound),
    disturbed: all((o) => o.disturbed),
    detail: notes.filter(Boolean).join('; ') || undefined,
  };
}
