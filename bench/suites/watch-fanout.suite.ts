/**
 * Watch fan-out: events delivered per second to W watchers while writes arrive as fast as the
 * server takes them, against a bare node:http server that writes the same event line to W
 * open streams; and write-to-event latency at a fixed write rate. The kit runs on memory
 * storage so that the figure is the watch path's, not a disk's.
 */
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import { closedLoopLoad } from '../support/closed-loop-load.js';
import { currentResourceVersion, portOf } from '../support/kit-http.js';
import { summarize, SampleBuffer, median } from '../support/latency-stats.js';
import { RawHttpConnection, requestBytes } from '../support/raw-http-connection.js';
import { WatchStreamClient } from '../support/watch-stream-client.js';
import { WIDGETS_PATH, widgetJson } from '../support/widget-body.js';

/** Concurrent writers during a burst: enough to keep either server busy. */
const WRITERS = 16;
/** Longest wait for the last event of a burst or latency run before it counts as lost. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface Side {
  name: 'kit' | 'bare' | 'bare-coalesced';
  port: number;
  /** A watch path that starts now, with no replay of stored objects. */
  watchPath: () => Promise<string>;
  /** The server process, for its CPU time. */
  server: ChildServer;
}

let runId = 0;
/** Object names `ev-N` are unique across the run: the kit keeps every object it was sent. */
let evSeq = 0;

async function openWatchers(side: Side, count: number, onEvent?: (seq: number, at: number) => void): Promise<WatchStreamClient[]> {
  const path = await side.watchPath();
  const watchers: WatchStreamClient[] = [];
  // In batches: a thousand simultaneous connects would overflow the listen backlog.
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => new WatchStreamClient(side.port, path, onEvent));
    const statuses = await Promise.all(batch.map((w) => w.started()));
    watchers.push(...batch);
    const bad = statuses.find((st) => st !== 200);
    if (bad !== undefined) throw new Error(`${side.name}: a watch answered ${bad}`);
  }
  return watchers;
}

async function allReceived(watchers: WatchStreamClient[], count: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS)));
  const done = Promise.all(watchers.map((w) => w.receivedAll(count))).then(() => true);
  const ok = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return ok;
}

