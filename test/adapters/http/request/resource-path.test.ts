import { expect } from 'chai';
import { parseResourcePath } from '../../../../src/adapters/http/request/resource-path.js';
import type { ApiError } from '../../../../src/domain/errors/api-error.js';

describe('http: resource paths', () => {
  it('parses namespaced collections, items and subresources', () => {
    expect(parseResourcePath('/apis/demo.example.com/v1/namespaces/default/widgets')).to.deep.equal({
      group: 'demo.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      name: undefined,
      subresource: undefined,
    });
    expect(parseResourcePath('/apis/demo.example.com/v1/namespaces/default/widgets/foo/scale')).to.include({
      namespace: 'default',
      name: 'foo',
      subresource: 'scale',
    });
  });

  it('parses cluster-wide paths and the core group', () => {
    expect(parseResourcePath('/apis/demo.example.com/v1/widgets')).to.include({ namespace: undefined, plural: 'widgets' });
    expect(parseResourcePath('/apis/demo.example.com/v1/gadgets/big/')).to.include({ plural: 'gadgets', name: 'big' });
    expect(parseResourcePath('/api/v1/namespaces/default/events')).to.include({ group: '', version: 'v1', namespace: 'default', plural: 'events' });
  });

  it('reads `namespaces/{name}` as the namespaces resource, as Kubernetes does', () => {
    expect(parseResourcePath('/api/v1/namespaces/default')).to.include({ plural: 'namespaces', name: 'default', namespace: undefined });
    expect(parseResourcePath('/api/v1/namespaces/default/status')).to.include({ plural: 'namespaces', name: 'default', subresource: 'status' });
  });

  it('parses the legacy watch paths, marked as watches', () => {
    expect(parseResourcePath('/apis/demo.example.com/v1/watch/namespaces/default/widgets')).to.deep.equal({
      group: 'demo.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'widgets',
      name: undefined,
      subresource: undefined,
      watch: true,
    });
    expect(parseResourcePath('/apis/demo.example.com/v1/watch/namespaces/default/widgets/foo')).to.include({ namespace: 'default', name: 'foo', watch: true });
    expect(parseResourcePath('/apis/demo.example.com/v1/watch/widgets')).to.include({ namespace: undefined, plural: 'widgets', watch: true });
    expect(parseResourcePath('/apis/demo.example.com/v1/watch/gadgets/big')).to.include({ plural: 'gadgets', name: 'big', watch: true });
    expect(parseResourcePath('/api/v1/watch/namespaces/default/events')).to.include({ group: '', namespace: 'default', plural: 'events', watch: true });
    // Not a watch path: an item named "watch", and a type named "watch".
    expect(parseResourcePath('/apis/demo.example.com/v1/namespaces/default/widgets/watch')).to.not.have.property('watch');
    expect(parseResourcePath('/apis/demo.example.com/v1/watch')).to.not.have.property('watch');
  });

  it('decodes percent-encoded segments', () => {
    expect(parseResourcePath('/apis/demo.example.com/v1/namespaces/default/widgets/a%3Ab')).to.include({ name: 'a:b' });
  });

  it('leaves non-resource paths alone', () => {
    for (const p of ['/', '/apis', '/apis/demo.example.com', '/apis/demo.example.com/v1', '/api', '/api/v1', '/version', '/openapi/v3']) {
      expect(parseResourcePath(p), p).to.equal(undefined);
    }
  });

  it('answers 404 for too many segments and 400 for bad encoding', () => {
    const fail = (p: string): ApiError => {
      try {
        parseResourcePath(p);
      } catch (err) {
        return err as ApiError;
      }
      expect.fail(`no error for ${p}`);
    };
    expect(fail('/apis/g.io/v1/namespaces/ns/widgets/foo/status/extra').code).to.equal(404);
    expect(fail('/apis/g.io/v1/widgets//foo').code).to.equal(404);
    // Watch paths have no subresources.
    expect(fail('/apis/g.io/v1/watch/namespaces/ns/widgets/foo/status').code).to.equal(404);
    expect(fail('/apis/g.io/v1/widgets/%E0%A4%A').code).to.equal(400);
  });
});
