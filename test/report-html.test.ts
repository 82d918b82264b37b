import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { escapeHtml, ninesLabel, percentileCurves, renderHtmlReport, type LatencyData } from '../harness/output/html.ts';
import { loadChartAssets } from '../harness/output/html-assets.ts';
import { mergeEncoded } from '../harness/metrics/histogram.ts';
import { HOSTILE_NAME, exampleResult, plottedProtocols, repeatedResult, sampleClaims } from './report-fixture.ts';

const assets = loadChartAssets();

function embeddedData(html: string): { protocols: number; latency: LatencyData } {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the report embeds its data as JSON');
  return JSON.parse(m[1] as string);
}

// ---------------------------------------------------------------------------------------------
// (a) pure rendering

test('the page is self-contained: no external script, stylesheet, image or import', () => {
  const html = renderHtmlReport(repeatedResult(), { assets, claims: sampleClaims() });
  assert.doesNotMatch(html, /<(script|link|img|iframe|source|embed)\b[^>]*\b(src|href)\s*=/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /@import|url\(\s*['"]?(https?:)?\/\//i);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?https?:\/\//i);
  // The CSP makes the browser refuse any fetch the page might still attempt.
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.ok(html.includes(assets.js.slice(0, 200)), 'uPlot is inlined');
});

test('a protocol name with <script> in it is escaped everywhere', () => {
  const html = renderHtmlReport(repeatedResult(), { assets });
  assert.ok(!html.includes('<script>alert'), 'no live script from the name');
  assert.equal(html.match(/<script\b/g)?.length, 3, 'only the data, library and page scripts');
  assert.ok(html.includes(escapeHtml(HOSTILE_NAME)));
  // In the embedded JSON, '<' is \u003c so the name cannot close the data block.
  assert.ok(html.includes('evil\\u003cscript>'));
  assert.ok(embeddedData(html).latency.series.some((s) => s.label === HOSTILE_NAME));
});

test('every protocol is in the percentile chart and in every bar chart, repeats merged', () => {
  const result = repeatedResult();
  const html = renderHtmlReport(result, { assets });
  const protocols = plottedProtocols(result);
  const data = embeddedData(html);
  assert.equal(data.protocols, protocols.length);
  assert.deepEqual(
    data.latency.series.map((s) => s.label),
    protocols,
  );
  for (const id of ['throughput', 'cpu', 'bytes', 'setup']) {
    const svg = new RegExp(`<svg class="bar-chart" data-chart="${id}" data-series="(\\d+)"[\\s\\S]*?</svg>`).exec(html);
    assert.ok(svg, `${id} chart`);
    assert.equal(Number(svg[1]), protocols.length, `${id} has one group per protocol`);
    for (const p of protocols) assert.ok(svg[0].includes(`data-protocol="${escapeHtml(p)}"`), `${id} has ${p}`);
  }
  // Three repeats: one merged curve with three runs' samples, bars at the median with min-max.
  const rest = data.latency.series.find((s) => s.label === 'rest');
  const restRuns = result.runs.filter((r) => r.protocol === 'rest');
  assert.equal(rest?.repeats, 3);
  assert.equal(
    rest?.count,
    restRuns.reduce((s, r) => s + (r.latencyUs?.count ?? 0), 0),
  );
  assert.match(html, /39,466 calls\/s \(36,704–41,440, n=3\)/);
});

test('failed runs are listed with their error; claims render only when present', () => {
  const result = repeatedResult();
  const withClaims = renderHtmlReport(result, { assets, claims: sampleClaims() });
  assert.match(withClaims, /<section id="failed"/);
  assert.ok(withClaims.includes('server exited with code 1 before listening: &lt;EADDRINUSE&gt;'));
  assert.ok(
    !embeddedData(withClaims).latency.series.some((s) => s.label === 'http3'),
    'a protocol that never succeeded is not plotted',
  );
  assert.match(withClaims, /<section id="claims">/);
  assert.ok(withClaims.includes('SSE &lt;needs&gt; a second connection'));
  assert.match(withClaims, /class="badge fail">refuted</);
  assert.match(withClaims, /class="badge pass">holds</);

  const plain = renderHtmlReport(exampleResult(), { assets });
  assert.doesNotMatch(plain, /id="claims"|id="failed"/);
  // Claims carried by the result itself are used when none are passed.
  const carried = renderHtmlReport({ ...exampleResult(), claims: sampleClaims() } as ReturnType<typeof exampleResult>, {
    assets,
  });
  assert.match(carried, /<section id="claims">/);
});

test('the environment and the notes are shown', () => {
  const r = exampleResult();
  const html = renderHtmlReport(r, { assets });
  assert.ok(html.includes(escapeHtml(r.environment.cpuModel)));
  assert.ok(html.includes('server on CPU 0, load generator on CPU 1 (taskset)'));
  for (const n of r.notes) assert.ok(html.includes(escapeHtml(n)));
});

test('percentile curves: on the nines grid, non-decreasing, ending at the maximum', () => {
  const run = exampleResult().runs[0];
  assert.ok(run?.latencyUs);
  const h = mergeEncoded([run.latencyUs.histogram]);
  const d = percentileCurves([{ label: 'rest', color: '#000', h, repeats: 1 }]);
  const y = d.series[0]?.y ?? [];
  assert.equal(d.x[0], 1);
  assert.equal(y[0], h.getValueAtPercentile(0));
  assert.equal(d.x.at(-1), h.totalCount);
  assert.equal(y.at(-1), h.maxValue);
  for (let i = 1; i < y.length; i++) assert.ok((y[i] as number) >= (y[i - 1] as number), `non-decreasing at ${i}`);
  const at = (x: number): number => y[d.x.indexOf(x)] as number;
  assert.equal(at(10), h.getValueAtPercentile(90));
  assert.equal(at(100), h.getValueAtPercentile(99));
  assert.deepEqual([1, 10, 100, 1000, 1e4, 1e5].map(ninesLabel), ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']);
});

// ---------------------------------------------------------------------------------------------
// (b) in a real browser

const CHROMIUM = '/usr/bin/chromium';
// Offline, as the machine's notes require: no background services, no first-run network calls.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface ReadyChart {
  id: string;
  kind: string;
  series: number;
  width: number;
  height: number;
}

test(
  'in headless Chromium, offline: every chart renders with one series per protocol and the page is not blank',
  { timeout: 60_000 },
  async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: the browser test needs Debian's chromium; run \`apt-get install -y chromium\``,
    );
    const { chromium } = await import('playwright-core');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'report-html-'));
    const userDataDir = path.join(dir, 'profile');
    const result = repeatedResult();
    const protocols = plottedProtocols(result);
    const file = path.join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(result, { assets, claims: sampleClaims() }));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      offline: true,
      viewport: { width: 1100, height: 900 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const external: string[] = [];
      const errors: string[] = [];
      page.on('request', (req) => {
        if (!/^(file|data|blob):/.test(req.url())) external.push(req.url());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction('window.__reportReady', undefined, { timeout: 15_000 });
      const ready = (await page.evaluate('window.__reportReady')) as { protocols: number; charts: ReadyChart[] };
      assert.deepEqual(errors, [], 'no script errors');
      assert.deepEqual(external, [], 'no network requests');
      assert.equal(ready.protocols, protocols.length);
      assert.deepEqual(
        ready.charts.map((c) => c.id),
        ['latency', 'throughput', 'cpu', 'bytes', 'setup'],
      );
      for (const c of ready.charts) {
        assert.ok(c.width > 100 && c.height > 100, `${c.id} has a real size: ${c.width}x${c.height}`);
        assert.equal(c.series, protocols.length, `${c.id} plots one series per protocol`);
      }
      // The percentile chart's canvas really has the lines on it: pixels of each series' colour.
      const colours = embeddedData(await page.content()).latency.series.map((s) => s.color);
      const counts = (await page.evaluate(`(() => {
      const canvas = document.querySelector('#latency-chart canvas');
      const ctx = canvas.getContext('2d');
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const want = ${JSON.stringify(colours)}.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
      const counts = want.map(() => 0);
      let painted = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] < 200) continue;
        painted++;
        want.forEach((w, k) => { if (Math.abs(px[i] - w[0]) + Math.abs(px[i + 1] - w[1]) + Math.abs(px[i + 2] - w[2]) < 24) counts[k]++; });
      }
      return { painted, counts };
    })()`)) as { painted: number; counts: number[] };
      assert.ok(counts.painted > 2000, `the latency canvas is drawn on (${counts.painted} opaque pixels)`);
      // 'rest' and the hostile copy share a curve, so only the one drawn last may hide the other.
      const visible = counts.counts.filter((n) => n > 30).length;
      assert.ok(visible >= protocols.length - 1, `series colours on the canvas: ${counts.counts.join(', ')}`);
      // The bars are drawn too: every chart has a non-empty rect.
      const rects = (await page.evaluate(
        `Array.from(document.querySelectorAll('svg.bar-chart')).map((svg) => Array.from(svg.querySelectorAll('rect')).filter((r) => r.getBoundingClientRect().width > 1).length)`,
      )) as number[];
      for (const n of rects) assert.ok(n > 0, `each bar chart draws bars: ${rects.join(', ')}`);
      const png = await page.screenshot({ fullPage: true });
      assert.ok(png.length > 50_000, `the screenshot has content (${png.length} bytes)`);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
