// Pure rendering: result (+ claims) in, one self-contained HTML page out. No file or network
// access here: the chart library's code arrives as a string (report-assets.ts reads it at the
// edge) and is inlined, so the page opens offline and can be mailed or archived as one file.
//
// The percentile chart is drawn by uPlot in the page (log "nines" axis, live legend, zoom); the
// bar charts are plain SVG computed here, so they need no script and are testable in Node.
import { disturbedRows } from './disturbance.ts';
import type { BenchResult, RunRecord } from '../results/types.ts';
import { mergeEncoded, type Histogram } from '../metrics/histogram.ts';
import { spread, type Spread } from '../metrics/stats.ts';
import { claimsInResult, formatMeasured, verdictTone, type Claim } from '../results/claims.ts';
import { endOnly } from './end-only.ts';
import type { OutputEntry } from './types.ts';
import { implementationText, rowLabel } from '../results/row-identity.ts';
import { TIMELINE_CSS, timelineSection } from './html-timeline.ts';

export interface ChartAssets {
  /** uPlot's IIFE build (defines the global `uPlot`). */
  js: string;
  css: string;
}

export interface HtmlReportOptions {
  assets: ChartAssets;
  /** Verdicts to show; defaults to the result's own `claims` array when it carries one. */
  claims?: readonly Claim[];
  resultPath?: string;
}

// Okabe-Ito (colour-blind safe) first, then a few darker extras for long protocol lists.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#7F6000', '#555555', '#8E44AD', '#1B7F79'];

// ---------------------------------------------------------------------------------------------
// Escaping and formatting

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON safe inside <script>: no `</script>`, `<!--` or line separators can end or bend the block. */
function jsonForScript(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Library code inlined verbatim, except a `</script` that would close the element early. */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  // Unary plus drops trailing zeros: 60 rather than 60.0, 2.5 rather than 2.50.
  if (a >= 10) return String(+x.toFixed(1));
  return String(+x.toFixed(2));
}

