import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SqliteObjectStore, type SqliteObjectStoreOptions } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import { LIST_PAGE_SQL } from '../../../src/adapters/storage/sqlite/sqlite-log-statements.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type StoreEvent } from '../../../src/ports/object-store.port.js';
import { describeObjectStoreContract } from '../../../src/testing/object-store-contract.js';
import { type TempDatabase, tempDatabase } from './fixtures/sqlite-temp.js';

function widget(name: string, size = 1, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size, ...extra } };
}

const key = (name: string): string => `/demo.example.com/widgets/default/${name}`;
const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion);

describeObjectStoreContract('sqlite', {
  async open({ historyLimit }) {
    const tmp = await tempDatabase();
    // A short poll keeps the suite quick; in-process writes never wait for it anyway.
    const options: SqliteObjectStoreOptions = { path: tmp.path, historyLimit, pollIntervalMs: 20 };
    const stores = [new SqliteObjectStore(options)];
    return {
      store: stores[0]!,
      async reopen() {
        await stores[stores.length - 1]!.close();
        stores.push(new SqliteObjectStore(options));
        return stores[stores.length - 1]!;
      },
      async cleanup() {
        for (const s of stores) await s.close();
        await tmp.cleanup();
      },
    };
  },
});

describe('SqliteObjectStore', () => {
  let tmp: TempDatabase;
  const open: SqliteObjectStore[] = [];
  const openStore = (opts: Partial<SqliteObjectStoreOptions> = {}): SqliteObjectStore => {
    const s = new SqliteObjectStore({ path: tmp.path, ...opts });
    open.push(s);
    return s;
  };

  beforeEach(async () => {
    tmp = await tempDatabase();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await tmp.cleanup();
  });

  describe('restart', () => {
    it('keeps objects, resourceVersions and the revision counter across close and reopen', async () => {
      const a = openStore();
      const created = await a.create(key('a'), widget('a'));
      const b = await a.create(key('b'), widget('b'));
      await a.update(key('a'), widget('a', 2), rv(created));
      const gone = await a.delete(key('b'));
      const before = await a.list('/demo.example.com/');
      await a.close();

      const again = openStore();
      expect(await again.currentRevision()).to.equal(rv(gone));
      expect(await again.list('/demo.example.com/')).to.deep.equal(before);
      const next = await again.create(key('b'), widget('b'));
      expect(rv(next)).to.equal(rv(gone) + 1);
      expect(rv(next)).to.be.greaterThan(rv(b));
    });

    it('resumes a watch from a revision written before the restart', async () => {
      const a = openStore();
      const first = await a.create(key('a'), widget('a'));
      await a.update(key('a'), widget('a', 2), rv(first));
      await a.create(key('b'), widget('b'));
      await a.close();

      const again = openStore();
      const events: StoreEvent[] = [];
      await again.watch('/demo.example.com/widgets/', rv(first), { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
      expect(events.map((e) => [e.type, e.revision])).to.deep.equal([
        ['MODIFIED', 2],
        ['ADDED', 3],
      ]);
      expect(events[0]!.prevObject?.metadata.resourceVersion).to.equal('1');
    });

    it('never reuses a revision, also when the newest rows are gone from the log', async () => {
      const a = openStore();
      await a.create(key('a'), widget('a'));
      await a.create(key('b'), widget('b'));
      await a.close();
      const raw = new Database(tmp.path);
      raw.prepare('DELETE FROM log WHERE id = 2').run();
      raw.close();
      const again = openStore();
      expect(await again.currentRevision()).to.equal(2);
      expect(rv(await again.create(key('c'), widget('c')))).to.equal(3);
    });
  });

  describe('group commit', () => {
    it('gives each of many concurrent writes its own revision and outcome', async () => {
      const s = openStore();
      const names = Array.from({ length: 200 }, (_, i) => `w${i % 150}`);
      const results = await Promise.allSettled(names.map((n) => s.create(key(n), widget(n))));
      const ok = results.filter((r): r is PromiseFulfilledResult<KubeObject> => r.status === 'fulfilled').map((r) => r.value);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).to.have.length(150);
      expect(failed).to.have.length(50);
      for (const f of failed) expect(isStorageError(f.reason, 'KeyExists')).to.equal(true);
      // The first caller of each name wins, in call order, with increasing revisions.
      expect(ok.map(rv)).to.deep.equal(Array.from({ length: 150 }, (_, i) => i + 1));
      expect(ok.map((o) => o.metadata.name)).to.deep.equal(names.slice(0, 150));
      expect((await s.list('/demo.example.com/')).items).to.have.length(150);
    });

    it('checks compare-and-swap per write inside one batch', async () => {
      const s = openStore();
      const a = await s.create(key('a'), widget('a'));
      const [first, second, del] = await Promise.allSettled([
        s.update(key('a'), widget('a', 2), rv(a)),
        s.update(key('a'), widget('a', 3), rv(a)),
        s.delete(key('a'), rv(a) + 1),
      ]);
      expect(first.status).to.equal('fulfilled');
      expect(second.status).to.equal('rejected');
      expect(isStorageError((second as PromiseRejectedResult).reason, 'Conflict')).to.equal(true);
      expect((second as PromiseRejectedResult).reason.revision).to.equal(rv(a) + 1);
      expect(del.status).to.equal('fulfilled');
      expect((del as PromiseFulfilledResult<KubeObject>).value.spec).to.deep.equal({ size: 2 });
      expect(await s.get(key('a'))).to.equal(undefined);
    });

    it('acknowledges nothing when the commit fails, and keeps nothing of it', async () => {
      const s = openStore({ busyTimeoutMs: 50 });
      await s.create(key('a'), widget('a'));
      const blocker = new Database(tmp.path);
      blocker.exec('BEGIN IMMEDIATE');
      try {
        const results = await Promise.allSettled([s.create(key('b'), widget('b')), s.create(key('c'), widget('c'))]);
        for (const r of results) {
          expect(r.status).to.equal('rejected');
          expect(isStorageError((r as PromiseRejectedResult).reason, 'Unavailable')).to.equal(true);
        }
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
      }
      expect((await s.list('/demo.example.com/')).items.map((i) => i.key)).to.deep.equal([key('a')]);
      expect(rv(await s.create(key('b'), widget('b')))).to.equal(2);
    });

    it('fails only the write whose statement fails, not the rest of its batch', async () => {
      const s = openStore();
      await s.create(key('a'), widget('a'));
      const raw = new Database(tmp.path);
      raw.exec(`CREATE TRIGGER refuse BEFORE INSERT ON log WHEN NEW.key LIKE '%/refused' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`);
      raw.close();
      const [b, refused, c] = await Promise.allSettled([
        s.create(key('b'), widget('b')),
        s.create(key('refused'), widget('refused')),
        s.create(key('c'), widget('c')),
      ]);
      expect(b.status).to.equal('fulfilled');
      expect(c.status).to.equal('fulfilled');
      expect(refused.status).to.equal('rejected');
      expect(String((refused as PromiseRejectedResult).reason)).to.contain('refused by test');
      expect((await s.list('/demo.example.com/')).items.map((i) => i.key)).to.deep.equal([key('a'), key('b'), key('c')]);
      expect([b, c].map((r) => rv((r as PromiseFulfilledResult<KubeObject>).value))).to.deep.equal([2, 3]);
    });

    it('delivers its own writes to watches before the write resolves', async () => {
      const s = openStore({ pollIntervalMs: 60_000 });
      const events: StoreEvent[] = [];
      await s.watch('/demo.example.com/', 0, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
      const a = await s.create(key('a'), widget('a'));
      expect(events.map((e) => e.revision)).to.deep.equal([rv(a)]);
      const [b, c] = await Promise.all([s.create(key('b'), widget('b')), s.update(key('a'), widget('a', 5), rv(a))]);
      expect(events.map((e) => [e.type, e.revision])).to.deep.equal([
        ['ADDED', 1],
        ['ADDED', rv(b)],
        ['MODIFIED', rv(c)],
      ]);
      expect(events[2]!.prevObject).to.deep.equal(a);
    });

    it('stores a copy: changing the given object afterwards changes nothing', async () => {
      const s = openStore();
      const obj = widget('a');
      const pending = s.create(key('a'), obj);
      (obj.spec as Record<string, unknown>).size = 99;
      obj.metadata.resourceVersion = '12345';
      const created = await pending;
      expect(created.spec).to.deep.equal({ size: 1 });
      expect(created.metadata.resourceVersion).to.equal('1');
      expect((await s.get(key('a')))!.spec).to.deep.equal({ size: 1 });
    });
  });

  describe('compaction', () => {
    it('keeps a bounded history and refuses older reads and watches with Expired', async () => {
      const s = openStore({ historyLimit: 10 });
      let a = await s.create(key('a'), widget('a'));
      await s.create(key('gone'), widget('gone'));
      await s.delete(key('gone'));
      for (let i = 0; i < 60; i++) a = await s.update(key('a'), widget('a', i), rv(a));
      const current = await s.currentRevision();
      const oldest = await s.oldestRevision();
      expect(current).to.equal(63);
      expect(oldest).to.be.at.most(current - 10);
      expect(oldest).to.be.at.least(current - 10 - 1);

      const atOldest = await s.list('/demo.example.com/', { revision: oldest });
      expect(atOldest.items.map((i) => i.key)).to.deep.equal([key('a')]);
      try {
        await s.list('/demo.example.com/', { revision: oldest - 1 });
        expect.fail('expected Expired');
      } catch (err) {
        expect(isStorageError(err, 'Expired')).to.equal(true);
        expect((err as { revision?: number }).revision).to.equal(oldest);
      }
      try {
        await s.watch('/demo.example.com/', oldest - 1, { event: () => undefined, error: () => undefined });
        expect.fail('expected Expired');
      } catch (err) {
        expect(isStorageError(err, 'Expired')).to.equal(true);
      }
      const events: StoreEvent[] = [];
      await s.watch('/demo.example.com/', oldest, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
      expect(events.map((e) => e.revision)).to.deep.equal(Array.from({ length: current - oldest }, (_, i) => oldest + 1 + i));
      for (const e of events) expect(e.prevObject?.metadata.resourceVersion).to.equal(String(e.revision - 1));

      // Superseded rows and tombstones are gone from the file; the newest row of 'a' stays.
      const raw = new Database(tmp.path, { readonly: true });
      const rows = raw.prepare('SELECT count(*) FROM log').pluck().get() as number;
      raw.close();
      expect(rows).to.be.at.most(current - oldest + 1);
    });

    it('never reads as too large or expired a list at the current revision', async () => {
      const s = openStore({ historyLimit: 1 });
      for (let i = 0; i < 5; i++) await s.create(key(`w${i}`), widget(`w${i}`));
      const current = await s.currentRevision();
      const list = await s.list('/demo.example.com/', { revision: current });
      expect(list.items).to.have.length(5);
      try {
        await s.list('/demo.example.com/', { revision: current + 1 });
        expect.fail('expected TooLarge');
      } catch (err) {
        expect(isStorageError(err, 'TooLarge')).to.equal(true);
      }
    });
  });

  describe('lists', () => {
    it('pages through a snapshot at one revision while writes go on', async () => {
      const s = openStore();
      for (let i = 0; i < 25; i++) await s.create(key(`w${String(i).padStart(2, '0')}`), widget(`w${i}`));
      const first = await s.list('/demo.example.com/', { limit: 10 });
      expect(first.more).to.equal(true);
      await s.delete(key('w15'));
      await s.create(key('w155'), widget('w155'));
      const keys = first.items.map((i) => i.key);
      let startKey = keys[keys.length - 1] + '\u0000';
      for (;;) {
        const page = await s.list('/demo.example.com/', { limit: 10, revision: first.revision, startKey });
        keys.push(...page.items.map((i) => i.key));
        if (!page.more) break;
        startKey = page.items[page.items.length - 1]!.key + '\u0000';
      }
      expect(keys).to.deep.equal(Array.from({ length: 25 }, (_, i) => key(`w${String(i).padStart(2, '0')}`)));
    });

    it('serves a page of a 100 000-object store from the key index without a sort', async function () {
      this.timeout(60_000);
      const s = openStore();
      await s.create(key('seed'), widget('seed'));
      await s.close();
      const raw = new Database(tmp.path);
      const insert = raw.prepare('INSERT INTO log (key, created, deleted, prev_revision, value) VALUES (?, 1, 0, 0, ?)');
      const value = JSON.stringify(widget('x'));
      raw.transaction(() => {
        for (let i = 0; i < 100_000; i++) insert.run(`/demo.example.com/widgets/ns${i % 10}/w${String(i).padStart(6, '0')}`, value);
      })();
      const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${LIST_PAGE_SQL}`).all({ low: '/a/', high: '/a0', rev: 1, n: 1 }) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join('\n');
      raw.close();
      expect(plan).to.match(/SEARCH l USING INDEX log_key_id \(key>\? AND key<\?\)/);
      expect(plan).to.match(/SEARCH m USING COVERING INDEX log_key_id/);
      expect(plan).not.to.match(/TEMP B-TREE|SCAN/);

      const again = openStore();
      const started = performance.now();
      const page = await again.list('/demo.example.com/widgets/ns3/', { limit: 500 });
      const elapsed = performance.now() - started;
      expect(page.items).to.have.length(500);
      expect(page.more).to.equal(true);
      expect(elapsed).to.be.below(500);
    });
  });
});
