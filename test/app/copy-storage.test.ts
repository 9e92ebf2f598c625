import { join } from 'node:path';
import { expect } from 'chai';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { CopyConflictError, copyObjects, type CopyOutcome } from '../../src/app/copy-storage.js';
import { openStorage } from '../../src/app/storage-spec.js';
import { MemoryObjectStore } from '../../src/adapters/storage/memory/memory-object-store.js';
import type { KubeObject } from '../../src/domain/meta/types.js';
import type { ObjectStore } from '../../src/ports/object-store.port.js';
import { demoServer, everything, populate, POPULATED, scratchDir, withoutResourceVersions } from './fixtures/demo-objects.js';

const PLAIN_KEY = '/demo.example.com/widgets/default/plain';

describe('copyObjects: moving a server to another store', () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  const opened: Array<ObjectStore | ApiServer> = [];
  beforeEach(async () => {
    tmp = await scratchDir();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((x) => (x as { stop?: () => Promise<void> }).stop?.() ?? (x as ObjectStore).close()));
    await tmp.cleanup();
  });

  function open<T extends ObjectStore | ApiServer>(x: T): T {
    opened.push(x);
    return x;
  }

  /** Fills `fromSpec` through a server, copies it store to store, and serves `toSpec`. */
  async function move(fromSpec: string, toSpec: string, pageSize?: number) {
    const before = demoServer(fromSpec);
    await populate(before);
    const listed = await everything(before);
    await before.stop();

    const from = open(openStorage(fromSpec));
    const to = open(openStorage(toSpec));
    const seen: string[] = [];
    const result = await copyObjects(from, to, { pageSize, onObject: (key) => seen.push(key) });
    await Promise.all([from.close(), to.close()]);
    const after = open(demoServer(toSpec));
    return { listed, result, seen, after };
  }

  async function expectSameObjects(after: ApiServer, listed: KubeObject[]): Promise<void> {
    const now = (await everything(after)).objects;
    expect(now.map((o) => o.metadata.uid)).to.deep.equal(listed.map((o) => o.metadata.uid));
    expect(now.map((o) => o.metadata.creationTimestamp)).to.deep.equal(listed.map((o) => o.metadata.creationTimestamp));
    // Everything else too: labels, annotations, finalizers, ownerReferences, generation,
    // managedFields, deletionTimestamp, spec and status.
    expect(withoutResourceVersions(now)).to.deep.equal(withoutResourceVersions(listed));
  }

  /** A watch from the new store's list resourceVersion sees the next change, and only it. */
  async function expectWatchFromNewList(after: ApiServer): Promise<void> {
    const widgets = after.client().resource(Widget, 'default');
    const list = await widgets.list();
    const watch = await widgets.watch({ resourceVersion: list.metadata.resourceVersion });
    const updated = await widgets.mergePatch('plain', { spec: { replicas: 4 } });
    for await (const event of watch) {
      expect(event.type).to.equal('MODIFIED');
      const object = event.object as KubeObject;
      expect(object.metadata.name).to.equal('plain');
      expect(object.metadata.resourceVersion).to.equal(updated.metadata.resourceVersion);
      break;
    }
    watch.close();
    expect(Number(updated.metadata.resourceVersion)).to.be.greaterThan(Number(list.metadata.resourceVersion));
  }

  it('file → sqlite: the same objects, uids and timestamps; watches work from the new list', async () => {
    const { listed, result, seen, after } = await move(`file:${join(tmp.dir, 'files')}`, `sqlite:${join(tmp.dir, 'x.db')}`, 2);
    expect(result).to.include({ copied: POPULATED, skipped: 0, overwritten: 0 });
    expect(seen).to.have.length(POPULATED);
    await expectSameObjects(after, listed.objects);
    await expectWatchFromNewList(after);
  });

  it('sqlite → file', async () => {
    const { listed, result, after } = await move(`sqlite:${join(tmp.dir, 'x.db')}`, `file:${join(tmp.dir, 'files')}`);
    expect(result.copied).to.equal(POPULATED);
    await expectSameObjects(after, listed.objects);
    await expectWatchFromNewList(after);
  });

  it('a live memory store → file: one snapshot, not the writes made while copying', async () => {
    const memory = new MemoryObjectStore();
    const live = open(demoServer(memory));
    await populate(live);
    const listed = await everything(live);
    const widgets = live.client().resource(Widget, 'default');
    const target = open(openStorage(`file:${join(tmp.dir, 'files')}`));

    let changed = false;
    const result = await copyObjects(memory, target, {
      pageSize: 1,
      onObject: () => {
        if (changed) return;
        changed = true;
        // Change the source under the copy, before the pages that hold these keys are read.
        void widgets.mergePatch('plain', { metadata: { labels: { changed: 'during-copy' } } });
        void live.client().resource(Widget, 'other').delete('elsewhere');
      },
    });
    expect(result.copied).to.equal(POPULATED);
    expect(result.sourceRevision).to.equal(Number(listed.widgetListRevision));
    expect((await widgets.get('plain')).metadata.labels).to.have.property('changed');
    await target.close();

    const after = open(demoServer(`file:${join(tmp.dir, 'files')}`));
    await expectSameObjects(after, listed.objects);
    await expectWatchFromNewList(after);
  });

  describe('a key the target already holds', () => {
    let source: MemoryObjectStore;
    let target: ObjectStore;
    let theirs: KubeObject;

    beforeEach(async () => {
      source = new MemoryObjectStore();
      await populate(demoServer(source));
      target = open(openStorage(`sqlite:${join(tmp.dir, 'x.db')}`));
      const other = demoServer(target);
      theirs = await other.client().resource(Widget, 'default').create({ metadata: { name: 'plain' }, spec: { color: 'red' } });
    });

    it('fails by default, names the key and writes nothing', async () => {
      const err = await copyObjects(source, target).then(
        () => expect.fail('expected the copy to be refused'),
        (e: unknown) => e as CopyConflictError,
      );
      expect(err).to.be.instanceOf(CopyConflictError);
      expect(err.keys).to.deep.equal([PLAIN_KEY]);
      expect(err.message).to.contain(PLAIN_KEY).and.to.contain('nothing was copied');
      const left = await target.list('/');
      expect(left.items.map((i) => i.key)).to.deep.equal([PLAIN_KEY]);
      expect(left.revision).to.equal(Number(theirs.metadata.resourceVersion));
    });

    it('skip: keeps the target’s object and copies the rest', async () => {
      const outcomes = new Map<string, CopyOutcome>();
      const result = await copyObjects(source, target, { ifExists: 'skip', onObject: (k, o) => outcomes.set(k, o) });
      expect(result).to.include({ copied: POPULATED - 1, skipped: 1, overwritten: 0 });
      expect(outcomes.get(PLAIN_KEY)).to.equal('skipped');
      expect((await target.get(PLAIN_KEY))!.metadata.uid).to.equal(theirs.metadata.uid);
      expect((await target.list('/')).items).to.have.length(POPULATED);
    });

    it('overwrite: replaces it with the source’s', async () => {
      const result = await copyObjects(source, target, { ifExists: 'overwrite' });
      expect(result).to.include({ copied: POPULATED, skipped: 0, overwritten: 1 });
      const mine = await source.get(PLAIN_KEY);
      const now = await target.get(PLAIN_KEY);
      expect(now!.metadata.uid).to.equal(mine!.metadata.uid).and.not.equal(theirs.metadata.uid);
      expect(Number(now!.metadata.resourceVersion)).to.be.greaterThan(Number(theirs.metadata.resourceVersion));
    });
  });

  it('copies only the keys under a prefix', async () => {
    const source = new MemoryObjectStore();
    await populate(demoServer(source));
    const target = open(new MemoryObjectStore());
    const result = await copyObjects(source, target, { prefix: `/${Gadget.group}/${Gadget.plural}/` });
    expect(result.copied).to.equal(2);
    expect((await target.list('/')).items.map((i) => i.key)).to.deep.equal([
      '/demo.example.com/gadgets/owner',
      '/demo.example.com/gadgets/plain-gadget',
    ]);
  });

  it('copies an empty store into an empty one', async () => {
    const result = await copyObjects(new MemoryObjectStore(), open(new MemoryObjectStore()));
    expect(result).to.deep.equal({ copied: 0, overwritten: 0, skipped: 0, sourceRevision: 0 });
  });

  it('refuses to copy a store onto itself and bad options', async () => {
    const store = open(new MemoryObjectStore());
    await expectRejected(copyObjects(store, store), /onto itself/);
    await expectRejected(copyObjects(store, new MemoryObjectStore(), { prefix: 'demo' }), /prefix/);
    await expectRejected(copyObjects(store, new MemoryObjectStore(), { pageSize: 0 }), /pageSize/);
  });

  it('names the key a target cannot hold', async () => {
    const source = new MemoryObjectStore();
    // The file store holds every name (long ones get encoded file names), but no key with an empty segment.
    const bad = '/demo.example.com/widgets//x';
    await source.create(bad, { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'default' } });
    const target = open(openStorage(`file:${join(tmp.dir, 'files')}`));
    await expectRejected(copyObjects(source, target), new RegExp(`copying ${bad} to file:`));
  });
});

async function expectRejected(p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => expect.fail(`expected a rejection matching ${message}`),
    (e: unknown) => e as Error,
  );
  expect(err.message).to.match(message);
}
