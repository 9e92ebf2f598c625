/**
 * The etcd store's watch cache: that reads and watches really come from memory, that replicas
 * read their own and each other's writes through it, that 50 watches share one etcd watch, that
 * the window is bounded, and (the contract suite once more) that the store without the cache
 * still keeps the port's contract.
 */
import { expect } from 'chai';
import type { EtcdObjectStore } from '../../../src/adapters/storage/etcd/etcd-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type ObjectStore, type StoreEvent, type StoreWatch, type StoreWatchSink } from '../../../src/ports/object-store.port.js';
import { describeObjectStoreContract } from '../../../src/testing/object-store-contract.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { EtcdStores, uniquePrefix } from '../../support/etcd/etcd-test-stores.js';
import { HistoryLimitedStore } from '../../support/etcd/history-limited-store.js';
import { waitFor } from '../../support/wait-for.js';

const NS = '/demo.example.com/widgets/default/';
const OTHER = '/demo.example.com/gadgets/default/';

describe('EtcdObjectStore watch cache', function () {
  let cluster: EtcdCluster;
  const stores = new EtcdStores(() => ({ endpoints: cluster.endpoints }));
  const watches: StoreWatch[] = [];

  before(async function () {
    this.timeout(300_000);
    cluster = await EtcdCluster.start();
  });
  afterEach(async () => {
    for (const w of watches.splice(0)) w.stop();
    await stores.closeAll();
  });
  after(async () => {
    await stores.closeAll();
    await cluster?.stop();
  });

  async function watch(store: ObjectStore, prefix: string, from: number): Promise<Recorder> {
    const rec = new Recorder();
    watches.push(await store.watch(prefix, from, rec));
    return rec;
  }

  /** etcd's own count of open watchers (its /metrics), for every client of this etcd. */
  async function etcdWatchers(): Promise<number> {
    const text = await (await fetch(`${cluster.endpoints[0]}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('etcd_debugging_mvcc_watcher_total '));
    if (!line) throw new Error('etcd /metrics has no etcd_debugging_mvcc_watcher_total');
    return Number(line.split(' ')[1]);
  }

  it('answers gets and lists from memory after its first load, and its own writes at once', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-reads') });
    const cache = store.cache!;
    expect(cache, 'on by default').to.not.equal(undefined);
    const a = await store.create(`${NS}a`, widget('a', 1));
    expect(await store.get(`${NS}a`)).to.deep.equal(a);
    const before = { ...cache.stats };
    for (let i = 0; i < 20; i++) {
      const obj = await store.update(`${NS}a`, widget('a', i + 2), i === 0 ? rv(a) : rv((await store.get(`${NS}a`))!));
      expect(await store.get(`${NS}a`), 'read your own write').to.deep.equal(obj);
      const list = await store.list(NS);
      expect(list.items.map((x) => x.object)).to.deep.equal([obj]);
      expect(list.revision).to.be.at.least(rv(obj));
    }
    expect(cache.stats.etcdReads - before.etcdReads, 'no read left to etcd').to.equal(0);
    expect(cache.stats.cacheReads - before.cacheReads, "19 gets before updates, 20 gets, 20 lists").to.equal(59);
    // The answers are frozen: readers share them.
    expect(Object.isFrozen(await store.get(`${NS}a`))).to.equal(true);
    // 50 concurrent gets share revision reads: the first starts one, the other 49 the next.
    const reads = cache.stats.revisionReads;
    const got = await Promise.all(Array.from({ length: 50 }, () => store.get(`${NS}a`)));
    expect(new Set(got.map((o) => o?.metadata.resourceVersion)).size).to.equal(1);
    expect(cache.stats.revisionReads - reads, 'revision reads for 50 concurrent gets').to.be.at.most(2);
  });

  it('keeps most objects as JSON text only and parses them again on demand (parsedObjects)', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-parsed'), watchCache: { parsedObjects: 2 } });
    const made = new Map<string, KubeObject>();
    for (let i = 0; i < 10; i++) made.set(`${NS}o${i}`, await store.create(`${NS}o${i}`, widget(`o${i}`, i)));
    const reopened = stores.make({ prefix: store.name.slice(store.name.indexOf('/apiserver-kit')), watchCache: { parsedObjects: 2 } });
    for (const s of [store, reopened]) {
      for (let round = 0; round < 2; round++) {
        for (const [key, obj] of made) expect(await s.get(key), key).to.deep.equal(obj);
      }
      const list = await s.list(NS);
      expect(list.items.map((x) => x.object)).to.deep.equal([...made.values()].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)));
      for (const item of list.items) expect(item.json ?? JSON.stringify(item.object)).to.equal(JSON.stringify(item.object));
    }
  });

  it('sees writes of other etcd users (another prefix) as revisions, so consistent reads stay in memory; scope prefix leaves them to etcd', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-scope'), watchCache: { consistentReadWaitMs: 0 } });
    const narrow = stores.make({ prefix: uniquePrefix('cache-scope-prefix'), watchCache: { scope: 'prefix', consistentReadWaitMs: 0 } });
    const tenant = stores.make({ prefix: uniquePrefix('cache-tenant'), watchCache: false });
    const a = await store.create(`${NS}a`, widget('a', 1));
    const n = await narrow.create(`${NS}a`, widget('a', 1));
    await store.get(`${NS}a`);
    await waitFor(async () => (await narrow.get(`${NS}a`)) !== undefined && narrow.cache!.revision >= rv(n), { timeoutMs: 3000, what: 'the narrow cache' });
    const wide0 = { ...store.cache!.stats };
    const narrow0 = { ...narrow.cache!.stats };
    for (let i = 0; i < 5; i++) {
      await tenant.create(`${NS}t${i}`, widget(`t${i}`, i));
      expect(await store.get(`${NS}a`)).to.deep.equal(a);
      expect(await narrow.get(`${NS}a`)).to.deep.equal(n);
    }
    expect(store.cache!.stats.etcdReads - wide0.etcdReads, 'scope etcd: every get from memory').to.equal(0);
    expect(narrow.cache!.stats.etcdReads - narrow0.etcdReads, 'scope prefix: the gets after a foreign write go to etcd').to.equal(5);
  });

  it('serves minRevision lists (resourceVersion=0, NotOlderThan) without a revision read', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-min') });
    const a = await store.create(`${NS}a`, widget('a', 1));
    await store.list(NS); // loads the resource
    let reads = 0;
    const cache = store.cache!;
    const original = cache.freshRevision.bind(cache);
    cache.freshRevision = () => {
      reads++;
      return original();
    };
    const any = await store.list(NS, { minRevision: 0 });
    expect(any.items.map((x) => x.object)).to.deep.equal([a]);
    const notOlder = await store.list(NS, { minRevision: rv(a) });
    expect(notOlder.revision).to.be.at.least(rv(a));
    expect(reads, 'no etcd revision read').to.equal(0);
    // A revision the cache has not reached (nor etcd): the store answers its current state and the caller waits.
    const ahead = await store.list(NS, { minRevision: rv(a) + 1000 });
    expect(ahead.revision).to.be.below(rv(a) + 1000);
  });

  it('serves exact-revision lists inside the window (also pages), and leaves older ones to etcd', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-exact'), watchCache: { events: 20 } });
    const cache = store.cache!;
    const objs: KubeObject[] = [];
    for (const n of ['a', 'b', 'c', 'd']) objs.push(await store.create(`${NS}${n}`, widget(n, 1)));
    const at = rv(objs[3]!);
    await store.list(NS);
    await store.update(`${NS}b`, widget('b', 2), rv(objs[1]!));
    await store.delete(`${NS}c`);
    await store.create(`${NS}bb`, widget('bb', 1));
    const before = { ...cache.stats };
    const whole = await store.list(NS, { revision: at });
    expect(whole.items.map((x) => x.object)).to.deep.equal(objs);
    const first = await store.list(NS, { revision: at, limit: 2 });
    expect(first.more).to.equal(true);
    const rest = await store.list(NS, { revision: at, limit: 2, startKey: `${first.items[1]!.key}\u0000` });
    expect([...first.items, ...rest.items].map((x) => x.object)).to.deep.equal(objs);
    expect(rest.more).to.equal(false);
    expect(cache.stats.cacheReads - before.cacheReads).to.equal(3);
    expect(cache.stats.etcdReads - before.etcdReads).to.equal(0);

    // Push the early revisions out of the 20-event window: etcd answers them, the same.
    let b = (await store.get(`${NS}b`))!;
    for (let i = 0; i < 25; i++) b = await store.update(`${NS}b`, widget('b', 10 + i), rv(b));
    const mid = { ...cache.stats };
    const old = await store.list(NS, { revision: at });
    expect(old.items.map((x) => x.object)).to.deep.equal(objs);
    expect(cache.stats.etcdReads - mid.etcdReads).to.equal(1);
  });

  it('fans 50 watches out over one etcd watch, each seeing every change once, in order', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-fanout') });
    const from = await store.currentRevision();
    await store.list(NS);
    const base = await etcdWatchers();
    const recs = await Promise.all(Array.from({ length: 50 }, (_, i) => watch(store, i % 2 ? NS : '/demo.example.com/widgets/', from)));
    expect(store.cache!.watchCount).to.equal(50);
    expect(await etcdWatchers(), 'etcd watchers added by 50 client watches').to.equal(base);
    const written: number[] = [];
    let obj = await store.create(`${NS}a`, widget('a', 0));
    written.push(rv(obj));
    for (let i = 1; i < 20; i++) {
      obj = await store.update(`${NS}a`, widget('a', i), rv(obj));
      written.push(rv(obj));
    }
    await store.create(`${OTHER}x`, widget('x', 1)); // another resource: no watch sees it
    for (const rec of recs) {
      await rec.waitForRevision(rv(obj));
      expect(rec.events.map((e) => e.revision)).to.deep.equal(written);
      expect(rec.events[5]?.prevObject?.spec).to.deep.equal({ n: 4 });
    }
    // The same with the cache off: one etcd watch per store watch.
    const direct = stores.make({ prefix: uniquePrefix('cache-off'), watchCache: false });
    const offBase = await etcdWatchers();
    await Promise.all(Array.from({ length: 5 }, async () => watch(direct, NS, await direct.currentRevision())));
    await waitFor(async () => (await etcdWatchers()) === offBase + 5, { timeoutMs: 5000, what: 'five etcd watchers' });
  });

  it('gives a watch from before its window an etcd watch of its own, and Expired once etcd compacted it', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-window'), watchCache: { events: 5 } });
    let obj = await store.create(`${NS}a`, widget('a', 0));
    const start = rv(obj);
    for (let i = 1; i <= 10; i++) obj = await store.update(`${NS}a`, widget('a', i), rv(obj));
    const before = { ...store.cache!.stats };
    const rec = await watch(store, NS, start);
    await rec.waitForRevision(rv(obj));
    expect(rec.events).to.have.length(10);
    expect(store.cache!.stats.etcdWatches - before.etcdWatches).to.equal(1);
    await store.compact(rv(obj) - 2);
    try {
      await store.watch(NS, start, new Recorder());
      expect.fail('a watch from a compacted revision started');
    } catch (err) {
      expect(isStorageError(err, 'Expired'), String(err)).to.equal(true);
    }
    // Inside the window and after the compaction point: from the cache.
    const recent = await watch(store, NS, rv(obj) - 1);
    await recent.waitForRevision(rv(obj));
    expect(recent.events.map((e) => e.revision)).to.deep.equal([rv(obj)]);
  });

  it('answers Expired at once for a watch from before its window with olderWatches expire (kube-apiserver’s 410)', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-expire'), watchCache: { events: 5, olderWatches: 'expire' } });
    let obj = await store.create(`${NS}a`, widget('a', 0));
    const start = rv(obj);
    for (let i = 1; i <= 10; i++) obj = await store.update(`${NS}a`, widget('a', i), rv(obj));
    const base = await etcdWatchers();
    try {
      await store.watch(NS, start, new Recorder());
      expect.fail('a watch from before the window started');
    } catch (err) {
      expect(isStorageError(err, 'Expired'), String(err)).to.equal(true);
    }
    expect(await etcdWatchers()).to.equal(base);
    const recent = await watch(store, NS, rv(obj) - 3);
    await recent.waitForRevision(rv(obj));
    expect(recent.events).to.have.length(3);
  });

  it('replicas read each other’s writes at once: write on A, get and list on B', async () => {
    const prefix = uniquePrefix('cache-ryw');
    const a = stores.make({ prefix });
    const b = stores.make({ prefix });
    await a.list(NS);
    await b.list(NS);
    const bWatch = await watch(b, NS, await b.currentRevision());
    let last: KubeObject | undefined;
    for (let i = 0; i < 100; i++) {
      const writer = i % 2 === 0 ? a : b;
      const reader = writer === a ? b : a;
      const key = `${NS}k${i % 7}`;
      const current = await writer.get(key);
      last = current ? await writer.update(key, widget(`k${i % 7}`, i), rv(current)) : await writer.create(key, widget(`k${i % 7}`, i));
      expect(await reader.get(key), `get after write ${i}`).to.deep.equal(last);
      const listed = await reader.list(NS);
      expect(listed.items.find((x) => x.key === key)?.object, `list after write ${i}`).to.deep.equal(last);
      expect(listed.revision).to.be.at.least(rv(last));
      // A write elsewhere in the store moves etcd's revision past the resource's last event.
      if (i % 10 === 0) await writer.create(`${OTHER}g${i}`, widget(`g${i}`, i));
    }
    expect(a.cache!.stats.cacheReads + b.cache!.stats.cacheReads).to.be.at.least(300);
    await bWatch.waitForRevision(rv(last!));
    const la = await a.list(NS);
    const lb = await b.list(NS);
    expect(la).to.deep.equal(lb);
  });

  it('ends its watches with Unavailable on close, and later calls fail', async () => {
    const store = stores.make({ prefix: uniquePrefix('cache-close') });
    const rec = await watch(store, NS, await store.currentRevision());
    await store.close();
    expect(rec.errors.map((e) => isStorageError(e, 'Unavailable'))).to.deep.equal([true]);
    try {
      await store.get(`${NS}a`);
      expect.fail('get after close');
    } catch (err) {
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
    }
  });

  describeObjectStoreContract('etcd without the watch cache', {
    async open({ historyLimit }) {
      const prefix = uniquePrefix('contract-nocache');
      const opened: EtcdObjectStore[] = [];
      const openOne = (): ObjectStore => {
        const store = stores.make({ prefix, watchCache: false });
        opened.push(store);
        return historyLimit === undefined ? store : new HistoryLimitedStore(store, historyLimit);
      };
      let latest = openOne();
      return {
        store: latest,
        reopen: async () => {
          await latest.close();
          latest = openOne();
          return latest;
        },
        cleanup: async () => {
          await Promise.all(opened.map((s) => s.close()));
        },
      };
    },
  });
});

function widget(name: string, n: number): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { n } };
}

function rv(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion);
}

class Recorder implements StoreWatchSink {
  readonly events: StoreEvent[] = [];
  readonly errors: Error[] = [];
  event(e: StoreEvent): void {
    this.events.push(e);
  }
  error(err: Error): void {
    this.errors.push(err);
  }
  async waitForRevision(revision: number): Promise<void> {
    await waitFor(() => this.events.some((e) => e.revision >= revision), { timeoutMs: 5000, what: `an event at ${revision}` });
  }
}
