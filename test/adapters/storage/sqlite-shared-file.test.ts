import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SqliteObjectStore, type SqliteObjectStoreOptions } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type StoreEvent } from '../../../src/ports/object-store.port.js';
import { waitFor } from '../../support/wait-for.js';
import { type TempDatabase, tempDatabase } from './fixtures/sqlite-temp.js';

function widget(name: string, size = 1): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size } };
}

const key = (name: string): string => `/demo.example.com/widgets/default/${name}`;
const rv = (o: KubeObject): number => Number(o.metadata.resourceVersion);


describe('SqliteObjectStore on a file shared by several stores', () => {
  let tmp: TempDatabase;
  const open: SqliteObjectStore[] = [];
  const openStore = (opts: Partial<SqliteObjectStoreOptions> = {}): SqliteObjectStore => {
    const s = new SqliteObjectStore({ path: tmp.path, pollIntervalMs: 10, ...opts });
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

  it('sees the other store’s writes in gets and lists at once', async () => {
    const a = openStore();
    const b = openStore();
    const created = await a.create(key('a'), widget('a'));
    expect(await b.get(key('a'))).to.deep.equal(created);
    expect(await b.currentRevision()).to.equal(rv(created));
    const updated = await b.update(key('a'), widget('a', 2), rv(created));
    expect(await a.get(key('a'))).to.deep.equal(updated);
    expect((await a.list('/demo.example.com/')).items.map((i) => i.object)).to.deep.equal([updated]);
    try {
      await a.update(key('a'), widget('a', 3), rv(created));
      expect.fail('expected Conflict');
    } catch (err) {
      expect(isStorageError(err, 'Conflict')).to.equal(true);
    }
  });

  it('delivers the other store’s writes to watches, in order, with prevObject', async () => {
    const a = openStore();
    const b = openStore();
    const seenByB: StoreEvent[] = [];
    const w = await b.watch('/demo.example.com/widgets/', 0, { event: (e) => seenByB.push(e), error: (e) => expect.fail(String(e)) });
    const x = await a.create(key('x'), widget('x'));
    const y = await b.create(key('y'), widget('y'));
    const x2 = await a.update(key('x'), widget('x', 2), rv(x));
    const gone = await a.delete(key('y'));
    await a.create('/other.example.com/things/t', widget('t'));
    await waitFor(() => w.progress() === rv(gone) + 1, { what: `progress ${rv(gone) + 1}`, detail: () => `progress ${w.progress()}` });
    expect(seenByB.map((e) => [e.type, e.key, e.revision])).to.deep.equal([
      ['ADDED', key('x'), rv(x)],
      ['ADDED', key('y'), rv(y)],
      ['MODIFIED', key('x'), rv(x2)],
      ['DELETED', key('y'), rv(gone)],
    ]);
    expect(seenByB[2]!.prevObject).to.deep.equal(x);
    expect(seenByB[3]!.object.metadata.resourceVersion).to.equal(String(rv(gone)));
    expect(seenByB[3]!.prevObject).to.deep.equal(y);
  });

  it('hands out every revision once when both stores write concurrently', async () => {
    const a = openStore();
    const b = openStore();
    const seen: number[] = [];
    await a.watch('/', 0, { event: (e) => seen.push(e.revision), error: (e) => expect.fail(String(e)) });
    const writes: Array<Promise<KubeObject>> = [];
    for (let i = 0; i < 100; i++) {
      writes.push(a.create(key(`a${i}`), widget(`a${i}`)));
      writes.push(b.create(key(`b${i}`), widget(`b${i}`)));
    }
    const results = await Promise.all(writes);
    const revisions = results.map(rv).sort((p, q) => p - q);
    expect(revisions).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    await waitFor(() => seen.length >= 200, { what: '200 events', detail: () => `got ${seen.length}` });
    expect(seen).to.have.length(200);
    expect(seen).to.deep.equal(revisions);
  });

  it('moves a watch’s progress when the other store writes elsewhere', async () => {
    const a = openStore();
    const b = openStore();
    const w = await b.watch('/demo.example.com/', 0, { event: () => undefined, error: (e) => expect.fail(String(e)) });
    expect(w.progress()).to.equal(0);
    const t = await a.create('/other.example.com/things/t', widget('t'));
    await waitFor(() => w.progress() === rv(t), { what: `progress ${rv(t)}`, detail: () => `progress ${w.progress()}` });
  });

  it('ends a watch that fell behind a compaction made by the other store', async () => {
    const a = openStore({ historyLimit: 5 });
    const b = openStore({ pollIntervalMs: 60_000 });
    const errors: Error[] = [];
    await b.watch('/demo.example.com/', 0, { event: () => undefined, error: (e) => errors.push(e) });
    let x = await a.create(key('x'), widget('x'));
    for (let i = 0; i < 20; i++) x = await a.update(key('x'), widget('x', i), rv(x));
    // b's own write makes it read the log, where it finds history it never delivered gone.
    await b.create(key('y'), widget('y'));
    expect(errors).to.have.length(1);
    expect(isStorageError(errors[0], 'Expired')).to.equal(true);
  });

  describe('a writer killed with SIGKILL', function () {
    this.timeout(60_000);
    const fixture = fileURLToPath(new URL('./fixtures/sqlite-burst-writer.ts', import.meta.url));

    for (const synchronous of ['NORMAL', 'FULL'] as const) {
      it(`loses no acknowledged write and reuses no revision (synchronous=${synchronous})`, async () => {
        const acks = await runAndKill(fixture, tmp.path, synchronous, 600);
        expect(acks.length).to.be.at.least(600);

        const store = openStore();
        const maxAcked = Math.max(...acks.map((a) => a.revision));
        expect(await store.currentRevision()).to.be.at.least(maxAcked);
        // The last acknowledged write of each key is there (or a later one that committed).
        const lastByKey = new Map<string, Ack>();
        for (const a of acks) lastByKey.set(a.key, a);
        for (const [k, last] of lastByKey) {
          const obj = await store.get(k);
          if (last.kind === 'delete') {
            if (obj) expect(rv(obj)).to.be.greaterThan(last.revision);
            continue;
          }
          expect(obj, `${k} acknowledged at ${last.revision}`).to.not.equal(undefined);
          expect(rv(obj!)).to.be.at.least(last.revision);
          if (rv(obj!) === last.revision) expect((obj!.spec as { n: number }).n).to.equal(last.n);
        }
        // Revisions were handed out once each, and the next one is new.
        const revisions = acks.map((a) => a.revision);
        expect(new Set(revisions).size).to.equal(revisions.length);
        const next = await store.create(key('after-crash'), widget('after-crash'));
        expect(rv(next)).to.be.greaterThan(maxAcked);
        // A watch from an old revision resumes with every change after it, in order.
        const from = acks[Math.floor(acks.length / 2)]!.revision;
        const events: StoreEvent[] = [];
        await store.watch('/demo.example.com/', from, { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
        const expected = acks.filter((a) => a.revision > from).map((a) => a.revision);
        const got = new Set(events.map((e) => e.revision));
        for (const r of expected) expect(got.has(r), `event at ${r}`).to.equal(true);
        expect(events.map((e) => e.revision)).to.deep.equal([...events.map((e) => e.revision)].sort((p, q) => p - q));
      });
    }
  });
});

interface Ack {
  kind: 'create' | 'update' | 'delete';
  key: string;
  revision: number;
  n: number;
}

/** Runs the burst writer until it acknowledged `minAcks` writes, kills it with SIGKILL and returns what it acknowledged. */
function runAndKill(fixture: string, path: string, synchronous: string, minAcks: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path, synchronous], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer acknowledged only ${acks.length} writes in time; stderr: ${stderr}`));
    }, 45_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [tag, kind, k, revision, n] = line.split(' ');
        if (tag !== 'ack') continue;
        acks.push({ kind: kind as Ack['kind'], key: k!, revision: Number(revision), n: Number(n) });
      }
      if (!killed && acks.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    // 'close' comes after the pipes are drained: lines still in them were acknowledged before the kill too.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`the writer exited by itself (code ${code}); stderr: ${stderr}`));
      else resolve(acks);
    });
  });
}
