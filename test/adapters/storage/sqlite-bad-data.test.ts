import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SqliteObjectStore } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { CorruptRecord } from '../../../src/adapters/storage/sqlite/sqlite-record-codec.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type StoreEvent } from '../../../src/ports/object-store.port.js';
import { type TempDatabase, tempDatabase } from './fixtures/sqlite-temp.js';

function widget(name: string, size = 1): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size, pad: 'p'.repeat(500) } };
}

const key = (name: string): string => `/demo.example.com/widgets/default/${name}`;
const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion);

/** The error the constructor throws for `path` (fails the test if it opens). */
function openError(path: string): Error {
  try {
    const s = new SqliteObjectStore({ path });
    void s.close();
  } catch (err) {
    return err as Error;
  }
  expect.fail(`expected opening ${path} to fail`);
}

describe('SqliteObjectStore and bad on-disk data', () => {
  let tmp: TempDatabase;
  beforeEach(async () => {
    tmp = await tempDatabase();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  async function populated(count: number): Promise<void> {
    const s = new SqliteObjectStore({ path: tmp.path });
    await Promise.all(Array.from({ length: count }, (_, i) => s.create(key(`w${i}`), widget(`w${i}`))));
    await s.close();
  }

  it('refuses a file of garbage with a clear error and leaves it as it was', async () => {
    const garbage = Buffer.from('this is not a database, just some text '.repeat(100));
    await writeFile(tmp.path, garbage);
    const err = openError(tmp.path);
    expect(isStorageError(err, 'Unavailable')).to.equal(true);
    expect(err.message).to.contain(tmp.path).and.to.contain('not a SQLite database');
    expect(await readFile(tmp.path)).to.deep.equal(garbage);
  });

  it('refuses a database cut short in its header (which SQLite would take for an empty one)', async () => {
    await populated(3);
    await truncate(tmp.path, 60);
    const before = await readFile(tmp.path);
    const err = openError(tmp.path);
    expect(isStorageError(err, 'Unavailable')).to.equal(true);
    expect(err.message).to.contain('truncated');
    expect(await readFile(tmp.path)).to.deep.equal(before);
  });

  it('refuses a database truncated in the middle and leaves it as it was', async () => {
    await populated(400);
    const full = await readFile(tmp.path);
    await writeFile(tmp.path, full.subarray(0, Math.floor(full.length / 2)));
    const err = openError(tmp.path);
    expect(isStorageError(err, 'Unavailable')).to.equal(true);
    expect(err.message).to.match(/malformed|corrupt/i);
    expect(await readFile(tmp.path)).to.deep.equal(full.subarray(0, Math.floor(full.length / 2)));
  });

  it('refuses a database from a newer schema version without touching it', async () => {
    await populated(2);
    const raw = new Database(tmp.path);
    raw.pragma('user_version = 99');
    raw.close();
    const before = await readFile(tmp.path);
    const err = openError(tmp.path);
    expect(isStorageError(err, 'Unavailable')).to.equal(true);
    expect(err.message).to.contain('newer').and.to.contain('99');
    expect(await readFile(tmp.path)).to.deep.equal(before);
    const check = new Database(tmp.path, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM log').pluck().get()).to.equal(2);
    check.close();
  });

  it('refuses another application’s database', async () => {
    const raw = new Database(tmp.path);
    raw.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES (1)');
    raw.close();
    expect(openError(tmp.path).message).to.contain('another application');
    const marked = new Database(tmp.path);
    marked.pragma('application_id = 42');
    marked.close();
    expect(openError(tmp.path).message).to.contain('application_id 42');
    const check = new Database(tmp.path, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM users').pluck().get()).to.equal(1);
    check.close();
  });

  it('opens an empty file as a new store', async () => {
    await writeFile(tmp.path, '');
    const s = new SqliteObjectStore({ path: tmp.path });
    await s.ready();
    expect(await s.currentRevision()).to.equal(0);
    await s.close();
  });

  it('reports a row with a damaged value and skips it without hiding other objects', async () => {
    const reported: CorruptRecord[] = [];
    const s = new SqliteObjectStore({ path: tmp.path, onCorruptRecord: (r) => reported.push(r) });
    const a = await s.create(key('a'), widget('a'));
    const b = await s.create(key('b'), widget('b'));
    const c = await s.create(key('c'), widget('c'));
    const d = await s.create(key('d'), widget('d'));
    const raw = new Database(tmp.path);
    raw.prepare('UPDATE log SET value = ? WHERE id = ?').run('{"apiVersion": "demo.example.com/v1", "kind": "Wid', rv(b));
    raw.prepare('UPDATE log SET value = ? WHERE id = ?').run('[1, 2, 3]', rv(c));
    raw.close();

    const all = await s.list('/demo.example.com/');
    expect(all.items.map((i) => i.key)).to.deep.equal([key('a'), key('d')]);
    expect(reported.map((r) => [r.key, r.revision])).to.deep.equal([
      [key('b'), rv(b)],
      [key('c'), rv(c)],
    ]);
    expect(reported[0]!.reason).to.contain('not valid JSON');

    // Pages skip damaged rows and still fill up and report `more` correctly.
    const first = await s.list('/demo.example.com/', { limit: 1 });
    expect(first.items.map((i) => i.key)).to.deep.equal([key('a')]);
    expect(first.more).to.equal(true);
    const second = await s.list('/demo.example.com/', { limit: 1, startKey: key('a') + '\u0000', revision: first.revision });
    expect(second.items.map((i) => i.key)).to.deep.equal([key('d')]);
    expect(second.more).to.equal(false);

    expect(await s.get(key('b'))).to.equal(undefined);
    const events: StoreEvent[] = [];
    await s.watch('/demo.example.com/', 0, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    expect(events.map((e) => e.key)).to.deep.equal([key('a'), key('d')]);

    // The damaged object can be replaced; nothing else moved.
    const replaced = await s.create(key('b'), widget('b', 7));
    expect(rv(replaced)).to.equal(rv(d) + 1);
    expect(events.at(-1)).to.include({ type: 'ADDED', revision: rv(replaced) });
    expect(await s.get(key('a'))).to.deep.equal(a);
    expect(reported).to.have.length(2);
    // Remembered once each, for readiness details.
    expect(s.problems()).to.have.length(2);
    expect(s.problems()[0]).to.contain(`revision ${rv(b)}`).and.to.contain('skipped');
    await s.close();
  });

  it('reads a readable object replaced by a damaged one as deleted in watches', async () => {
    const s = new SqliteObjectStore({ path: tmp.path, onCorruptRecord: () => undefined });
    const a = await s.create(key('a'), widget('a'));
    const a2 = await s.update(key('a'), widget('a', 2), rv(a));
    const raw = new Database(tmp.path);
    raw.prepare('UPDATE log SET value = ? WHERE id = ?').run('not json', rv(a2));
    raw.close();
    const events: StoreEvent[] = [];
    await s.watch('/demo.example.com/', 0, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    expect(events.map((e) => [e.type, e.revision])).to.deep.equal([
      ['ADDED', rv(a)],
      ['DELETED', rv(a2)],
    ]);
    expect(events[1]!.prevObject).to.deep.equal(a);
    await s.close();
  });

  it('is not ready once its file is removed from under it', async () => {
    const s = new SqliteObjectStore({ path: tmp.path });
    await s.ready();
    await rm(tmp.path);
    try {
      await s.ready();
      expect.fail('expected ready to reject');
    } catch (err) {
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
      expect((err as Error).message).to.contain('removed or replaced');
    }
    await s.close();
  });

  it('rejects calls after close with Unavailable and ends open watches', async () => {
    const s = new SqliteObjectStore({ path: tmp.path });
    let ended = false;
    const w = await s.watch('/', 0, { event: () => undefined, error: () => (ended = true) });
    await s.close();
    await s.close();
    w.stop();
    for (const call of [() => s.get('/x'), () => s.create('/x', widget('x')), () => s.ready()]) {
      try {
        await call();
        expect.fail('expected Unavailable');
      } catch (err) {
        expect(isStorageError(err, 'Unavailable')).to.equal(true);
      }
    }
    void ended;
  });
});
