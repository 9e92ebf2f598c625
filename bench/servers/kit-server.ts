/**
 * The kit under test, in a child process: the demo API (Widget, Gadget) over plain HTTP on a
 * free port of 127.0.0.1, on the storage the parent names. Objects are preloaded through the
 * in-process client (the same registry path as HTTP creates, without the HTTP cost), so
 * stores of 100k objects are ready in seconds.
 */
import type { ObjectOf, ResourceHandler } from 'apiserver-kit';
import { announceReady, childConfig, serveParent } from '../support/child-protocol.js';
import { widgetObject } from '../support/widget-body.js';

// The kit is imported dynamically so that the cold-start figure can tell Node's and tsx's boot
// from the kit's own imports (static imports would all run before the first line).
const moduleStartMs = performance.now();
const { ServerBuilder } = await import('apiserver-kit');
const { Gadget, Widget } = await import('../../examples/demo/widget.resource.js');

export interface KitServerConfig {
  /**
   * A --storage spec (`memory`, `sqlite:FILE?synchronous=FULL`, `file:DIR`, `etcd:URL?prefix=P`),
   * or `handler`: Widgets served by a handler that keeps them in a Map, so the HTTP adapter and
   * body validation are measured without the registry's semantics and a store.
   */
  storage: string;
  /** Objects named obj-0 .. obj-(n-1) already in the store (a restart on a used file). */
  alreadyStored?: number;
}

const config = childConfig<KitServerConfig>();
const importedMs = performance.now();
const storage = config.storage;
const builder = new ServerBuilder();
if (storage === 'handler') builder.withResourceAndHandler(Widget, mapHandler()).withStorage('memory');
else builder.withResource(Widget).withStorage(storage);
const server = builder
  .withResource(Gadget)
  .withBindPort(0)
  .withInsecureServing()
  .withOutputWriter({ write: () => {} })
  .build();
const builtMs = performance.now();
const { url } = await server.start();
const startedMs = performance.now();
const cpuAtStart = ((c) => (c.user + c.system) / 1000)(process.cpuUsage());
const widgets = server.client().resource(Widget, 'default');
let stored = config.alreadyStored ?? 0;

/** The least a handler can do: keep what is created, answer what is asked for. */
function mapHandler(): ResourceHandler<ObjectOf<typeof Widget>> {
  const objects = new Map<string, ObjectOf<typeof Widget>>();
  return {
    get: (_ctx, ns, name) => objects.get(`${ns}/${name}`),
    list: () => [...objects.values()],
    create: (_ctx, ns, obj) => {
      objects.set(`${ns}/${obj.metadata.name}`, obj);
      return obj;
    },
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  // Twice: the first pass may only move objects that the second then frees.
  gc();
  gc();
}

/** Runs `task(i)` for i in [from, to) with `concurrency` in flight. */
async function inParallel(from: number, to: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) await task(next++);
    }),
  );
}

serveParent(
  {
    async preload(m: { upTo: number }) {
      const t0 = performance.now();
      const from = stored;
      // Wide enough for group commit and etcd pipelining to work, as under real load.
      await inParallel(from, m.upTo, 256, (i) => widgets.create(widgetObject(`obj-${i}`) as never));
      stored = Math.max(stored, m.upTo);
      return { stored, created: m.upTo - from, ms: performance.now() - t0 };
    },
    async prune() {
      // What the load generator created: the charts measure at a fixed stored count.
      const list = await widgets.list({ labelSelector: 'bench=load' });
      await inParallel(0, list.items.length, 64, (i) => widgets.delete(list.items[i]!.metadata.name!));
      return { deleted: list.items.length };
    },
    heap() {
      collectGarbage();
      return { memory: process.memoryUsage() };
    },
    async jsonSize(m: { sample: number }) {
      const list = await widgets.list({ labelSelector: 'bench=preload', limit: m.sample });
      const bytes = list.items.reduce((sum, o) => sum + Buffer.byteLength(JSON.stringify(o)), 0);
      return { bytesPerObject: bytes / Math.max(1, list.items.length), sampled: list.items.length };
    },
  },
  () => server.stop(),
);

announceReady({
  url,
  // Milliseconds since the process started (performance.now() counts from there).
  timings: { moduleStartMs, importedMs, builtMs, startedMs, cpuMs: cpuAtStart },
});
