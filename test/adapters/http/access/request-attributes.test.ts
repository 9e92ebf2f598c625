import { expect } from 'chai';
import { forbiddenFor } from '../../../../src/adapters/http/access/access-filters.js';
import { requestAttributes } from '../../../../src/adapters/http/access/request-attributes.js';

const bob = { username: 'bob', groups: ['system:authenticated'] };
const attrs = (method: string, path: string, query = '') => {
  const { user: _user, ...rest } = requestAttributes(bob, method, path, query);
  return rest;
};
const resource = (over: Record<string, unknown>) => ({
  resourceRequest: true,
  apiGroup: 'demo.example.com',
  apiVersion: 'v1',
  resource: 'widgets',
  subresource: '',
  namespace: '',
  name: '',
  ...over,
});

describe('http access: request attributes as Kubernetes builds them', () => {
  const W = '/apis/demo.example.com/v1/namespaces/default/widgets';

  it('names the verb from the method, the name and the collection', () => {
    expect(attrs('GET', `${W}/a`)).to.deep.equal(resource({ verb: 'get', path: `${W}/a`, namespace: 'default', name: 'a' }));
    expect(attrs('HEAD', `${W}/a`).verb).to.equal('get');
    expect(attrs('GET', W)).to.deep.equal(resource({ verb: 'list', path: W, namespace: 'default' }));
    expect(attrs('GET', W, 'watch=true').verb).to.equal('watch');
    expect(attrs('GET', W, 'watch=1&x=y').verb).to.equal('watch');
    expect(attrs('GET', W, 'watch=false').verb).to.equal('list');
    expect(attrs('GET', W, 'watch=0').verb).to.equal('list');
    expect(attrs('POST', W).verb).to.equal('create');
    expect(attrs('PUT', `${W}/a`).verb).to.equal('update');
    expect(attrs('PATCH', `${W}/a`).verb).to.equal('patch');
    expect(attrs('DELETE', `${W}/a`).verb).to.equal('delete');
    expect(attrs('DELETE', W).verb).to.equal('deletecollection');
    expect(attrs('OPTIONS', `${W}/a`).verb).to.equal('');
  });

  it('reads subresources, cluster scope, the core group, namespaces and /watch/ paths', () => {
    expect(attrs('PUT', `${W}/a/status`)).to.include({ subresource: 'status', name: 'a', verb: 'update' });
    expect(attrs('GET', '/apis/demo.example.com/v1/widgets')).to.include({ verb: 'list', namespace: '' });
    expect(attrs('GET', '/api/v1/namespaces/default/pods/p')).to.include({ apiGroup: '', apiVersion: 'v1', resource: 'pods', name: 'p', namespace: 'default' });
    expect(attrs('GET', '/api/v1/namespaces/team-a')).to.include({ resource: 'namespaces', name: 'team-a', namespace: 'team-a', verb: 'get' });
    expect(attrs('PUT', '/api/v1/namespaces/team-a/finalize')).to.include({ resource: 'namespaces', name: 'team-a', subresource: 'finalize' });
    expect(attrs('GET', '/api/v1/namespaces')).to.include({ resource: 'namespaces', verb: 'list', namespace: '' });
    expect(attrs('GET', '/apis/demo.example.com/v1/watch/namespaces/default/widgets')).to.include({ verb: 'watch', resource: 'widgets', namespace: 'default' });
    expect(attrs('GET', `${W}/a%20b`).name).to.equal('a b');
  });

  it('takes the name of a list or watch from a field selector that requires it', () => {
    expect(attrs('GET', W, 'watch=true&fieldSelector=metadata.name%3Da')).to.include({ verb: 'watch', name: 'a' });
    expect(attrs('GET', W, 'fieldSelector=metadata.name%3D%3Da,spec.color%3Dred')).to.include({ verb: 'list', name: 'a' });
    expect(attrs('GET', W, 'fieldSelector=metadata.name!%3Da').name).to.equal('');
    expect(attrs('GET', W, 'fieldSelector=metadata.name%3Da%2Fb').name).to.equal('');
  });

  it('treats discovery and everything else as non-resource requests', () => {
    for (const path of ['/apis', '/apis/demo.example.com', '/apis/demo.example.com/v1', '/api', '/api/v1', '/healthz', '/openapi/v3']) {
      expect(attrs('GET', path), path).to.deep.include({ resourceRequest: false, verb: 'get', path, resource: '' });
    }
    expect(attrs('POST', '/metrics').verb).to.equal('post');
  });
});

describe('http access: the Forbidden message', () => {
  const base = requestAttributes(bob, 'GET', '/apis/demo.example.com/v1/namespaces/default/widgets/a', '');

  it('words resource, list, cluster-scope, subresource and path denials as Kubernetes does', () => {
    const named = forbiddenFor(base);
    expect(named.code).to.equal(403);
    expect(named.reason).to.equal('Forbidden');
    expect(named.message).to.equal(
      'widgets.demo.example.com "a" is forbidden: User "bob" cannot get resource "widgets" in API group "demo.example.com" in the namespace "default"',
    );
    expect(named.details).to.deep.equal({ name: 'a', group: 'demo.example.com', kind: 'widgets' });
    expect(forbiddenFor({ ...base, verb: 'list', name: '', namespace: '' }).message).to.equal(
      'widgets.demo.example.com is forbidden: User "bob" cannot list resource "widgets" in API group "demo.example.com" at the cluster scope',
    );
    expect(forbiddenFor({ ...base, verb: 'update', subresource: 'status' }, 'no rule').message).to.equal(
      'widgets.demo.example.com "a" is forbidden: User "bob" cannot update resource "widgets/status" in API group "demo.example.com" in the namespace "default": no rule',
    );
    expect(forbiddenFor({ ...base, apiGroup: '', resource: 'pods' }).message).to.equal(
      'pods "a" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default"',
    );
    const path = forbiddenFor(requestAttributes(bob, 'GET', '/metrics', ''));
    expect(path.message).to.equal('forbidden: User "bob" cannot get path "/metrics"');
    expect(path.details).to.deep.equal({});
  });
});
