/**
 * Heap per stored object of the memory store, created through the kit's in-process client, for
 * trying the store's settings (the bench's heap figure uses the defaults):
 *
 *   node --expose-gc --import tsx bench/tools/heap-per-object.ts [cachedObjects] [historyLimit] [count]
 */
import { ServerBuilder } from 'apiserver-kit';
import { MemoryObjectStore } from '../../src/adapters/storage/memory/memory-object-store.js';
import { Widget } from '../../examples/demo/widget.resource.js';
import { widgetObject } from '../support/widget-body.js';

const [cached = 10_000, history = 10_000, n = 100_000] = process.argv.slice(2).map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const store = new MemoryObjectStore({ cachedObjects: cached, historyLimit: history });
const server = new ServerBuilder().withResource(Widget).withStorage(store).withOutputWriter({ write: () => {} }).build();
const widgets = server.client().resource(Widget, 'default');
const sample = await widgets.create(widgetObject('sample'));
gc();
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < n; i += 64) {
  await Promise.all(Array.from({ length: Math.min(64, n - i) }, (_, j) => widgets.create(widgetObject(`obj-${i + j}`))));
}
gc();
gc();
const per = (process.memoryUsage().heapUsed - before) / n;
const json = JSON.stringify(sample).length;
console.log(`cachedObjects ${cached}, historyLimit ${history}, ${n} objects: ${per.toFixed(0)} heap bytes per object, ${(per / json).toFixed(2)} x its JSON (${json} bytes)`);
await server.stop();
