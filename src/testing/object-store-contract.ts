/**
 * The storage contract suite: what every {@link ObjectStore} adapter must do, checked the same
 * way for each (as Kubernetes runs `pkg/storage/testing` against etcd3 and the cacher). An
 * adapter's test file calls {@link describeObjectStoreContract} with a factory and adds only
 * what is specific to it.
 *
 * The suite relies on the port alone: it never assumes that revisions are consecutive, that
 * a new store starts at revision 0, or that watch events arrive before a write's promise
 * settles (it waits for them, briefly). It does assume that nothing else writes to the backing
 * data of a store the factory opened while a test runs.
 */
import { expect } from './expect.js';
import type { KubeObject } from '../domain/meta/types.js';
import {
  isStorageError,
  type ObjectStore,
  type StorageErrorCode,
  type StoreEvent,
  type StoreEventType,
  type StoreWatch,
  type StoreWatchSink,
} from '../ports/object-store.port.js';
import { Signal, waitFor } from './wait-for.js';

export interface OpenedStore {
  store: ObjectStore;
  /**
   * Closes the store and opens the same backing data again, for durable stores; omit for
   * stores whose data cannot outlive them (memory). The suite then uses the returned store.
   */
  reopen?: () => Promise<ObjectStore>;
  /** Closes every store opened for this (also reopened ones, also already closed ones) and removes the backing data. */
  cleanup(): Promise<void>;
}

export interface StoreFactory {
  /**
   * A new store over new, empty backing data. `historyLimit`, when set, is the number of
   * changes the store keeps for watches and old-revision reads: it must keep at least the
   * newest `historyLimit` changes, and must have compacted a change away once more than
   * `2 × historyLimit` later ones were written (the suite writes that many to see `Expired`).
   */
  open(opts: { historyLimit?: number }): Promise<OpenedStore>;
}

const GROUP = '/contract.example.com';
const WIDGETS = `${GROUP}/widgets/`;
const DEFAULT = `${WIDGETS}default/`;
/** A namespace whose name extends `default`: its keys share `DEFAULT` minus the slash. */
const DEFAULT2 = `${WIDGETS}default2/`;
const GADGETS = `${GROUP}/gadgets/default/`;

/** How long to wait for a watch event that a durable store delivers asynchronously. */
const EVENT_WAIT_MS = 3000;

