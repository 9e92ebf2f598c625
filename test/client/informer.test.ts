/**
 * Informers and listers over the in-process client (the same interface as the HTTP client's):
 * handlers, the lister's indexes and selectors, resync, a slow handler, a 410 re-list with
 * its differences, late handlers, and the shared factory's single watch.
 */
import { expect } from 'chai';
import 'reflect-metadata';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { MemoryObjectStore } from '../../src/adapters/storage/memory/memory-object-store.js';
import { informer, SharedInformerFactory, type EventHandler, type ListerWatcher } from '../../src/adapters/http-client/informer.js';
import { WorkQueue, runWorker } from '../../src/adapters/http-client/work-queue.js';
import { enqueueKeys } from '../../src/adapters/http-client/informer.js';
import { SystemClock } from '../../src/adapters/system/system-clock.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { waitFor } from '../../src/testing/wait-for.js';
import type { KubeObject } from '../../src/domain/meta/types.js';
import { Widget } from '../../examples/demo/widget.resource.js';

type W = KubeObject & { spec: { color: string; replicas: number } };

function recorder() {
  const events: string[] = [];
  const handler: EventHandler<W> = {
    onAdd: (o, initial) => void events.push(`add ${o.metadata.namespace}/${o.metadata.name}${initial ? ' (initial)' : ''}`),
    onUpdate: (old, o) => void events.push(`update ${o.metadata.name} ${old.spec.replicas}->${o.spec.replicas}`),
    onDelete: (o, unknown) => void events.push(`delete ${o.metadata.name}${unknown ? ' (unknown)' : ''}`),
  };
  return { events, handler };
}

/** The real client's list and watch, keeping the open watch so that a test can drop it. */
function droppable<T extends KubeObject>(source: ListerWatcher<T>) {
  const open: Array<{ close(): void }> = [];
  const lw: ListerWatcher<T> = {
    list: (o) => source.list(o),
    watch: async (o) => {
      const w = await source.watch(o);
      open.push(w);
      return w;
    },
  };
  return { lw, drop: () => open.splice(0).forEach((w) => w.close()) };
}

