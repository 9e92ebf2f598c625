/**
 * The two-store example over HTTPS: a Widget on SQLite survives a restart, a Gadget in memory
 * does not; both are listed and watched through one server.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, connect } from 'apiserver-kit/client';
import { startServer } from 'apiserver-kit/testing';
import { Gadget, Widget } from '../demo/widget.resource.js';
import { withTwoStores } from './server.js';

describe('example: one server with a SQLite store and a memory store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-two-stores-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps widgets in the SQLite file across a restart and gadgets only in memory', async () => {
    let server = await startServer((b) => withTwoStores(b, dir));
    let client = connect({ kubeconfig: server.kubeconfig });
    await client.resource(Widget, 'default').create({ metadata: { name: 'kept' }, spec: { color: 'green', replicas: 2 } });
    const watch = await client.resource(Gadget).watch({});
    await client.resource(Gadget).create({ metadata: { name: 'passing' }, spec: { size: 'small' } });
    for await (const e of watch) {
      expect([e.type, (e.object as { metadata: { name: string } }).metadata.name]).to.deep.equal(['ADDED', 'passing']);
      break;
    }
    watch.close();
    expect((await client.resource(Gadget).list()).items.map((g) => g.metadata.name)).to.deep.equal(['passing']);
    client.close();
    await server.stop();
    expect(existsSync(join(dir, 'widgets.db'))).to.equal(true);

    server = await startServer((b) => withTwoStores(b, dir));
    client = connect({ kubeconfig: server.kubeconfig });
    expect((await client.resource(Widget, 'default').get('kept')).spec).to.deep.equal({ color: 'green', replicas: 2 });
    expect((await client.resource(Gadget).list()).items).to.deep.equal([]);
    const gone = await client.resource(Gadget).get('passing').catch((e: unknown) => e);
    expect((gone as ApiError).reason).to.equal('NotFound');
    client.close();
    await server.stop();
  });
});
