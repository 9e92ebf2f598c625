import { expect } from 'chai';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { knownJson } from '../../../src/ports/known-json.js';
import { isStorageError, type StoreEvent } from '../../../src/ports/object-store.port.js';
import { describeObjectStoreContract } from '../../../src/testing/object-store-contract.js';

describeObjectStoreContract('memory', {
  async open(opts) {
    const store = new MemoryObjectStore(opts);
    return { store, cleanup: () => store.close() };
  },
});

const PREFIX = '/demo.example.com/widgets/default/';
const key = (name: string): string => `${PREFIX}${name}`;
const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion);

function widget(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec };
}

describe('MemoryObjectStore', () => {
  let store: MemoryObjectStore;
  beforeEach(() => {
    store = new MemoryObjectStore();
  });
  afterEach(() => store.close());

  it('hands out one deeply frozen instance to every reader and watcher', async () => {
    const events: StoreEvent[] = [];
    await store.watch(PREFIX, 0, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    const created = await store.create(key('a'), widget('a', { nested: { list: [1] } }));
    expect(Object.isFrozen(created)).to.equal(true);
    expect(Object.isFrozen(created.metadata)).to.equal(true);
    expect(Object.isFrozen((created.spec as { nested: { list: number[] } }).nested.list)).to.equal(true);
    expect(() => {
      (created.spec as { nested: { list: number[] } }).nested.list.push(2);
    }).to.throw(TypeError);
    // Readers share one instance once it is read (a write alone does not keep it parsed).
    const got = await store.get(key('a'));
    expect(got).to.deep.equal(created);
    expect(Object.isFrozen((got!.spec as { nested: { list: number[] } }).nested.list)).to.equal(true);
    expect(await store.get(key('a'))).to.equal(got);
    expect((await store.list(PREFIX)).items[0]?.object).to.equal(got);
    expect(events[0]?.object).to.equal(created);
    expect(Object.isFrozen(events[0])).to.equal(true);

    const gone = await store.delete(key('a'));
    expect(Object.isFrozen(gone)).to.equal(true);
    expect(events[1]?.prevObject).to.equal(got);
    expect(gone.spec).to.equal(got!.spec);
  });

  it('numbers revisions consecutively from 1 and delivers events before the write settles', async () => {
    expect(await store.currentRevision()).to.equal(0);
    expect(await store.oldestRevision()).to.equal(0);
    const events: StoreEvent[] = [];
    const w = await store.watch(PREFIX, 0, { event: (e) => events.push(e), error: () => undefined });
    const a = await store.create(key('a'), widget('a'));
    expect(rv(a)).to.equal(1);
    expect(events.map((e) => e.revision)).to.deep.equal([1]);
    await store.create('/other/x', widget('x'));
    expect(w.progress()).to.equal(2);
  });

  it('keeps exactly historyLimit changes; 0 keeps none but still serves the current revision', async () => {
    const small = new MemoryObjectStore({ historyLimit: 3 });
    for (let i = 0; i < 10; i++) await small.create(key(`k${i}`), widget(`k${i}`));
    expect(await small.oldestRevision()).to.equal(7);
    await small.close();

    const none = new MemoryObjectStore({ historyLimit: 0 });
    const events: StoreEvent[] = [];
    await none.create(key('a'), widget('a'));
    expect(await none.oldestRevision()).to.equal(1);
    await none.watch(PREFIX, 1, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    const b = await none.create(key('b'), widget('b'));
    expect(events.map((e) => e.revision)).to.deep.equal([rv(b)]);
    expect((await none.list(PREFIX, { revision: rv(b) })).items).to.have.length(2);
    await none.close();

    expect(() => new MemoryObjectStore({ historyLimit: -1 })).to.throw(TypeError);
  });

  it('hands out objects that carry their exact JSON, parsed again from the stored text when not among the recent ones', async () => {
    const small = new MemoryObjectStore({ cachedObjects: 2 });
    const events: StoreEvent[] = [];
    await small.watch(PREFIX, 0, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    const created: KubeObject[] = [];
    for (const name of ['a', 'b', 'c', 'd']) created.push(await small.create(key(name), widget(name, { n: name, list: [1, { x: null }] })));
    for (const obj of created) expect(knownJson(obj)).to.equal(JSON.stringify(obj));
    // Reads parse objects from their JSON: frozen, with their JSON, equal to what was created.
    const a = (await small.get(key('a')))!;
    expect(a).to.not.equal(created[0]);
    expect(a).to.deep.equal(created[0]);
    expect(Object.isFrozen((a.spec as { list: unknown[] }).list)).to.equal(true);
    expect(knownJson(a)).to.equal(JSON.stringify(a));
    expect(await small.get(key('a'))).to.equal(a);
    // Objects not among the recent ones are listed with their stored JSON, and parsed only when read.
    const page = await small.list(PREFIX);
    // (writes do not keep objects parsed; the reads above made 'a' recent: only 'a' is parsed)
    expect(page.items.map((i) => i.json !== undefined)).to.deep.equal([false, true, true, true]);
    expect(page.items[0]!.json).to.equal(undefined);
    expect(page.items[1]!.json).to.equal(JSON.stringify(created[1]));
    const listed = page.items.map((i) => i.object);
    expect(listed).to.deep.equal(created);
    for (const obj of listed) expect(knownJson(obj)).to.equal(JSON.stringify(obj));
    // An update and a delete of an object no longer cached still report the previous state.
    const b2 = await small.update(key('b'), widget('b', { n: 'b2' }), rv(created[1]!));
    await small.delete(key('c'));
    expect(events.slice(4).map((e) => [e.type, e.prevObject])).to.deep.equal([
      ['MODIFIED', created[1]],
      ['DELETED', created[2]],
    ]);
    expect(knownJson(b2)).to.equal(JSON.stringify(b2));
    // Older revisions are rebuilt from the history, also for uncached objects.
    const then = (await small.list(PREFIX, { revision: 4 })).items.map((i) => i.object);
    expect(then).to.deep.equal(created);
    await small.close();
    expect(() => new MemoryObjectStore({ cachedObjects: -1 })).to.throw(TypeError);
  });

  it('replays kept changes from their JSON, with the previous states, after their first delivery', async () => {
    const a1 = await store.create(key('a'), widget('a', { v: 1 }));
    const a2 = await store.update(key('a'), widget('a', { v: 2 }), rv(a1));
    await store.delete(key('a'), rv(a2));
    await store.create(key('b'), widget('b'));
    const events: StoreEvent[] = [];
    await store.watch(PREFIX, 0, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    expect(events.map((e) => [e.type, e.revision, (e.object.spec as { v?: number }).v, e.object.metadata.resourceVersion])).to.deep.equal([
      ['ADDED', 1, 1, '1'],
      ['MODIFIED', 2, 2, '2'],
      ['DELETED', 3, 2, '3'],
      ['ADDED', 4, undefined, '4'],
    ]);
    expect(events[0]!.prevObject).to.equal(undefined);
    expect(events[1]!.prevObject).to.deep.equal(a1);
    expect(events[2]!.prevObject).to.deep.equal(a2);
    for (const e of events) expect(Object.isFrozen(e) && Object.isFrozen(e.object)).to.equal(true);
    expect(knownJson(events[1]!.object)).to.equal(JSON.stringify(a2));
    // Lists at older revisions are rebuilt from the same kept JSON.
    expect((await store.list(PREFIX, { revision: 1 })).items.map((i) => i.object)).to.deep.equal([a1]);
    expect((await store.list(PREFIX, { revision: 2 })).items.map((i) => i.object)).to.deep.equal([a2]);
    expect((await store.list(PREFIX, { revision: 3 })).items).to.deep.equal([]);
  });

  it('stores the JSON form of what it is given: undefined members dropped, dates as strings, -0 as 0', async () => {
    const when = new Date('2026-01-02T03:04:05Z');
    const odd = widget('odd', { when, gone: undefined, zero: -0, list: [undefined, 1], nested: { ok: true } });
    const created = await store.create(key('odd'), odd);
    expect(created.spec).to.deep.equal({ when: '2026-01-02T03:04:05.000Z', zero: 0, list: [null, 1], nested: { ok: true } });
    expect(Object.is((created.spec as { zero: number }).zero, 0)).to.equal(true);
    expect(knownJson(created)).to.equal(JSON.stringify(created));
    expect(Object.isFrozen((created.spec as { nested: object }).nested)).to.equal(true);
    // A member named __proto__ (as JSON.parse makes it) stays data, on both paths of the copy.
    const tricky = widget('tricky', JSON.parse('{"__proto__":{"x":1},"list":[{"__proto__":2}]}') as Record<string, unknown>);
    const stored = await store.create(key('tricky'), tricky);
    expect(Object.getOwnPropertyDescriptor(stored.spec, '__proto__')?.value).to.deep.equal({ x: 1 });
    expect(Object.getPrototypeOf(stored.spec)).to.equal(Object.prototype);
    expect(knownJson(stored)).to.equal(JSON.stringify(stored));
    // The caller's object is left as it was, and not frozen.
    expect(Object.isFrozen(odd.spec)).to.equal(false);
    expect(odd.metadata.resourceVersion).to.equal(undefined);
  });

  it('rejects values that are not JSON objects without using a revision', async () => {
    const cyclic = widget('c') as KubeObject & { self?: unknown };
    cyclic.self = cyclic;
    try {
      await store.create(key('c'), cyclic);
      expect.fail('expected a TypeError');
    } catch (err) {
      expect(err).to.be.instanceOf(TypeError);
    }
    expect(await store.currentRevision()).to.equal(0);
  });

  it('ends a watch whose sink throws, without failing the write or other watchers', async () => {
    const errors: Error[] = [];
    const good: StoreEvent[] = [];
    await store.watch(PREFIX, 0, {
      event: () => {
        throw new Error('bad sink');
      },
      error: (e) => errors.push(e),
    });
    await store.watch(PREFIX, 0, { event: (e) => good.push(e), error: (e) => expect.fail(String(e)) });
    await store.create(key('a'), widget('a'));
    await store.create(key('b'), widget('b'));
    expect(errors.map((e) => e.message)).to.deep.equal(['bad sink']);
    expect(good).to.have.length(2);
  });

  it('keeps revision order for every watcher when a sink writes from inside its callback', async () => {
    const seen: number[][] = [[], []];
    let wrote = false;
    await store.watch(PREFIX, 0, {
      event: (e) => {
        seen[0]!.push(e.revision);
        if (!wrote) {
          wrote = true;
          void store.create(key('from-sink'), widget('from-sink'));
        }
      },
      error: (e) => expect.fail(String(e)),
    });
    await store.watch(PREFIX, 0, { event: (e) => seen[1]!.push(e.revision), error: (e) => expect.fail(String(e)) });
    await store.create(key('a'), widget('a'));
    expect(seen).to.deep.equal([
      [1, 2],
      [1, 2],
    ]);
  });

  it('tells open watches that the store closed, and rejects calls afterwards with Unavailable', async () => {
    const errors: Error[] = [];
    await store.watch(PREFIX, 0, { event: () => undefined, error: (e) => errors.push(e) });
    await store.close();
    expect(errors).to.have.length(1);
    expect(isStorageError(errors[0], 'Unavailable')).to.equal(true);
    try {
      await store.get(key('a'));
      expect.fail('expected Unavailable');
    } catch (err) {
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
    }
  });

  it('lists a page of 100k objects, also at an older revision, quickly', async function () {
    this.timeout(10_000);
    const big = new MemoryObjectStore();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const name = `w-${((i * 7919) % n).toString().padStart(6, '0')}`;
      await big.create(key(name), widget(name));
    }
    const at = await big.currentRevision();
    for (let i = 0; i < 5000; i++) {
      const name = `w-${(i * 13).toString().padStart(6, '0')}`;
      const cur = (await big.get(key(name)))!;
      await big.update(key(name), widget(name, { i }), rv(cur));
    }
    const started = performance.now();
    let pages = 0;
    let startKey: string | undefined;
    for (;;) {
      const page = await big.list(PREFIX, { revision: at, limit: 500, startKey });
      pages++;
      if (!page.more) break;
      startKey = `${page.items[page.items.length - 1]!.key}\u0000`;
    }
    const elapsed = performance.now() - started;
    expect(pages).to.equal(200);
    expect(elapsed).to.be.lessThan(3000);
    const page = await big.list(PREFIX, { limit: 10, startKey: key('w-050000') });
    expect(page.items.map((i) => i.key)).to.deep.equal(Array.from({ length: 10 }, (_, i) => key(`w-0${50000 + i}`)));
    await big.close();
  });
});
