/**
 * Time of a list of N stored Widgets through the resource API in this process, and of encoding
 * it as the HTTP adapter does, without sockets: for telling the store's, the registry's and the
 * encoding's shares of a big list apart.
 *
 *   npx tsx bench/tools/list-path.ts [--count 100000] [--storage memory]
 */
import { parseArgs } from 'node:util';
import { ServerBuilder } from 'apiserver-kit';
import { encodeJson, encodeJsonList } from '../../src/adapters/http/response/body-encoding.js';
import { Widget } from '../../examples/demo/widget.resource.js';
import { widgetObject } from '../support/widget-body.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' }, storage: { type: 'string', default: 'memory' } } });
const n = Number(values.count);
const server = new ServerBuilder().withResource(Widget).withStorage(values.storage!).withOutputWriter({ write: () => {} }).build();
const endpoint = server.api.endpoint(Widget.group, Widget.version, Widget.plural)!;
const ctx = { userAgent: 'bench' };
for (let i = 0; i < n; i += 64) {
  await Promise.all(
    Array.from({ length: Math.min(64, n - i) }, (_, j) => endpoint.create(ctx, 'default', widgetObject(`obj-${i + j}`))),
  );
}
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  const list = await endpoint.list(ctx, 'default', {});
  const t1 = performance.now();
  const text = encodeJson(list);
  const t2 = performance.now();
  const plain = JSON.stringify(list);
  const t3 = performance.now();
  console.log(
    `list ${list.items.length}: registry and store ${(t1 - t0).toFixed(0)} ms, encode ${(t2 - t1).toFixed(0)} ms (${(text.length / 2 ** 20).toFixed(1)} MiB); ` +
      `JSON.stringify of the same list ${(t3 - t2).toFixed(0)} ms`,
  );
  if (plain.length !== text.length) throw new Error('the encodings differ in length');
  const t4 = performance.now();
  const asJson = await endpoint.listJson!(ctx, 'default', {});
  const t5 = performance.now();
  const joined = encodeJsonList(asJson.list, asJson.items);
  const t6 = performance.now();
  console.log(`  listJson (what the HTTP adapter uses for plain JSON): ${(t5 - t4).toFixed(0)} ms, encode ${(t6 - t5).toFixed(0)} ms`);
  if (joined.length !== text.length) throw new Error('listJson differs in length');
}
await server.stop();