export function describeObjectStoreContract(name: string, factory: StoreFactory): void {
  describe(`ObjectStore contract: ${name}`, function () {
    const opened: OpenedStore[] = [];
    const watches: StoreWatch[] = [];

    async function openRaw(opts: { historyLimit?: number } = {}): Promise<OpenedStore> {
      const o = await factory.open(opts);
      opened.push(o);
      return o;
    }
    async function open(opts: { historyLimit?: number } = {}): Promise<ObjectStore> {
      const o = await openRaw(opts);
      await o.store.ready();
      return o.store;
    }
    async function watch(store: ObjectStore, prefix: string, from: number, rec = new Recorder()): Promise<Recorder> {
      watches.push(await store.watch(prefix, from, rec));
      return rec;
    }

    afterEach(async () => {
      for (const w of watches.splice(0)) w.stop();
      for (const o of opened.splice(0)) await o.cleanup();
    });

    describe('create, get, update, delete', () => {
      it('round-trips an object through create, get, update and delete', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        const created = await store.create(k, widget('a', { size: 1 }));
        expect(content(created)).to.deep.equal(content(widget('a', { size: 1 })));
        expect(await store.get(k)).to.deep.equal(created);

        const updated = await store.update(k, widget('a', { size: 2 }), rv(created));
        expect(content(updated)).to.deep.equal(content(widget('a', { size: 2 })));
        expect(rv(updated)).to.be.greaterThan(rv(created));
        expect(await store.get(k)).to.deep.equal(updated);

        const deleted = await store.delete(k, rv(updated));
        expect(content(deleted)).to.deep.equal(content(updated));
        expect(rv(deleted)).to.be.greaterThan(rv(updated));
        expect(await store.get(k)).to.equal(undefined);
        expect(await store.currentRevision()).to.equal(rv(deleted));
      });

      it('sets resourceVersion to the decimal revision of the write and ignores the caller’s', async () => {
        const store = await open();
        const a = await store.create(`${DEFAULT}a`, widget('a', {}, { resourceVersion: '999999' }));
        expect(a.metadata.resourceVersion).to.match(/^[1-9][0-9]*$/);
        expect(rv(a)).to.equal(await store.currentRevision());
        const b = await store.create(`${DEFAULT}b`, widget('b', {}, { resourceVersion: 'not-a-number' }));
        expect(rv(b)).to.equal(await store.currentRevision());
        const a2 = await store.update(`${DEFAULT}a`, widget('a', { size: 2 }, { resourceVersion: '1' }), rv(a));
        expect(rv(a2)).to.equal(await store.currentRevision());
        expect((await store.get(`${DEFAULT}a`))?.metadata.resourceVersion).to.equal(a2.metadata.resourceVersion);
      });

      it('stores JSON values faithfully', async () => {
        const store = await open();
        const spec = {
          text: 'grüße, 世界, 🚀, "quotes" and \\ backslashes\n',
          numbers: [0, -1, 1.5, 2 ** 53 - 1, -1e-7],
          flags: [true, false, null],
          nested: { empty: {}, list: [], deep: { deeper: { deepest: ['x', { y: 1 }] } } },
        };
        const created = await store.create(`${DEFAULT}json`, widget('json', spec, { labels: { a: 'b' }, uid: 'u-1' }));
        expect(created.spec).to.deep.equal(spec);
        expect((await store.get(`${DEFAULT}json`))?.spec).to.deep.equal(spec);
        expect((await store.list(DEFAULT)).items[0]?.object.spec).to.deep.equal(spec);
      });

      it('does not let later changes to the caller’s objects reach the store', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        const input = widget('a', { list: [1, 2], deep: { v: 1 } }, { labels: { l: '1' }, resourceVersion: '7' });
        const rec = await watch(store, DEFAULT, await store.currentRevision());
        const created = await store.create(k, input);
        expect(input.metadata.resourceVersion, 'the input is not stamped').to.equal('7');
        const snapshot = JSON.parse(JSON.stringify(created)) as KubeObject;
        (input.spec as { list: number[] }).list.push(3);
        (input.spec as { deep: { v: number } }).deep.v = 2;
        input.metadata.labels = { l: '2' };
        input.metadata.name = 'changed';
        expect(created).to.deep.equal(snapshot);
        expect(await store.get(k)).to.deep.equal(snapshot);
        expect((await store.list(DEFAULT)).items[0]?.object).to.deep.equal(snapshot);

        const next = widget('a', { v: 'updated' });
        const updated = await store.update(k, next, rv(created));
        const updatedSnapshot = JSON.parse(JSON.stringify(updated)) as KubeObject;
        (next.spec as { v: string }).v = 'mutated';
        expect(await store.get(k)).to.deep.equal(updatedSnapshot);
        const [added, modified] = await rec.waitFor(2);
        expect(added?.object).to.deep.equal(snapshot);
        expect(modified?.object).to.deep.equal(updatedSnapshot);
      });

      it('rejects a create on a live key with KeyExists and changes nothing', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        const first = await store.create(k, widget('a', { v: 1 }));
        const before = await store.currentRevision();
        await expectStorageError(store.create(k, widget('a', { v: 2 })), 'KeyExists', k);
        expect(await store.get(k)).to.deep.equal(first);
        expect(await store.currentRevision()).to.equal(before);
      });

      it('creates a key again after its deletion, at a new revision', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        await store.create(k, widget('a', { life: 1 }));
        const gone = await store.delete(k);
        const again = await store.create(k, widget('a', { life: 2 }));
        expect(rv(again)).to.be.greaterThan(rv(gone));
        expect((await store.get(k))?.spec).to.deep.equal({ life: 2 });
      });

      it('returns undefined from get and NotFound from update and delete for an empty key', async () => {
        const store = await open();
        const k = `${DEFAULT}missing`;
        expect(await store.get(k)).to.equal(undefined);
        await expectStorageError(store.update(k, widget('missing'), 1), 'NotFound', k);
        await expectStorageError(store.delete(k), 'NotFound', k);
        await expectStorageError(store.delete(k, 1), 'NotFound', k);
        const created = await store.create(k, widget('missing'));
        await store.delete(k);
        await expectStorageError(store.delete(k), 'NotFound', k);
        await expectStorageError(store.update(k, widget('missing'), rv(created)), 'NotFound', k);
        expect(await store.get(k)).to.equal(undefined);
      });

      it('rejects an update at a stale revision with Conflict and changes nothing', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        const v1 = await store.create(k, widget('a', { v: 1 }));
        const v2 = await store.update(k, widget('a', { v: 2 }), rv(v1));
        const before = await store.currentRevision();
        const err = await expectStorageError(store.update(k, widget('a', { v: 3 }), rv(v1)), 'Conflict', k);
        expect(err.message).to.be.a('string').and.not.equal('');
        await expectStorageError(store.update(k, widget('a', { v: 3 }), rv(v2) + 1000), 'Conflict', k);
        expect(await store.get(k)).to.deep.equal(v2);
        expect(await store.currentRevision()).to.equal(before);
        const v3 = await store.update(k, widget('a', { v: 3 }), rv(v2));
        expect(v3.spec).to.deep.equal({ v: 3 });
      });

      it('rejects a delete at a stale revision with Conflict and keeps the object', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        const v1 = await store.create(k, widget('a', { v: 1 }));
        const v2 = await store.update(k, widget('a', { v: 2 }), rv(v1));
        const before = await store.currentRevision();
        await expectStorageError(store.delete(k, rv(v1)), 'Conflict', k);
        expect(await store.get(k)).to.deep.equal(v2);
        expect(await store.currentRevision()).to.equal(before);
        const gone = await store.delete(k, rv(v2));
        expect(content(gone)).to.deep.equal(content(v2));
      });

      it('returns from delete the last state with the revision of the deletion', async () => {
        const store = await open();
        const k = `${DEFAULT}a`;
        const created = await store.create(k, widget('a', { v: 1 }, { uid: 'uid-a' }));
        const gone = await store.delete(k);
        expect(rv(gone)).to.equal(await store.currentRevision());
        expect(rv(gone)).to.be.greaterThan(rv(created));
        expect(content(gone)).to.deep.equal(content(created));
        expect(gone.metadata.uid).to.equal('uid-a');
      });

      it('gives every write a revision above all earlier ones, across keys, namespaces and types', async () => {
        const store = await open();
        const seen: number[] = [];
        const a = await store.create(`${DEFAULT}a`, widget('a'));
        seen.push(rv(a));
        seen.push(rv(await store.create(`${DEFAULT2}a`, widget('a'))));
        seen.push(rv(await store.create(`${GADGETS}a`, widget('a'))));
        const a2 = await store.update(`${DEFAULT}a`, widget('a', { v: 2 }), rv(a));
        seen.push(rv(a2));
        seen.push(rv(await store.delete(`${DEFAULT2}a`)));
        seen.push(rv(await store.create(`${GROUP}/clusterthings/x`, widget('x'))));
        seen.push(rv(await store.delete(`${DEFAULT}a`, rv(a2))));
        for (let i = 1; i < seen.length; i++) expect(seen[i], `write ${i}`).to.be.greaterThan(seen[i - 1] as number);
        expect(await store.currentRevision()).to.equal(seen[seen.length - 1]);
      });
    });

    describe('list', () => {
      it('lists a new store as empty at its current revision', async () => {
        const store = await open();
        const result = await store.list('/');
        expect(result.items).to.deep.equal([]);
        expect(result.more).to.equal(false);
        expect(result.revision).to.equal(await store.currentRevision());
        expect(await store.oldestRevision()).to.be.at.most(result.revision);
      });

      it('lists in ascending key order whatever the order of creation', async () => {
        const store = await open();
        const names = ['b', 'a-b', 'a', 'a.b', 'a0', 'ab', 'z', '0', 'a-', 'aa', 'b-1', 'b-10', 'b-2'];
        const created = new Map<string, KubeObject>();
        for (const n of names) created.set(`${DEFAULT}${n}`, await store.create(`${DEFAULT}${n}`, widget(n)));
        const result = await store.list(DEFAULT);
        const expected = [...created.keys()].sort(byteOrder);
        expect(result.items.map((i) => i.key)).to.deep.equal(expected);
        for (const item of result.items) expect(item.object).to.deep.equal(created.get(item.key));
        expect(result.revision).to.equal(await store.currentRevision());
        expect(result.more).to.equal(false);
      });

      it('keeps prefixes apart: namespaces whose names extend each other, and types', async () => {
        const store = await open();
        await store.create(`${DEFAULT}a`, widget('a'));
        await store.create(`${DEFAULT2}b`, widget('b'));
        await store.create(`${GROUP}/widgets/defaul/c`, widget('c'));
        await store.create(`${GROUP}/widgetsx/default/d`, widget('d'));
        await store.create(`${GADGETS}e`, widget('e'));
        await store.create(`${GROUP}/widgets`, widget('not-under-the-prefix'));
        expect(keysOf(await store.list(DEFAULT))).to.deep.equal([`${DEFAULT}a`]);
        expect(keysOf(await store.list(DEFAULT2))).to.deep.equal([`${DEFAULT2}b`]);
        expect(keysOf(await store.list(WIDGETS))).to.deep.equal([`${WIDGETS}defaul/c`, `${DEFAULT}a`, `${DEFAULT2}b`]);
        expect(keysOf(await store.list(GADGETS))).to.deep.equal([`${GADGETS}e`]);
        expect(keysOf(await store.list(`${GROUP}/`))).to.have.length(6);
        expect(keysOf(await store.list(`${GROUP}/nothing/`))).to.deep.equal([]);
      });

      it('pages with startKey (inclusive) and limit, telling whether more keys follow', async () => {
        const store = await open();
        for (const n of ['a', 'b', 'c', 'd', 'e']) await store.create(`${DEFAULT}${n}`, widget(n));
        await store.create(`${DEFAULT2}a`, widget('a'));
        const page = async (startKey: string | undefined, limit: number | undefined) => {
          const r = await store.list(DEFAULT, { startKey, limit });
          return { keys: r.items.map((i) => i.key.slice(DEFAULT.length)), more: r.more };
        };
        expect(await page(undefined, 2)).to.deep.equal({ keys: ['a', 'b'], more: true });
        expect(await page(`${DEFAULT}c`, 2)).to.deep.equal({ keys: ['c', 'd'], more: true });
        expect(await page(`${DEFAULT}c`, 3)).to.deep.equal({ keys: ['c', 'd', 'e'], more: false });
        expect(await page(`${DEFAULT}bb`, 10)).to.deep.equal({ keys: ['c', 'd', 'e'], more: false });
        expect(await page(`${DEFAULT}e`, 1)).to.deep.equal({ keys: ['e'], more: false });
        expect(await page(`${DEFAULT}e\u0000`, 1)).to.deep.equal({ keys: [], more: false });
        expect(await page(`${GROUP}/`, 1)).to.deep.equal({ keys: ['a'], more: true });
        expect(await page(`${DEFAULT2}`, 5)).to.deep.equal({ keys: [], more: false });
        expect(await page(undefined, 5)).to.deep.equal({ keys: ['a', 'b', 'c', 'd', 'e'], more: false });
        expect(await page(undefined, undefined)).to.deep.equal({ keys: ['a', 'b', 'c', 'd', 'e'], more: false });
      });

      it('reads the state at an older revision: later creates, updates and deletes undone', async () => {
        const store = await open();
        const a = await store.create(`${DEFAULT}a`, widget('a', { v: 1 }));
        const b = await store.create(`${DEFAULT}b`, widget('b', { v: 1 }));
        const c = await store.create(`${DEFAULT}c`, widget('c', { v: 1 }));
        const at = await store.currentRevision();
        await store.update(`${DEFAULT}a`, widget('a', { v: 2 }), rv(a));
        await store.delete(`${DEFAULT}b`);
        await store.create(`${DEFAULT}aa`, widget('aa'));
        await store.create(`${DEFAULT}b`, widget('b', { v: 'reborn' }));
        await store.delete(`${DEFAULT}c`);
        await store.create(`${DEFAULT}c`, widget('c', { v: 'reborn' }));

        const then = await store.list(DEFAULT, { revision: at });
        expect(then.revision).to.equal(at);
        expect(then.items).to.deep.equal([
          { key: `${DEFAULT}a`, object: a },
          { key: `${DEFAULT}b`, object: b },
          { key: `${DEFAULT}c`, object: c },
        ]);
        const now = await store.list(DEFAULT, { revision: await store.currentRevision() });
        expect(now).to.deep.equal(await store.list(DEFAULT));
        expect(keysOf(now)).to.deep.equal([`${DEFAULT}a`, `${DEFAULT}aa`, `${DEFAULT}b`, `${DEFAULT}c`]);
      });

      it('matches a model of the state at every revision, for several prefixes', async () => {
        const store = await open();
        const model = await randomHistory(store, 90, 7);
        for (const [revision, state] of model.states) {
          for (const prefix of [DEFAULT, DEFAULT2, WIDGETS, GADGETS]) {
            const result = await store.list(prefix, { revision });
            const expected = [...state].filter(([k]) => k.startsWith(prefix)).sort(([x], [y]) => byteOrder(x, y));
            expect(
              result.items.map((i) => [i.key, i.object]),
              `${prefix} at ${revision}`,
            ).to.deep.equal(expected);
            expect(result.revision).to.equal(revision);
          }
        }
      });

      it('pages through many keys at the first page’s revision while writes go on', async () => {
        const store = await open();
        const names = Array.from({ length: 240 }, (_, i) => `item-${String(i).padStart(3, '0')}`);
        const original = new Map<string, KubeObject>();
        await Promise.all(
          shuffle(names, 3).map(async (n) => original.set(`${DEFAULT}${n}`, await store.create(`${DEFAULT}${n}`, widget(n, { n })))),
        );
        await store.create(`${DEFAULT2}item-000`, widget('item-000'));

        const limit = 37;
        const first = await store.list(DEFAULT, { limit });
        const revision = first.revision;
        const seen = [...first.items];
        let page = first;
        let pages = 1;
        let w = 0;
        while (page.more) {
          const last = page.items[page.items.length - 1]!.key;
          // Writes before, inside and after the rest of the range; none may show up.
          const later = names[Math.min(names.length - 1, pages * limit + 5)]!;
          const laterKey = `${DEFAULT}${later}`;
          const current = await store.get(laterKey);
          if (current) {
            if (w % 2 === 0) await store.update(laterKey, widget(later, { changed: true }), rv(current));
            else await store.delete(laterKey);
          }
          await store.create(`${DEFAULT}${later}-new${w}`, widget(`${later}-new${w}`));
          await store.create(`${DEFAULT}item-000-new${w}`, widget(`item-000-new${w}`));
          const earlier = await store.get(`${DEFAULT}item-001`);
          await store.update(`${DEFAULT}item-001`, widget('item-001', { w }), rv(earlier!));
          w++;

          page = await store.list(DEFAULT, { revision, limit, startKey: `${last}\u0000` });
          expect(page.revision).to.equal(revision);
          seen.push(...page.items);
          pages++;
        }
        expect(pages).to.equal(Math.ceil(names.length / limit));
        expect(seen.map((i) => i.key)).to.deep.equal(names.map((n) => `${DEFAULT}${n}`));
        for (const item of seen) expect(item.object).to.deep.equal(original.get(item.key));
      });

      it('rejects a revision newer than the current one with TooLarge', async () => {
        const store = await open();
        await store.create(`${DEFAULT}a`, widget('a'));
        const current = await store.currentRevision();
        await expectStorageError(store.list(DEFAULT, { revision: current + 1 }), 'TooLarge');
        await expectStorageError(store.list(DEFAULT, { revision: current + 1000 }), 'TooLarge');
      });
    });

    describe('history and compaction', () => {
      const historyLimit = 5;

      async function compactedStore() {
        const store = await open({ historyLimit });
        let obj = await store.create(`${DEFAULT}a`, widget('a', { v: 0 }));
        const revisions = [rv(obj)];
        for (let v = 1; v <= 40; v++) {
          obj = await store.update(`${DEFAULT}a`, widget('a', { v }), rv(obj));
          revisions.push(rv(obj));
        }
        return { store, revisions, last: obj };
      }

      it('moves the compaction point forward and keeps at least historyLimit changes', async () => {
        const { store, revisions } = await compactedStore();
        const oldest = await store.oldestRevision();
        const current = await store.currentRevision();
        expect(oldest).to.be.greaterThan(revisions[0]!);
        expect(oldest).to.be.at.most(revisions[revisions.length - 1 - historyLimit]!);
        expect(current).to.equal(revisions[revisions.length - 1]);
      });

      it('rejects a list at a compacted revision with Expired, and serves the kept ones', async () => {
        const { store, revisions } = await compactedStore();
        const oldest = await store.oldestRevision();
        await expectStorageError(store.list(DEFAULT, { revision: oldest - 1 }), 'Expired');
        await expectStorageError(store.list(DEFAULT, { revision: revisions[0]! }), 'Expired');
        for (let i = revisions.length - 1 - historyLimit; i < revisions.length; i++) {
          const r = await store.list(DEFAULT, { revision: revisions[i]! });
          expect(r.items.map((x) => x.object.spec), `at ${revisions[i]}`).to.deep.equal([{ v: i }]);
        }
        const atOldest = await store.list(DEFAULT, { revision: oldest });
        expect(atOldest.items).to.have.length(1);
      });

      it('fails a paged list with Expired once its revision is compacted between pages', async () => {
        const store = await open({ historyLimit });
        for (const n of ['a', 'b', 'c', 'd']) await store.create(`${DEFAULT}${n}`, widget(n));
        const first = await store.list(DEFAULT, { limit: 2 });
        expect(first.more).to.equal(true);
        let e = await store.create(`${DEFAULT2}x`, widget('x', { v: 0 }));
        for (let v = 1; v <= 3 * historyLimit; v++) e = await store.update(`${DEFAULT2}x`, widget('x', { v }), rv(e));
        await expectStorageError(
          store.list(DEFAULT, { revision: first.revision, limit: 2, startKey: `${first.items[1]!.key}\u0000` }),
          'Expired',
        );
      });

      it('rejects a watch from a compacted revision with Expired and replays from a kept one', async () => {
        const { store, revisions, last } = await compactedStore();
        const oldest = await store.oldestRevision();
        await expectStorageError(store.watch(DEFAULT, oldest - 1, new Recorder()), 'Expired');
        await expectStorageError(store.watch(DEFAULT, 0, new Recorder()), 'Expired');
        const from = revisions[revisions.length - 1 - historyLimit]!;
        const rec = await watch(store, DEFAULT, from);
        const events = await rec.waitFor(historyLimit);
        expect(events.map((x) => x.revision)).to.deep.equal(revisions.slice(-historyLimit));
        expect(events[events.length - 1]?.object).to.deep.equal(last);
        const fromOldest = await watch(store, DEFAULT, oldest);
        const all = await fromOldest.waitFor(revisions.filter((r) => r > oldest).length);
        expect(all[all.length - 1]?.revision).to.equal(rv(last));
      });
    });

    describe('watch', () => {
      it('replays the changes after fromRevision, then live ones, each once, in order, with prevObject', async () => {
        const store = await open();
        const log: StoreEvent[] = [];
        const a = await store.create(`${DEFAULT}a`, widget('a', { v: 1 }));
        log.push({ type: 'ADDED', key: `${DEFAULT}a`, revision: rv(a), object: a });
        const from = await store.currentRevision();
        const b = await store.create(`${DEFAULT}b`, widget('b'));
        log.push({ type: 'ADDED', key: `${DEFAULT}b`, revision: rv(b), object: b });
        const a2 = await store.update(`${DEFAULT}a`, widget('a', { v: 2 }), rv(a));
        log.push({ type: 'MODIFIED', key: `${DEFAULT}a`, revision: rv(a2), object: a2, prevObject: a });
        const bGone = await store.delete(`${DEFAULT}b`);
        log.push({ type: 'DELETED', key: `${DEFAULT}b`, revision: rv(bGone), object: bGone, prevObject: b });

        const rec = await watch(store, DEFAULT, from);
        const a3 = await store.update(`${DEFAULT}a`, widget('a', { v: 3 }), rv(a2));
        log.push({ type: 'MODIFIED', key: `${DEFAULT}a`, revision: rv(a3), object: a3, prevObject: a2 });
        const b2 = await store.create(`${DEFAULT}b`, widget('b', { life: 2 }));
        log.push({ type: 'ADDED', key: `${DEFAULT}b`, revision: rv(b2), object: b2 });
        const aGone = await store.delete(`${DEFAULT}a`, rv(a3));
        log.push({ type: 'DELETED', key: `${DEFAULT}a`, revision: rv(aGone), object: aGone, prevObject: a3 });

        const expected = log.filter((e) => e.revision > from);
        const events = await rec.settle(store, DEFAULT);
        expect(events.map(normalizeEvent)).to.deep.equal(expected.map(normalizeEvent));
        for (const e of events) {
          expect(e.object.metadata.resourceVersion).to.equal(String(e.revision));
          if (e.type === 'ADDED') expect(e.prevObject).to.equal(undefined);
        }
        expect(rec.errors).to.deep.equal([]);
      });

      it('delivers only the changes under the prefix', async () => {
        const store = await open();
        const from = await store.currentRevision();
        const inDefault = await watch(store, DEFAULT, from);
        const inWidgets = await watch(store, WIDGETS, from);
        const everything = await watch(store, '/', from);
        await store.create(`${DEFAULT}a`, widget('a'));
        await store.create(`${DEFAULT2}a`, widget('a'));
        await store.create(`${GROUP}/widgets/defaul/a`, widget('a'));
        await store.create(`${GADGETS}a`, widget('a'));
        await store.delete(`${DEFAULT2}a`);
        await store.delete(`${DEFAULT}a`);
        const sentinel = await store.create(`${DEFAULT}~sentinel`, widget('sentinel'));
        await everything.waitForRevision(rv(sentinel));
        await inWidgets.waitForRevision(rv(sentinel));
        await inDefault.waitForRevision(rv(sentinel));
        expect(inDefault.events.map((e) => `${e.type} ${e.key}`)).to.deep.equal([
          `ADDED ${DEFAULT}a`,
          `DELETED ${DEFAULT}a`,
          `ADDED ${DEFAULT}~sentinel`,
        ]);
        expect(inWidgets.events.map((e) => e.key)).to.deep.equal([
          `${DEFAULT}a`,
          `${DEFAULT2}a`,
          `${GROUP}/widgets/defaul/a`,
          `${DEFAULT2}a`,
          `${DEFAULT}a`,
          `${DEFAULT}~sentinel`,
        ]);
        expect(everything.events).to.have.length(7);
      });

      it('from the current revision, delivers only what is written afterwards', async () => {
        const store = await open();
        const a = await store.create(`${DEFAULT}a`, widget('a'));
        await store.update(`${DEFAULT}a`, widget('a', { v: 2 }), rv(a));
        const rec = await watch(store, DEFAULT, await store.currentRevision());
        const b = await store.create(`${DEFAULT}b`, widget('b'));
        const events = await rec.settle(store, DEFAULT);
        expect(events.map((e) => [e.type, e.key, e.revision])).to.deep.equal([['ADDED', `${DEFAULT}b`, rv(b)]]);
      });

      it('replays exactly the suffix of the history for every starting revision', async () => {
        const store = await open();
        const model = await randomHistory(store, 60, 11);
        const starts = [model.base, ...model.log.filter((_, i) => i % 7 === 0).map((e) => e.revision)];
        const recorders = await Promise.all(starts.map((from) => watch(store, WIDGETS, from)));
        const sentinel = await store.create(`${WIDGETS}~sentinel`, widget('sentinel'));
        for (let i = 0; i < starts.length; i++) {
          const from = starts[i]!;
          const rec = recorders[i]!;
          await rec.waitForRevision(rv(sentinel));
          const expected = model.log.filter((e) => e.revision > from && e.key.startsWith(WIDGETS));
          expect(rec.events.slice(0, -1).map(normalizeEvent), `from ${from}`).to.deep.equal(expected.map(normalizeEvent));
        }
      });

      it('reports progress up to the current revision, also for writes under other prefixes', async () => {
        const store = await open();
        const rec = new Recorder();
        const w = await store.watch(DEFAULT, await store.currentRevision(), rec);
        watches.push(w);
        for (let i = 0; i < 3; i++) await store.create(`${GADGETS}g${i}`, widget(`g${i}`));
        const current = await store.currentRevision();
        await waitFor(() => w.progress() >= current, { timeoutMs: EVENT_WAIT_MS, intervalMs: 2, what: 'progress to reach the current revision' });
        expect(w.progress()).to.be.at.most(await store.currentRevision());
        const a = await store.create(`${DEFAULT}a`, widget('a'));
        await waitFor(() => w.progress() >= rv(a), { timeoutMs: EVENT_WAIT_MS, intervalMs: 2, what: 'progress to pass the write' });
        // progress() promises that every event at or below it has been delivered.
        expect(rec.events.map((e) => e.revision)).to.deep.equal([rv(a)]);
      });

      it('stops delivering after stop(), which may be called twice and from inside the sink', async () => {
        const store = await open();
        const from = await store.currentRevision();
        for (const n of ['a', 'b', 'c']) await store.create(`${DEFAULT}${n}`, widget(n));

        const stopped = new Recorder();
        const w = await store.watch(DEFAULT, from, stopped);
        await stopped.waitFor(3);
        w.stop();
        w.stop();

        let selfStopping: StoreWatch | undefined;
        const inSink = new Recorder(() => selfStopping?.stop());
        selfStopping = await store.watch(DEFAULT, await store.currentRevision(), inSink);
        const kept = await watch(store, DEFAULT, from);

        await store.create(`${DEFAULT}d`, widget('d'));
        await store.create(`${DEFAULT}e`, widget('e'));
        await kept.settle(store, DEFAULT);
        const names = (rec: Recorder) => rec.events.map((e) => e.key.slice(DEFAULT.length));
        expect(names(stopped)).to.deep.equal(['a', 'b', 'c']);
        expect(names(inSink)).to.deep.equal(['d']);
        expect(names(kept).slice(0, 5)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
        expect([...stopped.errors, ...inSink.errors]).to.deep.equal([]);
      });
    });

    describe('concurrency', () => {
      it('loses no update under 20 writers doing compare-and-swap loops, and 10 watchers see every change once, in order', async () => {
        const store = await open();
        const keys = ['c0', 'c1', 'c2', 'c3'].map((n) => `${DEFAULT}${n}`);
        const writers = 20;
        const perWriter = 50;
        const from = await store.currentRevision();
        const watchers = await Promise.all(Array.from({ length: 10 }, () => watch(store, DEFAULT, from)));
        await Promise.all(keys.map((k) => store.create(k, widget(k.slice(DEFAULT.length), { count: 0 }))));

        const writer = async (id: number): Promise<void> => {
          const k = keys[id % keys.length]!;
          for (let i = 0; i < perWriter; i++) {
            for (;;) {
              const cur = (await store.get(k))!;
              const count = (cur.spec as { count: number }).count;
              try {
                await store.update(k, { ...cur, spec: { count: count + 1 } }, rv(cur));
                break;
              } catch (err) {
                if (!isStorageError(err, 'Conflict')) throw err;
              }
            }
          }
        };
        await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));

        const perKey = (writers / keys.length) * perWriter;
        for (const k of keys) expect((await store.get(k))?.spec, k).to.deep.equal({ count: perKey });
        const total = keys.length + writers * perWriter;
        const last = await store.currentRevision();
        for (const rec of watchers) {
          await rec.waitForRevision(last);
          expect(rec.errors).to.deep.equal([]);
          expect(rec.events).to.have.length(total);
          // One assertion per watcher: thousands of chai calls would dominate the runtime.
          const problems: string[] = [];
          const counts = new Map<string, number>();
          let prev = from;
          for (const e of rec.events) {
            if (e.revision <= prev) problems.push(`revision ${e.revision} after ${prev}`);
            prev = e.revision;
            const count = (e.object.spec as { count: number }).count;
            const expected = e.type === 'ADDED' ? 0 : (counts.get(e.key) ?? -1) + 1;
            if (count !== expected) problems.push(`${e.type} ${e.key} count ${count}, expected ${expected}`);
            if (e.type === 'MODIFIED' && (e.prevObject?.spec as { count: number } | undefined)?.count !== count - 1) {
              problems.push(`${e.key} at ${e.revision}: prevObject is not the previous count`);
            }
            if (e.type === 'DELETED') problems.push(`unexpected DELETED ${e.key}`);
            counts.set(e.key, count);
          }
          expect(problems.slice(0, 5)).to.deep.equal([]);
        }
        expect(watchers[0]!.events.map((e) => e.revision)).to.deep.equal(watchers[9]!.events.map((e) => e.revision));
      });

      it('lets exactly one of many racing creates, updates or conditional deletes of one key win', async () => {
        const store = await open();
        const k = `${DEFAULT}race`;
        const creates = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.create(k, widget('race', { i }))));
        expect(creates.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        for (const r of creates) if (r.status === 'rejected') expect(isStorageError(r.reason, 'KeyExists'), String(r.reason)).to.equal(true);

        const base = (await store.get(k))!;
        const updates = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.update(k, widget('race', { u: i }), rv(base))));
        const won = updates.filter((r): r is PromiseFulfilledResult<KubeObject> => r.status === 'fulfilled');
        expect(won).to.have.length(1);
        for (const r of updates) if (r.status === 'rejected') expect(isStorageError(r.reason, 'Conflict'), String(r.reason)).to.equal(true);
        expect(await store.get(k)).to.deep.equal(won[0]!.value);

        const current = won[0]!.value;
        const deletes = await Promise.allSettled(Array.from({ length: 10 }, () => store.delete(k, rv(current))));
        expect(deletes.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        for (const r of deletes) {
          if (r.status === 'rejected') {
            expect(isStorageError(r.reason, 'Conflict') || isStorageError(r.reason, 'NotFound'), String(r.reason)).to.equal(true);
          }
        }
        expect(await store.get(k)).to.equal(undefined);
      });

      it('gives parallel writes to different keys distinct revisions', async () => {
        const store = await open();
        const prefixes = [DEFAULT, DEFAULT2, GADGETS];
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, i) => store.create(`${prefixes[i % 3]}k${i}`, widget(`k${i}`))),
        );
        const revisions = results.map(rv);
        expect(new Set(revisions).size).to.equal(revisions.length);
        expect(await store.currentRevision()).to.equal(Math.max(...revisions));
        expect((await store.list(`${GROUP}/`)).items).to.have.length(60);
      });
    });

    describe('lifecycle', () => {
      it('is ready once opened', async () => {
        const store = await open();
        await store.ready();
        expect(store.name).to.be.a('string').and.not.equal('');
      });

      it('ends open watches on close, and close may be called twice', async () => {
        const o = await openRaw();
        const store = o.store;
        const rec = new Recorder();
        const w = await store.watch(DEFAULT, await store.currentRevision(), rec);
        await store.create(`${DEFAULT}a`, widget('a'));
        await rec.waitFor(1);
        await store.close();
        await store.close();
        w.stop();
        await expectRejection(store.ready(), 'ready() after close');
        await expectRejection(store.create(`${DEFAULT}b`, widget('b')), 'create() after close');
        expect(rec.events).to.have.length(1);
      });
    });

    describe('reopening durable data', () => {
      async function reopenable(this: Mocha.Context) {
        const o = await openRaw();
        if (!o.reopen) this.skip();
        await o.store.ready();
        return { store: o.store, reopen: o.reopen as () => Promise<ObjectStore> };
      }

      it('keeps objects, uids and resourceVersions', async function () {
        const { store, reopen } = await reopenable.call(this);
        const a = await store.create(`${DEFAULT}a`, widget('a', { v: 1 }, { uid: 'uid-a' }));
        await store.create(`${DEFAULT}b`, widget('b', {}, { uid: 'uid-b' }));
        await store.update(`${DEFAULT}a`, widget('a', { v: 2 }, { uid: 'uid-a' }), rv(a));
        await store.create(`${GADGETS}g`, widget('g', {}, { uid: 'uid-g' }));
        await store.delete(`${DEFAULT}b`);
        const before = await store.list(`${GROUP}/`);
        const revision = await store.currentRevision();

        const again = await reopen();
        await again.ready();
        expect(await again.currentRevision()).to.equal(revision);
        expect(await again.list(`${GROUP}/`)).to.deep.equal(before);
        expect((await again.get(`${DEFAULT}a`))?.metadata.uid).to.equal('uid-a');
        expect(await again.get(`${DEFAULT}b`)).to.equal(undefined);
      });

      it('never reuses a revision, even when the newest write was a deletion', async function () {
        const { store, reopen } = await reopenable.call(this);
        const a = await store.create(`${DEFAULT}a`, widget('a'));
        await store.create(`${DEFAULT}b`, widget('b'));
        const gone = await store.delete(`${DEFAULT}b`);
        const again = await reopen();
        const b = await again.create(`${DEFAULT}b`, widget('b'));
        expect(rv(b)).to.be.greaterThan(rv(gone));
        const a2 = await again.update(`${DEFAULT}a`, widget('a', { v: 2 }), rv(a));
        expect(rv(a2)).to.be.greaterThan(rv(b));
      });

      it('resumes watches and serves old-revision lists from the history it kept', async function () {
        const { store, reopen } = await reopenable.call(this);
        const model = await randomHistory(store, 30, 5);
        const before = await store.currentRevision();

        const again = await reopen();
        // A store may keep less history across a restart, but at least enough for a client
        // that watched up to the restart to resume without a re-list.
        const oldest = await again.oldestRevision();
        expect(oldest).to.be.at.most(before);
        const kept = [...model.states.keys()].filter((r) => r >= oldest);
        for (const r of kept) {
          const expected = [...model.states.get(r)!].filter(([k]) => k.startsWith(WIDGETS)).sort(([x], [y]) => byteOrder(x, y));
          expect((await again.list(WIDGETS, { revision: r })).items.map((i) => [i.key, i.object]), `at ${r}`).to.deep.equal(expected);
        }
        const from = kept[0]!;
        const rec = await watch(again, WIDGETS, from);
        const c = await again.create(`${DEFAULT}after-reopen`, widget('after-reopen'));
        const events = await rec.waitForRevision(rv(c));
        const expected = [
          ...model.log.filter((e) => e.revision > from && e.key.startsWith(WIDGETS)),
          { type: 'ADDED' as const, key: `${DEFAULT}after-reopen`, revision: rv(c), object: c },
        ];
        expect(events.map(normalizeEvent)).to.deep.equal(expected.map(normalizeEvent));
      });
    });
  });
}

