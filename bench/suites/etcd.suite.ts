/**
 * Create on etcd storage over HTTP against the etcd3 client putting the same stored JSON, both
 * with 50 requests in flight, both on one local single-member etcd.
 */
import { alternatingRounds, medianOf } from '../support/alternating-rounds.js';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import { portOf } from '../support/kit-http.js';
import { createLoad } from '../support/widget-loads.js';

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
}
