import { expect } from 'chai';
import { CustomObjectsApi, KubeConfig, KubernetesObjectApi, makeInformer, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { waitFor } from '../support/wait-for.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const G = { group: 'demo.example.com', version: 'v1', plural: 'widgets', namespace: 'default' };

/**
 * @kubernetes/client-node 1.4 (the line that runs on Node 20) against the example types over
 * HTTPS with a bearer token: typed CRUD, every patch type, the generic object API, informers.
 */
describe('e2e: @kubernetes/client-node 1.4', function () {
  this.timeout(60_000);
  let server: TestServer;
  let kc: KubeConfig;
  let api: CustomObjectsApi;

  before(async () => {
    server = await startTestServer((b) => b.withResource(Widget).withResource(Gadget));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, caData: Buffer.from(server.ca).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'u', token: server.token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'default' }],
      currentContext: 'x',
    });
    api = kc.makeApiClient(CustomObjectsApi);
  });
  after(() => server?.stop());

  const w = (name: string) => ({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name }, spec: { color: 'green' } });

  it('CRUD and every patch type', async () => {
    const created = (await api.createNamespacedCustomObject({ ...G, body: w('a') })) as any;
    expect(created.spec).to.deep.equal({ color: 'green', replicas: 1 });
    const got = (await api.getNamespacedCustomObject({ ...G, name: 'a' })) as any;
    expect(got.metadata.uid).to.equal(created.metadata.uid);
    const list = (await api.listNamespacedCustomObject({ ...G })) as any;
    expect(list.items).to.have.length(1);
    await api.patchNamespacedCustomObject({ ...G, name: 'a', body: [{ op: 'replace', path: '/spec/color', value: 'blue' }] });
    await api.patchNamespacedCustomObject({ ...G, name: 'a', body: { spec: { replicas: 4 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const patched = (await api.getNamespacedCustomObject({ ...G, name: 'a' })) as any;
    expect(patched.spec).to.deep.equal({ color: 'blue', replicas: 4 });
    try {
      await api.patchNamespacedCustomObject({ ...G, name: 'a', body: { spec: {} } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
      expect.fail('expected 415');
    } catch (err: any) {
      expect(err.code).to.equal(415);
    }
    patched.spec.color = 'red';
    const replaced = (await api.replaceNamespacedCustomObject({ ...G, name: 'a', body: patched })) as any;
    expect(replaced.spec.color).to.equal('red');
    await api.deleteNamespacedCustomObject({ ...G, name: 'a' });
    try {
      await api.getNamespacedCustomObject({ ...G, name: 'a' });
      expect.fail('expected 404');
    } catch (err: any) {
      expect(err.code).to.equal(404);
    }
    await api.createNamespacedCustomObject({ ...G, body: w('b') });
    await api.deleteCollectionNamespacedCustomObject({ ...G });
    expect(((await api.listNamespacedCustomObject({ ...G })) as any).items).to.have.length(0);
  });

  it('KubernetesObjectApi maps kinds through /apis/{group}/{version}', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const made = await objects.create({ ...w('generic'), metadata: { name: 'generic', namespace: 'default' } } as KubernetesObject);
    expect(made.metadata?.uid).to.be.a('string');
    const read = await objects.read({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'generic', namespace: 'default' } });
    expect(read.metadata?.name).to.equal('generic');
    const gadget = await objects.create({ apiVersion: 'demo.example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 's' } } as KubernetesObject);
    expect(gadget.metadata?.namespace).to.equal(undefined);
  });

  it('an informer sees every change exactly once', async () => {
    const seen: string[] = [];
    const informer = makeInformer(kc, '/apis/demo.example.com/v1/namespaces/default/widgets', () => api.listNamespacedCustomObject({ ...G }) as any);
    informer.on('add', (o) => seen.push(`add ${o.metadata!.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata!.name} ${(o as any).spec.color}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata!.name}`));
    await informer.start();
    await api.createNamespacedCustomObject({ ...G, body: w('inf') });
    await api.patchNamespacedCustomObject({ ...G, name: 'inf', body: { spec: { color: 'red' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await api.deleteNamespacedCustomObject({ ...G, name: 'inf' });
    try {
      await waitFor(() => seen.includes('delete inf'), { what: "the informer's delete of inf", detail: () => seen.join(', ') });
    } finally {
      await informer.stop();
    }
    expect(seen.filter((s) => s.includes('inf'))).to.deep.equal(['add inf', 'update inf red', 'delete inf']);
  });
});
