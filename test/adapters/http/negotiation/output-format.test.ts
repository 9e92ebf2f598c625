import { expect } from 'chai';
import { ApiError } from '../../../../src/domain/errors/api-error.js';
import { parseAccept } from '../../../../src/adapters/http/negotiation/media-type.js';
import { contentTypeOf, negotiateOutput } from '../../../../src/adapters/http/negotiation/output-format.js';
import { acceptsJson, negotiateDiscovery } from '../../../../src/adapters/http/negotiation/discovery-format.js';

const KUBECTL_GET =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const KUBECTL_DISCOVERY =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  expect.fail('expected an error');
}

describe('http: content negotiation', () => {
  it('parses Accept clauses, best q first, keeping parameters', () => {
    const clauses = parseAccept('text/html;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io, */*;q=0');
    expect(clauses.map((c) => c.type)).to.deep.equal(['application/json', 'text/html']);
    expect(clauses[0].params).to.deep.equal({ as: 'Table', v: 'v1', g: 'meta.k8s.io' });
  });

  it('answers kubectl get with a v1 Table', () => {
    const format = negotiateOutput(KUBECTL_GET, { transforms: true, stream: false });
    expect(format).to.deep.equal({ kind: 'table', encoding: 'json', version: 'v1' });
    expect(contentTypeOf(format)).to.equal('application/json;as=Table;v=v1;g=meta.k8s.io');
  });

  it('falls back to JSON for no Accept, */* and plain JSON', () => {
    for (const accept of [undefined, '', '*/*', 'application/json', 'application/*']) {
      expect(negotiateOutput(accept, { transforms: true, stream: false })).to.deep.equal({ kind: 'object', encoding: 'json' });
    }
  });

  it('serves YAML but not for watches', () => {
    expect(negotiateOutput('application/yaml', { transforms: true, stream: false }).encoding).to.equal('yaml');
    expect(rejection(() => negotiateOutput('application/yaml', { transforms: true, stream: true })).code).to.equal(406);
  });

  it('skips protobuf and unknown transforms to the next acceptable clause', () => {
    const format = negotiateOutput('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Bogus;v=v1;g=meta.k8s.io,application/json', {
      transforms: true,
      stream: false,
    });
    expect(format).to.deep.equal({ kind: 'object', encoding: 'json' });
  });

  it('recognizes PartialObjectMetadata and its list form', () => {
    expect(negotiateOutput('application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1', { transforms: true, stream: true })).to.deep.equal({
      kind: 'partial',
      encoding: 'json',
      version: 'v1',
      list: false,
    });
    expect(negotiateOutput('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1', { transforms: true, stream: false })).to.include({
      list: true,
    });
  });

  it('answers 406 NotAcceptable when nothing fits', () => {
    const err = rejection(() => negotiateOutput('application/vnd.kubernetes.protobuf', { transforms: true, stream: false }));
    expect(err).to.be.instanceOf(ApiError);
    expect(err.reason).to.equal('NotAcceptable');
    expect(err.code).to.equal(406);
  });

  it('negotiates aggregated discovery only when asked', () => {
    expect(negotiateDiscovery(KUBECTL_DISCOVERY)).to.deep.equal({ aggregated: 'v2' });
    expect(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList')).to.deep.equal({ aggregated: 'v2beta1' });
    expect(negotiateDiscovery('application/json')).to.deep.equal({ aggregated: false });
    expect(negotiateDiscovery(undefined)).to.deep.equal({ aggregated: false });
    expect(rejection(() => negotiateDiscovery('application/vnd.kubernetes.protobuf')).code).to.equal(406);
  });

  it('tells whether plain JSON is acceptable (openapi/v2 asked in protobuf)', () => {
    expect(acceptsJson('application/com.github.proto-openapi.spec.v2@v1.0+protobuf')).to.equal(false);
    expect(acceptsJson('application/json')).to.equal(true);
    expect(acceptsJson(undefined)).to.equal(true);
  });
});
