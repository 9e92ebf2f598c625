import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { EtcdObjectStore } from '../../../src/adapters/storage/etcd/etcd-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type ObjectStore, type StoreEvent } from '../../../src/ports/object-store.port.js';
import { describeObjectStoreContract } from '../../../src/testing/object-store-contract.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { EtcdStores, uniquePrefix } from '../../support/etcd/etcd-test-stores.js';
import { HistoryLimitedStore } from '../../support/etcd/history-limited-store.js';
import { waitFor } from '../../support/wait-for.js';

describe('EtcdObjectStore (single-member etcd)', function () {
  let cluster: EtcdCluster;
  const stores = new EtcdStores(() => ({ endpoints: cluster.endpoints, requestTimeoutMs: 5000 }));

  before(async function () {
    // The first run may install etcd.
    this.timeout(300_000);
    cluster = await EtcdCluster.start();
  });
  after(async () => {
    await stores.closeAll();
    await cluster?.stop();
  });

  describeObjectStoreContract('etcd', {
    async open({ historyLimit }) {
      const prefix = uniquePrefix('contract');
      const opened: EtcdObjectStore[] = [];
      const openOne = (): ObjectStore => {
        const store = stores.make({ prefix });
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

  describe('etcd specifics', () => {
    afterEach(() => stores.closeAll());

    it('stores values under prefix + key, as JSON without the resourceVersion', async () => {
      const prefix = uniquePrefix('layout');
      const store = stores.make({ prefix });
      const created = await store.create('/demo.example.com/widgets/default/a', widget('a', { resourceVersion: '42' }));
      const raw = new Etcd3({ hosts: cluster.endpoints });
      try {
        const value = await raw.get(`${prefix}/demo.example.com/widgets/default/a`).string();
        expect(value).to.be.a('string');
        const stored = JSON.parse(value!) as KubeObject;
        expect(stored.metadata).to.not.have.property('resourceVersion');
        expect(stored.spec).to.deep.equal({ size: 1 });
        expect(rv(created)).to.be.greaterThan(0);
      } finally {
        raw.close();
      }
    });

    it('keeps stores with different prefixes apart on one etcd, with one revision counter', async () => {
      const a = stores.make({ prefix: uniquePrefix('tenant-a') });
      const b = stores.make({ prefix: uniquePrefix('tenant-b') });
      const key = '/demo.example.com/widgets/default/x';
      const inA = await a.create(key, widget('x'));
      const inB = await b.create(key, widget('x'));
      expect(rv(inB)).to.be.greaterThan(rv(inA));
      expect((await a.list('/')).items.map((i) => i.object)).to.deep.equal([inA]);
      expect((await b.list('/')).items.map((i) => i.object)).to.deep.equal([inB]);
      expect(await a.currentRevision()).to.equal(await b.currentRevision());
      await b.delete(key);
      expect(await a.get(key)).to.deep.equal(inA);
    });

    it('learns a compaction made by another process, and answers Expired below it', async () => {
      const prefix = uniquePrefix('compaction');
      const store = stores.make({ prefix });
      let obj = await store.create('/g/r/ns/a', widget('a'));
      const first = rv(obj);
      for (let i = 0; i < 5; i++) obj = await store.update('/g/r/ns/a', widget('a'), rv(obj));
      const target = rv(obj) - 2;
      const raw = new Etcd3({ hosts: cluster.endpoints });
      try {
        await raw.kv.compact({ revision: target });
      } finally {
        raw.close();
      }
      expect(await store.oldestRevision()).to.equal(target);
      try {
        await store.list('/g/', { revision: first });
        expect.fail('expected Expired');
      } catch (err) {
        expect(isStorageError(err, 'Expired'), String(err)).to.equal(true);
      }
      expect((await store.list('/g/', { revision: target })).items).to.have.length(1);
    });

    it('delivers deletions of several keys in one etcd revision, each once', async () => {
      const prefix = uniquePrefix('multi-delete');
      const store = stores.make({ prefix });
      for (const n of ['a', 'b', 'c']) await store.create(`/g/r/ns/${n}`, widget(n));
      const events: StoreEvent[] = [];
      const errors: Error[] = [];
      const w = await store.watch('/g/r/', await store.currentRevision(), { event: (e) => events.push(e), error: (e) => errors.push(e) });
      const raw = new Etcd3({ hosts: cluster.endpoints });
      try {
        await raw.delete().prefix(`${prefix}/g/r/ns/`);
      } finally {
        raw.close();
      }
      const after = await store.create('/g/r/ns/z', widget('z'));
      await waitFor(() => events.some((e) => e.revision === rv(after)), { what: `the event at revision ${rv(after)}` });
      w.stop();
      expect(errors).to.deep.equal([]);
      expect(events.map((e) => [e.type, e.key])).to.deep.equal([
        ['DELETED', '/g/r/ns/a'],
        ['DELETED', '/g/r/ns/b'],
        ['DELETED', '/g/r/ns/c'],
        ['ADDED', '/g/r/ns/z'],
      ]);
      expect(new Set(events.slice(0, 3).map((e) => e.revision)).size).to.equal(1);
      expect(w.progress()).to.be.at.least(rv(after));
    });

    it('waits for a revision beyond the current one', async () => {
      const store = stores.make({ prefix: uniquePrefix('future') });
      const current = await store.currentRevision();
      const events: StoreEvent[] = [];
      const w = await store.watch('/g/', current + 2, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
      await store.create('/g/a', widget('a'));
      await store.create('/g/b', widget('b'));
      const c = await store.create('/g/c', widget('c'));
      await waitFor(() => events.length > 0, { what: 'a watch event' });
      w.stop();
      expect(events.map((e) => e.revision)).to.deep.equal([rv(c)]);
    });

    it('rejects bad options with a TypeError', () => {
      expect(() => new EtcdObjectStore({ endpoints: [] })).to.throw(TypeError);
      expect(() => new EtcdObjectStore({ endpoints: ['127.0.0.1:2379'] })).to.throw(TypeError);
      expect(() => new EtcdObjectStore({ endpoints: ['http://a:1', 'https://b:2'] })).to.throw(TypeError);
      expect(() => new EtcdObjectStore({ endpoints: ['http://a:1'], prefix: 'registry' })).to.throw(TypeError);
      expect(() => new EtcdObjectStore({ endpoints: ['http://a:1'], requestTimeoutMs: 0 })).to.throw(TypeError);
    });

    it('answers Unavailable quickly when no member is reachable', async () => {
      const store = stores.make({ endpoints: ['http://127.0.0.1:1'], prefix: uniquePrefix('nowhere'), requestTimeoutMs: 800 });
      const started = Date.now();
      for (const call of [() => store.ready(), () => store.get('/g/a'), () => store.create('/g/a', widget('a'))]) {
        try {
          await call();
          expect.fail('expected Unavailable');
        } catch (err) {
          expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
        }
      }
      expect(Date.now() - started).to.be.below(3 * 800 + 500);
    });
  });
});

function widget(name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default', ...meta }, spec: { size: 1 } };
}

function rv(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion);
}

