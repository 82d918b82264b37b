// The HTML report's timelines (issue 17, item 3), pure: for each row (protocol, or protocol and
// variant) that has a per-interval series, throughput and p99 over the measured window, one line
// per repeat, with the intervals where the machine was disturbed (steal or hiccups over the
// config's `machine` thresholds) shaded behind them. Plain SVG computed here: no script needed.
import type { RunRecord, SeriesInterval } from '../results/schema.ts';

export interface TimelineRow {
  label: string;
  color: string;
  /** The row's runs that carry a series (repeats), in run order. */
  runs: readonly RunRecord[];
}

/** What marks an interval as disturbed: the thresholds of the config's `machine` block. */
export interface IntervalThresholds {
  stealPct: number;
  hiccupP99Us: number;
  hiccupMaxUs: number;
}

/** Pure: why an interval ran on a disturbed machine (empty: it did not, or nothing was measured). */
export function intervalDisturbance(x: SeriesInterval, t: IntervalThresholds): string[] {
  const out: string[] = [];
  if (typeof x.stealPct === 'number' && x.stealPct > t.stealPct) out.push(`steal ${x.stealPct}%`);
  const h = x.hiccupUs;
  if (h && h.p99 > t.hiccupP99Us) out.push(`hiccup p99 ${(h.p99 / 1000).toFixed(1)} ms`);
  if (h && h.max > t.hiccupMaxUs) out.push(`hiccup max ${(h.max / 1000).toFixed(1)} ms`);
  return out;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(max));
  const n = max / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

const fmtRate = (x: number): string => (x >= 1000 ? `${+(x / 1000).toPrecision(3)}k` : String(Math.round(x)));
const fmtUs = (us: number): string =>
  us < 1000 ? `${Math.round(us)} µs` : us < 1e6 ? `${+(us / 1000).toPrecision(3)} ms` : `${+(us / 1e6).toPrecision(3)} s`;

interface Panel {
  id: 'throughput' | 'p99';
  title: string;
  value: (x: SeriesInterval) => number | null;
  fmt: (v: number) => string;
}

const PANELS: readonly Panel[] = [
  { id: 'throughput', title: 'ops/s', value: (x) => (x.durationMs > 0 ? (x.ops * 1000) / x.durationMs : null), fmt: fmtRate },
  { id: 'p99', title: 'p99', value: (x) => x.latencyUs?.p99 ?? null, fmt: fmtUs },
];

const PANEL_W = 430;
const PANEL_H = 120;
const PAD = { left: 52, right: 8, top: 18, bottom: 22 };

