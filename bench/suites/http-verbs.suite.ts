/**
 * Create and get over HTTP: the kit on memory against bare Koa, SQLite NORMAL against memory,
 * and SQLite FULL against raw better-sqlite3 with one FULL transaction per insert. Every HTTP
 * side gets the same client, the same body and the same number of requests in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alternatingRounds, medianOf } from '../support/alternating-rounds.js';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import type { LoadResult } from '../support/closed-loop-load.js';
import { getBody, portOf } from '../support/kit-http.js';
import { WIDGETS_PATH } from '../support/widget-body.js';
import { createLoad, getLoad } from '../support/widget-loads.js';

function describe(r: LoadResult[]): string {
  const rps = medianOf(r, (x) => x.perSecond);
  const p99 = medianOf(r, (x) => x.latency.p99);
  return `${rps.toFixed(0)}/s p99 ${p99.toFixed(1)} ms`;
}

function checkErrors(report: BenchReport, name: string, results: LoadResult[]): void {
  const errors = results.reduce((n, r) => n + r.errors, 0);
  if (errors) report.note(`${name}: ${errors} failed requests (first: ${results.find((r) => r.firstError)?.firstError})`);
}

type Measured = LoadResult & { serverCpuUs: number };

function absolutes(report: BenchReport, name: string, results: Measured[]): void {
  checkErrors(report, name, results);
  report.absolute(`${name}-throughput`, medianOf(results, (r) => r.perSecond), 'req/s', `median of ${results.length} rounds`);
  report.absolute(`${name}-p50`, medianOf(results, (r) => r.latency.p50), 'ms');
  report.absolute(`${name}-p99`, medianOf(results, (r) => r.latency.p99), 'ms');
  report.absolute(`${name}-server-cpu`, medianOf(results, (r) => r.serverCpuUs), 'us/req', 'CPU time of the server process per request');
}

/** A load on a child server, with the server's CPU time per request. */
function measured(child: ChildServer, load: () => Promise<LoadResult>): () => Promise<Measured> {
  return () => child.measureCpu(load, (r) => r.requests);
}

