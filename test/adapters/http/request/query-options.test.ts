import { expect } from 'chai';
import {
  isWatchRequest,
  parseDeleteOptions,
  parseListOptions,
  parsePatchOptions,
  parseTableOptions,
  parseWatchOptions,
  parseWriteOptions,
  pinToName,
  QueryParams,
} from '../../../../src/adapters/http/request/query-options.js';
import type { ApiError } from '../../../../src/domain/errors/api-error.js';

const q = (s: string): QueryParams => QueryParams.fromQueryString(s);

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  expect.fail('expected an error');
}

describe('http: query parameters', () => {
  it('parses list options, with form-encoded selectors', () => {
    const opts = parseListOptions(q('labelSelector=app+in+%28x%2Cy%29%2C%21gone%2Ctier%21%3Dz&fieldSelector=metadata.name%3Dfoo&limit=500&continue=abc&resourceVersion=7&resourceVersionMatch=NotOlderThan'));
    expect(opts).to.deep.equal({
      labelSelector: 'app in (x,y),!gone,tier!=z',
      fieldSelector: 'metadata.name=foo',
      limit: 500,
      continue: 'abc',
      resourceVersion: '7',
      resourceVersionMatch: 'NotOlderThan',
    });
  });

  it('rejects values that do not parse with 400', () => {
    for (const s of ['limit=abc', 'limit=1.5', 'timeoutSeconds=x', 'allowWatchBookmarks=maybe', 'sendInitialEvents=perhaps']) {
      const err = failure(() => parseListOptions(q(s)));
      expect(err.code, s).to.equal(400);
      expect(err.reason, s).to.equal('BadRequest');
    }
  });

  it('passes values that parse on to the domain, which judges them', () => {
    expect(parseListOptions(q('limit=-1&resourceVersionMatch=Newest&sendInitialEvents=true'))).to.deep.equal({
      limit: -1,
      resourceVersionMatch: 'Newest',
      sendInitialEvents: true,
    });
  });

  it('recognizes watch=true and watch=1, and parses watch options', () => {
    expect(isWatchRequest(q('watch=true'))).to.equal(true);
    expect(isWatchRequest(q('watch=1'))).to.equal(true);
    expect(isWatchRequest(q('watch=false'))).to.equal(false);
    expect(isWatchRequest(q(''))).to.equal(false);
    expect(parseWatchOptions(q('watch=1&resourceVersion=12&allowWatchBookmarks=true&timeoutSeconds=30&sendInitialEvents=false'))).to.deep.equal({
      resourceVersion: '12',
      allowWatchBookmarks: true,
      timeoutSeconds: 30,
      sendInitialEvents: false,
    });
    expect(pinToName({ fieldSelector: 'spec.color=red' }, 'foo').fieldSelector).to.equal('spec.color=red,metadata.name=foo');
  });

  it('parses write and patch options as given', () => {
    expect(parseWriteOptions(q('fieldManager=kubectl-create&fieldValidation=Strict&dryRun=All'))).to.deep.equal({
      fieldManager: 'kubectl-create',
      fieldValidation: 'Strict',
      dryRun: ['All'],
    });
    expect(parseWriteOptions(q('dryRun=Some&dryRun=All&fieldValidation=Loose'))).to.deep.equal({
      fieldValidation: 'Loose',
      dryRun: ['Some', 'All'],
    });
    expect(parsePatchOptions(q('fieldManager=kubectl&force=false'))).to.deep.equal({ fieldManager: 'kubectl', force: false });
    expect(failure(() => parsePatchOptions(q('force=sure'))).code).to.equal(400);
  });

  it('reads DeleteOptions from the query and from a body, the body winning', () => {
    expect(parseDeleteOptions(q('gracePeriodSeconds=0&propagationPolicy=Foreground'), undefined)).to.deep.equal({
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
    });
    const parsed = parseDeleteOptions(q('propagationPolicy=Foreground'), {
      kind: 'DeleteOptions',
      apiVersion: 'meta.k8s.io/v1',
      propagationPolicy: 'Background',
      dryRun: ['All'],
      preconditions: { resourceVersion: '5' },
    });
    expect(parsed).to.deep.equal({ propagationPolicy: 'Background', dryRun: ['All'], preconditions: { resourceVersion: '5' } });
    expect(parseDeleteOptions(q(''), { orphanDependents: false })).to.deep.equal({ orphanDependents: false });
    expect(parseDeleteOptions(q('gracePeriodSeconds=-5'), undefined)).to.deep.equal({ gracePeriodSeconds: -5 });
  });

  it('rejects DeleteOptions that are not typed right', () => {
    expect(failure(() => parseDeleteOptions(q(''), { kind: 'Widget' })).code).to.equal(400);
    expect(failure(() => parseDeleteOptions(q(''), [1])).code).to.equal(400);
    expect(failure(() => parseDeleteOptions(q(''), { gracePeriodSeconds: 'soon' })).code).to.equal(400);
    expect(failure(() => parseDeleteOptions(q(''), { propagationPolicy: 3 })).code).to.equal(400);
    expect(failure(() => parseDeleteOptions(q(''), { dryRun: 'All' })).code).to.equal(400);
    expect(failure(() => parseDeleteOptions(q('orphanDependents=perhaps'), undefined)).code).to.equal(400);
  });

  it('parses includeObject', () => {
    expect(parseTableOptions(q('includeObject=Object'))).to.deep.equal({ includeObject: 'Object' });
    expect(parseTableOptions(q(''))).to.deep.equal({});
    expect(failure(() => parseTableOptions(q('includeObject=All'))).code).to.equal(400);
  });
});
