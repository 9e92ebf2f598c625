/**
 * How cost grows with the number of stored objects, per storage: get and create throughput
 * and p99 latency with 1k, 10k and 100k Widgets stored, for the charts. Creates made by a
 * measurement are deleted before the next size, so each point is at its nominal size (plus
 * what one create round adds).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import type { LoadResult } from '../support/closed-loop-load.js';
import { restoreIntoFileStore } from '../support/file-store-restore.js';
import { getBody, portOf } from '../support/kit-http.js';
import type { KubeLike } from '../support/restored-objects.js';
import { WIDGETS_PATH } from '../support/widget-body.js';
import { etcdSpec } from './etcd.suite.js';
import { createLoad, getLoad } from '../support/widget-loads.js';

interface Point {
  get: LoadResult;
  create: LoadResult;
}

/** One storage of the charts; `fill` preloads up to n objects, however that store is best filled. */
interface StorageUnderTest {
  label: string;
  /** How a store is filled to size, and whether the server must be restarted to see it. */
  fill: 'kit' | 'file-restore' | 'etcd-restore';
  spec: string;
}

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** Where the scaling suite leaves its SQLite (NORMAL) file, filled to the largest size, for the cold start. */
export function scalingSqliteFile(workDir: string): string {
  return join(workDir, 'scaling', 'normal.db');
}

export async function scalingSuite(report: BenchReport, s: BenchSettings, workDir: string, etcdEndpoint: string | undefined): Promise<void> {
  const dir = join(workDir, 'scaling');
  mkdirSync(dir, { recursive: true });
  const roundMs = Math.max(250, s.roundMs / 2);
  const storages: StorageUnderTest[] = [
    { label: 'memory', fill: 'kit', spec: 'memory' },
    // SQLite FULL is left out: with group commit it charts like NORMAL (see the verbs figures).
    { label: 'SQLite', fill: 'kit', spec: `sqlite:${scalingSqliteFile(workDir)}` },
    { label: 'filesystem', fill: 'file-restore', spec: `file:${join(dir, 'files')}` },
  ];
  if (etcdEndpoint) storages.push({ label: 'etcd', fill: 'etcd-restore', spec: etcdSpec(etcdEndpoint, '/bench-scaling') });
  else report.note('scaling: etcd left out of the charts (no etcd adapter or binary)');

  const results = new Map<string, Array<Point | undefined>>();
  let template: KubeLike | undefined;
  let etcdFiller: Awaited<ReturnType<typeof ChildServer.start>> | undefined;
  try {
    for (const st of storages) {
      const points: Array<Point | undefined> = [];
      results.set(st.label, points);
      let child: Awaited<ReturnType<typeof ChildServer.start>> | undefined;
      let filled = 0;
      try {
        for (const [i, n] of s.scalingSizes.entries()) {
          const t0 = performance.now();
          if (st.fill === 'kit') {
            child ??= await ChildServer.start('servers/kit-server.ts', { storage: st.spec });
            await child.server.call({ op: 'preload', upTo: n });
          } else if (st.fill === 'file-restore') {
            // The filesystem store reads its root at startup: fill, then (re)start it.
            await child?.server.stop();
            await restoreIntoFileStore(join(dir, 'files'), template!, filled, n);
            const opened = performance.now();
            child = await ChildServer.start('servers/kit-server.ts', { storage: st.spec, alreadyStored: n });
            report.absolute(`scaling-filesystem-open-${label(n)}`, (performance.now() - opened) / 1000, 's', 'process start to serving, reading every object file');
          } else {
            etcdFiller ??= await ChildServer.start('baselines/raw-etcd-put.ts', {});
            await etcdFiller.server.call({ op: 'fill', endpoints: [etcdEndpoint], prefix: '/bench-scaling', template, from: filled, to: n });
            child ??= await ChildServer.start('servers/kit-server.ts', { storage: st.spec, alreadyStored: n });
          }
          filled = n;
          const port = portOf(child.ready.url);
          if (!template) {
            const got = await getBody(port, `${WIDGETS_PATH}/obj-0`);
            template = JSON.parse(got.body.toString('utf8')) as KubeLike;
          }
          const preloadS = (performance.now() - t0) / 1000;
          if (i === 0 || st.fill === 'file-restore') {
            // A new server process runs cold code: warm both paths, then drop what that created.
            await createLoad(port, s.warmupMs, s.connections);
            await child.server.call({ op: 'prune' });
          }
          await getLoad(port, i === 0 ? s.warmupMs : Math.min(500, roundMs), s.connections, n);
          const get = await getLoad(port, roundMs, s.connections, n);
          const create = await createLoad(port, roundMs, s.connections);
          points.push({ get, create });
          const tag = `scaling-${st.label.toLowerCase().replace(/\s+/g, '-')}-${label(n)}`;
          report.absolute(`${tag}-get`, get.perSecond, 'req/s', `p99 ${get.latency.p99.toFixed(1)} ms`);
          report.absolute(`${tag}-create`, create.perSecond, 'req/s', `p99 ${create.latency.p99.toFixed(1)} ms; filled in ${preloadS.toFixed(1)} s`);
          const errors = get.errors + create.errors;
          if (errors) report.note(`${tag}: ${errors} failed requests (${get.firstError ?? create.firstError})`);
          if (i < s.scalingSizes.length - 1) await child.server.call({ op: 'prune' });
        }
      } catch (err) {
        report.note(`scaling ${st.label} stopped: ${(err as Error).message.split('\n')[0]}`);
        while (points.length < s.scalingSizes.length) points.push(undefined);
      } finally {
        await child?.server.stop();
      }
    }
  } finally {
    // The directory stays until the run ends: the cold start reuses the SQLite file.
    await etcdFiller?.server.stop();
  }

  const categories = s.scalingSizes.map(label);
  const series = (pick: (p: Point) => number) => [...results].map(([name, pts]) => ({ name, values: pts.map((p) => (p ? pick(p) : undefined)) }));
  const common = { xLabel: `stored Widgets (${s.connections} requests in flight, plain HTTP)`, categories };
  report.chart('storage-create-throughput.svg', { ...common, title: 'Create throughput by stored objects', yLabel: 'creates/s', series: series((p) => p.create.perSecond), logY: true });
  report.chart('storage-create-p99.svg', { ...common, title: 'Create latency p99 by stored objects', yLabel: 'p99 ms', series: series((p) => p.create.latency.p99), logY: true });
  report.chart('storage-get-throughput.svg', { ...common, title: 'Get throughput by stored objects', yLabel: 'gets/s', series: series((p) => p.get.perSecond) });
  report.chart('storage-get-p99.svg', { ...common, title: 'Get latency p99 by stored objects', yLabel: 'p99 ms', series: series((p) => p.get.latency.p99), logY: true });
}
