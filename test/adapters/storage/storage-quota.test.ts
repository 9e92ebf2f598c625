/**
 * `quotaBytes` on the memory, file and SQLite stores (`--storage-quota-bytes`): creates and
 * updates that would take the stored objects beyond the quota are refused with NoSpace naming
 * it, deletes always work and make room, usage() reports the size, and a reopened store counts
 * the same size again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileSystemObjectStore } from '../../../src/adapters/storage/filesystem/filesystem-object-store.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import { SqliteObjectStore } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type ObjectStore, type StorageError } from '../../../src/ports/object-store.port.js';

const QUOTA = 6000;
const key = (name: string): string => `/demo.example.com/widgets/default/${name}`;

function widget(name: string, padBytes: number): KubeObject {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default', annotations: { pad: 'x'.repeat(padBytes) } },
    spec: { color: 'red' },
  };
}

async function rejection(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    return err as StorageError;
  }
  throw new Error('expected a rejection');
}

interface Kind {
  name: string;
  open(dir: string): ObjectStore;
  durable: boolean;
}

const kinds: Kind[] = [
  { name: 'memory', open: () => new MemoryObjectStore({ quotaBytes: QUOTA }), durable: false },
  { name: 'file', open: (dir) => new FileSystemObjectStore({ root: join(dir, 'root'), quotaBytes: QUOTA, onProblem: () => undefined }), durable: true },
  { name: 'sqlite', open: (dir) => new SqliteObjectStore({ path: join(dir, 'db.sqlite'), quotaBytes: QUOTA }), durable: true },
];

for (const kind of kinds) {
  describe(`storage quota: ${kind.name} store`, () => {
    let dir: string;
    const stores: ObjectStore[] = [];
    const open = (): ObjectStore => {
      const s = kind.open(dir);
      stores.push(s);
      return s;
    };
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), `quota-${kind.name}-`));
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses creates and growing updates beyond the quota with NoSpace naming it, lets deletes and shrinking updates through', async () => {
      const store = open();
      expect(await store.usage!()).to.deep.equal({ bytes: 0, quotaBytes: QUOTA });
      let made = 0;
      let refused: StorageError | undefined;
      for (let i = 0; i < 20 && refused === undefined; i++) {
        try {
          await store.create(key(`w${i}`), widget(`w${i}`, 1000));
          made++;
        } catch (err) {
          refused = err as StorageError;
        }
      }
      expect(made).to.be.within(3, 6);
      expect(isStorageError(refused, 'NoSpace'), String(refused)).to.equal(true);
      expect(refused!.quotaBytes).to.equal(QUOTA);
      expect(refused!.message).to.contain(`quota of ${QUOTA} bytes`);
      const full = (await store.usage!())!;
      expect(full.bytes).to.be.above(QUOTA - 1200).and.at.most(QUOTA);
      expect((await store.list('/')).items).to.have.length(made);

      // A refused write changed nothing; a smaller object still fits if there is room for it.
      const current = (await store.get(key('w0')))!;
      const grow = await rejection(store.update(key('w0'), widget('w0', 3000), Number(current.metadata.resourceVersion)));
      expect(isStorageError(grow, 'NoSpace')).to.equal(true);
      const shrunk = await store.update(key('w0'), widget('w0', 10), Number(current.metadata.resourceVersion));
      expect((await store.usage!())!.bytes).to.be.below(full.bytes);
      await store.delete(key('w1'));
      await store.delete(key('w2'));
      const after = (await store.usage!())!.bytes;
      expect(after).to.be.below(full.bytes - 1900);
      await store.create(key('again'), widget('again', 1000));
      expect(await store.get(key('w0'))).to.deep.equal(shrunk);
    });

    if (kind.durable) {
      it('counts the same size again after a restart', async () => {
        let store = open();
        for (let i = 0; i < 3; i++) await store.create(key(`w${i}`), widget(`w${i}`, 1000));
        await store.delete(key('w1'));
        const before = (await store.usage!())!.bytes;
        await store.close();
        store = open();
        expect((await store.usage!())!.bytes).to.equal(before);
        // And keeps enforcing it.
        let refused: StorageError | undefined;
        for (let i = 0; i < 10 && refused === undefined; i++) await store.create(key(`n${i}`), widget(`n${i}`, 1000)).catch((e) => (refused = e));
        expect(isStorageError(refused, 'NoSpace')).to.equal(true);
      });
    }
  });
}

describe('storage quota: a SQLite file shared by two processes', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('counts the other connection’s writes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'quota-shared-'));
    const path = join(dir, 'db.sqlite');
    const a = new SqliteObjectStore({ path, quotaBytes: QUOTA });
    const b = new SqliteObjectStore({ path, quotaBytes: QUOTA });
    try {
      await a.create(key('a'), widget('a', 1000));
      const seen = (await a.usage!())!.bytes;
      for (let i = 0; i < 3; i++) await b.create(key(`b${i}`), widget(`b${i}`, 1000));
      expect((await a.usage!())!.bytes).to.equal((await b.usage!())!.bytes).and.to.be.above(seen * 3.5);
      const err = await rejection((async () => {
        for (let i = 0; i < 5; i++) await a.create(key(`a${i}`), widget(`a${i}`, 1000));
      })());
      expect(isStorageError(err, 'NoSpace')).to.equal(true);
      expect((await a.usage!())!.bytes).to.be.at.most(QUOTA);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('measures nothing without a quota', async () => {
    dir = await mkdtemp(join(tmpdir(), 'quota-none-'));
    const s = new SqliteObjectStore({ path: join(dir, 'db.sqlite') });
    await s.create(key('a'), widget('a', 100_000));
    expect(await s.usage!()).to.equal(undefined);
    await s.close();
  });
});