describe('informers and listers (in process)', () => {
  let server: ApiServer;
  before(() => {
    server = new ServerBuilder().withStorage(new MemoryObjectStore({ historyLimit: 5 })).withResource(Widget).build();
  });
  after(() => server.stop());

  it('lists, watches, tells handlers in order and keeps a lister with namespace and label queries', async () => {
    const all = server.client().resource(Widget);
    const a = server.client().resource(Widget, 'a');
    const b = server.client().resource(Widget, 'b');
    await a.create({ metadata: { name: 'one', labels: { tier: 'web' } }, spec: { color: 'red', replicas: 1 } });
    await b.create({ metadata: { name: 'two', labels: { tier: 'db' } }, spec: { color: 'red', replicas: 1 } });
    const inf = informer(all, { pageSize: 1, indexers: { color: (o) => [(o as W).spec.color] } });
    const { events, handler } = recorder();
    const reg = inf.addEventHandler(handler);
    inf.start();
    await inf.waitForSync();
    await reg.waitForSync();
    expect(inf.stats.lists).to.equal(1);
    expect(events).to.deep.equal(['add a/one (initial)', 'add b/two (initial)']);
    await a.create({ metadata: { name: 'three', labels: { tier: 'web' } }, spec: { color: 'blue', replicas: 1 } });
    await a.mergePatch('one', { spec: { replicas: 2 } });
    await b.delete('two');
    await waitFor(() => events.length === 5);
    expect(events.slice(2)).to.deep.equal(['add a/three', 'update one 1->2', 'delete two']);
    expect(inf.lister.list().map((w) => w.metadata.name)).to.deep.equal(['one', 'three']);
    expect(inf.lister.list({ namespace: 'b' })).to.deep.equal([]);
    expect(inf.lister.namespace('a').list('tier=web').map((w) => w.metadata.name)).to.deep.equal(['one', 'three']);
    expect(inf.lister.list({ labelSelector: 'tier notin (web)' })).to.deep.equal([]);
    expect(inf.lister.byIndex('color', 'blue').map((w) => w.metadata.name)).to.deep.equal(['three']);
    expect(inf.lister.get('one', 'a')?.spec.replicas).to.equal(2);
    expect(inf.resourceVersion).to.equal((await all.list()).metadata.resourceVersion);
    await inf.stop();
    await a.deleteCollection();
  });

  it('a slow handler delays only itself: the cache and other handlers stay current', async () => {
    const c = server.client().resource(Widget, 'slow');
    const inf = informer(c);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowSeen: number[] = [];
    inf.addEventHandler({
      onAdd: async () => gate,
      onUpdate: async (_o, n) => {
        await gate;
        slowSeen.push((n as W).spec.replicas);
      },
    });
    const fast = recorder();
    inf.addEventHandler(fast.handler);
    inf.start();
    await inf.waitForSync();
    await c.create({ metadata: { name: 's' }, spec: { color: 'red', replicas: 0 } });
    for (let i = 1; i <= 8; i++) await c.mergePatch('s', { spec: { replicas: i } });
    await waitFor(() => fast.events.length === 9);
    expect(inf.lister.get('s', 'slow')?.spec.replicas).to.equal(8);
    expect(slowSeen).to.deep.equal([]);
    release();
    await waitFor(() => slowSeen.length === 8);
    expect(slowSeen).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    await inf.stop();
  });

  it('re-lists after 410 (history compacted) and tells handlers the difference', async () => {
    const c = server.client().resource(Widget, 'gone');
    await c.create({ metadata: { name: 'keep' }, spec: { color: 'red', replicas: 1 } });
    await c.create({ metadata: { name: 'same' }, spec: { color: 'red', replicas: 1 } });
    await c.create({ metadata: { name: 'drop' }, spec: { color: 'red', replicas: 1 } });
    const { lw, drop } = droppable(c);
    const errors: unknown[] = [];
    const inf = informer(lw, { initialBackoffMs: 10, onError: (e) => void errors.push(e) });
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    inf.start();
    await inf.waitForSync();
    await waitFor(() => inf.stats.watches === 1);
    // Hold the next watch until the history it would resume from is compacted away.
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    const realWatch = lw.watch;
    lw.watch = async (o) => {
      await held;
      return realWatch(o);
    };
    drop();
    await c.mergePatch('keep', { spec: { replicas: 2 } });
    await c.delete('drop');
    await c.create({ metadata: { name: 'new' }, spec: { color: 'red', replicas: 1 } });
    for (let i = 3; i < 12; i++) await c.mergePatch('keep', { spec: { replicas: i } });
    hold();
    await waitFor(() => inf.stats.lists === 2, { timeoutMs: 10_000 });
    await waitFor(() => events.length === 6);
    expect(inf.stats.expired).to.equal(1);
    expect(errors).to.deep.equal([]);
    expect(events.slice(3).sort()).to.deep.equal(['add gone/new', 'delete drop (unknown)', 'update keep 1->11']);
    expect(inf.lister.list().map((w) => w.metadata.name)).to.deep.equal(['keep', 'new', 'same']);
    // Watching again from the re-list's resourceVersion.
    await c.mergePatch('same', { spec: { replicas: 5 } });
    await waitFor(() => events.length === 7);
    expect(events[6]).to.equal('update same 1->5');
    await inf.stop();
  });

  it('resyncs on its clock, hands a late handler the cache, and shares one watch through the factory', async () => {
    const c = server.client().resource(Widget, 'shared');
    await c.create({ metadata: { name: 'x' }, spec: { color: 'green', replicas: 1 } });
    const clock = new ManualClock();
    const factory = new SharedInformerFactory(server.client(), { clock, resyncPeriodMs: 60_000 });
    const inf = factory.forResource(Widget, 'shared');
    expect(factory.forResource(Widget, 'shared')).to.equal(inf);
    const first = recorder();
    inf.addEventHandler(first.handler);
    const unsynced = recorder();
    inf.addEventHandler(unsynced.handler, { resyncPeriodMs: 0 });
    factory.start();
    await factory.waitForSync();
    await waitFor(() => first.events.length === 1);
    const late = recorder();
    const reg = factory.forResource(Widget, 'shared').addEventHandler(late.handler);
    await reg.waitForSync();
    expect(late.events).to.deep.equal(['add shared/x (initial)']);
    clock.advance(60_000);
    await waitFor(() => first.events.length === 2 && late.events.length === 2);
    expect(first.events[1]).to.equal('update x 1->1');
    expect(unsynced.events).to.have.length(1);
    await c.mergePatch('x', { spec: { replicas: 3 } });
    await waitFor(() => late.events.length === 3 && first.events.length === 3 && unsynced.events.length === 2);
    expect(inf.stats).to.include({ lists: 1, watches: 1 });
    await factory.stop();
  });

  it('drives a work queue: the reconcile loop sees every key once it settles', async () => {
    const c = server.client().resource(Widget, 'queue');
    const inf = informer(c);
    const queue = new WorkQueue<string>({ clock: new SystemClock() });
    inf.addEventHandler(enqueueKeys(queue));
    inf.start();
    const reconciled: string[] = [];
    const worker = runWorker(queue, async (key) => void reconciled.push(key));
    await inf.waitForSync();
    await c.create({ metadata: { name: 'q1' }, spec: { color: 'red', replicas: 1 } });
    await c.create({ metadata: { name: 'q2' }, spec: { color: 'red', replicas: 1 } });
    await waitFor(() => new Set(reconciled).size === 2);
    expect([...new Set(reconciled)].sort()).to.deep.equal(['queue/q1', 'queue/q2']);
    queue.shutDown();
    await worker;
    await inf.stop();
  });
});
