// Reads the chart library that the HTML report inlines, from node_modules at render time (the
// edge of report-html.ts, which stays pure). uPlot is a runtime dependency for this reason.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChartAssets } from './html.ts';

const require = createRequire(import.meta.url);

export function loadChartAssets(): ChartAssets {
  return {
    // The IIFE build defines a global `uPlot`, which the page script uses without a module loader.
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}
