/**
 * The cost of holding and listing many objects: heap per stored object in memory storage
 * against that object's JSON size, and a full list of them over HTTP against a bare node:http
 * server answering JSON.stringify of the same objects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alternatingRounds } from '../support/alternating-rounds.js';
import type { BenchReport } from '../support/bench-report.js';
import type { BenchSettings } from '../support/bench-settings.js';
import { ChildServer } from '../support/child-process-server.js';
import { getBody, portOf } from '../support/kit-http.js';
import { median } from '../support/latency-stats.js';
import { WIDGETS_PATH } from '../support/widget-body.js';

export async function listAndHeapSuite(report: BenchReport, s: BenchSettings): Promise<void> {
  const n = s.bigStore;
  const tag = n >= 1000 ? `${n / 1000}k` : String(n);
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-kit-bench-list-'));
  const kit = await ChildServer.start('servers/kit-server.ts', { storage: 'memory' }, { execArgv: ['--expose-gc'] });
  let bare: Awaited<ReturnType<typeof ChildServer.start>> | undefined;
  try {
    // Heap: the same server before and after storing n objects, after full collections.
    const before = await kit.server.call<{ memory: NodeJS.MemoryUsage }>({ op: 'heap' });
    const loaded = await kit.server.call<{ ms: number }>({ op: 'preload', upTo: n });
    const after = await kit.server.call<{ memory: NodeJS.MemoryUsage }>({ op: 'heap' });
    const size = await kit.server.call<{ bytesPerObject: number }>({ op: 'jsonSize', sample: 1000 });
    const perObject = (after.memory.heapUsed - before.memory.heapUsed) / n;
    report.absolute(`preload-memory-${tag}`, loaded.ms / 1000, 's', `${(n / (loaded.ms / 1000)).toFixed(0)} creates/s in process`);
    report.absolute('stored-object-json-size', size.bytesPerObject, 'bytes', 'JSON.stringify of a stored Widget, managedFields included');
    report.absolute(`heap-per-object-memory-${tag}`, perObject, 'bytes', `heapUsed ${(before.memory.heapUsed / 2 ** 20).toFixed(0)} -> ${(after.memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
    report.ratio(
      'heap-per-object-vs-json-size',
      perObject / size.bytesPerObject,
      '<=',
      1.5,
      `${perObject.toFixed(0)} heap bytes per object vs ${size.bytesPerObject.toFixed(0)} JSON bytes, ${tag} objects in memory storage`,
    );

    // List: the bare server gets exactly the objects the kit lists.
    const port = portOf(kit.ready.url);
    const first = await getBody(port, WIDGETS_PATH);
    if (first.status !== 200) throw new Error(`list answered ${first.status}`);
    const itemsFile = join(dir, 'items.json');
    writeFileSync(itemsFile, first.body);
    const listBytes = first.body.length;
    bare = await ChildServer.start('servers/bare-list-server.ts', { itemsFile });
    const barePort = portOf(bare.ready.url);
    await getBody(barePort, '/');
    const [kitMs, bareMs] = await alternatingRounds(s.listRepeats, [
      async () => (await getBody(port, WIDGETS_PATH)).ms,
      async () => (await getBody(barePort, '/')).ms,
    ]);
    const stringify = await bare.server.call<{ times: number[] }>({ op: 'stringifyOnly', repeats: s.listRepeats });
    const k = median(kitMs!);
    const b = median(bareMs!);
    report.absolute(`list-${tag}-kit`, k, 'ms', `${(listBytes / 2 ** 20).toFixed(1)} MiB, median of ${kitMs!.length}`);
    report.absolute(`list-${tag}-bare-stringify-served`, b, 'ms');
    report.absolute(`list-${tag}-stringify-only`, median(stringify.times), 'ms', 'JSON.stringify alone, in process, no HTTP');
    report.ratio(`list-${tag}-vs-json-stringify`, k / b, '<=', 1.5, `kit ${k.toFixed(0)} ms vs node:http + JSON.stringify ${b.toFixed(0)} ms for ${tag} objects`);
  } finally {
    await Promise.all([kit.server.stop(), bare?.server.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
