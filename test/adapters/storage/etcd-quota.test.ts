/**
 * etcd's own quota (`--quota-backend-bytes` on etcd): once its NOSPACE alarm is raised, writes
 * through the server are answered like the kit's own quota and a full disk, 507
 * InsufficientStorage, and the log names the alarm. On a real etcd member on loopback.
 */
import { expect } from 'chai';
import type { ApiServer } from '../../../src/app/api-server.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';
import { uniquePrefix } from '../../support/etcd/etcd-test-stores.js';

const PATH = '/apis/demo.example.com/v1/namespaces/default/widgets';

describe("etcd's NOSPACE alarm over HTTP", function () {
  this.timeout(60_000);
  let cluster: EtcdCluster | undefined;
  let server: ApiServer | undefined;
  let log = '';

  before(async () => {
    // Loaded as ES modules, as the etcd adapter is (LazyObjectStore imports it on first use):
    // a statically imported copy of the port would be another module instance under mocha.
    const { ServerBuilder } = await import('../../../src/app/server-builder.js');
    const { Widget } = await import('../../../examples/demo/widget.resource.js');
    cluster = await EtcdCluster.start({ extraArgs: ['--quota-backend-bytes=262144'] });
    server = new ServerBuilder()
      .withStorage(`etcd:${cluster.endpoints.join(',')}?prefix=${uniquePrefix('nospace')}`)
      .withResource(Widget)
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter({ write: (text) => ((log += text), true) })
      .build();
    await server.start();
  });

  after(async () => {
    await server?.stop().catch(() => undefined);
    await cluster?.stop();
  });

  it('answers writes with 507 "no space left on the storage device" and logs the alarm with what to do', async () => {
    let refused: Response | undefined;
    let created = 0;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const body = { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: `w${i}`, annotations: { pad: 'x'.repeat(20_000) } }, spec: {} };
      const res = await fetch(`${server!.url}${PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status === 201) {
        created++;
        await res.arrayBuffer();
      } else refused = res;
    }
    expect(created).to.be.above(0);
    expect(refused, 'etcd never raised its alarm').to.not.equal(undefined);
    expect(refused!.status).to.equal(507);
    expect(await refused!.json()).to.include({ code: 507, reason: 'InsufficientStorage', message: 'no space left on the storage device' });
    const lines = log.split('\n').filter((l) => l.includes('database space exceeded'));
    expect(lines, log).to.have.length(1);
    expect(lines[0]).to.contain('NOSPACE alarm').and.to.contain('etcdctl alarm disarm');
    // Reads go on.
    expect((await fetch(`${server!.url}${PATH}`)).status).to.equal(200);
  });
});
