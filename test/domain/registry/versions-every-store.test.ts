/**
 * Reads, writes and watches of a type in two versions on every store: objects are stored in
 * the storage version whatever version wrote them, and come out in the version asked for.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemObjectStore } from '../../../src/adapters/storage/filesystem/filesystem-object-store.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import { SqliteObjectStore } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import type { ApiServer } from '../../../src/app/api-server.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import type { ObjectStore } from '../../../src/ports/object-store.port.js';
import { Widget, WidgetV1alpha1 } from '../../../examples/demo/widget.resource.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { EtcdStores, uniquePrefix } from '../../support/etcd/etcd-test-stores.js';
import { take } from './harness.js';

let cluster: EtcdCluster | undefined;
const etcdStores = new EtcdStores(() => ({ endpoints: (cluster as EtcdCluster).endpoints, requestTimeoutMs: 5000 }));

const STORES: Array<{ name: string; open: (dir: string) => ObjectStore }> = [
  { name: 'memory', open: () => new MemoryObjectStore() },
  { name: 'filesystem', open: (dir) => new FileSystemObjectStore({ root: join(dir, 'files') }) },
  { name: 'sqlite', open: (dir) => new SqliteObjectStore({ path: join(dir, 'db.sqlite') }) },
  { name: 'etcd', open: () => etcdStores.make({ prefix: uniquePrefix('versions') }) },
];

describe('registry: two versions on every store', function () {
  this.timeout(60_000);
  before(async function () {
    this.timeout(300_000);
    cluster = await EtcdCluster.start();
  });
  after(async () => {
    await etcdStores.closeAll();
    await cluster?.stop();
  });

  for (const kind of STORES) {
    describe(kind.name, () => {
      let dir: string;
      let store: ObjectStore;
      let server: ApiServer;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), `kit-versions-${kind.name}-`));
        store = kind.open(dir);
        server = new ServerBuilder().withStorage(store).withResource(Widget).build();
      });
      afterEach(async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      });

      it('writes through either version in the storage version, reads and pages in the version asked for', async () => {
        const v1 = server.client().resource(Widget, 'default');
        const alpha = server.client().resource(WidgetV1alpha1, 'default');
        await v1.create({ metadata: { name: 'a' }, spec: { replicas: 2 } });
        await alpha.create({ metadata: { name: 'b' }, spec: { size: 'large', color: 'blue' } });
        await alpha.mergePatch('a', { spec: { color: 'green' } });
        for (const name of ['a', 'b']) {
          expect(((await store.get(`/demo.example.com/widgets/default/${name}`)) as KubeObject).apiVersion).to.equal('demo.example.com/v1');
        }
        expect((await v1.get('a')).spec).to.deep.equal({ color: 'green', replicas: 2 });
        const first = await alpha.list({ limit: 1 });
        const second = await alpha.list({ limit: 1, continue: first.metadata.continue });
        expect([...first.items, ...second.items].map((w) => `${w.metadata.name}:${w.spec.size}`)).to.deep.equal(['a:medium', 'b:large']);
      });

      it('watches in each version from a resourceVersion', async () => {
        const v1 = server.client().resource(Widget, 'default');
        const alpha = server.client().resource(WidgetV1alpha1, 'default');
        const start = (await v1.list()).metadata.resourceVersion;
        const wa = await alpha.watch({ resourceVersion: start });
        const w1 = await v1.watch({ resourceVersion: start });
        await alpha.create({ metadata: { name: 'c' }, spec: { size: 'medium' } });
        await v1.scale.update('c', 5);
        const seenAlpha = (await take(wa, 2, 10_000)).map((e) => `${e.type}:${(e.object as { spec: { size: string } }).spec.size}`);
        const seenV1 = (await take(w1, 2, 10_000)).map((e) => `${e.type}:${(e.object as { spec: { replicas: number } }).spec.replicas}`);
        expect(seenAlpha).to.deep.equal(['ADDED:medium', 'MODIFIED:large']);
        expect(seenV1).to.deep.equal(['ADDED:3', 'MODIFIED:5']);
        wa.close();
        w1.close();
      });
    });
  }
});
