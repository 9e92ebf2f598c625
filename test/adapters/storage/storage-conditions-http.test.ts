/**
 * What a client, readyz and the log see of a store's conditions, over HTTP on 127.0.0.1: a
 * SQLite database with a damaged page (SQLITE_CORRUPT), the storage quota, and the modes of the
 * files a new SQLite store creates.
 */
import { openSync, writeSync, closeSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SqliteObjectStore } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { ApiServer } from '../../../src/app/api-server.js';
import { executeCommand } from '../../../src/app/cli.js';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import { Widget } from '../../../examples/demo/widget.resource.js';

const PATH = '/apis/demo.example.com/v1/namespaces/default/widgets';

function widget(name: string, padBytes = 0): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, namespace: 'default' };
  if (padBytes > 0) metadata.annotations = { 'demo.example.com/pad': 'x'.repeat(padBytes) };
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata, spec: { color: 'red', replicas: 1 } };
}

class Server {
  log = '';
  url = '';
  private server: ApiServer | undefined;

  async start(storage: string, configure: (b: ServerBuilder) => ServerBuilder = (b) => b): Promise<this> {
    this.server = configure(
      new ServerBuilder()
        .withStorage(storage)
        .withResource(Widget)
        .withInsecureServing()
        .withBindPort(0)
        .withOutputWriter({ write: (text) => ((this.log += text), true) }),
    ).build();
    ({ url: this.url } = await this.server.start());
    return this;
  }

  call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async stop(): Promise<void> {
    await this.server?.stop().catch(() => undefined);
    this.server = undefined;
  }
}

