/**
 * The SQLite store meeting real faults of its disk, seen from outside over HTTP: a full disk
 * (a small tmpfs) and a file system that turns read-only under the open database (ext4 on a
 * loop device after an error, as `errors=remount-ro` does). Each write the store cannot make is
 * answered with a 5xx Status whose message is short and names nothing internal, without
 * Retry-After, and the server's log has one line per failed request naming the cause SQLite
 * reported. Mounting needs root (file modes do not stop root, mounts do); elsewhere these skip.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import type { ApiServer } from '../../../src/app/api-server.js';
import { Widget } from '../../../examples/demo/widget.resource.js';

const PATH = '/apis/demo.example.com/v1/namespaces/default/widgets';

function widget(name: string, padBytes = 0): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, namespace: 'default' };
  if (padBytes > 0) metadata.annotations = { 'demo.example.com/pad': `${name}-`.padEnd(padBytes, 'x') };
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata, spec: { color: 'red', replicas: 1 } };
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A server on `sqlite:<dbPath>` over plain HTTP on 127.0.0.1, its log kept. */
class LoggedServer {
  log = '';
  url = '';
  private server: ApiServer | undefined;

  /** `dbPath` is a SQLite file, or a full storage spec (`file:DIR`). */
  async start(dbPath: string): Promise<void> {
    this.server = new ServerBuilder()
      .withStorage(dbPath.includes(':') ? dbPath : `sqlite:${dbPath}`)
      .withResource(Widget)
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter({ write: (text) => ((this.log += text), true) })
      .build();
    ({ url: this.url } = await this.server.start());
  }

  readyz(): Promise<Response> {
    return fetch(`${this.url}/readyz`);
  }