// ------------------------------------------------------------------------------ helpers

/** Collects a watch's events and errors; waits for them, since durable stores may deliver late. */
class Recorder implements StoreWatchSink {
  readonly events: StoreEvent[] = [];
  readonly errors: Error[] = [];

  private readonly news = new Signal();

  constructor(private readonly onEvent?: (e: StoreEvent) => void) {}

  event(e: StoreEvent): void {
    this.events.push(e);
    this.news.notify();
    this.onEvent?.(e);
  }

  error(err: Error): void {
    this.errors.push(err);
    this.news.notify();
  }

  /** Waits until `n` events arrived (failing on a watch error) and returns the first `n`. */
  async waitFor(n: number): Promise<StoreEvent[]> {
    await waitFor(() => this.events.length >= n || this.errors.length > 0, {
      timeoutMs: EVENT_WAIT_MS,
      wakeOn: this.news,
      what: `${n} watch events`,
      detail: () => `got ${this.events.length}`,
    });
    expect(this.errors, 'watch errors').to.deep.equal([]);
    return this.events.slice(0, n);
  }

  /** Waits for the event at `revision`; returns every event up to it. */
  async waitForRevision(revision: number): Promise<StoreEvent[]> {
    await waitFor(() => this.events.some((e) => e.revision >= revision) || this.errors.length > 0, {
      timeoutMs: EVENT_WAIT_MS,
      wakeOn: this.news,
      what: `the watch event at revision ${revision}`,
    });
    expect(this.errors, 'watch errors').to.deep.equal([]);
    return this.events.filter((e) => e.revision <= revision);
  }

