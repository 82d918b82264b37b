// Pure rendering: result data in, Markdown out. Printing happens at the edge (harness/cli).
import { renderDisturbedMarkdown } from './disturbance.ts';
import type { BenchResult, LoadDescription, ProtocolSummary, RunRecord } from '../results/types.ts';
import { renderClaimsMarkdown, type Claim } from '../results/claims.ts';
import { renderSweepTable } from '../run/sweep.ts';
import { endOnly } from './end-only.ts';
import { isFanoutResult, renderFanoutReport } from './fanout-markdown.ts';
import type { OutputEntry } from './types.ts';
import { implementationText, nameLabel, nonReferenceImplementation, rowLabel } from '../results/row-identity.ts';

const fmtInt = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US');
const fmt1 = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'n/a' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
const pair = (a: number | null | undefined, b: number | null | undefined, f = fmtInt): string =>
  a === null || a === undefined ? 'n/a' : `${f(a)} / ${f(b)}`;

function boundLabel(r: RunRecord): string {
  if (r.state !== 'ok') return r.state;
  switch (r.bound) {
    case 'generator':
      return '**generator-bound**';
    case 'both':
      return '**both** (server and generator each near a core)';
    case 'server':
      return 'server';
    case 'neither':
      return 'neither';
    default:
      return 'unknown';
  }
}

/** " (attempt 1, superseded)", " (disturbed)": the runs table lists every attempt, so it says which is which. */
function attemptMark(r: RunRecord): string {
  const marks = [
    ...(r.superseded ? [`attempt ${r.attempt ?? 1}, superseded`] : []),
    ...(r.machine?.disturbed && !r.superseded ? ['disturbed'] : []),
  ];
  return marks.length ? ` (${marks.join(', ')})` : '';
}

