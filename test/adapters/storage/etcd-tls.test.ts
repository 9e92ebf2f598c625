import { expect } from 'chai';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { isStorageError, type StoreEvent } from '../../../src/ports/object-store.port.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { EtcdStores, uniquePrefix } from '../../support/etcd/etcd-test-stores.js';
import { waitFor } from '../../support/wait-for.js';

describe('EtcdObjectStore over TLS with client certificates', function () {
  let cluster: EtcdCluster;
  // By name: a TLS client sends the host as SNI, which may not be an IP address.
  const endpoints = () => cluster.endpoints.map((e) => e.replace('//127.0.0.1:', '//localhost:'));
  const stores = new EtcdStores(() => ({ endpoints: endpoints(), prefix: uniquePrefix('tls'), requestTimeoutMs: 2000 }));

  before(async function () {
    this.timeout(300_000);
    cluster = await EtcdCluster.start({ tls: true });
  });
  afterEach(() => stores.closeAll());
  after(() => cluster?.stop());

  it('writes, reads and watches with the CA and a client certificate', async () => {
    const tls = cluster.tls!;
    expect(cluster.endpoints[0]).to.match(/^https:\/\//);
    const store = stores.make({ tls: { ca: tls.ca, cert: Buffer.from(tls.clientCert), key: tls.clientKey } });
    await store.ready();
    const events: StoreEvent[] = [];
    const w = await store.watch('/g/', await store.currentRevision(), { event: (e) => events.push(e), error: (e) => expect.fail(String(e)) });
    const created = await store.create('/g/a', widget('a'));
    expect(await store.get('/g/a')).to.deep.equal(created);
    try {
      await waitFor(() => events.length > 0, { what: 'the watch event of the create' });
    } finally {
      w.stop();
    }
    expect(events.map((e) => e.object)).to.deep.equal([created]);
  });

  it('is unavailable, and not ready, without a client certificate', async () => {
    const store = stores.make({ tls: { ca: cluster.tls!.ca }, requestTimeoutMs: 800 });
    for (const call of [() => store.ready(), () => store.create('/g/b', widget('b'))]) {
      try {
        await call();
        expect.fail('expected Unavailable');
      } catch (err) {
        expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
      }
    }
  });
});

function widget(name: string): KubeObject {
  return { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name }, spec: {} };
}