export function fmtLatencyUs(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${+(us / 1000).toPrecision(3)} ms`;
  return `${+(us / 1_000_000).toPrecision(3)} s`;
}

/** x = 1/(1-p) back to a percentile label: 1 -> 0%, 10 -> 90%, 1000 -> 99.9%. */
export function ninesLabel(x: number): string {
  if (x <= 1) return '0%';
  const p = 100 - 100 / x;
  const digits = Math.max(0, Math.ceil(Math.log10(x) - 1e-9) - 2);
  return `${p.toFixed(digits)}%`;
}

// ---------------------------------------------------------------------------------------------
// Grouping runs: one protocol (or protocol + variant) = one series, its repeats merged

export interface ProtocolGroup {
  label: string;
  color: string;
  runs: RunRecord[];
  ok: RunRecord[];
  generatorBound: boolean;
}

export function groupRuns(runs: readonly RunRecord[]): ProtocolGroup[] {
  const byKey = new Map<string, RunRecord[]>();
  // Superseded attempts (disturbed, run again) are listed under disturbed runs, not charted.
  for (const r of runs.filter((x) => x.superseded !== true)) {
    const key = rowLabel(r); // one label per row (row-identity.ts): protocol, implementation, variant
    const list = byKey.get(key) ?? [];
    list.push(r);
    byKey.set(key, list);
  }
  const groups: ProtocolGroup[] = [];
  for (const [label, list] of byKey) {
    const ok = list.filter((r) => r.state === 'ok');
    if (ok.length === 0) continue; // nothing to plot: shown under failed runs only
    groups.push({
      label,
      color: PALETTE[groups.length % PALETTE.length] as string,
      runs: list,
      ok,
      generatorBound: ok.some((r) => r.generatorBound),
    });
  }
  return groups;
}

function spreadOf(xs: readonly (number | null | undefined)[]): Spread | null {
  const vals = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return vals.length ? spread(vals) : null;
}

// ---------------------------------------------------------------------------------------------
// Percentile curves on a nines grid

const STEPS_PER_DECADE = 24;
const MIN_X_MAX = 1e4; // the axis always reaches 99.99%, even for short runs

export interface LatencySeries {
  label: string;
  color: string;
  count: number;
  repeats: number;
  y: (number | null)[];
}

export interface LatencyData {
  x: number[];
  xMax: number;
  series: LatencySeries[];
}

interface Merged {
  group: ProtocolGroup;
  h: Histogram;
  repeats: number;
}

function mergeGroups(groups: readonly ProtocolGroup[]): Merged[] {
  const out: Merged[] = [];
  for (const group of groups) {
    const encoded = group.ok.flatMap((r) => (r.latencyUs ? [r.latencyUs.histogram] : []));
    if (encoded.length === 0) continue;
    const h = mergeEncoded(encoded);
    if (h.totalCount > 0) out.push({ group, h, repeats: encoded.length });
  }
  return out;
}

/**
 * x = 1/(1-p): the HdrHistogram plot's axis, where each further nine (90%, 99%, 99.9%) gets the
 * same width. A series ends at x = its sample count (beyond that the percentile is not
 * resolved) with its maximum; all series share one x array, null past their end.
 */
export function percentileCurves(
  merged: readonly { label: string; color: string; h: Histogram; repeats: number }[],
): LatencyData {
  const maxCount = Math.max(1, ...merged.map((m) => m.h.totalCount));
  const xs = new Set<number>();
  for (let k = 0; ; k++) {
    const x = 10 ** (k / STEPS_PER_DECADE);
    if (x >= maxCount) break;
    xs.add(x);
  }
  for (const m of merged) xs.add(Math.max(1, m.h.totalCount));
  const x = [...xs].sort((a, b) => a - b);
  const series = merged.map((m) => {
    const count = Math.max(1, m.h.totalCount);
    const y = x.map((xi) => {
      if (xi > count) return null;
      // Floor of 1 us: the y axis is logarithmic.
      if (xi === count) return Math.max(1, m.h.maxValue);
      return Math.max(1, m.h.getValueAtPercentile(100 * (1 - 1 / xi)));
    });
    return { label: m.label, color: m.color, count: m.h.totalCount, repeats: m.repeats, y };
  });
  return { x, xMax: Math.max(MIN_X_MAX, maxCount), series };
}

// ---------------------------------------------------------------------------------------------
// SVG bar charts (horizontal: one row per protocol, so long names stay readable)

interface Segment {
  name: string;
  value: number;
  light: boolean;
}

interface Bar {
  /** Sub-label in front of the bar when a protocol has several (server / client). */
  name: string | null;
  segments: Segment[];
  /** min..max over repeats, drawn as a whisker when they differ. */
  whisker: [number, number] | null;
  text: string;
  /** Appended to the text in a warning colour. */
  flag?: string;
}

interface BarGroup {
  label: string;
  color: string;
  bars: Bar[];
}

interface BarChart {
  id: string;
  unit: string;
  groups: BarGroup[];
  legend: { name: string; light: boolean }[];
}

function niceStep(max: number, target = 5): number {
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

const LABEL_CHAR_W = 7.8; // average glyph width of the bold 13px label font, for laying out labels
const MAX_LABEL_W = 250;

function truncate(s: string, chars: number): string {
  return s.length <= chars ? s : `${s.slice(0, Math.max(1, chars - 1))}…`;
}

function renderBarChart(c: BarChart): string {
  const W = 900;
  const labelW = Math.min(
    MAX_LABEL_W,
    Math.max(90, Math.ceil(Math.max(...c.groups.map((g) => g.label.length)) * LABEL_CHAR_W) + 16),
  );
  const labelChars = Math.floor((labelW - 16) / LABEL_CHAR_W);
  const hasNames = c.groups.some((g) => g.bars.some((b) => b.name));
  const nameW = hasNames ? 56 : 0;
  const longestText = Math.max(...c.groups.flatMap((g) => g.bars.map((b) => b.text.length + (b.flag ? b.flag.length + 3 : 0))));
  const textW = Math.min(330, Math.ceil(longestText * 6.6) + 14);
  const x0 = labelW + nameW;
  const plotW = W - x0 - textW;
  const dataMax = Math.max(
    0,
    ...c.groups.flatMap((g) => g.bars.flatMap((b) => [b.segments.reduce((s, g2) => s + g2.value, 0), b.whisker?.[1] ?? 0])),
  );
  const step = dataMax > 0 ? niceStep(dataMax) : 1;
  const axisMax = Math.max(step, Math.ceil(dataMax / step - 1e-9) * step);
  const sx = (v: number): number => (v / axisMax) * plotW;
  const BAR_H = 18;
  const BAR_GAP = 4;
  const GROUP_GAP = 12;
  const TOP = 24;
  let y = TOP;
  const parts: string[] = [];
  const gridTop = TOP - 6;
  for (const g of c.groups) {
    const gy = y;
    const rows: string[] = [];
    for (const b of g.bars) {
      const cy = y + BAR_H / 2;
      if (b.name)
        rows.push(
          `<text class="sub" x="${x0 - 8}" y="${cy}" text-anchor="end" dominant-baseline="central">${escapeHtml(b.name)}</text>`,
        );
      let acc = 0;
      for (const s of b.segments) {
        const w = sx(s.value);
        rows.push(
          `<rect x="${(x0 + sx(acc)).toFixed(1)}" y="${y}" width="${Math.max(0, w).toFixed(1)}" height="${BAR_H}" rx="2" fill="${g.color}" fill-opacity="${s.light ? 0.38 : 0.9}"><title>${escapeHtml(`${g.label}${b.name ? ` ${b.name}` : ''}: ${s.name} ${fmtNum(s.value)} ${c.unit}`)}</title></rect>`,
        );
        acc += Math.max(0, s.value);
      }
      let end = acc;
      if (b.whisker && b.whisker[1] > b.whisker[0]) {
        const [lo, hi] = b.whisker;
        const x1 = x0 + sx(lo);
        const x2 = x0 + sx(hi);
        rows.push(
          `<g class="whisker"><line x1="${x1.toFixed(1)}" x2="${x2.toFixed(1)}" y1="${cy}" y2="${cy}"/><line x1="${x1.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${cy - 5}" y2="${cy + 5}"/><line x1="${x2.toFixed(1)}" x2="${x2.toFixed(1)}" y1="${cy - 5}" y2="${cy + 5}"/></g>`,
        );
        end = Math.max(end, hi);
      }
      const flag = b.flag ? `<tspan class="flag"> · ${escapeHtml(b.flag)}</tspan>` : '';
      rows.push(
        `<text class="val" x="${(x0 + sx(end) + 6).toFixed(1)}" y="${cy}" dominant-baseline="central">${escapeHtml(b.text)}${flag}</text>`,
      );
      y += BAR_H + BAR_GAP;
    }
    const gh = y - BAR_GAP - gy;
    parts.push(
      `<g class="bar-group" data-protocol="${escapeHtml(g.label)}"><text class="label" x="${labelW - 12}" y="${gy + gh / 2}" text-anchor="end" dominant-baseline="central"><title>${escapeHtml(g.label)}</title>${escapeHtml(truncate(g.label, labelChars))}</text>${rows.join('')}</g>`,
    );
    y += GROUP_GAP - BAR_GAP;
  }
  const H = y - GROUP_GAP + 10;
  const grid: string[] = [];
  for (let t = 0; t <= axisMax + step / 2; t += step) {
    const gx = (x0 + sx(t)).toFixed(1);
    grid.push(
      `<line class="grid" x1="${gx}" x2="${gx}" y1="${gridTop}" y2="${H - 4}"/><text class="tick" x="${gx}" y="${TOP - 11}" text-anchor="middle">${fmtNum(t)}</text>`,
    );
  }
  const legend = c.legend.length
    ? `<div class="legend">${c.legend.map((l) => `<span><i class="swatch${l.light ? ' light' : ''}"></i>${escapeHtml(l.name)}</span>`).join('')}</div>`
    : '';
  return (
    `${legend}<svg class="bar-chart" data-chart="${c.id}" data-series="${c.groups.length}" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(c.id)} bar chart">` +
    `${grid.join('')}${parts.join('')}</svg>`
  );
}

