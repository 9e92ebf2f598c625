/**
 * Create on etcd storage over HTTP against the etcd3 client putting the same stored JSON, both
 * with 50 requests in flight, both on one local single-member etcd. Then get on etcd storage
 * (its watch cache on) against get on memory storage, same objects, same load.
 */
import { alternatingRounds, medianOf } from '../support/alternating-rounds.js';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBody, portOf } from '../support/kit-http.js';
import { median } from '../support/latency-stats.js';
import type { KubeLike } from '../support/restored-objects.js';
import { WIDGETS_PATH } from '../support/widget-body.js';
import { createLoad, getLoad } from '../support/widget-loads.js';

const IN_FLIGHT = 50;

/** Whether this checkout has an etcd storage adapter the server can be given as a --storage spec. */
export async function etcdAdapterPresent(): Promise<boolean> {
  try {
    const { parseStorageSpec } = await import('../../src/app/storage-spec.js');
    parseStorageSpec('etcd:http://127.0.0.1:2379');
    return true;
  } catch {
    return false;
  }
}

/** The --storage spec of a kit on the bench's etcd, under its own key prefix. */
export function etcdSpec(endpoint: string, prefix: string): string {
  return `etcd:${endpoint}?prefix=${encodeURIComponent(prefix)}&timeout=30000`;
}

/**
 * The suite's parts (BENCH_ETCD_PARTS=create,get,list, default all): create against raw etcd3,
 * get against memory storage, and a full list of `bigStore` objects against JSON.stringify.
 */
export async function etcdSuite(report: BenchReport, s: BenchSettings, endpoint: string): Promise<void> {
  const parts = process.env.BENCH_ETCD_PARTS?.split(',').map((p) => p.trim()) ?? ['create', 'get', 'list'];
  if (parts.includes('create')) await createEtcdVsRaw(report, s, endpoint);
  if (parts.includes('get')) await getEtcdVsMemory(report, s, endpoint);
  if (parts.includes('list')) await listEtcdVsStringify(report, s, endpoint);
}

async function createEtcdVsRaw(report: BenchReport, s: BenchSettings, endpoint: string): Promise<void> {
  const [kit, raw] = await Promise.all([
    ChildServer.start('servers/kit-server.ts', { storage: etcdSpec(endpoint, '/bench-kit') }),
    ChildServer.start('baselines/raw-etcd-put.ts', {}),
  ]);
  try {
    const port = portOf(kit.ready.url);
    type RawResult = { perSecond: number; latency: { p99: number } };
    const rawRun = (ms: number, txn = false) =>
      raw.server.measureCpu(
        () => raw.server.call<RawResult & { writes: number }>({ op: 'run', endpoints: [endpoint], prefix: '/bench-raw', ms, inFlight: IN_FLIGHT, txn }),
        (r) => r.writes,
      );
    await createLoad(port, s.warmupMs, IN_FLIGHT);
    await rawRun(s.warmupMs);
    // A third side splits the gap: the same client doing the create transaction the kit's store does.
    const [kitRounds, rawRounds, txnRounds] = await alternatingRounds<RawResult & { serverCpuUs: number }>(s.rounds, [
      () => kit.server.measureCpu(() => createLoad(port, s.roundMs, IN_FLIGHT), (r) => r.requests),
      () => rawRun(s.roundMs),
      () => rawRun(s.roundMs, true),
    ]);
    const k = medianOf(kitRounds!, (r) => r.perSecond);
    const r = medianOf(rawRounds!, (x) => x.perSecond);
    const kp99 = medianOf(kitRounds!, (x) => x.latency.p99);
    const rp99 = medianOf(rawRounds!, (x) => x.latency.p99);
    report.absolute('create-etcd-throughput', k, 'req/s', `${IN_FLIGHT} in flight, over HTTP`);
    report.absolute('create-etcd-p99', kp99, 'ms');
    report.absolute('raw-etcd3-put-throughput', r, 'puts/s', `${IN_FLIGHT} in flight`);
    report.absolute('raw-etcd3-put-p99', rp99, 'ms');
    report.absolute('create-etcd-server-cpu', medianOf(kitRounds!, (x) => x.serverCpuUs), 'us/req', 'CPU time of the kit process per create (etcd itself not counted)');
    report.absolute('raw-etcd3-put-cpu', medianOf(rawRounds!, (x) => x.serverCpuUs), 'us/put', 'CPU time of the etcd3 client process per put');
    report.absolute('raw-etcd3-create-txn-throughput', medianOf(txnRounds!, (x) => x.perSecond), 'txns/s', `the store's create transaction, ${IN_FLIGHT} in flight`);
    report.absolute('raw-etcd3-create-txn-cpu', medianOf(txnRounds!, (x) => x.serverCpuUs), 'us/txn', 'CPU time of the etcd3 client process per transaction');
    report.ratio('create-etcd-vs-raw-etcd3', k / r, '>=', 0.6, `kit ${k.toFixed(0)}/s p99 ${kp99.toFixed(1)} ms vs etcd3 put ${r.toFixed(0)}/s p99 ${rp99.toFixed(1)} ms`);
  } finally {
    await Promise.all([kit.server.stop(), raw.server.stop()]);
  }
}

