/**
 * CPU per create (and per get) through the resource API in this process, without HTTP: what
 * the registry, field tracking and a store cost on their own. Useful next to the HTTP figures
 * of `npm run bench` to tell the adapter's share from the domain's.
 *
 *   npx tsx bench/tools/create-path.ts [--storage memory|sqlite:FILE] [--count N]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/create-path.ts
 */
import { parseArgs } from 'node:util';
import { ServerBuilder } from 'apiserver-kit';
import { Widget } from '../../examples/demo/widget.resource.js';
import { widgetObject } from '../support/widget-body.js';

const { values } = parseArgs({
  options: { storage: { type: 'string', default: 'memory' }, count: { type: 'string', default: '30000' } },
});
const count = Number(values.count);
const server = new ServerBuilder().withResource(Widget).withStorage(values.storage!).withOutputWriter({ write: () => {} }).build();
const endpoint = server.api.endpoint(Widget.group, Widget.version, Widget.plural)!;
const ctx = { userAgent: 'bench' };

async function creates(prefix: string, n: number): Promise<number> {
  const started = process.cpuUsage();
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    // A body as the HTTP adapter hands it over: freshly parsed.
    batch.push(endpoint.create(ctx, 'default', JSON.parse(JSON.stringify(widgetObject(`${prefix}-${i}`)))));
    if (batch.length === 64) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

async function gets(prefix: string, n: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < n; i++) await endpoint.get(ctx, 'default', `${prefix}-${i % 1000}`);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

await creates('warm', Math.min(5000, count));
const create = await creates('obj', count);
const get = await gets('obj', count);
console.log(`storage ${values.storage}: ${create.toFixed(1)} us CPU per create, ${get.toFixed(1)} us per get (${count} each, no HTTP)`);
await server.stop();