function spreadText(s: Spread, unit: string, f = fmtNum): string {
  return s.n > 1 && s.max > s.min ? `${f(s.median)} ${unit} (${f(s.min)}–${f(s.max)}, n=${s.n})` : `${f(s.median)} ${unit}`;
}

function noDataBar(name: string | null = null): Bar {
  return { name, segments: [], whisker: null, text: 'n/a' };
}

function singleBar(s: Spread | null, unit: string, name: string | null, segName: string, light = false): Bar {
  if (!s) return noDataBar(name);
  return {
    name,
    segments: [{ name: segName, value: s.median, light }],
    whisker: s.n > 1 ? [s.min, s.max] : null,
    text: spreadText(s, unit),
  };
}

/** One chart: a protocol group per row, its bars from `barsOf`; `legend` names the dark then the light shade. */
function barChart(
  id: string,
  unit: string,
  legend: readonly [dark: string, light: string] | [],
  groups: readonly ProtocolGroup[],
  barsOf: (g: ProtocolGroup) => Bar[],
): BarChart {
  return {
    id,
    unit,
    legend: legend.map((name, i) => ({ name, light: i === 1 })),
    groups: groups.map((g) => ({ label: g.label, color: g.color, bars: barsOf(g) })),
  };
}

function throughputChart(groups: readonly ProtocolGroup[]): BarChart {
  return barChart('throughput', 'calls/s', [], groups, (g) => {
    const bar = singleBar(spreadOf(g.ok.map((r) => r.opsPerSec)), 'calls/s', null, 'throughput');
    if (g.generatorBound) bar.flag = "generator-bound: the load generator's limit";
    return [bar];
  });
}

