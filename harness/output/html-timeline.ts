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

/** An SVG (or HTML) element from its attributes; attribute values are escaped, `inner` is not. */
function el(tag: string, attrs: Record<string, string | number>, inner?: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(String(v))}"`)
    .join('');
  return inner === undefined ? `<${tag}${a}/>` : `<${tag}${a}>${inner}</${tag}>`;
}

const px = (v: number): string => v.toFixed(1);
const runName = (r: RunRecord): string => `#${(r.repeat ?? 0) + 1}`;

/** One panel (throughput or p99) of a row: shaded disturbed intervals, a grid, a line per run. */
function renderPanel(row: TimelineRow, p: Panel, t: IntervalThresholds, x0: number): string {
  const runs = row.runs.map((r) => r.series!);
  const endMs = Math.max(1, ...runs.flat().map((x) => x.tMs + x.durationMs));
  const yMax = niceMax(Math.max(0, ...runs.flat().map((x) => p.value(x) ?? 0)));
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const left = x0 + PAD.left;
  const sx = (ms: number): number => left + (ms / endMs) * w;
  const sy = (v: number): number => PAD.top + h - (v / yMax) * h;
  const parts: string[] = [];
  // Shading first, so the lines draw over it.
  for (const [i, series] of runs.entries())
    for (const x of series) {
      const why = intervalDisturbance(x, t);
      if (why.length === 0) continue;
      const title = `${runName(row.runs[i]!)} at ${(x.tMs / 1000).toFixed(1)} s: machine disturbed (${why.join(', ')})`;
      const width = Math.max(1, sx(x.tMs + x.durationMs) - sx(x.tMs));
      parts.push(
        el(
          'rect',
          { class: 'disturbed', x: px(sx(x.tMs)), y: PAD.top, width: px(width), height: h },
          `<title>${esc(title)}</title>`,
        ),
      );
    }
  for (const f of [0, 0.5, 1]) {
    const y = px(sy(yMax * f));
    parts.push(
      el('line', { class: 'grid', x1: left, x2: left + w, y1: y, y2: y }),
      el('text', { class: 'tick', x: left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'central' }, esc(p.fmt(yMax * f))),
    );
  }
  parts.push(
    el('text', { class: 'tick', x: left, y: PANEL_H - 6 }, '0 s'),
    el('text', { class: 'tick', x: left + w, y: PANEL_H - 6, 'text-anchor': 'end' }, esc(`${+(endMs / 1000).toFixed(1)} s`)),
    el('text', { class: 'panel-title', x: left, y: 11 }, esc(p.title)),
  );
  for (const [i, series] of runs.entries()) {
    const pts = series
      .map((x) => ({ x, v: p.value(x) }))
      .filter((q): q is { x: SeriesInterval; v: number } => q.v !== null)
      .map((q) => ({ ...q, cx: px(sx(q.x.tMs + q.x.durationMs / 2)), cy: px(sy(q.v)) }));
    const unit = p.id === 'p99' ? '' : ' ops/s';
    const dots = pts.map((q) => {
      const title = `${row.label} ${runName(row.runs[i]!)} at ${(q.x.tMs / 1000).toFixed(1)} s: ${p.fmt(q.v)}${unit}`;
      return el('circle', { cx: q.cx, cy: q.cy, r: 2.2 }, `<title>${esc(title)}</title>`);
    });
    const line = el('polyline', { fill: 'none', 'stroke-width': 1.8, points: pts.map((q) => `${q.cx},${q.cy}`).join(' ') });
    parts.push(el('g', { class: 'line', 'data-panel': p.id, stroke: row.color, fill: row.color }, line + dots.join('')));
  }
  return parts.join('');
}

function renderRow(row: TimelineRow, t: IntervalThresholds): string {
  const disturbed = row.runs.reduce((n, r) => n + r.series!.filter((x) => intervalDisturbance(x, t).length > 0).length, 0);
  const svg = {
    class: 'timeline',
    'data-row': row.label,
    'data-runs': row.runs.length,
    'data-intervals': row.runs.reduce((n, r) => n + r.series!.length, 0),
    'data-disturbed': disturbed,
    viewBox: `0 0 ${2 * PANEL_W + 20} ${PANEL_H}`,
    width: '100%',
    role: 'img',
    'aria-label': `${row.label} timeline`,
  };
  return (
    `<h3>${el('span', { class: 'dot', style: `background:${row.color}` }, '')}${esc(row.label)}</h3>` +
    el('svg', svg, renderPanel(row, PANELS[0]!, t, 0) + renderPanel(row, PANELS[1]!, t, PANEL_W + 20))
  );
}

/** The timeline section; empty when no run has a series (results written before issue 17). */
export function timelineSection(rows: readonly TimelineRow[], t: IntervalThresholds): string {
  const withSeries = rows
    .map((r) => ({ ...r, runs: r.runs.filter((x) => x.series && x.series.length > 0) }))
    .filter((r) => r.runs.length > 0);
  if (withSeries.length === 0) return '';
  const interval = withSeries[0]!.runs[0]!.intervalMs;
  const each = interval ? ` (${+(interval / 1000).toFixed(2)} s each)` : '';
  const caption =
    `Throughput and p99 latency interval by interval${each} over each measured window, one line per repeat; ` +
    'a call counts in the interval it completed in. Shaded: intervals where the machine was disturbed ' +
    `(steal over ${t.stealPct}%, or timer hiccups over the config's <code>machine</code> limits): ` +
    'figures there are noise, not findings.';
  return `
<section id="timeline-section">
  <h2>Over time</h2>
  <p class="caption">${caption}</p>
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
