import { expect } from 'chai';
import { request } from 'node:http';
import { serveFake, widget, WIDGETS, type TestServer } from './fixtures/serve.js';

const STATUS_KEYS = ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'code'];

describe('http transport: every failure is a Status', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await serveFake({ maxBodyBytes: 1024 });
  });
  afterEach(() => s.close());

  const call = (path: string, init: RequestInit = {}) => fetch(`${s.url}${path}`, init);

  async function expectStatus(res: Response, code: number, reason: string): Promise<any> {
    expect(res.status).to.equal(code);
    expect(res.headers.get('content-type')).to.equal('application/json');
    const body = await res.json();
    expect(body).to.include.keys(STATUS_KEYS);
    expect(body).to.deep.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
    return body;
  }

  it('404 for unknown paths, groups, versions and resources', async () => {
    for (const p of ['/nope', '/apis/other.io', '/apis/demo.example.com/v9', '/apis/demo.example.com/v1/namespaces/default/sprockets', '/api/v1/namespaces/default/events']) {
      const body = await expectStatus(await call(p), 404, 'NotFound');
      expect(body.message, p).to.equal('the server could not find the requested resource');
    }
  });

  it('404 NotFound with details for a missing object', async () => {
    const body = await expectStatus(await call(`${WIDGETS}/missing`), 404, 'NotFound');
    expect(body.details).to.deep.equal({ name: 'missing', group: 'demo.example.com', kind: 'widgets' });
  });

  it('405 for methods a path does not serve', async () => {
    await expectStatus(await call(`${WIDGETS}/x`, { method: 'POST', body: '{}' }), 405, 'MethodNotAllowed');
    await expectStatus(await call(WIDGETS, { method: 'PUT', body: '{}' }), 405, 'MethodNotAllowed');
    await expectStatus(await call('/apis/demo.example.com/v1/widgets', { method: 'POST', body: '{}' }), 405, 'MethodNotAllowed');
    await expectStatus(await call('/apis', { method: 'POST' }), 405, 'MethodNotAllowed');
  });

  it('400 for malformed JSON and bad query values, and nothing is stored', async () => {
    const before = s.api.widgets.objects.size;
    await expectStatus(await call(WIDGETS, { method: 'POST', body: '{"metadata":', headers: { 'Content-Type': 'application/json' } }), 400, 'BadRequest');
    await expectStatus(await call(`${WIDGETS}?limit=ten`), 400, 'BadRequest');
    await expectStatus(await call(`${WIDGETS}?watch=perhaps`), 400, 'BadRequest');
    await expectStatus(await call(`${WIDGETS}?includeObject=Everything`), 400, 'BadRequest');
    await expectStatus(await call(`${WIDGETS}/x?gracePeriodSeconds=soon`, { method: 'DELETE' }), 400, 'BadRequest');
    // Values that parse but are not allowed (dryRun=Maybe) are the domain's to refuse:
    // option-errors.test.ts checks them against the real registry.
    expect(s.api.widgets.objects.size).to.equal(before);
  });

  it('422 Invalid carries details.causes', async () => {
    const body = await expectStatus(await call(WIDGETS, { method: 'POST', body: '{"metadata":{}}', headers: { 'Content-Type': 'application/json' } }), 422, 'Invalid');
    expect(body.details.causes[0]).to.deep.equal({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  });

  it('413 for bodies over the limit, by Content-Length or while streaming', async () => {
    const big = JSON.stringify(widget('big', { spec: { pad: 'x'.repeat(2000) } }));
    await expectStatus(await call(WIDGETS, { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } }), 413, 'RequestEntityTooLarge');
    const chunked = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${s.url}${WIDGETS}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ code: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(big.slice(0, 800));
      req.end(big.slice(800));
    });
    expect(chunked.code).to.equal(413);
    expect(JSON.parse(chunked.body).reason).to.equal('RequestEntityTooLarge');
    expect(s.api.widgets.objects.size).to.equal(0);
  });

  it('415 for unsupported media types, 406 for unacceptable ones', async () => {
    await expectStatus(await call(WIDGETS, { method: 'POST', body: 'x', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } }), 415, 'UnsupportedMediaType');
    await expectStatus(await call(`${WIDGETS}/x`, { method: 'PATCH', body: '{}', headers: { 'Content-Type': 'text/plain' } }), 415, 'UnsupportedMediaType');
    await expectStatus(await call(WIDGETS, { headers: { Accept: 'application/vnd.kubernetes.protobuf' } }), 406, 'NotAcceptable');
  });

  it("answers client-go's default protobuf-then-JSON Accept with JSON, as kube-apiserver does for custom types", async () => {
    const accept = 'application/vnd.kubernetes.protobuf,application/json';
    await call(WIDGETS, { method: 'POST', body: JSON.stringify(widget('pb')), headers: { 'Content-Type': 'application/json', Accept: accept } });
    for (const path of [WIDGETS, `${WIDGETS}/pb`]) {
      const res = await call(path, { headers: { Accept: accept } });
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('application/json');
      expect((await res.json()).kind).to.match(/^Widget/);
    }
    const watch = await call(`${WIDGETS}?watch=true&timeoutSeconds=1`, { headers: { Accept: 'application/vnd.kubernetes.protobuf;stream=watch,application/json' } });
    expect(watch.status).to.equal(200);
    expect(watch.headers.get('content-type')).to.equal('application/json');
    await watch.text();
    const table = await call(WIDGETS, { headers: { Accept: `application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,${accept}` } });
    expect(table.headers.get('content-type')).to.equal('application/json');
  });

  it('500 InternalError with a generic message for anything unexpected', async () => {
    const got = await expectStatus(await call(`${WIDGETS}/explode`), 500, 'InternalError');
    const created = await expectStatus(await call(WIDGETS, { method: 'POST', body: JSON.stringify(widget('explode')), headers: { 'Content-Type': 'application/json' } }), 500, 'InternalError');
    for (const body of [got, created]) {
      expect(JSON.stringify(body)).to.not.match(/hunter2|secret|TypeError|\.ts/);
      expect(body).to.not.have.property('details');
    }
    expect(s.internalErrors).to.have.length(2);
  });

  it('passes 409 Conflict and AlreadyExists through', async () => {
    const init = { method: 'POST', body: JSON.stringify(widget('dup')), headers: { 'Content-Type': 'application/json' } };
    await call(WIDGETS, init);
    await expectStatus(await call(WIDGETS, init), 409, 'AlreadyExists');
  });
});
