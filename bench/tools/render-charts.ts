/**
 * Re-renders the SVG charts of a finished run from its results.json, for changing how charts
 * look without measuring again.
 *
 *   npx tsx bench/tools/render-charts.ts [bench/results/results.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderLineChart, type LineChart } from '../support/svg-line-chart.js';

const file = process.argv[2] ?? 'bench/results/results.json';
const results = JSON.parse(readFileSync(file, 'utf8')) as { charts: Record<string, LineChart> };
for (const [name, chart] of Object.entries(results.charts)) {
  // JSON turned skipped points (undefined) into null.
  const series = chart.series.map((s) => ({ ...s, values: s.values.map((v) => (v === null ? undefined : v)) }));
  writeFileSync(join(dirname(file), name), renderLineChart({ ...chart, series }));
  console.log(`wrote ${join(dirname(file), name)}`);
}