function cpuChart(groups: readonly ProtocolGroup[]): BarChart {
  return barChart('cpu', 'µs/call', ['server', 'client'], groups, (g) => [
    singleBar(spreadOf(g.ok.map((r) => r.cpuUsPerOp.server)), 'µs', 'server', 'server CPU'),
    singleBar(spreadOf(g.ok.map((r) => r.cpuUsPerOp.client)), 'µs', 'client', 'client CPU', true),
  ]);
}

function bytesChart(groups: readonly ProtocolGroup[]): BarChart {
  const legend = ['payload (request + response body)', 'framing (wire bytes − payload)'] as const;
  return barChart('bytes', 'B', legend, groups, (g) => {
    const withBytes = g.ok.filter((r) => r.bytesPerOp);
    const wire = spreadOf(withBytes.map((r) => (r.bytesPerOp ? r.bytesPerOp.out + r.bytesPerOp.in : null)));
    const payload = spreadOf(withBytes.map((r) => (r.payloadBytes ? r.payloadBytes.request + r.payloadBytes.response : null)));
    if (!wire) return [noDataBar()];
    const whisker: Bar['whisker'] = wire.n > 1 ? [wire.min, wire.max] : null;
    if (!payload)
      return [
        {
          name: null,
          segments: [{ name: 'wire', value: wire.median, light: true }],
          whisker,
          text: `${spreadText(wire, 'B')} (payload unknown)`,
        },
      ];
    const framing = wire.median - payload.median;
    return [
      {
        name: null,
        // A negative framing (payload larger than the wire, e.g. compressed) is drawn as none.
        segments: [
          { name: 'payload', value: Math.min(payload.median, wire.median), light: false },
          { name: 'framing', value: Math.max(0, framing), light: true },
        ],
        whisker,
        text: `${spreadText(wire, 'B')} = ${fmtNum(payload.median)} payload + ${fmtNum(framing)} framing`,
      },
    ];
  });
}

