import { expect } from 'chai';
import { serveFake, TABLE_ACCEPT, widget, WIDGETS, type TestServer } from './fixtures/serve.js';

const json = (body: unknown): RequestInit => ({ body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

describe('http transport: resource verbs over a socket', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await serveFake();
  });
  afterEach(() => s.close());

  const call = (path: string, init: RequestInit = {}) => fetch(`${s.url}${path}`, init);
  const last = (verb: string) => s.api.widgets.calls.filter((c) => c.verb === verb).at(-1)!;

  it('creates with 201 and passes query options and the user agent down', async () => {
    const res = await call(`${WIDGETS}?fieldManager=kubectl-create&fieldValidation=Strict`, {
      method: 'POST',
      ...json(widget('a')),
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'kubectl/v1.33.0' },
    });
    expect(res.status).to.equal(201);
    expect(res.headers.get('content-type')).to.equal('application/json');
    const body = await res.json();
    expect(body.metadata.resourceVersion).to.equal('11');
    const call0 = s.api.widgets.calls.find((c) => c.verb === 'create')!;
    expect(call0.namespace).to.equal('default');
    expect(call0.args[1]).to.deep.equal({ fieldManager: 'kubectl-create', fieldValidation: 'Strict' });
    expect(call0.ctx.userAgent).to.equal('kubectl/v1.33.0');
  });

  it('answers 201 for a dry-run create and stores nothing', async () => {
    const res = await call(`${WIDGETS}?dryRun=All`, { method: 'POST', ...json(widget('dry')) });
    expect(res.status).to.equal(201);
    expect(s.api.widgets.objects.size).to.equal(0);
  });

  it('accepts YAML bodies', async () => {
    const res = await call(WIDGETS, {
      method: 'POST',
      body: 'apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: y\nspec:\n  color: blue\n',
      headers: { 'Content-Type': 'application/yaml' },
    });
    expect(res.status).to.equal(201);
    expect((await res.json()).spec.color).to.equal('blue');
  });

  it('sends strategy warnings as Warning headers', async () => {
    const res = await call(WIDGETS, { method: 'POST', ...json(widget('w', { spec: { bogus: 1 } })) });
    expect(res.status).to.equal(201);
    expect(res.headers.get('warning')).to.equal('299 - "unknown field \\"spec.bogus\\""');
  });

  it('gets, lists (namespaced and across namespaces), and pages', async () => {
    for (const n of ['a', 'b', 'c']) await call(WIDGETS, { method: 'POST', ...json(widget(n)) });
    expect((await (await call(`${WIDGETS}/b`)).json()).metadata.name).to.equal('b');
    const page = await (await call(`${WIDGETS}?limit=2`)).json();
    expect(page.kind).to.equal('WidgetList');
    expect(page.items.map((i: any) => i.metadata.name)).to.deep.equal(['a', 'b']);
    const next = await (await call(`${WIDGETS}?limit=2&continue=${page.metadata.continue}`)).json();
    expect(next.items.map((i: any) => i.metadata.name)).to.deep.equal(['c']);
    const all = await call('/apis/demo.example.com/v1/widgets');
    expect(all.status).to.equal(200);
    expect(s.api.widgets.calls.at(-1)).to.deep.include({ verb: 'list', namespace: undefined });
  });

  it('renders Tables for kubectl get, with includeObject', async () => {
    await call(WIDGETS, { method: 'POST', ...json(widget('t')) });
    const res = await call(WIDGETS, { headers: { Accept: TABLE_ACCEPT } });
    expect(res.headers.get('content-type')).to.equal('application/json;as=Table;v=v1;g=meta.k8s.io');
    const table = await res.json();
    expect(table.kind).to.equal('Table');
    expect(table.metadata.resourceVersion).to.equal('11');
    expect(table.rows[0].cells).to.deep.equal(['t', 'red']);
    expect(table.rows[0].object.kind).to.equal('PartialObjectMetadata');
    const full = await (await call(`${WIDGETS}?includeObject=Object`, { headers: { Accept: TABLE_ACCEPT } })).json();
    expect(full.rows[0].object.kind).to.equal('Widget');
    const one = await (await call(`${WIDGETS}/t`, { headers: { Accept: TABLE_ACCEPT } })).json();
    expect(one.rows).to.have.length(1);
  });

  it('answers PartialObjectMetadata, and 406 when the form does not fit', async () => {
    await call(WIDGETS, { method: 'POST', ...json(widget('p', { metadata: { name: 'p', namespace: 'default', labels: { a: 'b' } } })) });
    const list = await (await call(WIDGETS, { headers: { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' } })).json();
    expect(list.kind).to.equal('PartialObjectMetadataList');
    expect(list.items[0]).to.deep.equal({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: list.items[0].metadata });
    expect(list.items[0]).to.not.have.property('spec');
    const item = await call(`${WIDGETS}/p`, { headers: { Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' } });
    expect((await item.json()).metadata.labels).to.deep.equal({ a: 'b' });
    const wrong = await call(WIDGETS, { headers: { Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' } });
    expect(wrong.status).to.equal(406);
  });

  it('answers YAML when asked', async () => {
    await call(WIDGETS, { method: 'POST', ...json(widget('y')) });
    const res = await call(`${WIDGETS}/y`, { headers: { Accept: 'application/yaml' } });
    expect(res.headers.get('content-type')).to.equal('application/yaml');
    expect(await res.text()).to.match(/^apiVersion: demo.example.com\/v1\n/);
  });

  it('updates with PUT (200, or 201 when it created) and treats no Content-Type as JSON', async () => {
    // A string body would make fetch send text/plain: bytes go without a Content-Type.
    const raw = (o: unknown) => Buffer.from(JSON.stringify(o));
    const created = await call(`${WIDGETS}/u`, { method: 'PUT', body: raw(widget('u')) });
    expect(created.status).to.equal(201);
    const obj = await created.json();
    const updated = await call(`${WIDGETS}/u`, { method: 'PUT', body: raw({ ...obj, spec: { color: 'green' } }) });
    expect(updated.status).to.equal(200);
    const stale = await call(`${WIDGETS}/u`, { method: 'PUT', body: raw({ ...obj, spec: { color: 'blue' } }) });
    expect(stale.status).to.equal(409);
    expect((await stale.json()).reason).to.equal('Conflict');
  });

  it('patches by Content-Type and refuses strategic merge patch with 415', async () => {
    await call(WIDGETS, { method: 'POST', ...json(widget('m')) });
    const merge = await call(`${WIDGETS}/m?fieldManager=kubectl-label`, {
      method: 'PATCH',
      body: '{"metadata":{"labels":{"x":"y"}}}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(merge.status).to.equal(200);
    expect((await merge.json()).metadata.labels).to.deep.equal({ x: 'y' });
    expect(last('patch').args[1]).to.equal('merge');
    const jsonPatch = await call(`${WIDGETS}/m`, {
      method: 'PATCH',
      body: '[{"op":"replace","path":"/spec/color","value":"blue"}]',
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    expect(jsonPatch.status).to.equal(200);
    expect(last('patch').args[1]).to.equal('json');
    const smp = await call(`${WIDGETS}/m`, { method: 'PATCH', body: '{}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } });
    expect(smp.status).to.equal(415);
    expect(await smp.json()).to.deep.include({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });

  it('deletes with a DeleteOptions body, an empty body or none', async () => {
    for (const n of ['d1', 'd2', 'd3']) await call(WIDGETS, { method: 'POST', ...json(widget(n)) });
    const withBody = await call(`${WIDGETS}/d1`, { method: 'DELETE', ...json({ propagationPolicy: 'Background' }) });
    expect(withBody.status).to.equal(200);
    expect((await withBody.json()).metadata.name).to.equal('d1');
    expect(last('delete').args[1]).to.deep.equal({ propagationPolicy: 'Background' });
    expect((await call(`${WIDGETS}/d2`, { method: 'DELETE', body: '', headers: { 'Content-Type': 'application/json' } })).status).to.equal(200);
    expect((await call(`${WIDGETS}/d3`, { method: 'DELETE' })).status).to.equal(200);
    expect((await call(`${WIDGETS}/d3`, { method: 'DELETE' })).status).to.equal(404);
  });

  it('answers 200 with the marked object when finalizers keep it, 202 for orphanDependents=false', async () => {
    await call(WIDGETS, { method: 'POST', ...json(widget('f', { metadata: { name: 'f', finalizers: ['x/y'] } })) });
    const res = await call(`${WIDGETS}/f`, { method: 'DELETE' });
    expect(res.status).to.equal(200);
    expect((await res.json()).metadata.deletionTimestamp).to.be.a('string');
    const orphan = await call(`${WIDGETS}/f`, { method: 'DELETE', ...json({ orphanDependents: false }) });
    expect(orphan.status).to.equal(202);
  });

  it('deletes collections with list options', async () => {
    for (const n of ['c1', 'c2']) await call(WIDGETS, { method: 'POST', ...json(widget(n)) });
    const res = await call(`${WIDGETS}?labelSelector=a%3Db`, { method: 'DELETE' });
    expect(res.status).to.equal(200);
    expect((await res.json()).kind).to.equal('WidgetList');
    expect(last('deletecollection').args[0]).to.deep.equal({ labelSelector: 'a=b' });
  });

  it('serves subresources, and 404/405 for ones or methods that are not there', async () => {
    await call(WIDGETS, { method: 'POST', ...json(widget('s')) });
    const scale = await call(`${WIDGETS}/s/scale`, { method: 'PATCH', body: '{"spec":{"replicas":3}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(scale.status).to.equal(200);
    expect(await scale.json()).to.deep.include({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 } });
    const table = await (await call(`${WIDGETS}/s/scale`, { headers: { Accept: TABLE_ACCEPT } })).json();
    expect(table.columnDefinitions.map((c: any) => c.name)).to.deep.equal(['Name', 'Desired', 'Available']);
    expect(table.rows[0].cells).to.deep.equal(['s', 3, 0]);
    expect((await call(`${WIDGETS}/s/status`)).status).to.equal(200);
    expect((await call(`${WIDGETS}/s/status`, { method: 'PUT', ...json(widget('s')) })).status).to.equal(405);
    expect((await call(`${WIDGETS}/s/bogus`)).status).to.equal(404);
  });

  it('serves cluster-scoped types without namespaces only', async () => {
    const res = await call('/apis/demo.example.com/v1/gadgets', { method: 'POST', ...json({ metadata: { name: 'g' }, spec: { size: 'xl' } }) });
    expect(res.status).to.equal(201);
    expect((await call('/apis/demo.example.com/v1/gadgets/g')).status).to.equal(200);
    expect((await call('/apis/demo.example.com/v1/namespaces/default/gadgets/g')).status).to.equal(404);
  });
});
