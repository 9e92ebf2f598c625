/**
 * Cold start: a new server process on a SQLite file that already holds many objects, from
 * fork to serving (the child reports once `start()` has resolved: storage opened and checked,
 * port bound). The OS page cache and tsx's transform cache are warm, as on a restart.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import { getBody, portOf } from '../support/kit-http.js';
import { median } from '../support/latency-stats.js';
import { WIDGETS_PATH } from '../support/widget-body.js';

interface Timings {
  moduleStartMs: number;
  importedMs: number;
  builtMs: number;
  startedMs: number;
  /** CPU time the process used up to serving (user + system), less sensitive to a busy machine than wall time. */
  cpuMs: number;
}

/**
 * @param filled a SQLite file already holding obj-0 .. obj-(bigStore-1) (the scaling suite's),
 *   if there is one; otherwise one is filled here.
 */
export async function coldStartSuite(report: BenchReport, s: BenchSettings, workDir: string, filled: string | undefined): Promise<void> {
  const n = s.bigStore;
  const tag = n >= 1000 ? `${n / 1000}k` : String(n);
  let file = filled && existsSync(filled) ? filled : undefined;
  if (!file) {
    file = join(workDir, 'cold.db');
    const filler = await ChildServer.start('servers/kit-server.ts', { storage: `sqlite:${file}` });
    await filler.server.call({ op: 'preload', upTo: n });
    await filler.server.stop();
  }
  const storage = `sqlite:${file}`;
  const totals: number[] = [];
  const phases: Timings[] = [];
  for (let i = 0; i < s.coldStarts; i++) {
    const forkedAt = performance.now();
    const { server, ready } = await ChildServer.start('servers/kit-server.ts', { storage, alreadyStored: n });
    totals.push(performance.now() - forkedAt);
    phases.push(ready.timings as Timings);
    // Serving means serving the data: the newest object is there.
    const check = await getBody(portOf(ready.url), `${WIDGETS_PATH}/obj-${n - 1}`);
    await server.stop();
    if (check.status !== 200) throw new Error(`after a cold start, obj-${n - 1} answered ${check.status}`);
  }
  const phase = (pick: (t: Timings) => number) => median(phases.map(pick));
  report.absolute('cold-start-node-and-tsx-boot', phase((t) => t.moduleStartMs), 'ms', 'process start to the first line of the server module');
  report.absolute('cold-start-imports', phase((t) => t.importedMs - t.moduleStartMs), 'ms', 'the kit, zod, Koa, better-sqlite3, etcd3 ...');
  report.absolute('cold-start-build', phase((t) => t.builtMs - t.importedMs), 'ms', 'ServerBuilder.build(): container, registries, OpenAPI');
  report.absolute('cold-start-start', phase((t) => t.startedMs - t.builtMs), 'ms', 'start(): open SQLite, ready(), listen');
  report.absolute('cold-start-cpu-time', phase((t) => t.cpuMs), 'ms', 'CPU the server process used up to serving');
  const total = median(totals) / 1000;
  report.absolute(`cold-start-sqlite-${tag}`, total, 's', `fork to serving, median of ${totals.length}`);
  report.ratio(
    `cold-start-sqlite-${tag}-seconds`,
    total,
    '<=',
    2,
    `${total.toFixed(2)} s from fork to serving with ${tag} objects in SQLite (CPU ${(phase((t) => t.cpuMs) / 1000).toFixed(2)} s)`,
  );
}
