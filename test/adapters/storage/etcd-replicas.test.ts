/**
 * Two EtcdObjectStores on one etcd, as two server replicas: one consistent store between them.
 */
import { expect } from 'chai';
import type { EtcdObjectStore } from '../../../src/adapters/storage/etcd/etcd-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type StoreEvent, type StoreWatch, type StoreWatchSink } from '../../../src/ports/object-store.port.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { EtcdStores, uniquePrefix } from '../../support/etcd/etcd-test-stores.js';
import { waitFor } from '../../support/wait-for.js';

const NS = '/demo.example.com/widgets/default/';

describe('EtcdObjectStore replicas on one etcd', function () {
  let cluster: EtcdCluster;
  const stores = new EtcdStores(() => ({ endpoints: cluster.endpoints }));
  const watches: StoreWatch[] = [];
  let one: EtcdObjectStore;
  let two: EtcdObjectStore;

  before(async function () {
    this.timeout(300_000);
    cluster = await EtcdCluster.start();
  });
  beforeEach(() => {
    const prefix = uniquePrefix('replicas');
    one = stores.make({ prefix });
    two = stores.make({ prefix });
  });
  afterEach(async () => {
    for (const w of watches.splice(0)) w.stop();
    await stores.closeAll();
  });
  after(() => cluster?.stop());

  async function watch(store: EtcdObjectStore, prefix: string, from: number): Promise<Recorder> {
    const rec = new Recorder();
    watches.push(await store.watch(prefix, from, rec));
    return rec;
  }

  it('shows a create through one replica to the other’s get, list and watch, at the same resourceVersion', async () => {
    const seen = await watch(two, NS, await two.currentRevision());
    const created = await one.create(`${NS}a`, widget('a', 1));
    expect(await two.get(`${NS}a`)).to.deep.equal(created);
    const listed = await two.list(NS);
    expect(listed.items).to.deep.equal([{ key: `${NS}a`, object: created }]);
    expect(listed.revision).to.equal(rv(created));

    const updated = await two.update(`${NS}a`, widget('a', 2), rv(created));
    const gone = await one.delete(`${NS}a`, rv(updated));
    await seen.waitForRevision(rv(gone));
    expect(seen.events.map((e) => [e.type, e.revision])).to.deep.equal([
      ['ADDED', rv(created)],
      ['MODIFIED', rv(updated)],
      ['DELETED', rv(gone)],
    ]);
    expect(seen.events[0]!.object).to.deep.equal(created);
    expect(seen.events[1]!.prevObject).to.deep.equal(created);
    expect(seen.events[2]!.object).to.deep.equal({ ...updated, metadata: { ...updated.metadata, resourceVersion: String(rv(gone)) } });
    expect(await one.currentRevision()).to.equal(await two.currentRevision());
  });

  it('lets exactly one of two conflicting updates win, round after round', async () => {
    let current = await one.create(`${NS}race`, widget('race', 0));
    for (let round = 1; round <= 20; round++) {
      const results = await Promise.allSettled([
        one.update(`${NS}race`, widget('race', round, 'one'), rv(current)),
        two.update(`${NS}race`, widget('race', round, 'two'), rv(current)),
      ]);
      const won = results.filter((r): r is PromiseFulfilledResult<KubeObject> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won, `round ${round}`).to.have.length(1);
      expect(isStorageError(lost[0]!.reason, 'Conflict'), String(lost[0]!.reason)).to.equal(true);
      expect((lost[0]!.reason as { revision?: number }).revision).to.equal(rv(won[0]!.value));
      current = won[0]!.value;
      expect(await one.get(`${NS}race`)).to.deep.equal(current);
      expect(await two.get(`${NS}race`)).to.deep.equal(current);
    }
    const deletes = await Promise.allSettled([one.delete(`${NS}race`, rv(current)), two.delete(`${NS}race`, rv(current))]);
    expect(deletes.filter((r) => r.status === 'fulfilled')).to.have.length(1);
  });

  it('loses no increment when both replicas run compare-and-swap loops, and both watches agree', async () => {
    const from = await one.currentRevision();
    const [w1, w2] = [await watch(one, NS, from), await watch(two, NS, from)];
    await one.create(`${NS}counter`, widget('counter', 0));
    const writer = async (store: EtcdObjectStore, times: number) => {
      for (let i = 0; i < times; i++) {
        for (;;) {
          const cur = (await store.get(`${NS}counter`))!;
          try {
            await store.update(`${NS}counter`, widget('counter', (cur.spec as { n: number }).n + 1), rv(cur));
            break;
          } catch (err) {
            if (!isStorageError(err, 'Conflict')) throw err;
          }
        }
      }
    };
    await Promise.all([writer(one, 25), writer(two, 25), writer(one, 25), writer(two, 25)]);
    const last = (await two.get(`${NS}counter`))!;
    expect((last.spec as { n: number }).n).to.equal(100);
    await w1.waitForRevision(rv(last));
    await w2.waitForRevision(rv(last));
    expect(w1.events.map((e) => e.revision)).to.deep.equal(w2.events.map((e) => e.revision));
    expect(w1.events.map((e) => (e.object.spec as { n: number }).n)).to.deep.equal(Array.from({ length: 101 }, (_, i) => i));
  });

  it('tells a replica of a compaction the other made', async () => {
    let obj = await one.create(`${NS}c`, widget('c', 0));
    const first = rv(obj);
    for (let i = 1; i <= 4; i++) obj = await one.update(`${NS}c`, widget('c', i), rv(obj));
    await one.compact(rv(obj) - 1);
    expect(await one.oldestRevision()).to.equal(rv(obj) - 1);
    expect(await two.oldestRevision()).to.equal(rv(obj) - 1);
    try {
      await two.watch(NS, first, new Recorder());
      expect.fail('expected Expired');
    } catch (err) {
      expect(isStorageError(err, 'Expired'), String(err)).to.equal(true);
    }
    const rec = await watch(two, NS, rv(obj) - 1);
    await rec.waitForRevision(rv(obj));
    expect(rec.events.map((e) => e.revision)).to.deep.equal([rv(obj)]);
  });
});

function widget(name: string, n: number, by?: string): KubeObject {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default', ...(by ? { annotations: { by } } : {}) },
    spec: { n },
  };
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

  async waitForRevision(revision: number, ms = 5000): Promise<void> {
    await waitFor(() => this.events.some((e) => e.revision >= revision) || this.errors.length > 0, { timeoutMs: ms, what: `the event at revision ${revision}` });
    expect(this.errors).to.deep.equal([]);
  }
}
