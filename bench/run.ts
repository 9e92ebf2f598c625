/**
 * `npm run bench`: the kit against baselines measured in the same run, one line per figure,
 *
 *   ratio NAME VALUE target >=X     (or <=X)
 *
 * with the absolute numbers behind each on `abs` lines, `skipped` lines for figures that could
 * not run here, and charts written to bench/results/. Everything runs on 127.0.0.1, bounded
 * in time and count: a few minutes in all, about half a minute with BENCH_QUICK=1.
 * BENCH_ONLY=verbs,watch,... runs some suites only (verbs, watch, list, cold, etcd, scaling).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchReport } from './support/bench-report.js';
import { benchSettings } from './support/bench-settings.js';
import { findEtcd, LocalEtcd } from './support/local-etcd.js';
import { machineInfo } from './support/machine-info.js';
import { MachineNoise } from './support/machine-noise.js';
import { renderLineChart } from './support/svg-line-chart.js';
import { coldStartSuite } from './suites/cold-start.suite.js';
import { etcdSuite, etcdAdapterPresent } from './suites/etcd.suite.js';
import { httpVerbsSuite } from './suites/http-verbs.suite.js';
import { listAndHeapSuite } from './suites/list-and-heap.suite.js';
import { scalingSqliteFile, scalingSuite } from './suites/scaling.suite.js';
import { watchFanoutSuite } from './suites/watch-fanout.suite.js';

const settings = benchSettings();
const report = new BenchReport();
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (suite: string) => !only || only.includes(suite);
// A smoke run or a run of some suites does not overwrite the full run's results and charts.
const resultsDir = fileURLToPath(new URL(settings.quick ? './results/quick/' : only ? './results/partial/' : './results/', import.meta.url));
const began = performance.now();
const noise = new MachineNoise();
// Databases and files of the run, on the disk the OS temp directory is on.
const workDir = mkdtempSync(join(tmpdir(), 'apiserver-kit-bench-'));

const machine = machineInfo();
report.note(
  `machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}` +
    (settings.quick ? '; BENCH_QUICK=1: short rounds, small stores, indicative only' : ''),
);
report.note('plain HTTP on 127.0.0.1 on both sides of every HTTP comparison; servers in child processes, the load generator in this one');

// etcd is started once, for its figure and its chart, when both the adapter and a binary exist.
let etcd: LocalEtcd | undefined;
let etcdSkip: string | undefined;
if (wanted('etcd') || wanted('scaling')) {
  const binary = findEtcd();
  if (!(await etcdAdapterPresent())) etcdSkip = 'the etcd storage adapter (src/adapters/storage/etcd) is not there';
  else if (!binary) etcdSkip = 'no etcd binary (/usr/bin/etcd, /usr/local/bin/etcd or $ETCD_BIN)';
  else {
    try {
      etcd = await LocalEtcd.start(binary);
    } catch (err) {
      etcdSkip = `etcd did not start: ${(err as Error).message}`;
    }
  }
}

let failed = false;
const suites: Array<[string, () => Promise<void>]> = [
  ['verbs', () => httpVerbsSuite(report, settings)],
  ['watch', () => watchFanoutSuite(report, settings)],
  ['list', () => listAndHeapSuite(report, settings)],
  ['etcd', () => (etcd ? etcdSuite(report, settings, etcd.endpoint) : Promise.resolve(report.skip('create-etcd-vs-raw-etcd3', etcdSkip!)))],
  ['scaling', () => scalingSuite(report, settings, workDir, etcd?.endpoint)],
  // After scaling: a restart on the SQLite file it filled.
  ['cold', () => coldStartSuite(report, settings, workDir, wanted('scaling') && settings.scalingSizes.includes(settings.bigStore) ? scalingSqliteFile(workDir) : undefined)],
];
try {
  for (const [name, suite] of suites) {
    if (!wanted(name)) continue;
    const t0 = performance.now();
    try {
      await suite();
      report.note(`suite ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      failed = true;
      report.note(`suite ${name} failed: ${(err as Error).stack ?? String(err)}`);
    }
  }
} finally {
  await etcd?.stop();
  rmSync(workDir, { recursive: true, force: true });
}

mkdirSync(resultsDir, { recursive: true });
for (const [file, chart] of report.charts) writeFileSync(`${resultsDir}${file}`, renderLineChart(chart));
const others = noise.report();
if (others) {
  report.note(
    `other processes used ${others.otherCpuSeconds.toFixed(0)} CPU-seconds during the run (${(others.otherShare * 100).toFixed(0)}% of the machine)` +
      (others.otherShare > 0.1 ? ': a busy machine; absolute numbers are low and ratios noisier than usual' : ''),
  );
}
const results = {
  otherProcessesCpuShare: others?.otherShare,
  date: new Date().toISOString(),
  machine,
  quick: settings.quick,
  seconds: (performance.now() - began) / 1000,
  ratios: report.ratios,
  absolutes: report.absolutes,
  skipped: report.skipped,
  charts: Object.fromEntries(report.charts),
};
writeFileSync(`${resultsDir}results.json`, JSON.stringify(results, null, 2) + '\n');
writeFileSync(`${resultsDir}results.md`, report.markdownTable());

const missed = report.ratios.filter((r) => !r.met);
report.note(`done in ${results.seconds.toFixed(0)} s; ${report.ratios.length - missed.length} of ${report.ratios.length} targets met`);
for (const m of missed) report.note(`missed: ${m.name} ${m.value.toFixed(2)} (target ${m.op}${m.target}): ${m.detail}`);
report.note(`results and charts in ${resultsDir}`);
process.exit(failed ? 1 : 0);
