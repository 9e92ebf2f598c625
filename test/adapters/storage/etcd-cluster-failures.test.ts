/**
 * One EtcdObjectStore on a 3-member etcd cluster whose members die and come back: writes go
 * on without one member, fail fast without quorum, and resume by themselves when quorum is
 * back, while watches carry on.
 */
import { expect } from 'chai';
import type { EtcdObjectStore } from '../../../src/adapters/storage/etcd/etcd-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type StoreEvent, type StoreWatch, type StoreWatchSink } from '../../../src/ports/object-store.port.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { EtcdStores, uniquePrefix } from '../../support/etcd/etcd-test-stores.js';
import { leaderIndex } from '../../support/etcd/leader-index.js';
import { waitFor } from '../../support/wait-for.js';

const NS = '/demo.example.com/widgets/default/';
const REQUEST_TIMEOUT_MS = 1500;
/** Scheduling slack on a loaded 2-core machine. */
const MARGIN_MS = 500;

describe('EtcdObjectStore on a 3-member cluster with failures', function () {
  this.timeout(60_000);
  let cluster: EtcdCluster;
  const stores = new EtcdStores(() => ({ endpoints: cluster.endpoints, requestTimeoutMs: REQUEST_TIMEOUT_MS }));
  let store: EtcdObjectStore;
  const recorders: Recorder[] = [];
  const watches: StoreWatch[] = [];
  /** Every write that succeeded, and the keys of writes that failed (they may still have been applied). */
  const written: KubeObject[] = [];
  const failedKeys = new Set<string>();
  let writes = 0;

  before(async function () {
    this.timeout(300_000);
    cluster = await EtcdCluster.start({ size: 3 });
    store = stores.make({ prefix: uniquePrefix('failures') });
    const from = await store.currentRevision();
    // Three watches: each stream goes to a member chosen at random, so some will lose theirs.
    for (let i = 0; i < 3; i++) {
      const rec = new Recorder();
      recorders.push(rec);
      watches.push(await store.watch(NS, from, rec));
    }
  });
  after(async () => {
    for (const w of watches) w.stop();
    await stores.closeAll();
    await cluster?.stop();
  });

  async function write(): Promise<KubeObject> {
    const name = `w${writes++}`;
    try {
      const obj = await store.create(`${NS}${name}`, widget(name));
      written.push(obj);
      return obj;
    } catch (err) {
      failedKeys.add(`${NS}${name}`);
      throw err;
    }
  }

  async function expectFastUnavailable(what: string, call: () => Promise<unknown>, limitMs: number): Promise<void> {
    const started = Date.now();
    try {
      await call();
      expect.fail(`${what}: expected StorageError Unavailable`);
    } catch (err) {
      expect(isStorageError(err, 'Unavailable'), `${what}: ${String(err)}`).to.equal(true);
    }
    expect(Date.now() - started, `${what} took too long`).to.be.below(limitMs + MARGIN_MS);
  }

  it('goes on writing while a follower is down', async () => {
    const follower = (await leaderIndex(cluster)) === 0 ? 1 : 0;
    await cluster.kill(follower);
    // A write sent to the member before the client has seen its connection close may or may
    // not have been applied, and fails with Unavailable: once one write has gone through, the
    // client has seen the close.
    const early = await firstWrite(write, 3000);
    expect(early.length, `writes failed with a follower down: ${early.join('; ')}`).to.be.at.most(2);
    // Every member is picked now and then: the dead one's calls are retried on the others.
    for (let i = 0; i < 30; i++) await write();
    expect(await store.get(`${NS}w0`)).to.deep.equal(written[0]);
    // Every successful write is there; nothing else but the writes that failed.
    const listed = (await store.list(NS)).items;
    const objects = listed.map((i) => i.object);
    for (const obj of written) expect(objects, obj.metadata.name).to.deep.include(obj);
    for (const i of listed) if (!written.some((w) => rv(w) === rv(i.object))) expect(failedKeys.has(i.key), i.key).to.equal(true);
    cluster.restart(follower);
    await cluster.waitHealthy();
  });

  it('fails writes only briefly while a new leader is elected', async () => {
    const leader = await leaderIndex(cluster);
    await cluster.kill(leader);
    const started = Date.now();
    let streak = 0;
    let failures = 0;
    while (streak < 10) {
      expect(Date.now() - started, 'writes did not resume').to.be.below(10_000);
      try {
        await write();
        streak++;
      } catch (err) {
        expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
        failures++;
        streak = 0;
      }
    }
    expect(failures).to.be.at.most(5);
    cluster.restart(leader);
    await cluster.waitHealthy();
  });

  it('fails fast without quorum, is not ready, and serves again once quorum is back', async () => {
    const before = await write();
    const leader = await leaderIndex(cluster);
    const other = leader === 0 ? 1 : 0;
    await cluster.kill(leader);
    await cluster.kill(other);

    await expectFastUnavailable('create', () => write(), REQUEST_TIMEOUT_MS);
    await expectFastUnavailable('update', () => store.update(`${NS}${before.metadata.name}`, widget('x'), rv(before)), REQUEST_TIMEOUT_MS);
    await expectFastUnavailable('get', () => store.get(`${NS}w0`), REQUEST_TIMEOUT_MS);
    await expectFastUnavailable('ready', () => store.ready(), 2000);

    cluster.restart(leader);
    cluster.restart(other);
    const restarted = Date.now();
    for (;;) {
      try {
        await store.ready();
        break;
      } catch (err) {
        expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
        expect(Date.now() - restarted, 'the store did not become ready again').to.be.below(20_000);
      }
    }
    const after = await write();
    expect(rv(after)).to.be.greaterThan(rv(before));
    expect(await store.get(`${NS}${after.metadata.name}`)).to.deep.equal(after);
  });

  it('resumes watches whose streams all broke when every member restarted', async () => {
    for (let i = 0; i < 3; i++) await cluster.kill(i);
    for (let i = 0; i < 3; i++) cluster.restart(i);
    const restarted = Date.now();
    for (;;) {
      try {
        await write();
        break;
      } catch (err) {
        expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
        expect(Date.now() - restarted, 'writes did not resume').to.be.below(20_000);
      }
    }
  });

  it('kept every watch going, each change delivered once and in order', async () => {
    const last = await write();
    for (const rec of recorders) {
      // Nothing compacts here, so no watch may end with Expired: each one resumed.
      await waitFor(() => rec.events.some((e) => e.revision >= rv(last)) || rec.errors.length > 0, { what: `the event at revision ${rv(last)}` });
      expect(rec.errors).to.deep.equal([]);
      const revisions = rec.events.map((e) => e.revision);
      for (let i = 1; i < revisions.length; i++) expect(revisions[i]).to.be.greaterThan(revisions[i - 1]!);
      const seen = new Map(rec.events.map((e) => [e.key, e]));
      for (const obj of written) expect(seen.get(`${NS}${obj.metadata.name}`)?.object, obj.metadata.name).to.deep.equal(obj);
      // A write that failed with Unavailable may still have been applied; nothing else shows up.
      for (const e of rec.events) if (!written.some((o) => rv(o) === e.revision)) expect(failedKeys.has(e.key), e.key).to.equal(true);
    }
  });
});

/**
 * Writes until one write succeeds, within `ms`; each failure must be Unavailable. Returns the
 * failures, for the caller to bound.
 */
async function firstWrite(write: () => Promise<KubeObject>, ms: number): Promise<string[]> {
  const failures: string[] = [];
  await waitFor(
    async () => {
      try {
        await write();
        return true;
      } catch (err) {
        expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
        failures.push(String(err));
        return false;
      }
    },
    { timeoutMs: ms, intervalMs: 50, what: 'a write to succeed', detail: () => failures.join('; ') },
  );
  return failures;
}

function widget(name: string): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: {} };
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

}
