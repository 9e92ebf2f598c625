import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FileSystemObjectStore, type FileSystemObjectStoreOptions } from '../../../src/adapters/storage/filesystem/filesystem-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type ObjectStore, type StoreEvent, type StoreWatch } from '../../../src/ports/object-store.port.js';
import { describeObjectStoreContract } from '../../../src/testing/object-store-contract.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import { copyObjects } from '../../../src/app/copy-storage.js';

const here = dirname(fileURLToPath(import.meta.url));

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fs-object-store-'));
}

function widget(name: string, extra: Partial<KubeObject['metadata']> = {}, spec: unknown = { color: 'green' }): KubeObject {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default', ...extra },
    spec,
  };
}

const key = (name: string, ns = 'default'): string => `/demo.example.com/widgets/${ns}/${name}`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await chownTree(join(dir, e.name), uid, gid);
    else await chown(join(dir, e.name), uid, gid);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  await walk(dir, '');
  return out.sort();
}

describeObjectStoreContract('filesystem', {
  async open({ historyLimit }) {
    const root = await tempRoot();
    const stores: FileSystemObjectStore[] = [];
    const make = (): FileSystemObjectStore => {
      const store = new FileSystemObjectStore({ root, historyLimit, onProblem: () => undefined });
      stores.push(store);
      return store;
    };
    return {
      store: make(),
      async reopen(): Promise<ObjectStore> {
        await stores[stores.length - 1]!.close();
        const store = make();
        await store.ready();
        return store;
      },
      async cleanup() {
        for (const s of stores) await s.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  },
});

describe('FileSystemObjectStore', () => {
  let root: string;
  const open: FileSystemObjectStore[] = [];

  function openStore(options: Partial<FileSystemObjectStoreOptions> = {}): FileSystemObjectStore {
    const store = new FileSystemObjectStore({ root, onProblem: () => undefined, ...options });
    open.push(store);
    return store;
  }

  async function reopen(store: FileSystemObjectStore, options: Partial<FileSystemObjectStoreOptions> = {}): Promise<FileSystemObjectStore> {
    await store.close();
    const next = openStore(options);
    await next.ready();
    return next;
  }

  beforeEach(async () => {
    root = await tempRoot();
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await rm(root, { recursive: true, force: true });
  });

  describe('files on disk', () => {
    it('keeps one readable JSON file per object where its key says, and nothing else but the counter', async () => {
      const store = openStore();
      const created = await store.create(key('foo'), widget('foo', { uid: 'u1' }));
      await store.create('/demo.example.com/gadgets/bar', { apiVersion: 'demo.example.com/v1', kind: 'Gadget', metadata: { name: 'bar' } });

      expect(await listFiles(root)).to.deep.equal([
        '.lock',
        '.revision',
        'demo.example.com/gadgets/bar.json',
        'demo.example.com/widgets/default/foo.json',
      ]);
      const text = await readFile(join(root, 'demo.example.com/widgets/default/foo.json'), 'utf8');
      expect(text).to.contain('\n  "key": "/demo.example.com/widgets/default/foo"');
      const parsed = JSON.parse(text);
      expect(parsed).to.deep.equal({
        format: 'apiserver-kit/filesystem-object/v1',
        key: key('foo'),
        revision: Number(created.metadata.resourceVersion),
        object: created,
      });
      if (process.platform !== 'win32') {
        expect((await stat(join(root, 'demo.example.com/widgets/default/foo.json'))).mode & 0o777).to.equal(0o600);
        expect((await stat(join(root, 'demo.example.com/widgets/default'))).mode & 0o777).to.equal(0o700);
      }
      const ceiling = Number((await readFile(join(root, '.revision'), 'utf8')).trim());
      expect(ceiling).to.be.at.least(await store.currentRevision());
    });

    it('rewrites the file on update and removes it, and folders left empty, on delete', async () => {
      const store = openStore();
      const a = await store.create(key('a'), widget('a'));
      await store.create(key('b', 'other'), widget('b'));
      const a2 = await store.update(key('a'), widget('a', {}, { color: 'red' }), Number(a.metadata.resourceVersion));
      const onDisk = JSON.parse(await readFile(join(root, 'demo.example.com/widgets/default/a.json'), 'utf8'));
      expect(onDisk.object.spec).to.deep.equal({ color: 'red' });
      expect(onDisk.revision).to.equal(Number(a2.metadata.resourceVersion));

      await store.delete(key('a'));
      expect(existsSync(join(root, 'demo.example.com/widgets/default'))).to.equal(false);
      expect(existsSync(join(root, 'demo.example.com/widgets/other/b.json'))).to.equal(true);
    });

    it('returns frozen copies that share nothing with the caller', async () => {
      const store = openStore();
      const input = widget('foo', { labels: { a: '1' } });
      const created = await store.create(key('foo'), input);
      input.metadata.labels!.a = 'changed';
      (input.spec as { color: string }).color = 'changed';
      const got = (await store.get(key('foo')))!;
      expect(got.metadata.labels).to.deep.equal({ a: '1' });
      expect(got.spec).to.deep.equal({ color: 'green' });
      expect(Object.isFrozen(got)).to.equal(true);
      expect(Object.isFrozen(got.metadata.labels)).to.equal(true);
      expect(Object.isFrozen(created.spec)).to.equal(true);
    });

    it('works without fsync', async () => {
      const store = openStore({ fsync: false });
      await store.create(key('foo'), widget('foo'));
      const again = await reopen(store, { fsync: false });
      expect((await again.get(key('foo')))?.metadata.name).to.equal('foo');
    });
  });

  describe('unsafe keys', () => {
    // No object name makes these: refused, as they could leave the root or name nothing.
    const unsafe = [
      '/demo.example.com/widgets/../../../../etc/passwd',
      '/demo.example.com/widgets/default/..',
      '/demo.example.com/widgets/./foo',
      '/demo.example.com//foo',
      '/demo.example.com/widgets/default/',
      'relative/key',
      '',
    ];

    it('refuses them in create, update and delete with InvalidKey, and writes nothing anywhere', async () => {
      const parent = dirname(root);
      const before = (await readdir(parent)).sort();
      const store = openStore();
      await store.ready();
      for (const k of unsafe) {
        for (const p of [store.create(k, widget('x')), store.update(k, widget('x'), 1), store.delete(k)]) {
          const err = await rejection(p);
          expect(err, k).to.be.instanceOf(Error);
          expect(isStorageError(err, 'InvalidKey'), k).to.equal(true);
          expect((err as Error).message, k).to.match(/storage key .* cannot be stored: /);
        }
        expect(await store.get(k)).to.equal(undefined);
      }
      expect(await listFiles(root)).to.deep.equal(['.lock']);
      expect((await readdir(parent)).sort()).to.deep.equal(before);
      expect(await store.currentRevision()).to.equal(0);
    });
  });

  describe('long and odd names', () => {
    const longName = 'a'.repeat(253); // the longest DNS subdomain, a valid object name
    const longGroup = `${'g'.repeat(63)}.${'h'.repeat(63)}.${'i'.repeat(63)}.${'j'.repeat(61)}`; // 253 too
    const odd = [
      key(longName),
      `/${longGroup}/widgets/default/${longName}`,
      key(`${'b'.repeat(250)}`), // 255 bytes with .json: one too many before
      '/demo.example.com/widgets/.revision', // a dot-name (valid for path-segment names)
      '/.lock',
      '/demo.example.com/widgets/a\\..\\..\\b',
      '/demo.example.com/widgets/a\u0000b',
      '/demo.example.com/widgets.json/x', // a folder that could be a shorter key's file
      key(`x~${'0'.repeat(64)}`), // looks like an encoded name itself
      key('x'), // and a plain one beside them
    ];

    it('stores every one, inside the root, in file names the file system takes, and reads them back after a restart', async () => {
      const parent = dirname(root);
      const before = (await readdir(parent)).sort();
      let store = openStore();
      const made = new Map<string, KubeObject>();
      for (const k of odd) made.set(k, await store.create(k, widget(k.split('/').pop()!.slice(0, 253))));
      for (const k of odd) expect(await store.get(k), k).to.deep.equal(made.get(k));

      const files = (await listFiles(root)).filter((f) => f.endsWith('.json'));
      expect(files).to.have.length(odd.length);
      for (const f of files) for (const seg of f.split('/')) expect(Buffer.byteLength(seg), f).to.be.at.most(255);
      expect(files.every((f) => !f.split('/').some((seg) => seg.startsWith('.'))), files.join('\n')).to.equal(true);
      expect(files).to.include('demo.example.com/widgets/default/x.json');
      expect((await readdir(parent)).sort()).to.deep.equal(before);
      // Each file holds its full key.
      for (const f of files) expect(odd).to.include(JSON.parse(await readFile(join(root, f), 'utf8')).key);

      const problems: string[] = [];
      store = await reopen(store, { onProblem: (m) => problems.push(m) });
      expect(problems).to.deep.equal([]);
      for (const k of odd) expect(await store.get(k), k).to.deep.equal(made.get(k));
      expect((await store.list('/')).items.map((i) => i.key)).to.deep.equal([...odd].sort());

      const updated = await store.update(key(longName), widget(longName, {}, { n: 2 }), Number(made.get(key(longName))!.metadata.resourceVersion));
      expect(await store.get(key(longName))).to.deep.equal(updated);
      await store.delete(key(longName));
      expect(await store.get(key(longName))).to.equal(undefined);
      expect((await listFiles(root)).filter((f) => f.endsWith('.json'))).to.have.length(odd.length - 1);
    });

    it('copies to and from another store with copy-storage, keys unchanged', async () => {
      const first = openStore();
      for (const k of odd) await first.create(k, widget('w', { uid: k }));
      const memory = new MemoryObjectStore();
      expect((await copyObjects(first, memory)).copied).to.equal(odd.length);
      const otherRoot = await tempRoot();
      try {
        const second = new FileSystemObjectStore({ root: otherRoot, onProblem: (m) => expect.fail(m) });
        expect((await copyObjects(memory, second)).copied).to.equal(odd.length);
        await second.close();
        const third = new FileSystemObjectStore({ root: otherRoot, onProblem: (m) => expect.fail(m) });
        const items = (await third.list('/')).items;
        expect(items.map((i) => [i.key, i.object.metadata.uid])).to.deep.equal([...odd].sort().map((k) => [k, k]));
        await third.close();
      } finally {
        await memory.close();
        await rm(otherRoot, { recursive: true, force: true });
      }
    });

    it('notices an encoded file copied to another name', async () => {
      let store = openStore();
      await store.create(key(longName), widget(longName));
      await store.close();
      const dir = join(root, 'demo.example.com/widgets/default');
      const [file] = await readdir(dir);
      const other = `${'c'.repeat(10)}~${'1'.repeat(64)}.json`;
      await writeFile(join(dir, other), await readFile(join(dir, file!)));
      const problems: string[] = [];
      store = openStore({ onProblem: (m) => problems.push(m) });
      await store.ready();
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(other).and.match(/holds key .* but its path is not that key's file/);
      expect((await store.list('/')).items.map((i) => i.key)).to.deep.equal([key(longName)]);
    });
  });

  describe('restart', () => {
    it('keeps objects, uids, creationTimestamps and resourceVersions, and goes on with greater revisions', async () => {
      let store = openStore();
      const a = await store.create(key('a'), widget('a', { uid: 'uid-a', creationTimestamp: '2024-01-02T03:04:05Z' }));
      const b = await store.create(key('b'), widget('b', { uid: 'uid-b', creationTimestamp: '2024-01-02T03:04:06Z' }));
      const a2 = await store.update(key('a'), widget('a', { uid: 'uid-a', creationTimestamp: '2024-01-02T03:04:05Z' }, { n: 2 }), Number(a.metadata.resourceVersion));
      const c = await store.create(key('c', 'kube-system'), widget('c', { uid: 'uid-c' }));
      const gone = await store.delete(key('c', 'kube-system'));
      const before = await store.list('/demo.example.com/');
      const last = await store.currentRevision();
      expect(last).to.equal(Number(gone.metadata.resourceVersion));

      store = await reopen(store);
      expect(await store.get(key('a'))).to.deep.equal(a2);
      expect(await store.get(key('b'))).to.deep.equal(b);
      expect(await store.get(key('c', 'kube-system'))).to.equal(undefined);
      const after = await store.list('/demo.example.com/');
      expect(after.items).to.deep.equal(before.items);
      expect(await store.currentRevision()).to.be.at.least(last);
      expect(after.revision).to.be.at.least(last);

      // The deletion's revision lives in no object file: the counter must still cover it.
      const next = await store.create(key('c', 'kube-system'), widget('c'));
      expect(Number(next.metadata.resourceVersion)).to.be.greaterThan(last);
      expect(Number(c.metadata.resourceVersion)).to.be.lessThan(last);
    });

    it('never reuses a revision over many restarts, with a counter write before every object write', async () => {
      let store = openStore({ revisionBlock: 1 });
      const seen = new Set<number>();
      let highest = 0;
      for (let round = 0; round < 5; round++) {
        const made = await store.create(key(`r${round}`), widget(`r${round}`));
        const removed = await store.delete(key(`r${round}`));
        for (const o of [made, removed]) {
          const rev = Number(o.metadata.resourceVersion);
          expect(seen.has(rev)).to.equal(false);
          expect(rev).to.be.greaterThan(highest);
          seen.add(rev);
          highest = rev;
        }
        store = await reopen(store, { revisionBlock: 1 });
        expect(await store.currentRevision()).to.equal(highest);
      }
    });

    it('answers a watch or a list from before the restart with Expired, and serves history from the restart on', async () => {
      let store = openStore();
      const a = await store.create(key('a'), widget('a'));
      await store.update(key('a'), widget('a', {}, { n: 2 }), Number(a.metadata.resourceVersion));
      const old = Number(a.metadata.resourceVersion);
      store = await reopen(store);
      const start = await store.currentRevision();
      expect(await store.oldestRevision()).to.equal(start);

      const sink = { event: () => undefined, error: () => undefined };
      const err = await rejection(store.watch('/demo.example.com/', old, sink));
      expect(isStorageError(err, 'Expired')).to.equal(true);
      expect((err as { revision?: number }).revision).to.equal(start);
      const listErr = await rejection(store.list('/demo.example.com/', { revision: old }));
      expect(isStorageError(listErr, 'Expired')).to.equal(true);

      const events: StoreEvent[] = [];
      const w = await store.watch('/demo.example.com/', start, { event: (e) => events.push(e), error: () => undefined });
      const b = await store.create(key('b'), widget('b'));
      expect(events.map((e) => [e.type, e.key, e.revision])).to.deep.equal([['ADDED', key('b'), Number(b.metadata.resourceVersion)]]);
      w.stop();
      const atStart = await store.list('/demo.example.com/', { revision: start });
      expect(atStart.items.map((i) => i.key)).to.deep.equal([key('a')]);
    });

    it('refuses to open when the counter file is missing while objects exist, says how to recover, and then reuses no deletion\'s revision', async () => {
      let store = openStore();
      await store.create(key('a'), widget('a'));
      await store.create(key('b'), widget('b'));
      const gone = await store.delete(key('b'));
      const deletedAt = Number(gone.metadata.resourceVersion);
      await store.close();
      await rm(join(root, '.revision'));

      store = openStore();
      const err = await rejection(store.ready());
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
      expect((err as Error).message).to.match(/revision counter .*\.revision is missing while objects exist/);
      expect((err as Error).message).to.contain('To recover, write into it a number larger than any resourceVersion');
      expect(isStorageError(await rejection(store.create(key('c'), widget('c'))), 'Unavailable')).to.equal(true);
      await store.close();

      // The recovery the message gives: a number above every resourceVersion handed out.
      await writeFile(join(root, '.revision'), `${deletedAt + 1000}\n`);
      store = openStore();
      const next = await store.create(key('b'), widget('b'));
      expect(Number(next.metadata.resourceVersion)).to.be.greaterThan(deletedAt);
    });

    for (const revisionBlock of [1, 1000]) {
      it(`never hands out a resourceVersion a DELETE used, across restarts (revision block ${revisionBlock})`, async () => {
        let store = openStore({ revisionBlock });
        const used = new Set<string>();
        for (let round = 0; round < 3; round++) {
          used.add((await store.create(key('a'), widget('a'))).metadata.resourceVersion!);
          const gone = await store.delete(key('a'));
          expect(used.has(gone.metadata.resourceVersion!)).to.equal(false);
          used.add(gone.metadata.resourceVersion!);
          store = await reopen(store, { revisionBlock });
          expect(await store.currentRevision()).to.equal(Number(gone.metadata.resourceVersion));
        }
        const next = await store.create(key('b'), widget('b'));
        expect(Math.max(...[...used].map(Number))).to.be.lessThan(Number(next.metadata.resourceVersion));
      });
    }

    it('refuses to open with a damaged counter file rather than risk reusing revisions', async () => {
      let store = openStore();
      await store.create(key('a'), widget('a'));
      await store.close();
      await writeFile(join(root, '.revision'), 'garbage');
      store = openStore();
      const err = await rejection(store.ready());
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
      expect((err as Error).message).to.match(/revision counter .* is damaged/);
      expect(isStorageError(await rejection(store.get(key('a'))), 'Unavailable')).to.equal(true);
    });
  });

  describe('bad files under the root', () => {
    it('reports and skips corrupt, truncated, foreign and misplaced files, removes temp files, and loads everything else', async () => {
      let store = openStore();
      const good = await store.create(key('good'), widget('good'));
      const other = await store.create('/demo.example.com/gadgets/g1', { apiVersion: 'v1', kind: 'Gadget', metadata: { name: 'g1' } });
      await store.create(key('victim'), widget('victim'));
      await store.close();

      const dir = join(root, 'demo.example.com/widgets/default');
      const goodText = await readFile(join(dir, 'good.json'), 'utf8');
      await writeFile(join(dir, 'victim.json'), goodText.slice(0, goodText.length / 2)); // truncated
      await writeFile(join(dir, 'garbage.json'), '\u0000\u0001 not json at all');
      await writeFile(join(dir, 'empty.json'), '');
      await writeFile(join(dir, 'copied.json'), goodText); // holds key .../good
      await writeFile(join(dir, 'plain.json'), JSON.stringify(widget('plain'))); // not our format
      await writeFile(join(dir, 'future.json'), JSON.stringify({ format: 'apiserver-kit/filesystem-object/v9', key: key('future') }));
      await writeFile(join(dir, 'notes.txt'), 'hello');
      await writeFile(join(root, 'README.md'), '# my objects');
      await mkdir(join(root, '.git/objects'), { recursive: true });
      await writeFile(join(root, '.git/objects/x.json'), '{}');
      await symlink(join(dir, 'good.json'), join(dir, 'link.json'));
      await mkdir(join(dir, 'folder.json')); // a folder where an object file would be
      await writeFile(join(dir, '.tmp-0123456789abcdef'), goodText.slice(0, 10)); // a crashed write
      await writeFile(join(root, '.tmp-feedfacefeedface'), '12'); // a crashed counter write

      const reported: string[] = [];
      store = openStore({ onProblem: (m) => reported.push(m) });
      await store.ready();

      expect(await store.get(key('good'))).to.deep.equal(good);
      expect(await store.get('/demo.example.com/gadgets/g1')).to.deep.equal(other);
      expect(await store.get(key('victim'))).to.equal(undefined);
      expect((await store.list('/demo.example.com/')).items.map((i) => i.key)).to.deep.equal([
        '/demo.example.com/gadgets/g1',
        key('good'),
      ]);

      const problems = store.problems();
      expect(problems).to.deep.equal(reported);
      const about = (path: string): string => {
        const found = problems.filter((p) => p.startsWith(`${path}: `));
        expect(found, `a problem about ${path} in ${JSON.stringify(problems)}`).to.have.length(1);
        expect(found[0]).to.match(/; skipped$/);
        return found[0]!;
      };
      const d = 'demo.example.com/widgets/default';
      expect(about(`${d}/victim.json`)).to.match(/not valid JSON.*truncated/);
      expect(about(`${d}/garbage.json`)).to.match(/not valid JSON/);
      expect(about(`${d}/empty.json`)).to.match(/empty/);
      expect(about(`${d}/copied.json`)).to.match(/holds key .*good.* but its path belongs to key .*copied/);
      expect(about(`${d}/plain.json`)).to.match(/not an object file of this store/);
      expect(about(`${d}/future.json`)).to.match(/unknown format/);
      expect(about(`${d}/notes.txt`)).to.match(/not an object file/);
      expect(about('README.md')).to.match(/not an object file/);
      expect(about('.git')).to.match(/hidden folder/);
      expect(about(`${d}/link.json`)).to.match(/symbolic link/);
      expect(about(`${d}/folder.json`)).to.match(/a folder named like an object file/);
      expect(problems).to.have.length(11);
      await store.ready(); // damaged content is skipped and reported; the store still writes
      expect(existsSync(join(dir, '.tmp-0123456789abcdef'))).to.equal(false);
      expect(existsSync(join(root, '.tmp-feedfacefeedface'))).to.equal(false);

      // The damaged object can be written again; that replaces the damaged file.
      const fresh = await store.create(key('victim'), widget('victim'));
      store = await reopen(store);
      expect(await store.get(key('victim'))).to.deep.equal(fresh);
    });

    it('serves what it can read, but refuses writes and fails ready() while object files or folders cannot be read, and says so once', async function () {
      this.timeout(30_000);
      const store = openStore();
      await store.create(key('a'), widget('a'));
      await store.create(key('b'), widget('b'));
      await store.create('/demo.example.com/gadgets/g', { apiVersion: 'v1', kind: 'Gadget', metadata: { name: 'g' } });
      await store.close();
      const file = join(root, 'demo.example.com/widgets/default/b.json');
      const folder = join(root, 'demo.example.com/gadgets');
      // File modes do not stop root: then the store runs in a child process as nobody.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) await chownTree(root, 65534, 65534);
      await chmod(file, 0o000);
      await chmod(folder, 0o000);
      let report: Record<string, any>;
      try {
        const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'fixtures/fs-open-report.ts'), root], {
          cwd: join(here, '../../..'),
          encoding: 'utf8',
          env: { ...process.env, HOME: tmpdir() },
          ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
        });
        expect(child.status, child.stderr).to.equal(0);
        report = JSON.parse(child.stdout.trim().split('\n').pop()!);
      } finally {
        await chmod(file, 0o600);
        await chmod(folder, 0o700);
      }
      expect(report.ready).to.match(/^Damaged: .*2 object files or folders cannot be read \(demo\.example\.com\/gadgets, demo\.example\.com\/widgets\/default\/b\.json\)/);
      expect(report.ready).to.match(/writes are refused.*then restart/);
      expect(report.listed).to.deep.equal([key('a')]);
      expect(report.create).to.equal(report.ready);
      expect(report.remove).to.equal(report.ready);
      expect(report.problems).to.deep.equal(report.reported);
      expect(report.problems.filter((p: string) => /b\.json: cannot read the file \(EACCES/.test(p))).to.have.length(1);
      expect(report.problems.filter((p: string) => /gadgets: cannot read the folder \(EACCES/.test(p))).to.have.length(1);
      expect(report.problems.filter((p: string) => /cannot be read.*writes are refused/.test(p))).to.have.length(1);
      expect(report.problems).to.have.length(3);

      // Readable again: a restart serves everything and writes.
      const after = openStore();
      await after.ready();
      expect((await after.list('/')).items).to.have.length(3);
      await after.create(key('c'), widget('c'));
    });

    it('over HTTP: a server on such a root starts, serves what it reads, refuses writes with a 503 saying so, and fails readyz with the reason', async function () {
      this.timeout(30_000);
      const store = openStore();
      await store.create(key('a'), widget('a'));
      await store.create(key('b'), widget('b'));
      await store.close();
      const file = join(root, 'demo.example.com/widgets/default/b.json');
      const asRoot = process.getuid?.() === 0;
      if (asRoot) await chownTree(root, 65534, 65534);
      await chmod(file, 0o000);
      let report: Record<string, any>;
      try {
        const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'fixtures/fs-server-report.ts'), root], {
          cwd: join(here, '../../..'),
          encoding: 'utf8',
          env: { ...process.env, HOME: tmpdir() },
          timeout: 25_000,
          ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
        });
        expect(child.status, child.stderr).to.equal(0);
        report = JSON.parse(child.stdout.trim().split('\n').pop()!);
      } finally {
        await chmod(file, 0o600);
      }
      const DAMAGED = 'the storage is damaged; writes are refused until it is repaired';
      expect(report.listed).to.deep.equal({ status: 200, names: ['a'] });
      expect(report.created.status).to.equal(503);
      expect(report.created.body).to.include({ kind: 'Status', code: 503, message: DAMAGED });
      expect(report.readyz.status).to.equal(500);
      expect(report.readyz.text).to.contain(`[-]storage failed: ${DAMAGED}\n`);
      const told = (report.log as string).split('\n').filter((l) => l.startsWith('storage problem:'));
      expect(told, report.log).to.have.length(2);
      expect(told.join('\n')).to.match(/b\.json: cannot read the file \(EACCES/).and.to.match(/writes are refused.*then restart/);
    });

    it('goes on after a failed write: nothing applied, its revision skipped and never reused', async () => {
      const store = openStore();
      const a = await store.create(key('a'), widget('a'));
      // A file where a folder must go makes the next write to that type fail.
      await writeFile(join(root, 'blocked.example.com'), 'in the way');
      const events: StoreEvent[] = [];
      await store.watch('/', await store.currentRevision(), { event: (e) => events.push(e), error: () => undefined });
      const err = await rejection(store.create('/blocked.example.com/things/default/x', widget('x')));
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
      expect(await store.get('/blocked.example.com/things/default/x')).to.equal(undefined);
      expect(events).to.deep.equal([]);
      expect(await store.currentRevision()).to.equal(Number(a.metadata.resourceVersion));
      const b = await store.create(key('b'), widget('b'));
      expect(Number(b.metadata.resourceVersion)).to.be.greaterThan(Number(a.metadata.resourceVersion) + 1);
      expect(events.map((e) => e.key)).to.deep.equal([key('b')]);
      expect((await listFiles(root)).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
    });
  });

  describe('history', () => {
    it('serves exact reads at older revisions within the history and Expired beyond it', async () => {
      const store = openStore({ historyLimit: 4 });
      const a1 = await store.create(key('a'), widget('a', {}, { v: 1 }));
      const b1 = await store.create(key('b'), widget('b', {}, { v: 1 }));
      const r2 = await store.currentRevision();
      const a2 = await store.update(key('a'), widget('a', {}, { v: 2 }), Number(a1.metadata.resourceVersion));
      await store.delete(key('b'));
      const r4 = await store.currentRevision();
      const c1 = await store.create(key('c'), widget('c', {}, { v: 1 }));
      // Five changes, four kept: the first create is compacted away.
      expect(await store.oldestRevision()).to.equal(Number(a1.metadata.resourceVersion));
      const at2 = await store.list('/demo.example.com/', { revision: r2 });
      expect(at2.items).to.deep.equal([
        { key: key('a'), object: a1 },
        { key: key('b'), object: b1 },
      ]);
      const at4 = await store.list('/demo.example.com/', { revision: r4, limit: 1 });
      expect(at4).to.deep.equal({ items: [{ key: key('a'), object: a2 }], revision: r4, more: false });
      const now = await store.list('/demo.example.com/');
      expect(now.items.map((i) => i.object)).to.deep.equal([a2, c1]);
      const err = await rejection(store.list('/demo.example.com/', { revision: Number(a1.metadata.resourceVersion) - 1 }));
      expect(isStorageError(err, 'Expired')).to.equal(true);
    });
  });

  describe('one store per root', () => {
    it('refuses a second store on an open root, in this process and from a live process', async () => {
      const first = openStore();
      await first.ready();
      const second = openStore();
      const err = await rejection(second.ready());
      expect(isStorageError(err, 'Unavailable')).to.equal(true);
      expect((err as Error).message).to.match(/already open/);
      await first.close();
      await second.ready();
      await second.close();

      // The parent of this process stands in for another live server.
      await writeFile(join(root, '.lock'), `${process.ppid}\n`);
      const third = openStore();
      expect((await rejection(third.ready()) as Error).message).to.match(new RegExp(`in use by process ${process.ppid}`));
    });

    it('takes over the lock of a process that is gone', async () => {
      const child = spawn(process.execPath, ['-e', '']);
      const pid = child.pid!;
      await new Promise((r) => child.on('exit', r));
      await writeFile(join(root, '.lock'), `${pid}\n`);
      const store = openStore();
      await store.ready();
      expect((await readFile(join(root, '.lock'), 'utf8')).trim()).to.equal(String(process.pid));
    });
  });

  describe('close', () => {
    it('finishes accepted writes, ends watches with an error and refuses new calls', async () => {
      const store = openStore();
      await store.ready();
      const errors: Error[] = [];
      const w: StoreWatch = await store.watch('/', 0, { event: () => undefined, error: (e) => errors.push(e) });
      const pending = store.create(key('a'), widget('a'));
      await store.close();
      expect((await pending).metadata.name).to.equal('a');
      expect(errors).to.have.length(1);
      expect(isStorageError(errors[0], 'Unavailable')).to.equal(true);
      expect(w.progress()).to.be.at.least(1);
      expect(isStorageError(await rejection(store.get(key('a'))), 'Unavailable')).to.equal(true);
      expect(isStorageError(await rejection(store.create(key('b'), widget('b'))), 'Unavailable')).to.equal(true);
      expect(existsSync(join(root, '.lock'))).to.equal(false);
    });
  });

  describe('crash', function () {
    this.timeout(120_000);

    interface Line {
      ready?: number;
      begin?: string;
      ack?: string;
      key?: string;
      seq?: number;
      rev?: number;
    }

    /** Runs the writer on `root` until it has acknowledged `acks` writes, then SIGKILLs it. */
    async function crashRun(acks: number): Promise<Line[]> {
      const script = join(here, 'fixtures/fs-crash-writer.ts');
      const child = spawn(process.execPath, ['--import', 'tsx', script, root, '8', '6', '5'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      let acked = 0;
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (d: string) => (err += d));
        child.stdout.on('data', (d: string) => {
          out += d;
          acked += d.split('"ack"').length - 1;
          if (acked >= acks) resolve();
        });
        child.on('exit', (code) => reject(new Error(`the writer exited early (${code}): ${err}`)));
      });
      child.kill('SIGKILL');
      await exited;
      // The last line may be cut short by the kill: only whole lines count.
      return out
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l) as Line);
    }

    it('keeps every acknowledged write intact and reuses no revision after SIGKILL during a burst', async () => {
      const runs: Line[][] = [];
      for (const acks of [150, 400, 250]) runs.push(await crashRun(acks));

      // Revisions: each run starts above everything acknowledged before; none repeats.
      const seen = new Set<number>();
      let highest = 0;
      for (const run of runs) {
        expect(run[0]!.ready).to.be.a('number');
        expect(run[0]!.ready).to.be.at.least(highest);
        for (const l of run) {
          if (l.ack === undefined) continue;
          expect(seen.has(l.rev!), `revision ${l.rev} acknowledged twice`).to.equal(false);
          seen.add(l.rev!);
        }
        const acked = run.filter((l) => l.ack !== undefined).map((l) => l.rev!);
        expect(Math.min(...acked)).to.be.greaterThan(highest);
        highest = Math.max(highest, ...acked);
      }

      // Per key, the outcome allowed: the last acknowledged write, or a write begun after it
      // that the kill cut short.
      type Outcome = { seq: number; rev?: number; deleted: boolean };
      const allowed = new Map<string, Outcome[]>();
      for (const run of runs) {
        for (const l of run) {
          if (l.begin !== undefined) {
            // A key never acknowledged may also still be absent.
            const list = allowed.get(l.key!) ?? [{ seq: -1, deleted: true }];
            list.push({ seq: l.seq!, deleted: l.begin === 'delete' });
            allowed.set(l.key!, list);
          } else if (l.ack !== undefined) {
            allowed.set(l.key!, [{ seq: l.seq!, rev: l.rev!, deleted: l.ack === 'delete' }]);
          }
        }
      }

      const problems: string[] = [];
      const store = openStore({ onProblem: (m) => problems.push(m) });
      await store.ready();
      expect(problems).to.deep.equal([]);
      expect((await listFiles(root)).filter((f) => f.includes('.tmp-')), 'temp files of cut writes are gone').to.deep.equal([]);
      expect(await store.currentRevision()).to.be.at.least(highest);
      const items = new Map((await store.list('/crash.example.com/')).items.map((i) => [i.key, i.object]));
      for (const [k, outcomes] of allowed) {
        const obj = items.get(k);
        const acked = outcomes.find((o) => o.rev !== undefined);
        const matches = outcomes.some((o) => {
          if (o.deleted) return obj === undefined;
          if (obj === undefined) return false;
          if ((obj.spec as { seq: number }).seq !== o.seq || obj.metadata.uid !== `uid-${o.seq}`) return false;
          if (o.rev !== undefined) return Number(obj.metadata.resourceVersion) === o.rev;
          return Number(obj.metadata.resourceVersion) > (acked?.rev ?? 0);
        });
        expect(matches, `${k}: found ${JSON.stringify(obj?.spec)} at ${obj?.metadata.resourceVersion}, allowed ${JSON.stringify(outcomes)}`).to.equal(true);
        if (obj) expect((obj.spec as { payload: string }).payload).to.equal('x'.repeat((obj.spec as { seq: number }).seq % 500));
      }
      const next = await store.create('/crash.example.com/things/after/x', widget('x'));
      expect(Number(next.metadata.resourceVersion)).to.be.greaterThan(highest);
    });
  });
});