/** One panel (throughput or p99) of a row: shaded disturbed intervals, a grid, a line per run. */
function renderPanel(row: TimelineRow, p: Panel, t: IntervalThresholds, x0: number): string {
  const runs = row.runs.map((r) => r.series!);
  const endMs = Math.max(1, ...runs.flat().map((x) => x.tMs + x.durationMs));
  const yMax = niceMax(Math.max(0, ...runs.flat().map((x) => p.value(x) ?? 0)));
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const sx = (ms: number): number => x0 + PAD.left + (ms / endMs) * w;
  const sy = (v: number): number => PAD.top + h - (v / yMax) * h;
  const parts: string[] = [];
  // Shading first, so the lines draw over it.
  for (const [i, series] of runs.entries())
    for (const x of series) {
      const why = intervalDisturbance(x, t);
      if (why.length === 0) continue;
      parts.push(
        `<rect class="disturbed" x="${sx(x.tMs).toFixed(1)}" y="${PAD.top}" width="${Math.max(1, sx(x.tMs + x.durationMs) - sx(x.tMs)).toFixed(1)}" height="${h}"><title>${esc(`repeat ${(row.runs[i]!.repeat ?? 0) + 1}, ${(x.tMs / 1000).toFixed(1)} s: machine disturbed (${why.join(', ')})`)}</title></rect>`,
      );
    }
  for (const f of [0, 0.5, 1]) {
    const y = sy(yMax * f).toFixed(1);
    parts.push(
      `<line class="grid" x1="${x0 + PAD.left}" x2="${x0 + PAD.left + w}" y1="${y}" y2="${y}"/><text class="tick" x="${x0 + PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="central">${esc(p.fmt(yMax * f))}</text>`,
    );
  }
  parts.push(
    `<text class="tick" x="${x0 + PAD.left}" y="${PANEL_H - 6}">0 s</text><text class="tick" x="${x0 + PAD.left + w}" y="${PANEL_H - 6}" text-anchor="end">${esc(`${+(endMs / 1000).toFixed(1)} s`)}</text>`,
    `<text class="panel-title" x="${x0 + PAD.left}" y="11">${esc(p.title)}</text>`,
  );
  for (const [i, series] of runs.entries()) {
    const pts = series
      .map((x) => ({ x, v: p.value(x) }))
      .filter((q): q is { x: SeriesInterval; v: number } => q.v !== null)
      .map((q) => ({ ...q, px: sx(q.x.tMs + q.x.durationMs / 2), py: sy(q.v) }));
    const line = pts.map((q) => `${q.px.toFixed(1)},${q.py.toFixed(1)}`).join(' ');
    const dots = pts
      .map(
        (q) =>
          `<circle cx="${q.px.toFixed(1)}" cy="${q.py.toFixed(1)}" r="2.2"><title>${esc(`${row.label} #${(row.runs[i]!.repeat ?? 0) + 1} at ${(q.x.tMs / 1000).toFixed(1)} s: ${p.fmt(q.v)}${p.id === 'p99' ? '' : ' ops/s'}`)}</title></circle>`,
      )
      .join('');
    parts.push(
      `<g class="line" data-panel="${p.id}" stroke="${row.color}" fill="${row.color}"><polyline fill="none" stroke-width="1.8" points="${line}"/>${dots}</g>`,
    );
  }
  return parts.join('');
}

function renderRow(row: TimelineRow, t: IntervalThresholds): string {
  const disturbed = row.runs.reduce((n, r) => n + r.series!.filter((x) => intervalDisturbance(x, t).length > 0).length, 0);
  const intervals = row.runs.reduce((n, r) => n + r.series!.length, 0);
  const W = 2 * PANEL_W + 20;
  return (
    `<h3><span class="dot" style="background:${row.color}"></span>${esc(row.label)}</h3>` +
    `<svg class="timeline" data-row="${esc(row.label)}" data-runs="${row.runs.length}" data-intervals="${intervals}" data-disturbed="${disturbed}" viewBox="0 0 ${W} ${PANEL_H}" width="100%" role="img" aria-label="${esc(row.label)} timeline">` +
    `${renderPanel(row, PANELS[0]!, t, 0)}${renderPanel(row, PANELS[1]!, t, PANEL_W + 20)}</svg>`
  );
}

/** The timeline section; empty when no run has a series (results written before issue 17). */
export function timelineSection(rows: readonly TimelineRow[], t: IntervalThresholds): string {
  const withSeries = rows
    .map((r) => ({ ...r, runs: r.runs.filter((x) => x.series && x.series.length > 0) }))
    .filter((r) => r.runs.length > 0);
  if (withSeries.length === 0) return '';
  const interval = withSeries[0]!.runs[0]!.intervalMs;
  return `
<section id="timeline-section">
  <h2>Over time</h2>
  <p class="caption">Throughput and p99 latency interval by interval${interval ? ` (${+(interval / 1000).toFixed(2)} s each)` : ''} over each measured window, one line per repeat; a call counts in the interval it completed in. Shaded: intervals where the machine was disturbed (steal over ${t.stealPct}%, or timer hiccups over the config's <code>machine</code> limits): figures there are noise, not findings.</p>
  ${withSeries.map((r) => renderRow(r, t)).join('\n  ')}
</section>`;
}

export const TIMELINE_CSS = `
svg.timeline { display: block; font-size: 11px; margin-bottom: 4px; }
svg.timeline .grid { stroke: var(--line); stroke-width: 1; }
svg.timeline .tick { fill: var(--muted); font-size: 10px; }
svg.timeline .panel-title { fill: var(--muted); font-weight: 600; }
svg.timeline rect.disturbed { fill: #f3c78b; fill-opacity: 0.45; }
`;