export function renderRunsTable(runs: readonly RunRecord[]): string {
  const header = [
    'protocol',
    'ops/s',
    'p50 us',
    'p90 us',
    'p99 us',
    'p99.9 us',
    'max us',
    'server CPU us/op',
    'client CPU us/op',
    'wire B/op out / in',
    'payload B req / res',
    'setup B out / in',
    'errors',
    'bound by',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  const repeated = runs.some((r) => r.repeat > 0);
  for (const r of runs) {
    const l = r.latencyUs;
    const cells = [
      `${rowLabel(r)}${repeated ? ` #${r.repeat + 1}` : ''}${attemptMark(r)}`,
      fmtInt(r.opsPerSec),
      fmtInt(l?.p50),
      fmtInt(l?.p90),
      fmtInt(l?.p99),
      fmtInt(l?.p999),
      fmtInt(l?.max),
      fmt1(r.cpuUsPerOp.server),
      fmt1(r.cpuUsPerOp.client),
      pair(r.bytesPerOp?.out, r.bytesPerOp?.in),
      pair(r.payloadBytes?.request, r.payloadBytes?.response),
      pair(r.setupBytes?.out, r.setupBytes?.in),
      r.errors.total === 0
        ? '0'
        : `${r.errors.total} (${Object.entries(r.errors.byKind)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`,
      boundLabel(r),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Open-loop runs: requested vs achieved rate, drops, and both latency histograms side by side. */
export function renderOpenLoopTable(runs: readonly RunRecord[]): string {
  const open = runs.filter((r) => r.load.model !== 'closed');
  if (open.length === 0) return '';
  const header = ['protocol', 'requested/s', 'achieved/s', 'dropped', 'corrected p50 / p99 / max us', 'raw p50 / p99 / max us'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  const trio = (l: RunRecord['latencyUs'] | undefined): string =>
    l ? `${fmtInt(l.p50)} / ${fmtInt(l.p99)} / ${fmtInt(l.max)}` : 'n/a';
  for (const r of open) {
    lines.push(
      `| ${[rowLabel(r), fmtInt(r.requestedRate), fmtInt(r.achievedRate), fmtInt(r.dropped ?? 0), trio(r.latencyUs), trio(r.rawLatencyUs)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Repeats: each figure as median (min-max), with the 95% CI of the mean and the CV. */
export function renderSummaryTable(summary: readonly ProtocolSummary[]): string {
  const shown = summary.filter((s) => s.repeats > 1);
  if (shown.length === 0) return '';
  const cols: [string, string][] = [
    ['opsPerSec', 'ops/s'],
    ['latencyUs.p50', 'p50 us'],
    ['latencyUs.p99', 'p99 us'],
    ['cpuUsPerOp.server', 'server CPU us/op'],
    ['cpuUsPerOp.client', 'client CPU us/op'],
  ];
  const header = ['protocol', 'repeats', ...cols.map(([, label]) => `${label} median (min-max)`), 'ops/s 95% CI', 'ops/s CV'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const s of shown) {
    const cell = (k: string): string => {
      const f = s.figures[k];
      return f ? `${fmt1(f.median)} (${fmt1(f.min)}-${fmt1(f.max)})` : 'n/a';
    };
    const ops = s.figures.opsPerSec;
    const name = nameLabel(s);
    lines.push(
      `| ${[name, String(s.repeats), ...cols.map(([k]) => cell(k)), ops?.ci95 ? `${fmtInt(ops.ci95[0])}-${fmtInt(ops.ci95[1])}` : 'n/a', ops?.cv === null || ops?.cv === undefined ? 'n/a' : `${(ops.cv * 100).toFixed(1)}%`].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Rows grouped by the layout they ran (`rest, graphql 32x1; grpc 4x8`); '' when no run recorded one. */
export function layoutLines(runs: readonly RunRecord[]): string {
  const byLayout = new Map<string, Set<string>>();
  for (const r of runs) {
    if (!r.layout) continue;
    const key = `${r.layout.connections}x${r.layout.inflightPerConnection}`;
    (byLayout.get(key) ?? byLayout.set(key, new Set()).get(key)!).add(`${rowLabel(r)}`);
  }
  return [...byLayout].map(([layout, rows]) => `${[...rows].join(', ')} ${layout}`).join('; ');
}

export function describeLoadRecord(l: LoadDescription): string {
  switch (l.model) {
    case 'closed':
      return `closed loop, ${l.connections} connections x ${l.inflight} calls in flight`;
    case 'rate':
      return `open loop at a constant ${fmtInt(l.rate)} calls/s`;
    case 'poisson':
      return `open loop, Poisson arrivals at ${fmtInt(l.rate)} calls/s`;
    case 'stages':
      return `open loop in stages (${l.stages.map((s) => `${fmtInt(s.rate)}/s for ${s.durationS} s`).join(', ')})`;
  }
}

/** A scenario's own figures, one column each, shown only when some run carries them. */
const SCENARIO_COLUMNS: readonly { head: string; cell: (r: RunRecord) => string | undefined }[] = [
  { head: 'items/op', cell: (r) => (r.itemsPerOp === undefined ? undefined : fmt1(r.itemsPerOp)) },
  { head: 'items/s', cell: (r) => (r.itemsPerSec === undefined ? undefined : fmtInt(r.itemsPerSec)) },
  { head: 'wire B/item', cell: (r) => (r.bytesPerItem === undefined ? undefined : fmt1(r.bytesPerItem)) },
  {
    head: 'CPU us/item server / client',
    cell: (r) => (r.serverCpuUsPerItem === undefined ? undefined : pair(r.serverCpuUsPerItem, r.clientCpuUsPerItem, fmt1)),
  },
  { head: 'first item p50 / p99 us', cell: (r) => (r.firstItemUs ? pair(r.firstItemUs.p50, r.firstItemUs.p99) : undefined) },
  { head: 'last item p50 / p99 us', cell: (r) => (r.lastItemUs ? pair(r.lastItemUs.p50, r.lastItemUs.p99) : undefined) },
  {
    head: 'users stored',
    cell: (r) =>
      r.storedUsers
        ? `+${fmtInt(r.storedUsers.added)} (${fmtInt(r.storedUsers.atStart)} to ${fmtInt(r.storedUsers.atEnd)})`
        : undefined,
  },
  {
    head: 'SQL statements/request',
    cell: (r) => (r.sqlStatementsPerRequest === undefined ? undefined : fmt1(r.sqlStatementsPerRequest)),
  },
  { head: 'requests/op', cell: (r) => (r.requestsPerOp === undefined ? undefined : fmt1(r.requestsPerOp)) },
];

/** The scenario figures table (items, first/last item, stored users, SQL statements), or '' when no run has any. */
export function renderScenarioFigures(runs: readonly RunRecord[]): string {
  const ok = runs.filter((r) => r.state === 'ok');
  const cols = SCENARIO_COLUMNS.filter((c) => ok.some((r) => c.cell(r) !== undefined));
  if (cols.length === 0) return '';
  const repeated = runs.some((r) => r.repeat > 0);
  const lines = [`| protocol | ${cols.map((c) => c.head).join(' | ')} |`, `| --- |${cols.map(() => ' ---: ').join('|')}|`];
  for (const r of ok) {
    lines.push(`| ${rowLabel(r)}${repeated ? ` #${r.repeat + 1}` : ''} | ${cols.map((c) => c.cell(r) ?? 'n/a').join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Issue 14: every row's server implementation and version, once per row; empty for results before it. */
export function serverLines(runs: readonly RunRecord[]): string[] {
  return [
    ...new Set(
      runs.flatMap((r) => {
        const text = implementationText(r);
        return text === undefined ? [] : [`- ${rowLabel(r)}: ${text}`];
      }),
    ),
  ];
}

export function renderReport(result: BenchResult, resultPath?: string): string {
  const env = result.environment;
  const cfg = result.config;
  const out: string[] = [];
  out.push(`## ${result.scenario}: ${result.description}`);
  out.push('');
  out.push(renderRunsTable(result.runs));
  out.push('');
  const figures = renderScenarioFigures(result.runs);
  if (figures) {
    out.push(`Scenario figures (${result.scenario}):`);
    out.push('');
    out.push(figures);
    out.push('');
  }
  const summaryTable = renderSummaryTable(result.summary ?? []);
  if (summaryTable) {
    out.push('Over the repeats (interleaved A B C A B C; the table above lists every run):');
    out.push('');
    out.push(summaryTable);
    out.push('');
  }
  const disturbed = renderDisturbedMarkdown(result.runs);
  if (disturbed) out.push(disturbed);
  const slowed = result.runs.filter((r) => r.probe?.slowed).map((r) => `${rowLabel(r)} #${r.repeat + 1}`);
  if (slowed.length)
    out.push(`- Started on a visibly slowed machine (CPU probe over the threshold, reruns exhausted): ${slowed.join(', ')}.`);
  const sweepTable = renderSweepTable(result.runs);
  if (sweepTable) {
    out.push('Latency-throughput sweep (open loop; latency from the intended start):');
    out.push('');
    out.push(sweepTable);
  }
  const openTable = sweepTable ? '' : renderOpenLoopTable(result.runs);
  if (openTable) {
    out.push(
      "Open loop: latency corrected for coordinated omission (from each call's intended start) beside raw latency (from the actual send):",
    );
    out.push('');
    out.push(openTable);
    out.push('');
  }
  const failed = result.runs.filter((r) => r.state !== 'ok');
  for (const r of failed) out.push(`- **${rowLabel(r)} ${r.state}**: ${r.error ?? ''}`);
  const genBound = [...new Set(result.runs.filter((r) => r.generatorBound).map((r) => `${rowLabel(r)}`))];
  out.push(
    genBound.length
      ? `- Generator-bound rows (${genBound.join(', ')}): the load generator used a full core (while the server did not, or both did); their ops/s is the generator's limit, or may be, not the server's.`
      : '- No row was generator-bound.',
  );
  const load = result.runs[0]?.load;
  const open = load && load.model !== 'closed';
  // Rows may differ in layout (HTTP/1.1 one call per connection, multiplexed rows several):
  // the first row's connections x calls would then misdescribe the others.
  const outstanding = new Set(result.runs.map((r) => r.layout && r.layout.connections * r.layout.inflightPerConnection));
  const layoutsDiffer =
    new Set(result.runs.map((r) => r.layout && `${r.layout.connections}x${r.layout.inflightPerConnection}`)).size > 1;
  const closedLine =
    load?.model === 'closed' && layoutsDiffer
      ? `closed loop, ${outstanding.size === 1 ? `${[...outstanding][0]} calls outstanding on every row` : 'calls outstanding per row'} (layout below)`
      : undefined;
  out.push(
    `- Load: ${closedLine ?? (load ? describeLoadRecord(load) : 'none ran')}${open ? ` over ${load.connections} connections (at most ${load.inflight} in flight each, ${load.maxInflight} queued or in flight in all)` : ''}, ` +
      `${cfg.warmup} s warm-up (discarded) then ${load?.model === 'stages' ? 'the stages' : `${cfg.duration} s`} measured per protocol.`,
  );
  const layouts = layoutLines(result.runs);
  if (layouts) out.push(`- Layout (connections x calls in flight on each): ${layouts}.`);
  out.push(
    '- Latency: HdrHistogram, microseconds, from send to decoded status. CPU: process CPU time (user+system) of each side over the measured window, divided by successful calls.',
  );
  out.push(
    '- Wire bytes: counted at the client socket in steady state (setup excluded); payload: JSON body or protobuf message alone; setup: per connection, before the first call.',
  );
  for (const n of result.notes) out.push(`- ${n}`);
  // --delay: say how the delay was made and what the method itself costs.
  const net = result.runs.find((r) => r.network)?.network;
  if (net) {
    const overhead = result.runs.flatMap((r) => (r.network ? [r.network.overheadUs] : []));
    out.push(
      `- Network: ${net.delayMs} ms one-way delay (round trip ${2 * net.delayMs} ms) between generator and server, made by the harness's delaying TCP proxy; its own round-trip overhead at delay 0 was ${Math.min(...overhead)}-${Math.max(...overhead)} us. netem: ${net.netem.available ? 'available' : 'not used'} (${net.netem.reason}).`,
    );
  }
  for (const r of result.runs) {
    if (!r.autocannon) continue;
    // The harness's own row of the same layout: `autocannon,pipelined-8` against `pipelined-8`.
    const ownVariant = r.variant?.replace(/^autocannon,?/, '') || undefined;
    const own = result.runs.find(
      (x) =>
        x.protocol === r.protocol &&
        x.variant === ownVariant &&
        nonReferenceImplementation(x) === nonReferenceImplementation(r) &&
        !x.autocannon &&
        x.repeat === r.repeat &&
        x.state === 'ok',
    );
    const diff =
      own && own.opsPerSec > 0
        ? ` (${r.opsPerSec >= own.opsPerSec ? '+' : ''}${(((r.opsPerSec - own.opsPerSec) / own.opsPerSec) * 100).toFixed(1)}% against the harness driver's ${fmtInt(own.opsPerSec)})`
        : '';
    const l = r.autocannon.latencyMs;
    out.push(
      `- ${rowLabel({ ...r, variant: 'autocannon' })} #${r.repeat + 1}: ${fmtInt(r.opsPerSec)} ops/s${diff}; autocannon's own figures: ${fmtInt(r.autocannon.requestsPerSec)} req/s, latency p50 ${l.p50} / p99 ${l.p99} / max ${l.max} ms (whole milliseconds, too coarse for loopback; the table uses its per-response hrtime in microseconds).`,
    );
  }
  out.push('');
  out.push('Drivers:');
  const drivers = new Set(result.runs.map((r) => `- ${rowLabel(r)}: ${r.driver}`));
  for (const d of drivers) out.push(d);
  out.push('');
  const servers = serverLines(result.runs);
  if (servers.length) out.push('Servers (implementation and version of each row; --impl chooses):', ...servers, '');
  out.push(
    `Environment: ${env.cpuModel}, ${env.cpus} CPUs, ${(env.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${env.os}, Node ${env.node}; ` +
      `pinning: ${env.pinning.method === 'taskset' ? `server on CPU ${env.pinning.server}, generator on CPU ${env.pinning.generator} (taskset)` : `none (${env.pinning.reason})`}; ` +
      `load average at start ${env.loadAverage.join(' ')}; commit ${env.commit ? env.commit.slice(0, 12) + (env.commitDirty ? ' (dirty)' : '') : 'unknown'}.`,
  );
  if (resultPath) out.push(`\nResult file: ${resultPath}`);
  return out.join('\n');
}

/** The report of any result: a fanout result (known by its data, not by who asks) gets the fanout report. */
export function renderMarkdown(result: BenchResult, resultPath?: string, claims: readonly Claim[] = []): string {
  // The fanout report is another helper's; its disturbed runs are listed here, after it.
  const fanoutDisturbed = isFanoutResult(result) ? renderDisturbedMarkdown(result.runs) : '';
  const report = isFanoutResult(result)
    ? [renderFanoutReport(result, resultPath), fanoutDisturbed].filter(Boolean).join('\n\n')
    : renderReport(result, resultPath);
  const claimsMd = renderClaimsMarkdown(claims);
  return claimsMd ? `${report}\n\n${claimsMd}` : report;
}

export const markdownOutput: OutputEntry<true> = {
  description: 'the Markdown report (the fanout report for a fanout result), with the claims table when given claims',
  summary: true,
  create: ({ claims }) => endOnly((result, resultPath) => renderMarkdown(result, resultPath, claims)),
};
