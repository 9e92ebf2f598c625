import { expect } from 'chai';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from '../../../../src/adapters/http/discovery/discovery-documents.js';
import { groupServedResources } from '../../../../src/adapters/http/discovery/served-groups.js';
import { compareVersionPriority } from '../../../../src/domain/resource/version-priority.js';
import { servedDemo, STORED_VERBS } from '../fixtures/demo-resources.js';

describe('http: discovery documents', () => {
  const groups = groupServedResources(servedDemo());

  it('orders versions by Kubernetes priority', () => {
    const sorted = ['v1alpha1', 'v1', 'foo', 'v2beta1', 'v1beta2', 'v2', 'v10', 'v1beta1'].sort(compareVersionPriority);
    expect(sorted).to.deep.equal(['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
  });

  it('builds the aggregated discovery list kubectl reads', () => {
    const doc = aggregatedDiscovery(groups) as { kind: string; apiVersion: string; items: Array<{ metadata: { name: string }; versions: Array<{ version: string; resources: Array<Record<string, unknown>> }> }> };
    expect(aggregatedContentType('v2')).to.equal('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(doc.kind).to.equal('APIGroupDiscoveryList');
    expect(doc.apiVersion).to.equal('apidiscovery.k8s.io/v2');
    expect(doc.items[0].metadata.name).to.equal('demo.example.com');
    const [widgets, gadgets] = doc.items[0].versions[0].resources;
    expect(widgets).to.deep.equal({
      resource: 'widgets',
      responseKind: { group: 'demo.example.com', version: 'v1', kind: 'Widget' },
      scope: 'Namespaced',
      singularResource: 'widget',
      verbs: STORED_VERBS,
      shortNames: ['wd'],
      categories: ['demo'],
      subresources: [
        { subresource: 'status', responseKind: { group: 'demo.example.com', version: 'v1', kind: 'Widget' }, verbs: ['get', 'patch', 'update'] },
        { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      ],
    });
    expect(gadgets).to.include({ resource: 'gadgets', scope: 'Cluster', singularResource: 'gadget' });
    expect(gadgets).to.not.have.property('shortNames');
  });

  it('builds the legacy group list, group and resource list', () => {
    expect(apiGroupList(groups)).to.deep.equal({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        {
          name: 'demo.example.com',
          versions: [{ groupVersion: 'demo.example.com/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'demo.example.com/v1', version: 'v1' },
        },
      ],
    });
    expect(apiGroup(groups[0])).to.include({ kind: 'APIGroup', name: 'demo.example.com' });
    const list = apiResourceList('demo.example.com', 'v1', groups[0].versions[0].resources) as { groupVersion: string; resources: Array<Record<string, unknown>> };
    expect(list.groupVersion).to.equal('demo.example.com/v1');
    expect(list.resources.map((r) => r.name)).to.deep.equal(['widgets', 'widgets/status', 'widgets/scale', 'gadgets']);
    expect(list.resources[0]).to.deep.equal({
      name: 'widgets',
      singularName: 'widget',
      namespaced: true,
      kind: 'Widget',
      verbs: STORED_VERBS,
      shortNames: ['wd'],
      categories: ['demo'],
    });
    expect(list.resources[2]).to.deep.equal({
      name: 'widgets/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(list.resources[3]).to.include({ namespaced: false, kind: 'Gadget' });
  });

  it('answers /api with no versions when the core group is not served', () => {
    expect(apiVersions(undefined, '127.0.0.1:6443')).to.deep.equal({
      kind: 'APIVersions',
      versions: [],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
    });
  });
});
