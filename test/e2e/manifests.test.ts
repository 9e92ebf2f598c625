/**
 * `SERVER manifests`: the YAML a cluster needs, from the builder's own resource list. kubectl
 * v1.33 `apply --dry-run=client` needs discovery to map kinds, so it is pointed at a kit server
 * that serves just those kinds (in memory) and must accept every document.
 */
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { ServerBuilder } from '../../src/app/server-builder.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';
import { KubectlSession } from './support/kubectl.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const kinds: Array<[string, string, string, string, 'Cluster' | 'Namespaced']> = [
  ['', 'v1', 'Namespace', 'namespaces', 'Cluster'],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', 'Namespaced'],
  ['', 'v1', 'Service', 'services', 'Namespaced'],
  ['apps', 'v1', 'Deployment', 'deployments', 'Namespaced'],
  ['apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', 'Cluster'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', 'Cluster'],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', 'Namespaced'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', 'Cluster'],
];

async function manifestsOf(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await new ServerBuilder().withResource(Widget).withResource(Gadget).withOutputWriter({ write: (t: string) => (text += t) }).executeCommand(['manifests', ...args]);
  return { code, text };
}

describe('e2e: the manifests command', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer((b) => {
      for (const [group, version, kind, plural, scope] of kinds) {
        b.withResourceMemoryStorage(defineResource({ group, version, kind, plural, scope, spec: z.looseObject({}) }) as any);
      }
      return b;
    });
  });
  after(async () => server?.stop());

  it('prints what kubectl apply --dry-run=client accepts, each kind once and an APIService per group-version', async () => {
    const { code, text } = await manifestsOf(['--name', 'demo-api', '--namespace', 'demo']);
    expect(code).to.equal(0);
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    const served = new Set([Widget, Gadget].flatMap((t) => t.versions.served.map((v) => `${v.version}.${v.group}`)));
    const apis = docs.filter((d) => d.kind === 'APIService');
    expect(apis.map((d) => d.metadata.name).sort()).to.deep.equal([...served].sort());
    expect(docs.map((d) => d.kind).filter((k) => k !== 'APIService')).to.deep.equal(['Namespace', 'ServiceAccount', 'Deployment', 'Service', 'ClusterRoleBinding', 'RoleBinding', 'ClusterRole']);
    const api = apis.find((d) => d.metadata.name === 'v1.demo.example.com');
    expect(api.metadata.name).to.equal('v1.demo.example.com');
    expect(api.spec).to.deep.equal({ group: 'demo.example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 15, service: { name: 'demo-api', namespace: 'demo', port: 443 }, insecureSkipTLSVerify: true });
    expect(docs.find((d) => d.kind === 'ClusterRoleBinding').roleRef.name).to.equal('system:auth-delegator');
    const rb = docs.find((d) => d.kind === 'RoleBinding');
    expect(rb.metadata.namespace).to.equal('kube-system');
    expect(rb.roleRef).to.deep.include({ kind: 'Role', name: 'extension-apiserver-authentication-reader' });
    expect(rb.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'demo-api', namespace: 'demo' }]);
    expect(docs.find((d) => d.kind === 'ClusterRole').rules[0].resources).to.include.members(['widgets', 'gadgets']);
    const args: string[] = docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0].args;
    expect(args).to.include('--in-cluster').and.include('--tls-sans=demo-api.demo.svc,demo-api.demo.svc.cluster.local');
    const kubectl = await KubectlSession.create({ server: server.url, token: server.token, ca: server.ca, namespace: 'default' });
    const out = await kubectl.ok(['apply', '--dry-run=client', '--validate=false', '-f', '-'], { input: text });
    expect(out).to.contain('apiservice.apiregistration.k8s.io/v1.demo.example.com created (dry run)');
    expect(out).to.contain('deployment.apps/demo-api created (dry run)');
    expect(out.trim().split('\n')).to.have.length(docs.length);
  });

  it('puts a CA bundle in the APIServices when given, and refuses bad flags', async () => {
    const ca = `${process.cwd()}/test/e2e/manifests.test.ts`; // any file: its bytes go in base64
    const { text } = await manifestsOf(['--ca-bundle-file', ca]);
    const api = parseAllDocuments(text).map((d) => d.toJS()).find((d) => d.kind === 'APIService');
    expect(api.spec.caBundle).to.be.a('string').and.not.equal('');
    expect(api.spec).to.not.have.property('insecureSkipTLSVerify');
    expect((await manifestsOf(['--name', 'Not_A_Name'])).code).to.equal(1);
    expect((await manifestsOf(['--bogus'])).code).to.equal(2);
  });
});