/** `writes` creates as fast as the server takes them; events/s from the first write to the last event. */
export async function burst(side: Side, watchers: number, writes: number): Promise<{ eventsPerSecond: number; clientCpu: number; lost: number; errors: number }> {
  const ws = await openWatchers(side, watchers);
  try {
    const prefix = `fan-${++runId}`;
    const send = (n: number, tag: string) =>
      closedLoopLoad({
        port: side.port,
        connections: WRITERS,
        durationMs: 120_000,
        maxRequests: n,
        request: (seq) => requestBytes('POST', WIDGETS_PATH, widgetJson(`${prefix}-${tag}-${seq}`)),
      });
    // A short unmeasured burst first: both servers then run compiled code on a warm path.
    const warm = Math.max(50, Math.floor(writes / 5));
    await send(warm, 'w');
    await allReceived(ws, warm);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const load = await send(writes, 'm');
    if (load.errors) throw new Error(`${side.name}: ${load.errors} writes failed (${load.firstError})`);
    const complete = await allReceived(ws, warm + writes);
    const last = Math.max(...ws.map((w) => w.lastEventAt));
    const delivered = ws.reduce((n, w) => n + Math.min(w.added, warm + writes) - warm, 0);
    return {
      eventsPerSecond: delivered / ((last - t0) / 1000),
      clientCpu: cpuShare(process.cpuUsage(cpu0), last - t0),
      lost: complete ? 0 : writes * watchers - delivered,
      errors: ws.reduce((n, w) => n + w.errors, 0),
    };
  } finally {
    for (const w of ws) w.close();
    // Let the server notice the closed watches before the next measurement.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Writes at `rate` per second for `ms` (open loop: a write is sent when due, on any idle
 * connection) and times each event from its write being sent to its arrival at each watcher.
 */
export async function latencyRun(side: Side, watchers: number, rate: number, ms: number) {
  const total = Math.max(1, Math.round((rate * ms) / 1000));
  const base = evSeq;
  evSeq += total;
  const sentAt = new Float64Array(total).fill(NaN);
  const samples = new SampleBuffer();
  const ws = await openWatchers(side, watchers, (seq, at) => {
    const i = seq - base;
    if (i >= 0 && i < total && !Number.isNaN(sentAt[i]!)) samples.push(at - sentAt[i]!);
  });
  const conns = Array.from({ length: 64 }, () => new RawHttpConnection(side.port));
  await Promise.all(conns.map((c) => c.ready()));
  const idle = [...conns];
  let sent = 0;
  let late = 0;
  let failed = 0;
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const serverCpu0 = await side.server.cpuMicros();
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
        while (sent < due && idle.length) {
          const i = sent++;
          const conn = idle.pop()!;
          // Late: every connection was busy when this write fell due (the server is saturated).
          if (performance.now() - (t0 + (i * 1000) / rate) > 5) late++;
          sentAt[i] = performance.now();
          conn.request(requestBytes('POST', WIDGETS_PATH, widgetJson(`ev-${base + i}`))).then(
            (r) => {
              if (r.status !== 201 && r.status !== 200) failed++;
              idle.push(conn);
            },
            () => failed++,
          );
        }
        if (sent < total) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    const complete = await allReceived(ws, total);
    const clientCpu = cpuShare(process.cpuUsage(cpu0), performance.now() - t0);
    const serverCpu = ((await side.server.cpuMicros()) - serverCpu0) / 1000 / (performance.now() - t0);
    const s = summarize(samples.values());
    return { ...s, clientCpu, serverCpu, expected: total * watchers, lost: complete ? 0 : total * watchers - s.count, late, failed, errors: ws.reduce((n, w) => n + w.errors, 0) };
  } finally {
    for (const c of conns) c.close();
    for (const w of ws) w.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The load generator's share of one core over an interval: near 1 means the client, not the
 * server, may be what limits the figure.
 */
function cpuShare(used: NodeJS.CpuUsage, ms: number): number {
  return (used.user + used.system) / 1000 / ms;
}

/** Writes per second for the latency measurement with W watchers: 1000/s, fewer where W x rate would exceed 100k events/s. */
export function latencyRate(watchers: number): number {
  return Math.min(1000, Math.floor(100_000 / watchers));
}

export async function watchFanoutSuite(report: BenchReport, s: BenchSettings): Promise<void> {
  const [kitChild, bareChild, coalescedChild] = await Promise.all([
    ChildServer.start('servers/kit-server.ts', { storage: 'memory' }),
    ChildServer.start('servers/bare-stream-server.ts', {}),
    ChildServer.start('servers/bare-stream-server.ts', { coalesce: true }),
  ]);
  try {
    const kitPort = portOf(kitChild.ready.url);
    const sides: Side[] = [
      {
        name: 'kit',
        port: kitPort,
        server: kitChild.server,
        watchPath: async () => `${WIDGETS_PATH}?watch=true&resourceVersion=${await currentResourceVersion(kitPort)}`,
      },
      { name: 'bare', port: portOf(bareChild.ready.url), server: bareChild.server, watchPath: async () => '/watch' },
      { name: 'bare-coalesced', port: portOf(coalescedChild.ready.url), server: coalescedChild.server, watchPath: async () => '/watch' },
    ];
    const title: Record<Side['name'], string> = {
      kit: 'kit (memory)',
      bare: 'bare node:http',
      'bare-coalesced': 'bare node:http, one write per turn',
    };
    const fan = new Map(sides.map((side) => [side.name, [] as Array<number | undefined>]));
    const lat = new Map(sides.map((side) => [side.name, [] as Array<number | undefined>]));

    for (const w of s.watcherCounts) {
      const writes = Math.max(200, Math.min(5000, Math.floor(s.fanoutEvents / w)));
      const rounds = w === 100 ? s.rounds : 1;
      const rates = new Map(sides.map((side) => [side.name, [] as number[]]));
      const cpu = new Map(sides.map((side) => [side.name, [] as number[]]));
      for (let r = 0; r < rounds; r++) {
        for (const side of r % 2 ? [...sides].reverse() : sides) {
          const res = await burst(side, w, writes);
          if (res.lost || res.errors) report.note(`fan-out ${side.name} ${w} watchers: ${res.lost} events lost, ${res.errors} watch errors`);
          rates.get(side.name)!.push(res.eventsPerSecond);
          cpu.get(side.name)!.push(res.clientCpu);
        }
      }
      for (const side of sides) {
        const rate = median(rates.get(side.name)!);
        fan.get(side.name)!.push(rate);
        report.absolute(
          `watch-fanout-${w}-${side.name}`,
          rate,
          'events/s',
          `${writes} writes x ${w} watchers; load generator at ${(median(cpu.get(side.name)!) * 100).toFixed(0)}% of a core`,
        );
      }
      if (w === 100) {
        const k = median(rates.get('kit')!);
        const b = median(rates.get('bare')!);
        report.ratio('watch-fanout-100-vs-bare', k / b, '>=', 0.6, `kit ${k.toFixed(0)} vs bare node:http ${b.toFixed(0)} events/s, 100 watchers`);
      }

      const rate = latencyRate(w);
      const byName = new Map<Side['name'], Awaited<ReturnType<typeof latencyRun>>>();
      for (const side of sides) {
        const l = await latencyRun(side, w, rate, s.latencyMs);
        byName.set(side.name, l);
        lat.get(side.name)!.push(l.p99);
        report.absolute(`watch-latency-${w}-${side.name}-p50`, l.p50, 'ms', `${rate} writes/s, ${w} watchers`);
        report.absolute(
          `watch-latency-${w}-${side.name}-p99`,
          l.p99,
          'ms',
          `max ${l.max.toFixed(1)} ms, ${l.count} of ${l.expected} events timed; server at ${(l.serverCpu * 100).toFixed(0)}%, load generator at ${(l.clientCpu * 100).toFixed(0)}% of a core`,
        );
        if (l.lost || l.late || l.failed || l.errors) {
          report.note(`latency ${side.name} ${w} watchers: ${l.lost} lost, ${l.late} writes sent late, ${l.failed} failed, ${l.errors} watch errors`);
        }
      }
      if (w === 100) {
        const lk = byName.get('kit')!;
        report.ratio(
          'watch-latency-p99-ms-1000wps-100-watchers',
          lk.p99,
          '<=',
          10,
          `kit p50 ${lk.p50.toFixed(1)} ms p99 ${lk.p99.toFixed(1)} ms; bare node:http p99 ${byName.get('bare')!.p99.toFixed(1)} ms, ` +
            `one write per turn p99 ${byName.get('bare-coalesced')!.p99.toFixed(1)} ms`,
        );
      }
    }
    const categories = s.watcherCounts.map(String);
    report.chart('watch-fanout.svg', {
      title: 'Watch fan-out: events delivered per second',
      xLabel: 'watchers',
      yLabel: 'events/s',
      categories,
      series: sides.map((side) => ({ name: title[side.name], values: fan.get(side.name)! })),
      logY: true,
    });
    report.chart('watch-latency.svg', {
      title: 'Write-to-event latency p99',
      xLabel: `watchers (writes/s: ${s.watcherCounts.map(latencyRate).join(', ')})`,
      yLabel: 'p99 ms',
      categories,
      series: sides.map((side) => ({ name: title[side.name], values: lat.get(side.name)! })),
      logY: true,
    });
  } finally {
    await Promise.all([kitChild.server.stop(), bareChild.server.stop(), coalescedChild.server.stop()]);
  }
}