describe('storage conditions over HTTP', function () {
  this.timeout(30_000);
  let dir: string;
  const server = new Server();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'storage-conditions-'));
    server.log = '';
  });
  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('a SQLite database with a damaged page', () => {
    const DAMAGED = 'the storage is damaged; writes are refused until it is repaired';

    /** 200 widgets, then one leaf page of the log table overwritten with garbage (the file closed). */
    async function damagedDatabase(path: string): Promise<void> {
      const store = new SqliteObjectStore({ path });
      for (let i = 0; i < 200; i++) {
        await store.create(`/demo.example.com/widgets/default/w${i}`, { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: `w${i}`, namespace: 'default', annotations: { pad: 'x'.repeat(500) } }, spec: {} } as never);
      }
      await store.close();
      const raw = new Database(path, { readonly: true });
      const leaves = raw.prepare(`SELECT pageno FROM dbstat WHERE name = 'log' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
      const pageSize = raw.pragma('page_size', { simple: true }) as number;
      raw.close();
      expect(leaves.length).to.be.above(10);
      const victim = leaves[Math.floor(leaves.length / 2)]!;
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (victim - 1) * pageSize);
      closeSync(fd);
    }

    it('fails readyz with the reason, refuses writes with a 503 that says so, and logs once what to do', async () => {
      const db = join(dir, 'db.sqlite');
      await damagedDatabase(db);
      await server.start(`sqlite:${db}`);
      // Opening reads only the header pages: ready until a read meets the damage.
      expect((await server.call('GET', '/readyz')).status).to.equal(200);

      const list = await server.call('GET', PATH);
      expect(list.status).to.equal(503);
      expect((await list.json()).message).to.equal(DAMAGED);

      const ready = await server.call('GET', '/readyz');
      expect(ready.status).to.equal(500);
      expect(await ready.text()).to.contain(`[-]storage failed: ${DAMAGED}\n`);
      const single = await server.call('GET', '/readyz/storage');
      expect(single.status).to.equal(500);
      expect(await single.text()).to.contain(DAMAGED);

      for (const name of ['new1', 'new2']) {
        const res = await server.call('POST', PATH, widget(name));
        expect(res.status, name).to.equal(503);
        const body = await res.json();
        expect(body).to.include({ kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: DAMAGED });
      }
      const del = await server.call('DELETE', `${PATH}/w1`);
      expect(del.status).to.equal(503);

      // Still refused later: nothing was written into the damaged file.
      expect((await server.call('GET', '/readyz')).status).to.equal(500);
      const told = server.log.split('\n').filter((l) => l.startsWith('storage problem:'));
      expect(told, server.log).to.have.length(1);
      expect(told[0]).to.contain(db).and.to.contain('SQLITE_CORRUPT').and.to.match(/writes are refused until the server is restarted/);
      expect(told[0]).to.match(/restore the file from a backup/).and.to.contain('.recover');
      await server.stop();
      const raw = new Database(db, { readonly: true });
      expect(raw.prepare(`SELECT count(*) FROM log WHERE key LIKE '%/new%'`).pluck().get()).to.equal(0);
      raw.close();
    });
  });

  describe('the storage quota', () => {
    const QUOTA = 20_000;

    for (const storage of ['sqlite', 'file', 'memory']) {
      it(`answers writes beyond it on ${storage} with 507 InsufficientStorage naming the quota, lets deletes through, and readyz shows the size`, async () => {
        const spec = storage === 'sqlite' ? `sqlite:${join(dir, 'db.sqlite')}` : storage === 'file' ? `file:${join(dir, 'root')}` : 'memory';
        await server.start(spec, (b) => b.withStorageQuotaBytes(QUOTA));
        let created = 0;
        let refused: Response | undefined;
        for (let i = 0; i < 30 && refused === undefined; i++) {
          const res = await server.call('POST', PATH, widget(`w${i}`, 2000));
          if (res.status === 201) created++;
          else refused = res;
          await (res.status === 201 ? res.arrayBuffer() : undefined);
        }
        expect(created).to.be.within(5, 10);
        expect(refused!.status).to.equal(507);
        const body = await refused!.json();
        expect(body).to.include({ kind: 'Status', status: 'Failure', code: 507, reason: 'InsufficientStorage' });
        expect(body.message).to.equal(`the storage quota of ${QUOTA} bytes is reached; delete objects to make room`);
        expect(refused!.headers.get('retry-after')).to.equal(null);

        const ready = await server.call('GET', '/readyz?verbose');
        expect(ready.status).to.equal(200);
        const usedLine = (await ready.text()).split('\n').find((l) => l.startsWith('[+]storage ok: '));
        const used = Number(/: (\d+) of the quota of 20000 bytes used/.exec(usedLine ?? '')?.[1]);
        expect(used, usedLine).to.be.above(QUOTA - 3000).and.at.most(QUOTA);

        expect((await server.call('DELETE', `${PATH}/w0`)).status).to.equal(200);
        expect((await server.call('DELETE', `${PATH}/w1`)).status).to.equal(200);
        expect((await server.call('POST', PATH, widget('again', 2000))).status).to.equal(201);
        // Once per 5xx in the log, naming the quota.
        expect(server.log.split('\n').filter((l) => l.includes('quota of 20000 bytes'))).to.have.length(1);
      });
    }

    it('is a flag of the command line, checked', async () => {
      const errors: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((text: string) => (errors.push(String(text)), true)) as typeof process.stderr.write;
      try {
        expect(await executeCommand(new ServerBuilder().withResource(Widget), ['--storage-quota-bytes', '1e6'])).to.equal(2);
        expect(await executeCommand(new ServerBuilder().withResource(Widget), ['--storage-quota-bytes', '0'])).to.equal(2);
      } finally {
        process.stderr.write = write;
      }
      expect(errors.join('')).to.contain('--storage-quota-bytes must be a positive number of bytes, got "1e6"');
      const builder = new ServerBuilder().withResource(Widget);
      expect(() => builder.withStorageQuotaBytes(-1)).to.throw(/positive number of bytes/);
      expect(() => new ServerBuilder().withResource(Widget).withStorage('etcd:http://127.0.0.1:1').withStorageQuotaBytes(1000).build().start()).to.throw(/does not apply to etcd/);
    });
  });

  describe('the longest valid names on the file store', () => {
    it('stores a 253-character name and a namespace of 63, and serves them after a restart', async () => {
      const name = `${'a'.repeat(120)}.${'b'.repeat(132)}`;
      const spec = `file:${join(dir, 'root')}`;
      await server.start(spec);
      const ns = 'n'.repeat(63);
      const nsPath = `/apis/demo.example.com/v1/namespaces/${ns}/widgets`;
      expect(name).to.have.length(253);
      const made = await server.call('POST', PATH, widget(name));
      expect(made.status, JSON.stringify(await made.clone().json())).to.equal(201);
      const other = await server.call('POST', nsPath, { ...widget(name), metadata: { name, namespace: ns } });
      expect(other.status).to.equal(201);
      const created = await made.json();
      await server.stop();
      await server.start(spec);
      const got = await server.call('GET', `${PATH}/${name}`);
      expect(got.status).to.equal(200);
      expect(await got.json()).to.deep.equal(created);
      expect((await (await server.call('GET', nsPath)).json()).items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.deep.equal([name]);
      expect((await server.call('DELETE', `${PATH}/${name}`)).status).to.equal(200);
    });
  });

  describe('a new SQLite store', () => {
    it('creates its directory 0700 and db.sqlite, -wal and -shm 0600', async () => {
      const data = join(dir, 'data', 'nested');
      const db = join(data, 'db.sqlite');
      const umask = process.umask(0o022);
      try {
        await server.start(`sqlite:${db}`);
        expect((await server.call('POST', PATH, widget('a'))).status).to.equal(201);
        const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);
        expect(mode(data)).to.equal('700');
        expect(mode(join(dir, 'data'))).to.equal('700');
        for (const f of [db, `${db}-wal`, `${db}-shm`]) expect(mode(f), f).to.equal('600');
      } finally {
        process.umask(umask);
      }
    });
  });
});
