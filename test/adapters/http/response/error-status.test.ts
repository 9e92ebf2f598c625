import { expect } from 'chai';
import { errorResponse } from '../../../../src/adapters/http/response/error-status.js';
import { warningHeaderValues } from '../../../../src/adapters/http/response/warning-header.js';
import { invalid, notFound, tooManyRequests } from '../../../../src/domain/errors/api-error.js';

describe('http: errors as Status', () => {
  it('keeps the reason, code and details of ApiErrors', () => {
    const r = errorResponse(notFound({ group: 'demo.example.com', resource: 'widgets' }, 'foo'));
    expect(r.code).to.equal(404);
    expect(r.unexpected).to.equal(false);
    expect(r.status).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'widgets.demo.example.com "foo" not found',
      reason: 'NotFound',
      details: { name: 'foo', group: 'demo.example.com', kind: 'widgets' },
      code: 404,
    });
  });

  it('carries Invalid causes', () => {
    const r = errorResponse(invalid({ group: 'demo.example.com', kind: 'Widget' }, 'w', [{ reason: 'FieldValueInvalid', message: 'bad', field: 'spec.replicas' }]));
    expect(r.code).to.equal(422);
    expect(r.status.details?.causes).to.deep.equal([{ reason: 'FieldValueInvalid', message: 'bad', field: 'spec.replicas' }]);
  });

  it('turns anything else into a 500 that says nothing about it', () => {
    const r = errorResponse(new Error('ECONNREFUSED 10.0.0.1:5432 password=hunter2'));
    expect(r.code).to.equal(500);
    expect(r.unexpected).to.equal(true);
    expect(r.status.reason).to.equal('InternalError');
    expect(JSON.stringify(r.status)).to.not.match(/hunter2|ECONNREFUSED|at /);
  });

  it('keeps exposed 4xx HTTP errors of the framework', () => {
    const err = Object.assign(new Error('URI malformed'), { status: 400, expose: true });
    expect(errorResponse(err).code).to.equal(400);
    expect(errorResponse(err).status.reason).to.equal('BadRequest');
  });

  it('adds Retry-After for throttling', () => {
    expect(errorResponse(tooManyRequests('slow down', 3)).headers).to.deep.equal({ 'Retry-After': '3' });
  });

  it('formats warnings as Warning: 299 headers', () => {
    expect(warningHeaderValues(['unknown field "spec.bogus"', 'unknown field "spec.bogus"', 'line\nbreak'])).to.deep.equal([
      '299 - "unknown field \\"spec.bogus\\""',
      '299 - "line break"',
    ]);
    expect(warningHeaderValues(undefined)).to.deep.equal([]);
  });
});