function setupChart(groups: readonly ProtocolGroup[]): BarChart {
  return barChart('setup', 'B', ['sent by the client', 'received'], groups, (g) => {
    const out = spreadOf(g.ok.map((r) => r.setupBytes?.out));
    const inn = spreadOf(g.ok.map((r) => r.setupBytes?.in));
    const total = spreadOf(g.ok.map((r) => (r.setupBytes ? r.setupBytes.out + r.setupBytes.in : null)));
    if (!out || !inn || !total) return [noDataBar()];
    return [
      {
        name: null,
        segments: [
          { name: 'sent', value: out.median, light: false },
          { name: 'received', value: inn.median, light: true },
        ],
        whisker: total.n > 1 ? [total.min, total.max] : null,
        text: total.max === 0 ? '0 B' : `${spreadText(total, 'B')} (${fmtNum(out.median)} out + ${fmtNum(inn.median)} in)`,
      },
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Tables and text sections

function table(head: readonly string[], rows: readonly (readonly string[])[], numericFrom = 1): string {
  const th = head.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  // Cells arrive already escaped (some carry markup), so they are inserted as they are.
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : i === 0 && numericFrom === 1 ? ' class="name"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function figuresTable(groups: readonly ProtocolGroup[], merged: readonly Merged[]): string {
  const med = (xs: readonly (number | null | undefined)[], f = fmtNum): string => {
    const s = spreadOf(xs);
    return s ? f(s.median) : 'n/a';
  };
  const rows = groups.map((g) => {
    const m = merged.find((x) => x.group === g);
    const lat = (p: number): string =>
      m ? escapeHtml(fmtLatencyUs(p === 100 ? m.h.maxValue : m.h.getValueAtPercentile(p))) : 'n/a';
    const errors = g.ok.reduce((s, r) => s + r.errors.total, 0);
    const bound = [...new Set(g.ok.map((r) => r.bound))].join(', ');
    return [
      `<span class="dot" style="background:${g.color}"></span>${escapeHtml(g.label)}`,
      String(g.ok.length),
      med(g.ok.map((r) => r.opsPerSec)),
      lat(50),
      lat(99),
      lat(99.9),
      lat(100),
      med(g.ok.map((r) => r.cpuUsPerOp.server)),
      med(g.ok.map((r) => r.cpuUsPerOp.client)),
      `${med(g.ok.map((r) => r.bytesPerOp?.out))} / ${med(g.ok.map((r) => r.bytesPerOp?.in))}`,
      `${med(g.ok.map((r) => r.payloadBytes?.request))} / ${med(g.ok.map((r) => r.payloadBytes?.response))}`,
      `${med(g.ok.map((r) => r.setupBytes?.out))} / ${med(g.ok.map((r) => r.setupBytes?.in))}`,
      errors.toLocaleString('en-US'),
      g.generatorBound ? `<strong class="warn">${escapeHtml(bound)}</strong>` : escapeHtml(bound),
    ];
  });
  return table(
    [
      'protocol',
      'runs',
      'calls/s',
      'p50',
      'p99',
      'p99.9',
      'max',
      'server CPU µs',
      'client CPU µs',
      'wire B out/in',
      'payload B req/res',
      'setup B out/in',
      'errors',
      'bound by',
    ],
    rows,
  );
}

function failedSection(runs: readonly RunRecord[]): string {
  const bad = runs.filter((r) => r.state !== 'ok');
  if (bad.length === 0) return '';
  const rows = bad.map((r) => [
    escapeHtml(rowLabel(r)),
    String(r.repeat),
    `<span class="badge fail">${escapeHtml(r.state)}</span>`,
    `<code>${escapeHtml(r.error ?? '(no error recorded)')}</code>`,
  ]);
  return `<section id="failed" class="alert"><h2>Failed runs</h2><p>These runs produced no figures; they are left out of the charts.</p>${table(['protocol', 'repeat', 'state', 'error'], rows, 99)}</section>`;
}

function disturbedSection(runs: readonly RunRecord[]): string {
  const rows = disturbedRows(runs).map((r) => [
    escapeHtml(r.run),
    String(r.attempt),
    `<span class="badge${r.outcome.startsWith('superseded') ? '' : ' fail'}">${escapeHtml(r.outcome)}</span>`,
    escapeHtml(r.reasons),
  ]);
  if (rows.length === 0) return '';
  const why = "The machine readings (steal, timer hiccups, loopback probe, CPU pressure) crossed the config's thresholds";
  return `<section id="disturbed" class="alert"><h2>Disturbed runs</h2><p>${why}: figures on these runs are noise, not findings. Superseded attempts are not charted.</p>${table(['run', 'attempt', 'outcome', 'reasons'], rows, 99)}</section>`;
}

function claimsSection(claims: readonly Claim[]): string {
  if (claims.length === 0) return '';
  const rows = claims.map((c) => [
    `<code>${escapeHtml(c.ref)}</code>`,
    escapeHtml(c.claim),
    escapeHtml(c.guide),
    escapeHtml(formatMeasured(c.measured)),
    `<span class="badge ${verdictTone(c.verdict)}">${escapeHtml(c.verdict)}</span>`,
  ]);
  return `<section id="claims"><h2>Claims</h2>${table(['ref', 'claim', 'guide', 'measured', 'verdict'], rows, 99)}</section>`;
}

function loadText(result: BenchResult): string {
  const l = result.runs[0]?.load;
  const cfg = result.config;
  // Staged load measures over its stages, not over the configured duration.
  const window = `${cfg.warmup} s warm-up (discarded), then ${l?.model === 'stages' ? 'the stages' : `${cfg.duration} s`} measured per run`;
  if (!l) return window;
  switch (l.model) {
    case 'closed':
      return `closed loop, ${l.connections} connections × ${l.inflight} calls in flight; ${window}`;
    case 'rate':
    case 'poisson':
      return `open loop (${l.model}), ${l.rate.toLocaleString('en-US')} calls/s over ${l.connections} connections, at most ${l.maxInflight} in flight; ${window}`;
    case 'stages':
      return `open loop in ${l.stages.length} stages (${l.stages.map((s) => `${s.rate}/s for ${s.durationS} s`).join(', ')}) over ${l.connections} connections; ${window}`;
  }
}

function environmentSection(result: BenchResult): string {
  const env = result.environment;
  const pin =
    env.pinning.method === 'taskset'
      ? `server on CPU ${env.pinning.server}, load generator on CPU ${env.pinning.generator} (taskset)`
      : `none: ${env.pinning.reason}`;
  const items: [string, string][] = [
    ['CPU', `${env.cpuModel}, ${env.cpus} CPUs`],
    ['memory', `${(env.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
    ['OS', env.os],
    ['Node.js', env.node],
    ['host', env.hostname],
    ['pinning', pin],
    ['load average at start', env.loadAverage.map((x) => x.toFixed(2)).join(' ')],
    ['commit', env.commit ? `${env.commit.slice(0, 12)}${env.commitDirty ? ' (uncommitted changes)' : ''}` : 'unknown'],
    ['load', loadText(result)],
    ['started / finished', `${result.startedAt} / ${result.finishedAt}`],
    [
      'packages',
      Object.entries(env.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none recorded',
    ],
  ];
  return `<section id="environment"><h2>Environment</h2><dl>${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>`;
}

function driversList(groups: readonly ProtocolGroup[]): string {
  // Issue 14: each row's server implementation and version beside its driver.
  const server = (r: RunRecord | undefined): string => {
    const text = r && implementationText(r);
    return text ? `; server: ${text}` : '';
  };
  return `<ul>${groups.map((g) => `<li><strong>${escapeHtml(g.label)}</strong>: ${escapeHtml(`${g.ok[0]?.driver ?? ''}${server(g.ok[0])}`)}</li>`).join('')}</ul>`;
}

// ---------------------------------------------------------------------------------------------
// The page

const CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #e3e6ec; --bg: #ffffff; --panel: #f7f8fa; --warn: #b35900; --fail: #b3261e; --pass: #1e7b34; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 24px 60px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header .desc { margin: 0 0 6px; color: var(--muted); }
header .meta { font-size: 12px; color: var(--muted); }
h2 { font-size: 18px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 22px 0 4px; }
section { margin-top: 28px; padding-top: 18px; border-top: 1px solid var(--line); }
.caption { margin: 0 0 10px; color: var(--muted); font-size: 13px; }
.banner { margin-top: 14px; padding: 10px 14px; border-radius: 6px; background: #fff4e5; border: 1px solid #f3c78b; }
.alert h2 { color: var(--fail); }
.chart { width: 100%; min-height: 200px; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; font-size: 12px; color: var(--muted); margin: 0 0 6px; }
.legend .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; background: #5b6475; margin-right: 6px; vertical-align: -2px; }
.legend .swatch.light { opacity: 0.38; }
svg.bar-chart { display: block; font-size: 13px; overflow: visible; }
svg.bar-chart .label { fill: var(--fg); font-weight: 600; }
svg.bar-chart .sub { fill: var(--muted); font-size: 11px; }
svg.bar-chart .val { fill: var(--fg); font-size: 12px; }
svg.bar-chart .flag { fill: var(--warn); font-weight: 600; }
svg.bar-chart .tick { fill: var(--muted); font-size: 11px; }
svg.bar-chart .grid { stroke: var(--line); stroke-width: 1; }
svg.bar-chart .whisker line { stroke: #1d2330; stroke-width: 1.4; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
th, td { padding: 5px 6px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; vertical-align: bottom; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th.num { text-align: right; }
td.name { white-space: nowrap; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
.warn { color: var(--warn); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #eceff3; color: var(--muted); white-space: nowrap; }
.badge.pass { background: #e3f4e7; color: var(--pass); }
.badge.fail { background: #fde7e5; color: var(--fail); }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-word; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; font-size: 13px; }
dt { color: var(--muted); }
dd { margin: 0; }
ul { margin: 4px 0; padding-left: 20px; }
.uplot { font-family: inherit; }
.uplot .u-legend { font-size: 12px; margin-top: 4px; }
.uplot .u-legend .u-series th { font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
@media print { section { break-inside: avoid; } }
`;

// Runs in the page (plain ES2017, no modules): draws the percentile chart from the embedded JSON
// and publishes what it drew as window.__reportReady, so a browser test can check it.
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var lat = data.latency;
  function fmtLat(us) {
    if (us == null) return '--';
    if (us < 1000) return Math.round(us) + ' µs';
    if (us < 1e6) return +(us / 1000).toPrecision(3) + ' ms';
    return +(us / 1e6).toPrecision(3) + ' s';
  }
  function fmtPct(x, exact) {
    if (x <= 1) return '0%';
    var p = 100 - 100 / x;
    var nines = Math.log10(x);
    var digits = exact ? Math.max(1, Math.ceil(nines) - 1) : Math.max(0, Math.ceil(nines - 1e-9) - 2);
    return p.toFixed(digits) + '%';
  }
  function decades(lo, hi) {
    var out = [];
    for (var e = Math.ceil(Math.log10(lo) - 1e-9); Math.pow(10, e) <= hi * (1 + 1e-9); e++) out.push(Math.pow(10, e));
    return out;
  }
  // Decades, plus 2x and 5x marks while the range is short enough to leave room for them.
  function ySplits(u, axisIdx, min, max) {
    var d = decades(min, max);
    if (d.length > 4) return d;
    var out = [];
    var start = Math.pow(10, Math.floor(Math.log10(min)));
    for (var base = start; base <= max; base *= 10) [1, 2, 5].forEach(function (m) { var v = base * m; if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v); });
    return out;
  }
  var el = document.getElementById('latency-chart');
  var plot = null;
  var drawn = false;
  var ready = false;
  if (lat.series.length > 0 && typeof uPlot === 'function') {
    var series = [{ label: 'percentile', value: function (u, v) { return v == null ? '--' : fmtPct(v, true); } }];
    lat.series.forEach(function (s) {
      series.push({ label: s.label, stroke: s.color, width: 2, points: { show: false }, spanGaps: false, value: function (u, v) { return fmtLat(v); } });
    });
    var height = 440;
    var opts = {
      width: Math.max(320, el.clientWidth),
      height: height,
      series: series,
      scales: {
        x: { time: false, distr: 3, log: 10, range: [1, lat.xMax] },
        y: { distr: 3, log: 10 },
      },
      axes: [
        { label: 'percentile', splits: function () { return decades(1, lat.xMax); }, values: function (u, splits) { return splits.map(function (x) { return fmtPct(x, false); }); }, grid: { stroke: '#e3e6ec', width: 1 }, ticks: { stroke: '#c9ced8', width: 1 } },
        { label: 'latency', size: 72, splits: ySplits, values: function (u, splits) { return splits.map(fmtLat); }, grid: { stroke: '#e3e6ec', width: 1 }, ticks: { stroke: '#c9ced8', width: 1 } },
      ],
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      legend: { live: true },
      // uPlot may draw inside its constructor or on a later tick; ready needs both the drawing and \`plot\`.
      hooks: { draw: [function () { drawn = true; if (plot) markReady(); }] },
    };
    var ys = lat.series.map(function (s) { return s.y; });
    plot = new uPlot(opts, [lat.x].concat(ys), el);
    if (drawn) markReady();
    window.addEventListener('resize', function () { plot.setSize({ width: Math.max(320, el.clientWidth), height: height }); });
  } else {
    el.innerHTML = '<p class="empty">No latency data to plot.</p>';
    el.style.minHeight = '0';
    markReady();
  }
  function markReady() {
    if (ready) return;
    ready = true;
    var out = [];
    if (plot) {
      var canvas = el.querySelector('canvas');
      var r = canvas ? canvas.getBoundingClientRect() : { width: 0, height: 0 };
      out.push({ id: 'latency', kind: 'uplot', series: plot.series.length - 1, width: r.width, height: r.height });
    }
    Array.prototype.forEach.call(document.querySelectorAll('svg.bar-chart'), function (svg) {
      var r = svg.getBoundingClientRect();
      out.push({ id: svg.getAttribute('data-chart'), kind: 'svg', series: svg.querySelectorAll('g.bar-group').length, width: r.width, height: r.height });
    });
    // Issue 17: the timelines (one per row with a series), apart from the charts.
    var timelines = Array.prototype.map.call(document.querySelectorAll('svg.timeline'), function (svg) {
      var r = svg.getBoundingClientRect();
      return { row: svg.getAttribute('data-row'), lines: svg.querySelectorAll('g.line').length, disturbed: svg.querySelectorAll('rect.disturbed').length, width: r.width, height: r.height };
    });
    window.__reportReady = { protocols: data.protocols, charts: out, timelines: timelines };
  }
})();
`;

export function renderHtmlReport(result: BenchResult, opts: HtmlReportOptions): string {
  const groups = groupRuns(result.runs);
  const merged = mergeGroups(groups);
  const latency = percentileCurves(
    merged.map((m) => ({ label: m.group.label, color: m.group.color, h: m.h, repeats: m.repeats })),
  );
  const claims = opts.claims ?? claimsInResult(result);
  const repeats = Math.max(1, ...groups.map((g) => g.ok.length));
  const title = `${result.scenario}: protocol-bench report`;
  const stateBanner =
    result.state === 'complete'
      ? ''
      : `<div class="banner"><strong>This result is ${escapeHtml(result.state)}:</strong> not every planned run finished; compare the figures with care.</div>`;
  const openLoop = groups.some((g) => g.ok.some((r) => r.load.model !== 'closed'));
  const latencyOrigin = openLoop
    ? " Open-loop runs are timed from each call's intended start, so queueing behind a slow call counts (no coordinated omission)."
    : '';
  const repeatsNote = repeats > 1 ? ' Bars show the median over repeats; the whisker spans min to max.' : '';
  const charts = groups.length
    ? `
<section id="latency">
  <h2>Latency by percentile</h2>
  <p class="caption">Each protocol's latency at every percentile, from its HdrHistogram${repeats > 1 ? ' (repeats merged)' : ''}. The x axis gives each further nine equal width (x = 1/(1−p)); lower is better. A line ends where its sample count stops resolving percentiles, at its maximum.${latencyOrigin} Drag to zoom, double-click to reset.</p>
  <div id="latency-chart" class="chart"></div>
</section>
<section id="throughput-section">
  <h2>Throughput</h2>
  <p class="caption">Successful calls per second over the measured window; higher is better.${repeatsNote}</p>
  ${renderBarChart(throughputChart(groups))}
</section>${timelineSection(
        groups.map((g) => ({ label: g.label, color: g.color, runs: g.ok })),
        result.config.machine,
      )}
<section id="cpu-section">
  <h2>CPU per call</h2>
  <p class="caption">Process CPU time (user + system) of each side over the measured window, divided by successful calls, in microseconds; lower is better.${repeatsNote}</p>
  ${renderBarChart(cpuChart(groups))}
</section>
<section id="bytes-section">
  <h2>Bytes per call</h2>
  <p class="caption">Socket bytes per call in steady state, both directions, split into the application payload and the framing the protocol adds around it (headers, frame prefixes, envelopes).${repeatsNote}</p>
  ${renderBarChart(bytesChart(groups))}
  <h3>Setup per connection</h3>
  <p class="caption">One-time bytes to open one connection before the first call (handshakes, settings, subscriptions); not included above.</p>
  ${renderBarChart(setupChart(groups))}
</section>
<section id="figures">
  <h2>Figures</h2>
  <p class="caption">Medians over repeats; latency percentiles from the merged histograms.</p>
  ${figuresTable(groups, merged)}
  <h3>Drivers</h3>
  ${driversList(groups)}
</section>`
    : `<section><h2>No successful runs</h2><p class="empty">Nothing to chart: every run failed.</p><div id="latency-chart"></div></section>`;
  const notes = result.notes.length
    ? `<section id="notes"><h2>Notes</h2><ul>${result.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`
    : '';
  const data = { protocols: groups.length, latency };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${opts.assets.css.replace(/<\/(style)/gi, '<\\/$1')}</style>
<style>${CSS}${TIMELINE_CSS}</style>
</head>
<body>
<main>
<header>
  <h1>${escapeHtml(result.scenario)}</h1>
  <p class="desc">${escapeHtml(result.description)}</p>
  <div class="meta">protocol-bench result · ${escapeHtml(result.startedAt)} · ${groups.length} protocol${groups.length === 1 ? '' : 's'}${repeats > 1 ? `, up to ${repeats} repeats each` : ''}${opts.resultPath ? ` · ${escapeHtml(opts.resultPath)}` : ''}</div>
  ${stateBanner}
</header>
${failedSection(result.runs)}
${disturbedSection(result.runs)}
${claimsSection(claims)}
${charts}
${notes}
${environmentSection(result)}
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${inlineScript(opts.assets.js)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

export const htmlOutput: OutputEntry<false> = {
  description: 'one self-contained HTML page with charts (npm run report -- RESULT.json --html OUT.html)',
  summary: false,
  create: ({ claims, chartAssets }) => {
    // The page inlines uPlot; reading it is the edge's job, handed in as a function so this file stays pure.
    if (!chartAssets) throw new Error('the html output needs chartAssets (loadChartAssets from html-assets.ts)');
    const assets = chartAssets();
    return endOnly((result, resultPath) => renderHtmlReport(result, { assets, claims, resultPath }));
  },
};
