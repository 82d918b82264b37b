// The HTML report's timelines (issue 17, item 3): pure rendering, then drawn in headless Chromium
// (Debian's chromium through playwright-core, as test/report-html.test.ts does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtmlReport } from '../harness/output/html.ts';
import { intervalDisturbance, timelineSection } from '../harness/output/html-timeline.ts';
import { loadChartAssets } from '../harness/output/html-assets.ts';
import { createHistogram, encodeHistogram } from '../harness/metrics/histogram.ts';
import type { BenchResult, RunRecord } from '../harness/results/types.ts';
import type { SeriesInterval } from '../harness/results/series.ts';
import { exampleResult, plottedProtocols } from './report-fixture.ts';

const assets = loadChartAssets();
const THRESHOLDS = { stealPct: 10, hiccupP99Us: 20_000, hiccupMaxUs: 250_000 };

function interval(i: number, ops: number, p99: number, over: Partial<SeriesInterval> = {}): SeriesInterval {
  const h = createHistogram();
  h.recordValueWithCount(p99, ops);
  return {
    tMs: i * 1000,
    durationMs: 1000,
    ops,
    errors: 0,
    latencyUs: { p50: p99, p90: p99, p99, max: p99 },
    achievedRate: ops,
    cpu: { server: 0.5, client: 0.3 },
    bytes: null,
    histogram: encodeHistogram(h),
    stealPct: 0,
    hiccupUs: { p99: 2000, max: 5000 },
    ...over,
  };
}

/** The README's getUser result, each run with a 10-interval series; interval 6 of each had 40% steal. */
function withSeries(): BenchResult {
  const base = exampleResult();
  const runs: RunRecord[] = base.runs.map((r, k) => ({
    ...r,
    startedAtMs: 1_700_000_000_000 + k * 20_000,
    intervalMs: 1000,
    series: Array.from({ length: 10 }, (_, i) =>
      interval(i, 1000 * (k + 1) + 50 * i, 500 + 40 * i, i === 6 ? { stealPct: 40 } : {}),
    ),
  }));
  return { ...base, runs };
}

test('an interval is disturbed when its steal or hiccups cross the machine thresholds', () => {
  assert.deepEqual(intervalDisturbance(interval(0, 1, 1), THRESHOLDS), []);
  assert.deepEqual(intervalDisturbance(interval(0, 1, 1, { stealPct: 12.5 }), THRESHOLDS), ['steal 12.5%']);
  assert.deepEqual(intervalDisturbance(interval(0, 1, 1, { hiccupUs: { p99: 30_000, max: 300_000 } }), THRESHOLDS), [
    'hiccup p99 30.0 ms',
    'hiccup max 300.0 ms',
  ]);
  // Old files (no steal, no hiccups): never shaded.
  const { stealPct: _s, hiccupUs: _h, ...bare } = interval(0, 1, 1, { stealPct: 99 });
  assert.deepEqual(intervalDisturbance(bare, THRESHOLDS), []);
});

test('results without series get no timeline section; with series, one row per protocol', () => {
  const old = exampleResult();
  assert.doesNotMatch(renderHtmlReport(old, { assets }), /timeline-section/);
  assert.equal(timelineSection([{ label: 'rest', color: '#000', runs: old.runs }], THRESHOLDS), '');
  const html = renderHtmlReport(withSeries(), { assets });
  const rows = [
    ...html.matchAll(/<svg class="timeline" data-row="([^"]*)" data-runs="1" data-intervals="10" data-disturbed="(\d+)"/g),
  ];
  assert.deepEqual(
    rows.map((m) => m[1]),
    plottedProtocols(withSeries()),
  );
  assert.ok(rows.every((m) => m[2] === '1'));
});

test(
  'in headless Chromium, offline: every row draws its throughput and p99 lines with the disturbed interval shaded',
  { timeout: 60_000 },
  async () => {
    const CHROMIUM = '/usr/bin/chromium';
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run \`apt-get install -y chromium\``);
    const { chromium } = await import('playwright-core');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'report-timeline-'));
    const result = withSeries();
    const file = path.join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(result, { assets }));
    const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
      offline: true,
      viewport: { width: 1100, height: 900 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction('window.__reportReady', undefined, { timeout: 15_000 });
      const ready = (await page.evaluate('window.__reportReady')) as {
        charts: { id: string }[];
        timelines: { row: string; lines: number; disturbed: number; width: number; height: number }[];
      };
      assert.deepEqual(errors, []);
      assert.deepEqual(
        ready.charts.map((c) => c.id),
        ['latency', 'throughput', 'cpu', 'bytes', 'setup'],
        'the other charts are as before',
      );
      assert.deepEqual(
        ready.timelines.map((t) => t.row),
        plottedProtocols(result),
      );
      for (const t of ready.timelines) {
        assert.equal(t.lines, 2, `${t.row}: a throughput and a p99 line`);
        assert.equal(t.disturbed, 2, `${t.row}: the disturbed interval shaded in both panels`);
        assert.ok(t.width > 500 && t.height > 60, `${t.row} has a real size: ${t.width}x${t.height}`);
      }
      // The lines are really drawn: every polyline has a visible extent and 10 points.
      const lines = (await page.evaluate(
        `Array.from(document.querySelectorAll('svg.timeline polyline'))` +
          '.map((p) => [p.getBoundingClientRect().width, p.points.length])',
      )) as [number, number][];
      assert.equal(lines.length, 2 * ready.timelines.length);
      for (const [width, points] of lines) assert.ok(width > 300 && points === 10, `line ${width}px, ${points} points`);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
