/**
 * A type served in two versions, with the real kubectl v1.33 and @kubernetes/client-node: the
 * example Widget in v1 (hub and storage) and the deprecated v1alpha1 (a size for replicas).
 */
import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig, makeInformer } from '@kubernetes/client-node';
import { Widget } from '../../examples/demo/widget.resource.js';
import { waitFor } from '../support/wait-for.js';
import { KubectlSession } from './support/kubectl.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const ALPHA = 'widgets.v1alpha1.demo.example.com';
const DEPRECATED = 'Warning: demo.example.com/v1alpha1 Widget is deprecated; use demo.example.com/v1 Widget';

describe('e2e: a type in two versions', function () {
  this.timeout(120_000);
  let server: TestServer;
  let k: KubectlSession;
  let dir: string;

  before(async function () {
    this.timeout(600_000);
    server = await startTestServer((b) => b.withResource(Widget));
    k = await KubectlSession.create({ server: server.url, token: server.token, ca: server.ca, namespace: 'default' });
    dir = await mkdtemp(join(tmpdir(), 'kit-versions-'));
  });
  after(async () => {
    await k?.dispose();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('discovery lists both versions, v1 preferred', async () => {
    const versions = await k.ok(['api-versions']);
    expect(versions).to.contain('demo.example.com/v1\n').and.to.contain('demo.example.com/v1alpha1\n');
    expect(await k.ok(['api-resources', '--api-group=demo.example.com'])).to.match(/^widgets\s+wd\s+demo\.example\.com\/v1\s+true\s+Widget$/m);
    const group = JSON.parse(await k.ok(['get', '--raw', '/apis/demo.example.com']));
    expect(group.preferredVersion.version).to.equal('v1');
    expect(group.versions.map((v: { version: string }) => v.version)).to.deep.equal(['v1', 'v1alpha1']);
  });

  it('created through v1, read, edited through v1alpha1 with a warning, read back through v1 with nothing lost', async () => {
    await k.ok(['create', '-f', '-'], { input: 'apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: a\nspec:\n  color: green\n  replicas: 2\n' });
    const read = await k.run(['get', ALPHA, 'a', '-o', 'json']);
    expect(read.code).to.equal(0);
    expect(read.stderr).to.contain(DEPRECATED);
    const alpha = JSON.parse(read.stdout);
    expect(alpha.apiVersion).to.equal('demo.example.com/v1alpha1');
    expect(alpha.spec).to.deep.equal({ color: 'green', size: 'medium' });
    const table = await k.ok(['get', ALPHA]);
    expect(table).to.match(/^NAME\s+COLOR\s+SIZE\s+AGE$/m);
    expect(table).to.match(/^a\s+green\s+medium\s/m);

    const editor = join(dir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/color: green/color: blue/" "$1"\n');
    await chmod(editor, 0o755);
    const edited = await k.run(['edit', `${ALPHA}/a`], { env: { KUBE_EDITOR: editor } });
    expect(edited.code, edited.stderr).to.equal(0);
    expect(edited.stdout).to.contain('edited');

    const v1 = JSON.parse(await k.ok(['get', 'widgets.v1.demo.example.com', 'a', '-o', 'json', '--show-managed-fields']));
    expect(v1.spec).to.deep.equal({ color: 'blue', replicas: 2 });
    const managers = v1.metadata.managedFields.map((m: { manager: string; apiVersion: string }) => `${m.manager} ${m.apiVersion}`);
    expect(managers).to.include('kubectl-edit demo.example.com/v1alpha1');
  });

  it('kubectl get --watch through each version while the other writes', async () => {
    await k.ok(['create', '-f', '-'], { input: 'apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  replicas: 1\n' });
    const alphaWatch = k.start(['get', ALPHA, 'w', '-w']);
    const v1Watch = k.start(['get', 'widgets.v1.demo.example.com', 'w', '-w']);
    try {
      await alphaWatch.waitFor(/^w\s+red\s+small/m);
      await v1Watch.waitFor(/^w\s+red\s+1\s/m);
      await k.ok(['scale', 'widget', 'w', '--replicas=5']);
      await alphaWatch.waitFor(/^w\s+red\s+large/m);
      await k.ok(['patch', ALPHA, 'w', '--type=merge', '-p', '{"spec":{"size":"medium"}}']);
      await v1Watch.waitFor(/^w\s+red\s+3\s/m);
    } finally {
      await alphaWatch.stop();
      await v1Watch.stop();
    }
  });

  it('explain per version', async () => {
    const alpha = await k.ok(['explain', 'widgets.spec', '--api-version=demo.example.com/v1alpha1']);
    expect(alpha).to.match(/size\s+<string>/);
    expect(alpha).to.not.match(/replicas/);
    const v1 = await k.ok(['explain', 'widgets.spec', '--api-version=demo.example.com/v1']);
    expect(v1).to.match(/replicas\s+<integer>/);
  });

  it('a version that is not declared is not served', async () => {
    const r = await k.run(['get', '--raw', '/apis/demo.example.com/v2/namespaces/default/widgets']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('NotFound');
  });

  it('client-node: an informer on v1alpha1 sees every change made through v1 exactly once', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, caData: Buffer.from(server.ca).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'u', token: server.token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'inf' }],
      currentContext: 'x',
    });
    const api = kc.makeApiClient(CustomObjectsApi);
    const ALPHA_GVR = { group: 'demo.example.com', version: 'v1alpha1', plural: 'widgets', namespace: 'inf' };
    const V1 = { ...ALPHA_GVR, version: 'v1' };
    const seen: string[] = [];
    const informer = makeInformer(kc, '/apis/demo.example.com/v1alpha1/namespaces/inf/widgets', () => api.listNamespacedCustomObject({ ...ALPHA_GVR }) as any);
    informer.on('add', (o: any) => seen.push(`add ${o.metadata.name} ${o.apiVersion} ${o.spec.size}`));
    informer.on('update', (o: any) => seen.push(`update ${o.metadata.name} ${o.spec.size}`));
    informer.on('delete', (o: any) => seen.push(`delete ${o.metadata.name}`));
    await informer.start();
    try {
      await api.createNamespacedCustomObject({ ...V1, body: { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'i' }, spec: { replicas: 1 } } });
      const patch = (replicas: number) =>
        api.patchNamespacedCustomObject({ ...V1, name: 'i', body: [{ op: 'replace', path: '/spec/replicas', value: replicas }] });
      await patch(3);
      await patch(5);
      await api.deleteNamespacedCustomObject({ ...V1, name: 'i' });
      await waitFor(() => seen.includes('delete i'), { what: "the informer's delete", detail: () => seen.join(', ') });
      expect(seen).to.deep.equal(['add i demo.example.com/v1alpha1 small', 'update i medium', 'update i large', 'delete i']);
    } finally {
      await informer.stop();
    }
  });
});
