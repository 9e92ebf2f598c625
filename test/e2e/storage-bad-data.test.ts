import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { Widget } from '../../examples/demo/widget.resource.js';
import { demoServer, scratchDir } from '../app/fixtures/demo-objects.js';
import { runExample, ServerProcess } from './support/server-process.js';

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';

/** The real example server on damaged data: a clear message, and nothing else lost. */
describe('e2e: a server on bad on-disk data', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup(): Promise<void> };
  let server: ServerProcess | undefined;
  beforeEach(async () => {
    tmp = await scratchDir();
  });
  afterEach(async () => {
    await server?.kill();
    server = undefined;
    await tmp.cleanup();
  });

  it('refuses a SQLite file of garbage: exits 1, says why on stderr, leaves the file as it was', async () => {
    const db = join(tmp.dir, 'apiserver.db');
    const garbage = Buffer.from('these are not the pages you are looking for\n'.repeat(200));
    await writeFile(db, garbage);
    const r = await runExample(['--secure-port', '0', '--storage', `sqlite:${db}`, '--cert-dir', join(tmp.dir, 'certs')]);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).not.to.contain('serving on');
    expect(r.stderr).to.match(/^error: /).and.to.contain(db).and.to.contain('not a SQLite database');
    expect(r.stderr, 'a message, not a stack trace').not.to.match(/^\s+at /m);
    expect(await readFile(db)).to.deep.equal(garbage);
  });

  it('serves a file store with a damaged object file: the others are there, the problem is printed', async () => {
    const data = join(tmp.dir, 'data');
    // Written in this process (a start saved); the server process below reads it.
    const writer = demoServer(`file:${data}`);
    const widgets = writer.client().resource(Widget, 'default');
    const a = await widgets.create({ metadata: { name: 'a', labels: { kept: 'yes' } }, spec: {} });
    for (const name of ['b', 'c']) await widgets.create({ metadata: { name }, spec: {} });
    await writer.stop();

    const dir = join(data, 'demo.example.com', 'widgets', 'default');
    const b = await readFile(join(dir, 'b.json'));
    const truncated = b.subarray(0, Math.floor(b.length / 2));
    await writeFile(join(dir, 'b.json'), truncated);
    await writeFile(join(dir, 'c.json'), '\u0000\u0001garbage');

    server = await ServerProcess.start({ storage: `file:${data}`, dir: tmp.dir });
    const again = server.client();
    try {
      const list = await again.get(WIDGETS);
      expect(list.status).to.equal(200);
      expect(list.body.items).to.deep.equal([a]);
      const made = await again.call('POST', WIDGETS, { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'd' }, spec: {} });
      expect(made.status, 'the store still takes writes').to.equal(201);
      // Ready (the rest is served), and the verbose readiness report names what was skipped.
      const ready = await again.get('/readyz?verbose');
      expect(ready.status).to.equal(200);
      expect(String(ready.body)).to.match(/\[\+\]storage ok: skipped damaged data \(2\): .*(b|c)\.json/);
    } finally {
      again.close();
    }
    const problems = server.output().split('\n').filter((l) => l.startsWith('storage problem:'));
    expect(problems.join('\n')).to.contain('b.json').and.to.contain('c.json');
    // Nothing is repaired or removed behind the user's back.
    expect(await readFile(join(dir, 'b.json'))).to.deep.equal(truncated);
    expect(await readFile(join(dir, 'c.json'), 'utf8')).to.equal('\u0000\u0001garbage');
  });
});
