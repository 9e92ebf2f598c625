/**
 * Create on etcd storage over HTTP against the etcd3 client putting the same stored JSON, both
 * with 50 requests in flight, both on one local single-member etcd. Then get on etcd storage
 * (its watch cache on) against get on memory storage, same objects, same load.
 */
import { alternatingRounds, medianOf } from '../support/alternating-rounds.js';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import { portOf } from '../support/kit-http.js';
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

export async function etcdSuite(report: BenchReport, s: BenchSettings, endpoint: string): Promise<void> {
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
  await getEtcdVsMemory(report, s, endpoint);
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
