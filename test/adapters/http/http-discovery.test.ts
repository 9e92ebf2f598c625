import { expect } from 'chai';
import { BearerTokenAuthenticator } from '../../../src/adapters/auth/bearer-token-authenticator.js';
import { serveFake, WIDGETS, type TestServer } from './fixtures/serve.js';

const KUBECTL_DISCOVERY =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('http transport: discovery, OpenAPI, health, version', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await serveFake({ version: { gitVersion: 'v1.33.0-test' }, openapi: { title: 'demo', version: '2.0.0' } });
  });
  afterEach(() => s.close());

  const call = (path: string, init: RequestInit = {}) => fetch(`${s.url}${path}`, init);

  it('answers kubectl discovery with the exact aggregated content type', async () => {
    const res = await call('/apis', { headers: { Accept: KUBECTL_DISCOVERY } });
    expect(res.headers.get('content-type')).to.equal('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = await res.json();
    expect(body.items[0].versions[0].resources.map((r: any) => r.resource)).to.deep.equal(['widgets', 'gadgets']);
    const etag = res.headers.get('etag')!;
    const again = await call('/apis', { headers: { Accept: KUBECTL_DISCOVERY, 'If-None-Match': etag } });
    expect(again.status).to.equal(304);
    const api = await (await call('/api', { headers: { Accept: KUBECTL_DISCOVERY } })).json();
    // The core group is always there with v1, as in kube-apiserver, empty when no core type is served.
    expect(api).to.deep.equal({
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: [{ metadata: { name: '' }, versions: [{ version: 'v1', resources: [], freshness: 'Current' }] }],
    });
  });

  it('answers the legacy documents to plain JSON clients', async () => {
    const groups = await (await call('/apis')).json();
    expect(groups.kind).to.equal('APIGroupList');
    expect((await (await call('/apis/demo.example.com')).json()).kind).to.equal('APIGroup');
    const list = await (await call('/apis/demo.example.com/v1')).json();
    expect(list.resources.map((r: any) => r.name)).to.deep.equal(['widgets', 'widgets/status', 'widgets/scale', 'gadgets']);
    const api = await (await call('/api')).json();
    expect(api.kind).to.equal('APIVersions');
    expect(api.versions).to.deep.equal(['v1']);
    // ... and /api/v1 answers what /api promises: an empty core resource list.
    const core = await call('/api/v1');
    expect(core.status).to.equal(200);
    expect(await core.json()).to.deep.equal({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources: [] });
    expect((await call('/api/v2')).status).to.equal(404);
    // Core resource paths are still not served.
    const events = await call('/api/v1/namespaces/default/events');
    expect(events.status).to.equal(404);
    expect(await events.json()).to.deep.include({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('serves the OpenAPI v3 index and hash-pinned group-version documents', async () => {
    const index = await (await call('/openapi/v3')).json();
    const url = index.paths['apis/demo.example.com/v1'].serverRelativeURL as string;
    expect(url).to.match(/^\/openapi\/v3\/apis\/demo\.example\.com\/v1\?hash=[0-9A-F]{128}$/);
    const res = await call(url, { headers: { Accept: 'application/json' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.match(/immutable/);
    const doc = await res.json();
    expect(doc.info).to.deep.equal({ title: 'demo', version: '2.0.0' });
    expect(doc.components.schemas['com.example.demo.v1.Widget']).to.be.an('object');
    expect((await call('/openapi/v3/apis/other.io/v1')).status).to.equal(404);
  });

  it('answers /openapi/v2 in JSON or gnostic protobuf, each with its ETag, 406 to what it cannot produce', async () => {
    const PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
    const v2 = await call('/openapi/v2', { headers: { Accept: 'application/json' } });
    expect(v2.status).to.equal(200);
    expect((await v2.json()).swagger).to.equal('2.0');
    const jsonTag = v2.headers.get('etag')!;
    // client-go's OpenAPISchema() Accept: protobuf first, JSON after.
    const pb = await call('/openapi/v2', { headers: { Accept: `${PB}, application/json` } });
    expect(pb.status).to.equal(200);
    expect(pb.headers.get('content-type')).to.equal('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(pb.headers.get('vary')).to.match(/Accept/);
    const pbTag = pb.headers.get('etag')!;
    expect(pbTag).to.match(/^"[0-9A-F]+"$/).and.not.equal(jsonTag);
    const bytes = Buffer.from(await pb.arrayBuffer());
    expect(bytes[0]).to.equal(0x0a); // field 1 (swagger), length-delimited
    expect(bytes.subarray(2, 2 + bytes[1]).toString()).to.equal('2.0');
    const again = await call('/openapi/v2', { headers: { Accept: PB, 'If-None-Match': pbTag } });
    expect(again.status).to.equal(304);
    expect(again.headers.get('etag')).to.equal(pbTag);
    // The JSON tag does not match the protobuf body, nor the other way round.
    expect((await call('/openapi/v2', { headers: { Accept: PB, 'If-None-Match': jsonTag } })).status).to.equal(200);
    expect((await call('/openapi/v2', { headers: { Accept: 'application/json', 'If-None-Match': pbTag } })).status).to.equal(200);
    expect((await call('/openapi/v2', { headers: { Accept: 'application/json', 'If-None-Match': jsonTag } })).status).to.equal(304);
    // JSON first, wildcards and no Accept get JSON.
    for (const accept of [`application/json, ${PB}`, '*/*', '']) {
      const r = await call('/openapi/v2', { headers: accept ? { Accept: accept } : {} });
      expect(r.headers.get('content-type'), accept).to.match(/^application\/json/);
    }
    const refused = await call('/openapi/v2', { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    expect(refused.status).to.equal(406);
    const status = await refused.json();
    expect(status).to.include({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    expect(status.message).to.contain(PB);
  });

  it('serves /version, health endpoints and an index', async () => {
    const version = await (await call('/version')).json();
    expect(version).to.include({ major: '1', minor: '33', gitVersion: 'v1.33.0-test' });
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const res = await call(p);
      expect(res.status, p).to.equal(200);
      expect(await res.text()).to.equal('ok');
    }
    expect(await (await call('/readyz?verbose')).text()).to.equal('[+]ping ok\n[+]storage ok\n[+]shutdown ok\nreadyz check passed\n');
    expect(await (await call('/readyz/storage')).text()).to.equal('ok');
    const index = await (await call('/')).json();
    expect(index.paths).to.include.members(['/apis', '/apis/demo.example.com/v1', '/openapi/v3', '/readyz', '/version']);
  });

  it('fails readyz and healthz while storage is not ready, withholding internals', async () => {
    s.api.readiness = new Error('connect ECONNREFUSED 10.1.2.3:2379');
    const res = await call('/readyz');
    expect(res.status).to.equal(500);
    const text = await res.text();
    expect(text).to.equal('[+]ping ok\n[-]storage failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n');
    expect((await call('/healthz')).status).to.equal(500);
    expect((await call('/livez')).status).to.equal(200);
  });

  it('fails readyz once watches are closed for shutdown', async () => {
    await s.transport.closeWatches();
    const res = await call('/readyz');
    expect(res.status).to.equal(500);
    expect(await res.text()).to.match(/\[-\]shutdown failed: the server is shutting down/);
  });
});

describe('http transport: bearer token authentication', () => {
  let s: TestServer;
  before(async () => {
    s = await serveFake({ authenticator: new BearerTokenAuthenticator({ token: 's3cret' }) });
  });
  after(() => s.close());

  const call = (path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers });

  it('answers 401 Status without a valid token', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: 'Basic czNjcmV0' }] as Array<Record<string, string>>) {
      const res = await call(WIDGETS, headers);
      expect(res.status).to.equal(401);
      expect(await res.json()).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
    expect((await call('/apis')).status).to.equal(401);
    expect((await call('/openapi/v3')).status).to.equal(401);
  });

  it('lets health and version through without a token', async () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/readyz/storage', '/version']) {
      expect((await call(p)).status, p).to.equal(200);
    }
  });

  it('passes the authenticated user down', async () => {
    const res = await call(WIDGETS, { Authorization: 'Bearer s3cret' });
    expect(res.status).to.equal(200);
    expect(s.api.widgets.calls.at(-1)!.ctx.user).to.deep.equal({ username: 'admin', groups: ['system:masters', 'system:authenticated'] });
  });
});