export async function httpVerbsSuite(report: BenchReport, s: BenchSettings): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-kit-bench-verbs-'));
  const children: ChildServer[] = [];
  const start = async (script: string, config: unknown) => {
    const { server, ready } = await ChildServer.start(script, config);
    children.push(server);
    return { server, port: ready.url ? portOf(ready.url) : 0 };
  };
  try {
    // --- create and get: memory vs bare Koa. A third side, the kit serving Widgets from a
    // handler over a Map, splits the gap: kit HTTP adapter and validation vs registry and store.
    const [kit, koa, handler] = await Promise.all([
      start('servers/kit-server.ts', { storage: 'memory' }),
      start('servers/bare-koa-server.ts', {}),
      start('servers/kit-server.ts', { storage: 'handler' }),
    ]);
    const sides = [kit, koa, handler];
    for (const side of sides) await createLoad(side.port, s.warmupMs, s.connections);
    const [kitCreate, koaCreate, handlerCreate] = await alternatingRounds(
      s.rounds,
      sides.map((side) => measured(side.server, () => createLoad(side.port, s.roundMs, s.connections))),
    );
    absolutes(report, 'create-memory', kitCreate!);
    absolutes(report, 'create-koa', koaCreate!);
    absolutes(report, 'create-kit-handler', handlerCreate!);
    report.ratio(
      'create-memory-vs-koa',
      medianOf(kitCreate!, (r) => r.perSecond) / medianOf(koaCreate!, (r) => r.perSecond),
      '>=',
      0.7,
      `kit ${describe(kitCreate!)} vs Koa ${describe(koaCreate!)}`,
    );

    // The Koa side serves the very objects the kit serves, so both answer the same JSON.
    const objects = 1000;
    await kit.server.call({ op: 'preload', upTo: objects });
    const listed = await getBody(kit.port, `${WIDGETS_PATH}?labelSelector=bench%3Dpreload`);
    const items = (JSON.parse(listed.body.toString('utf8')) as { items: unknown[] }).items;
    await koa.server.call({ op: 'load', items });
    await handler.server.call({ op: 'preload', upTo: objects });
    for (const side of sides) await getLoad(side.port, s.warmupMs, s.connections, objects);
    const [kitGet, koaGet, handlerGet] = await alternatingRounds(
      s.rounds,
      sides.map((side) => measured(side.server, () => getLoad(side.port, s.roundMs, s.connections, objects))),
    );
    absolutes(report, 'get-memory', kitGet!);
    absolutes(report, 'get-koa', koaGet!);
    absolutes(report, 'get-kit-handler', handlerGet!);
    report.ratio(
      'get-memory-vs-koa',
      medianOf(kitGet!, (r) => r.perSecond) / medianOf(koaGet!, (r) => r.perSecond),
      '>=',
      0.85,
      `kit ${describe(kitGet!)} vs Koa ${describe(koaGet!)}`,
    );
    await Promise.all(sides.map((side) => side.server.stop()));

    // --- create: SQLite NORMAL vs memory, both starting empty
    const [mem, normal] = await Promise.all([
      start('servers/kit-server.ts', { storage: 'memory' }),
      start('servers/kit-server.ts', { storage: `sqlite:${join(dir, 'normal.db')}` }),
    ]);
    await createLoad(mem.port, s.warmupMs, s.connections);
    await createLoad(normal.port, s.warmupMs, s.connections);
    const [normalCreate, memCreate] = await alternatingRounds(s.rounds, [
      measured(normal.server, () => createLoad(normal.port, s.roundMs, s.connections)),
      measured(mem.server, () => createLoad(mem.port, s.roundMs, s.connections)),
    ]);
    absolutes(report, 'create-sqlite-normal', normalCreate!);
    absolutes(report, 'create-memory-again', memCreate!);
    report.ratio(
      'create-sqlite-normal-vs-memory',
      medianOf(normalCreate!, (r) => r.perSecond) / medianOf(memCreate!, (r) => r.perSecond),
      '>=',
      0.6,
      `SQLite NORMAL ${describe(normalCreate!)} vs memory ${describe(memCreate!)}`,
    );
    await Promise.all([mem.server.stop(), normal.server.stop()]);

    // --- create: SQLite FULL vs raw better-sqlite3, one FULL transaction per insert
    const [full, raw] = await Promise.all([
      start('servers/kit-server.ts', { storage: `sqlite:${join(dir, 'full.db')}?synchronous=FULL` }),
      start('baselines/raw-sqlite-full.ts', {}),
    ]);
    const rawRun = (ms: number) =>
      raw.server.measureCpu(() => raw.server.call<{ perSecond: number; writes: number }>({ op: 'run', path: join(dir, 'raw.db'), ms }), (r) => r.writes);
    await createLoad(full.port, s.warmupMs, s.connections);
    await rawRun(s.warmupMs);
    const [fullCreate, rawFull] = await alternatingRounds<{ perSecond: number; serverCpuUs: number }>(s.rounds, [
      measured(full.server, () => createLoad(full.port, s.roundMs, s.connections)),
      () => rawRun(s.roundMs),
    ]);
    const kitFull = fullCreate as Measured[];
    absolutes(report, 'create-sqlite-full', kitFull);
    const rawRate = medianOf(rawFull!, (r) => r.perSecond);
    report.absolute('raw-sqlite-full-one-txn-per-insert', rawRate, 'writes/s', 'better-sqlite3, one caller');
    report.absolute('raw-sqlite-full-cpu', medianOf(rawFull!, (r) => r.serverCpuUs), 'us/write', 'CPU time of the raw process per insert');
    report.ratio(
      'create-sqlite-full-vs-raw-full',
      medianOf(kitFull, (r) => r.perSecond) / rawRate,
      '>=',
      1.0,
      `kit over HTTP ${describe(kitFull)} vs raw ${rawRate.toFixed(0)} inserts/s`,
    );
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