/** Gets of 1000 objects on etcd storage (watch cache on) and on memory storage, 50 in flight. */
async function getEtcdVsMemory(report: BenchReport, s: BenchSettings, endpoint: string): Promise<void> {
  const objects = 1000;
  const [onEtcd, onMemory] = await Promise.all([
    ChildServer.start('servers/kit-server.ts', { storage: etcdSpec(endpoint, `/bench-get-${Date.now()}`) }),
    ChildServer.start('servers/kit-server.ts', { storage: 'memory' }),
  ]);
  try {
    const sides = [onEtcd, onMemory].map((side) => ({ server: side.server, port: portOf(side.ready.url) }));
    for (const side of sides) await side.server.call({ op: 'preload', upTo: objects });
    for (const side of sides) await getLoad(side.port, s.warmupMs, IN_FLIGHT, objects);
    const [etcdRounds, memoryRounds] = await alternatingRounds(
      s.rounds,
      sides.map((side) => () => side.server.measureCpu(() => getLoad(side.port, s.roundMs, IN_FLIGHT, objects), (r) => r.requests)),
    );
    const e = medianOf(etcdRounds!, (r) => r.perSecond);
    const m = medianOf(memoryRounds!, (r) => r.perSecond);
    const ep99 = medianOf(etcdRounds!, (r) => r.latency.p99);
    const mp99 = medianOf(memoryRounds!, (r) => r.latency.p99);
    report.absolute('get-etcd-throughput', e, 'req/s', `${IN_FLIGHT} in flight, watch cache on, ${objects} objects`);
    report.absolute('get-etcd-p99', ep99, 'ms');
    report.absolute('get-etcd-server-cpu', medianOf(etcdRounds!, (x) => x.serverCpuUs), 'us/req', 'CPU time of the kit process per get (etcd itself not counted)');
    report.absolute('get-memory-same-run-throughput', m, 'req/s', `${IN_FLIGHT} in flight`);
    report.absolute('get-memory-same-run-server-cpu', medianOf(memoryRounds!, (x) => x.serverCpuUs), 'us/req');
    report.ratio('get-etcd-vs-get-memory', e / m, '>=', 0.8, `etcd (watch cache) ${e.toFixed(0)}/s p99 ${ep99.toFixed(1)} ms vs memory ${m.toFixed(0)}/s p99 ${mp99.toFixed(1)} ms`);
  } finally {
    await Promise.all([onEtcd.server.stop(), onMemory.server.stop()]);
  }
}

/**
 * A full list of `bigStore` objects restored into etcd (128 puts per transaction), served by a
 * kit on etcd storage from its watch cache, against a bare node:http server answering
 * JSON.stringify of the same objects (as the memory figure in list-and-heap.suite.ts).
 */
async function listEtcdVsStringify(report: BenchReport, s: BenchSettings, endpoint: string): Promise<void> {
  const n = s.bigStore;
  const tag = n >= 1000 ? `${n / 1000}k` : String(n);
  const prefix = `/bench-list-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-kit-bench-etcd-list-'));
  const [kit, filler] = await Promise.all([
    ChildServer.start('servers/kit-server.ts', { storage: etcdSpec(endpoint, prefix) }),
    ChildServer.start('baselines/raw-etcd-put.ts', {}),
  ]);
  let bare: Awaited<ReturnType<typeof ChildServer.start>> | undefined;
  try {
    const port = portOf(kit.ready.url);
    await kit.server.call({ op: 'preload', upTo: 1 });
    const template = JSON.parse((await getBody(port, `${WIDGETS_PATH}/obj-0`)).body.toString('utf8')) as KubeLike;
    const t0 = performance.now();
    await filler.server.call({ op: 'fill', endpoints: [endpoint], prefix, template, from: 1, to: n });
    report.absolute(`etcd-restore-${tag}`, (performance.now() - t0) / 1000, 's', '128 puts per transaction, 8 in flight');
    const first = await getBody(port, WIDGETS_PATH);
    if (first.status !== 200) throw new Error(`list answered ${first.status}`);
    report.absolute(`list-${tag}-etcd-first`, first.ms, 'ms', 'the first list: loads the resource into the watch cache from etcd');
    const itemsFile = join(dir, 'items.json');
    writeFileSync(itemsFile, first.body);
    bare = await ChildServer.start('servers/bare-list-server.ts', { itemsFile });
    const barePort = portOf(bare.ready.url);
    await getBody(barePort, '/');
    const [kitMs, bareMs] = await alternatingRounds(s.listRepeats, [
      async () => (await getBody(port, WIDGETS_PATH)).ms,
      async () => (await getBody(barePort, '/')).ms,
    ]);
    const k = median(kitMs!);
    const b = median(bareMs!);
    report.absolute(`list-${tag}-etcd-kit`, k, 'ms', `${(first.body.length / 2 ** 20).toFixed(1)} MiB, median of ${kitMs!.length}, from the watch cache`);
    report.absolute(`list-${tag}-etcd-bare-stringify-served`, b, 'ms');
    report.ratio(`list-${tag}-etcd-vs-json-stringify`, k / b, '<=', 1.5, `kit on etcd ${k.toFixed(0)} ms vs node:http + JSON.stringify ${b.toFixed(0)} ms for ${tag} objects`);
  } finally {
    await Promise.all([kit.server.stop(), filler.server.stop(), bare?.server.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