  /**
   * Writes a sentinel under `prefix` and waits for it: as events come in revision order,
   * everything before it has then arrived. Returns the events before the sentinel.
   */
  async settle(store: ObjectStore, prefix: string): Promise<StoreEvent[]> {
    const sentinel = await store.create(`${prefix}~sentinel-${Math.random().toString(36).slice(2)}`, widget('sentinel'));
    const events = await this.waitForRevision(rv(sentinel));
    return events.filter((e) => e.revision < rv(sentinel));
  }
}

/**
 * Drives a store through `writes` random creates, updates and deletes on a few keys under
 * several prefixes, and records the full state after each revision and every change, to check
 * old-revision reads and watch replay against.
 */
async function randomHistory(store: ObjectStore, writes: number, seed: number) {
  const random = seededRandom(seed);
  const keys = [
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `${DEFAULT}${n}`),
    ...['a', 'b', 'c'].map((n) => `${DEFAULT2}${n}`),
    ...['a', 'b'].map((n) => `${GADGETS}${n}`),
  ];
  const live = new Map<string, KubeObject>();
  const base = await store.currentRevision();
  const states = new Map<number, Map<string, KubeObject>>([[base, new Map()]]);
  const log: StoreEvent[] = [];
  for (let i = 0; i < writes; i++) {
    const key = keys[Math.floor(random() * keys.length)]!;
    const name = key.slice(key.lastIndexOf('/') + 1);
    const prev = live.get(key);
    let event: StoreEvent;
    if (!prev) {
      const object = await store.create(key, widget(name, { i }));
      event = { type: 'ADDED', key, revision: rv(object), object };
      live.set(key, object);
    } else if (random() < 0.65) {
      const object = await store.update(key, widget(name, { i }), rv(prev));
      event = { type: 'MODIFIED', key, revision: rv(object), object, prevObject: prev };
      live.set(key, object);
    } else {
      const object = await store.delete(key, random() < 0.5 ? rv(prev) : undefined);
      event = { type: 'DELETED', key, revision: rv(object), object, prevObject: prev };
      live.delete(key);
    }
    log.push(event);
    states.set(event.revision, new Map(live));
  }
  return { base, states, log };
}