  post(body: unknown): Promise<Response> {
    return fetch(`${this.url}${PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** Lines of the log that contain `text`. */
  linesWith(text: string): string[] {
    return this.log.split('\n').filter((l) => l.includes(text));
  }

  async stop(): Promise<void> {
    // Closing checkpoints the WAL, which a broken disk may refuse: that is not under test here.
    await this.server?.stop().catch(() => undefined);
  }
}

/** What a client must be told about a storage fault: a short 5xx Status, no internals, no Retry-After. */
async function expectShortFailure(res: Response, dir: string): Promise<Record<string, any>> {
  expect(res.status, `status ${res.status}`).to.be.within(500, 599);
  expect(res.headers.get('retry-after'), 'Retry-After').to.equal(null);
  const body = await res.json();
  expect(body).to.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: res.status });
  expect(body.message).to.be.a('string').and.not.equal('');
  expect(body.message.length, body.message).to.be.below(80);
  expect(body.message).not.to.match(/sqlite|SQLITE_|\[|errno|\bat\b/i);
  expect(body.message).not.to.contain(dir);
  expect(JSON.stringify(body)).not.to.contain(dir);
  return body;
}

/** The log lines must be one per failed request, name the request and the cause, and carry no stack. */
function expectLoggedOncePerFailure(server: LoggedServer, code: string, failures: number, also: RegExp): void {
  const lines = server.linesWith(code);
  expect(lines, server.log).to.have.length(failures);
  for (const line of lines) {
    expect(line).to.contain(`POST ${PATH}`);
    expect(line).to.match(also);
  }
  expect(server.log, 'a stack trace in the log').not.to.match(/\n\s+at /);
}

describe('SQLite and file store faults over HTTP: a short 5xx Status for the client, the cause in the log', function () {
  this.timeout(60_000);
  const isRoot = process.getuid?.() === 0;

  const fullDisk = [
    { store: 'sqlite', spec: (dir: string) => join(dir, 'db.sqlite'), code: 'SQLITE_FULL', says: /database or disk is full/ },
    { store: 'file', spec: (dir: string) => `file:${join(dir, 'root')}`, code: 'ENOSPC', says: /no space left on device/ },
  ];
  for (const disk of fullDisk) {
    describe(`a full disk under the ${disk.store} store (a 4 MiB tmpfs, 3.4 MiB of it taken)`, () => {
      let dir: string;
      let mounted = false;
      const server = new LoggedServer();

      before(function () {
        if (!isRoot) this.skip(); // mounting a tmpfs needs root
        dir = mkdtempSync(join(tmpdir(), 'apiserver-kit-full-'));
        try {
          run('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir]);
          mounted = true;
          // Someone else's file takes most of the disk; removing it gives the space back.
          run('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k', 'count=55', 'status=none']);
        } catch (err) {
          if (mounted) run('umount', [dir]);
          mounted = false;
          rmSync(dir, { recursive: true, force: true });
          console.log(`      (cannot mount a tmpfs here: ${String(err).split('\n')[0]})`);
          this.skip();
        }
      });

      after(async () => {
        await server.stop();
        if (mounted) run('umount', [dir]);
        if (dir) rmSync(dir, { recursive: true, force: true });
      });

      it(`answers writes that no longer fit with 507 "no space left on the storage device", logs ${disk.code} once per failed request, fails readyz until space returns, and still serves reads`, async () => {
        await server.start(disk.spec(dir));
        let first: Response | undefined;
        let created = 0;
        for (let i = 0; i < 100 && first === undefined; i++) {
          const res = await server.post(widget(`w${i}`, 48 * 1024));
          if (res.status === 201) {
            created++;
            await res.arrayBuffer();
          } else first = res;
        }
        expect(first, 'the disk never filled').to.not.equal(undefined);
        expect(created, 'nothing was stored before the disk filled').to.be.above(0);
        expect(first!.status).to.equal(507);
        const body = await expectShortFailure(first!, dir);
        expect(body).to.include({ reason: 'InsufficientStorage', message: 'no space left on the storage device' });

        // Three more, concurrently: each is answered alike and logged once.
        const more = await Promise.all([1, 2, 3].map((n) => server.post(widget(`more${n}`, 48 * 1024))));
        for (const res of more) expect((await expectShortFailure(res, dir)).message).to.equal(body.message);
        expectLoggedOncePerFailure(server, disk.code, 4, disk.says);

        const list = await fetch(`${server.url}${PATH}`);
        expect(list.status).to.equal(200);
        expect((await list.json()).items).to.have.length(created);

        const notReady = await server.readyz();
        expect(notReady.status).to.equal(500);
        expect(await notReady.text()).to.contain('[-]storage failed: no space left on the storage device\n');
        expect((await server.readyz()).status, 'still full').to.equal(500);

        rmSync(join(dir, 'filler'));
        const ready = await server.readyz();
        expect(ready.status, await ready.clone().text()).to.equal(200);
        const again = await server.post(widget('again', 48 * 1024));
        expect(again.status).to.equal(201);
      });
    });
  }

  describe('a file system that turns read-only under the open database (ext4 on a loop device, errors=remount-ro)', () => {
    let dir: string;
    let mnt: string;
    let mounted = false;
    let trigger: string;
    const server = new LoggedServer();

    before(function () {
      if (!isRoot) this.skip(); // loop devices and mounts need root
      dir = mkdtempSync(join(tmpdir(), 'apiserver-kit-ro-'));
      mnt = join(dir, 'mnt');
      const image = join(dir, 'disk.img');
      try {
        run('truncate', ['-s', '16M', image]);
        run('mkfs.ext4', ['-q', '-F', image]);
        run('mkdir', [mnt]);
        run('mount', ['-o', 'loop,errors=remount-ro', image, mnt]);
        mounted = true;
        const device = basename(run('findmnt', ['-no', 'SOURCE', mnt]).trim());
        trigger = `/sys/fs/ext4/${device}/trigger_fs_error`;
        if (!existsSync(trigger)) throw new Error(`${trigger} is missing (kernel without ext4's error trigger)`);
      } catch (err) {
        if (mounted) run('umount', [mnt]);
        mounted = false;
        rmSync(dir, { recursive: true, force: true });
        console.log(`      (cannot set up an ext4 loop mount here: ${String(err).split('\n')[0]})`);
        this.skip();
      }
    });

    after(async () => {
      await server.stop();
      if (mounted) run('umount', [mnt]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('answers writes with a short 5xx and logs the I/O error and the read-only file system once per failed request', async () => {
      await server.start(join(mnt, 'db.sqlite'));
      const before = await server.post(widget('before'));
      expect(before.status).to.equal(201);

      // What the kernel does on a disk error with errors=remount-ro: the mount turns read-only.
      run('sh', ['-c', `echo 1 > ${trigger}`]);
      expect(run('findmnt', ['-no', 'OPTIONS', mnt])).to.match(/(^|,)ro(,|$)|emergency_ro/);

      const results = [];
      for (const name of ['after1', 'after2']) results.push(await server.post(widget(name)));
      const bodies = [];
      for (const res of results) bodies.push(await expectShortFailure(res, mnt));
      expect(bodies[1]!.message).to.equal(bodies[0]!.message);
      expectLoggedOncePerFailure(server, 'SQLITE_IOERR', 2, /read-only/);
    });
  });
});