function widget(name: string, spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'contract.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default', ...meta }, spec };
}

function rv(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion);
}

/** An object without its resourceVersion, to compare content. */
function content(obj: KubeObject): unknown {
  const { resourceVersion: _ignored, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function keysOf(result: { items: Array<{ key: string }> }): string[] {
  return result.items.map((i) => i.key);
}

/** An event in a comparable shape: no absent-versus-undefined `prevObject` difference. */
function normalizeEvent(e: StoreEvent): { type: StoreEventType; key: string; revision: number; object: unknown; prevObject: unknown } {
  return { type: e.type, key: e.key, revision: e.revision, object: e.object, prevObject: e.prevObject ?? null };
}

/** Ascending order of the UTF-8 bytes, which for the ASCII keys used here is code-unit order. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function expectStorageError(p: Promise<unknown>, code: StorageErrorCode, key?: string) {
  try {
    await p;
  } catch (err) {
    expect(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`).to.equal(true);
    if (key !== undefined) expect((err as { key?: string }).key).to.equal(key);
    return err as Error & { key?: string; revision?: number };
  }
  throw new Error(`expected StorageError ${code}, but the call succeeded`);
}

async function expectRejection(p: Promise<unknown>, what: string): Promise<void> {
  try {
    await p;
  } catch {
    return;
  }
  throw new Error(`expected ${what} to reject`);
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
