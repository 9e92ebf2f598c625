import { expect } from 'chai';
import { demoServer, expectApiError, names } from './harness.js';

describe('registry: create, get, list', () => {
  it('creates with schema defaults and server-set metadata', async () => {
    const { widgets, clock } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    expect(w.apiVersion).to.equal('demo.example.com/v1');
    expect(w.kind).to.equal('Widget');
    expect(w.spec).to.deep.equal({ color: 'red', replicas: 1 });
    expect(w.metadata.namespace).to.equal('default');
    expect(w.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(w.metadata.generation).to.equal(1);
    expect(w.metadata.creationTimestamp).to.equal(clock.now().toISOString().replace('.000', ''));
    expect(Number(w.metadata.resourceVersion)).to.be.greaterThan(0);
  });

  it('does not let clients forge server-set fields', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({
      metadata: {
        name: 'forged',
        uid: 'not-a-uid',
        generation: 7,
        creationTimestamp: '2000-01-01T00:00:00Z',
        deletionTimestamp: '2000-01-01T00:00:00Z',
        deletionGracePeriodSeconds: 30,
      },
    } as never);
    expect(w.metadata.uid).to.not.equal('not-a-uid');
    expect(w.metadata.generation).to.equal(1);
    expect(w.metadata.creationTimestamp).to.not.equal('2000-01-01T00:00:00Z');
    expect(w.metadata.deletionTimestamp).to.equal(undefined);
    expect(w.metadata.deletionGracePeriodSeconds).to.equal(undefined);
  });

  it('rejects a resourceVersion on create', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.create({ metadata: { name: 'x', resourceVersion: '5' } }), 'BadRequest', 400);
  });

  it('drops status on create when status is a subresource', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' }, status: { replicas: 3 } });
    expect(w.status).to.equal(undefined);
  });

  it('answers AlreadyExists for a taken name', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const err = await expectApiError(widgets.create({ metadata: { name: 'a' } }), 'AlreadyExists', 409);
    expect(err.message).to.equal('widgets.demo.example.com "a" already exists');
  });

  it('generates names from generateName', async () => {
    const { widgets } = demoServer();
    const a = await widgets.create({ metadata: { generateName: 'web-' } });
    const b = await widgets.create({ metadata: { generateName: 'web-' } });
    expect(a.metadata.name).to.match(/^web-[a-z0-9]{5}$/);
    expect(b.metadata.name).to.not.equal(a.metadata.name);
  });

  it('reports every invalid field as one Invalid with a cause each', async () => {
    const { widgets } = demoServer();
    const err = await expectApiError(
      widgets.create({ metadata: { name: 'Bad_Name', labels: { 'bad key!': 'x' } }, spec: { color: 'purple', replicas: -1 } } as never),
      'Invalid',
      422,
    );
    const fields = (err.details?.causes ?? []).map((c) => c.field);
    expect(fields).to.include('metadata.name');
    expect(fields).to.include('metadata.labels');
    expect(fields).to.include('spec.color');
    expect(fields).to.include('spec.replicas');
    const color = err.details!.causes!.find((c) => c.field === 'spec.color')!;
    expect(color.reason).to.equal('FieldValueNotSupported');
    expect(err.message).to.match(/^Widget\.demo\.example\.com "Bad_Name" is invalid: /);
  });

  it('runs the strategy validation', async () => {
    const { widgets } = demoServer();
    const err = await expectApiError(widgets.create({ metadata: { name: 'b' }, spec: { color: 'blue', replicas: 11 } }), 'Invalid');
    expect(err.details!.causes![0].field).to.equal('spec.replicas');
  });

  it('handles unknown fields by fieldValidation', async () => {
    const { widgets, warnings } = demoServer();
    const body = { metadata: { name: 'u', bogusMeta: 1 }, spec: { color: 'green', bogus: true } } as never;
    const strict = await expectApiError(widgets.create(body, { fieldValidation: 'Strict' }), 'BadRequest');
    expect(strict.message).to.contain('spec.bogus');
    const warned = await widgets.create(body);
    expect(warned.spec).to.deep.equal({ color: 'green', replicas: 1 });
    expect(warnings.join('\n')).to.contain('unknown field "spec.bogus"');
    expect(warnings.join('\n')).to.contain('unknown field "metadata.bogusMeta"');
    const before = warnings.length;
    await widgets.create({ ...(body as object), metadata: { name: 'u2' } } as never, { fieldValidation: 'Ignore' });
    expect(warnings.length).to.equal(before);
  });

  it('refuses objects nested deeper than it accepts, as BadRequest, for creates and patches', async () => {
    const { widgets } = demoServer();
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    await expectApiError(widgets.create({ metadata: { name: 'd', annotations: deep } } as never), 'BadRequest', 400);
    const w = await widgets.create({ metadata: { name: 'ok' } });
    await expectApiError(widgets.mergePatch('ok', { spec: deep } as never), 'BadRequest', 400);
    await expectApiError(widgets.jsonPatch('ok', [{ op: 'add', path: '/spec/x', value: deep }]), 'BadRequest', 400);
    expect((await widgets.get('ok')).metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
  });

  it('dry-run create persists nothing', async () => {
    const { widgets, store } = demoServer();
    const rv = await store.currentRevision();
    const w = await widgets.create({ metadata: { name: 'dry' } }, { dryRun: true });
    expect(w.metadata.name).to.equal('dry');
    expect(await store.currentRevision()).to.equal(rv);
    await expectApiError(widgets.get('dry'), 'NotFound', 404);
  });

  it('rejects bodies of another kind or apiVersion and mismatched namespaces', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.create({ kind: 'Gadget', metadata: { name: 'x' } } as never), 'BadRequest');
    await expectApiError(widgets.create({ apiVersion: 'other/v1', metadata: { name: 'x' } } as never), 'BadRequest');
    await expectApiError(widgets.create({ metadata: { name: 'x', namespace: 'other' } }), 'BadRequest');
    await expectApiError(widgets.create('nope' as never), 'BadRequest');
  });

  it('serves cluster-scoped types without namespaces', async () => {
    const { gadgets } = demoServer();
    const g = await gadgets.create({ metadata: { name: 'g1', namespace: 'ignored' }, spec: { size: 'small' } });
    expect(g.metadata.namespace).to.equal(undefined);
    expect((await gadgets.get('g1')).spec.size).to.equal('small');
    await expectApiError(gadgets.create({ metadata: { name: 'g2' } } as never), 'Invalid');
    for (const n of ['g0', 'g2', 'g3']) await gadgets.create({ metadata: { name: n }, spec: { size: n } });
    expect(names((await gadgets.list({ fieldSelector: 'metadata.name=g2' })).items)).to.deep.equal(['g2']);
    expect(names((await gadgets.list({ fieldSelector: 'metadata.name=g9' })).items)).to.deep.equal([]);
    expect(names((await gadgets.list({ fieldSelector: 'metadata.name!=g2' })).items)).to.deep.equal(['g0', 'g1', 'g3']);
  });

  it('get answers NotFound with the Kubernetes message', async () => {
    const { widgets } = demoServer();
    const err = await expectApiError(widgets.get('nope'), 'NotFound', 404);
    expect(err.message).to.equal('widgets.demo.example.com "nope" not found');
  });

  it('lists one namespace or all, with label and field selectors', async () => {
    const { client, allWidgets } = demoServer();
    const { Widget } = await import('../../../examples/demo/widget.resource.js');
    const a = client.resource(Widget, 'a');
    const b = client.resource(Widget, 'b');
    await a.create({ metadata: { name: 'x', labels: { app: 'x', tier: 'web' } }, spec: { color: 'green' } });
    await a.create({ metadata: { name: 'y', labels: { app: 'y' } } });
    await b.create({ metadata: { name: 'z', labels: { app: 'z', gone: 'yes' } } });
    expect(names((await a.list()).items)).to.deep.equal(['x', 'y']);
    expect(names((await allWidgets.list()).items)).to.deep.equal(['x', 'y', 'z']);
    expect(names((await allWidgets.list({ labelSelector: 'app in (x,z),!gone' })).items)).to.deep.equal(['x']);
    expect(names((await allWidgets.list({ labelSelector: 'tier!=web' })).items)).to.deep.equal(['y', 'z']);
    expect(names((await allWidgets.list({ fieldSelector: 'metadata.namespace=b' })).items)).to.deep.equal(['z']);
    expect(names((await a.list({ fieldSelector: 'metadata.name=y' })).items)).to.deep.equal(['y']);
    expect(names((await a.list({ fieldSelector: 'spec.color=green' })).items)).to.deep.equal(['x']);
    const list = await a.list();
    expect(list.kind).to.equal('WidgetList');
    expect(list.apiVersion).to.equal('demo.example.com/v1');
    expect(list.metadata.resourceVersion).to.match(/^\d+$/);
    await expectApiError(a.list({ labelSelector: 'app in (' }), 'BadRequest', 400);
    await expectApiError(a.list({ fieldSelector: 'spec.size=1' }), 'BadRequest', 400);
  });

  it('lists as JSON text exactly what it lists as objects, with any selector, limit and continue', async () => {
    const { server, client } = demoServer();
    const { Widget } = await import('../../../examples/demo/widget.resource.js');
    const endpoint = server.api.endpoint(Widget.group, Widget.version, Widget.plural)!;
    const ctx = { userAgent: 'test' };
    for (const ns of ['a', 'b']) {
      const widgets = client.resource(Widget, ns);
      for (let i = 0; i < 6; i++) {
        await widgets.create({ metadata: { name: `w${i}`, labels: { even: String(i % 2 === 0) } }, spec: { color: i % 3 ? 'blue' : 'green' } });
      }
    }
    // An update and a delete, so that older revisions differ from the current one.
    const rvBefore = (await client.resource(Widget, 'a').list()).metadata.resourceVersion;
    await client.resource(Widget, 'a').delete('w1');
    await client.resource(Widget, 'b').mergePatch('w2', { spec: { color: 'red' } });
    const cases: Array<[string | undefined, Record<string, unknown>]> = [
      ['a', {}],
      [undefined, {}],
      [undefined, { labelSelector: 'even=true' }],
      ['b', { fieldSelector: 'spec.color=blue' }],
      ['a', { fieldSelector: 'metadata.name=w3' }],
      [undefined, { limit: 4 }],
      ['a', { limit: 2, labelSelector: 'even=false' }],
      ['a', { resourceVersion: rvBefore, resourceVersionMatch: 'Exact' }],
      [undefined, { resourceVersion: '0' }],
    ];
    for (const [ns, opts] of cases) {
      let objects = await endpoint.list(ctx, ns, opts);
      let texts = await endpoint.listJson!(ctx, ns, opts);
      for (;;) {
        expect(texts.items.map((t) => JSON.parse(t)), JSON.stringify([ns, opts])).to.deep.equal(objects.items);
        expect(texts.list.metadata).to.deep.equal(objects.metadata);
        expect(texts.list.kind).to.equal('WidgetList');
        if (!objects.metadata.continue) break;
        objects = await endpoint.list(ctx, ns, { ...opts, continue: objects.metadata.continue });
        texts = await endpoint.listJson!(ctx, ns, { ...opts, continue: texts.list.metadata.continue });
      }
    }
    await expectApiError(endpoint.listJson!(ctx, 'a', { labelSelector: 'app in (' }), 'BadRequest', 400);
  });

  it('pages with limit and continue at one consistent revision', async () => {
    const { widgets } = demoServer();
    for (let i = 0; i < 7; i++) await widgets.create({ metadata: { name: `w${i}` } });
    const p1 = await widgets.list({ limit: 3 });
    expect(names(p1.items)).to.deep.equal(['w0', 'w1', 'w2']);
    expect(p1.metadata.continue).to.be.a('string');
    // Changes after the first page do not show in later pages.
    await widgets.delete('w4');
    await widgets.create({ metadata: { name: 'w9' } });
    const p2 = await widgets.list({ limit: 3, continue: p1.metadata.continue });
    expect(names(p2.items)).to.deep.equal(['w3', 'w4', 'w5']);
    expect(p2.metadata.resourceVersion).to.equal(p1.metadata.resourceVersion);
    const p3 = await widgets.list({ limit: 3, continue: p2.metadata.continue });
    expect(names(p3.items)).to.deep.equal(['w6']);
    expect(p3.metadata.continue).to.equal(undefined);
  });

  it('pages with selectors, filling each page', async () => {
    const { widgets } = demoServer();
    for (let i = 0; i < 10; i++) await widgets.create({ metadata: { name: `w${i}`, labels: { even: String(i % 2 === 0) } } });
    const p1 = await widgets.list({ limit: 2, labelSelector: 'even=true' });
    expect(names(p1.items)).to.deep.equal(['w0', 'w2']);
    const p2 = await widgets.list({ limit: 2, labelSelector: 'even=true', continue: p1.metadata.continue });
    expect(names(p2.items)).to.deep.equal(['w4', 'w6']);
    const p3 = await widgets.list({ limit: 2, labelSelector: 'even=true', continue: p2.metadata.continue });
    expect(names(p3.items)).to.deep.equal(['w8']);
  });

  it('answers 410 Expired for a continue token older than the history', async () => {
    const { widgets } = demoServer({ historyLimit: 5 });
    for (let i = 0; i < 4; i++) await widgets.create({ metadata: { name: `w${i}` } });
    const p1 = await widgets.list({ limit: 2 });
    for (let i = 0; i < 10; i++) await widgets.mergePatch('w0', { metadata: { labels: { n: String(i) } } });
    await expectApiError(widgets.list({ limit: 2, continue: p1.metadata.continue }), 'Expired', 410);
  });

  it('rejects forged or malformed continue tokens', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.list({ continue: 'garbage!!' }), 'BadRequest');
    const forged = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: '../other/x' })).toString('base64url');
    await expectApiError(widgets.list({ continue: forged }), 'BadRequest');
  });

  it('follows resourceVersion and resourceVersionMatch semantics', async () => {
    const { widgets } = demoServer();
    const a = await widgets.create({ metadata: { name: 'a' } });
    const rvA = a.metadata.resourceVersion!;
    await widgets.create({ metadata: { name: 'b' } });
    const exact = await widgets.list({ resourceVersion: rvA, resourceVersionMatch: 'Exact' });
    expect(names(exact.items)).to.deep.equal(['a']);
    expect(exact.metadata.resourceVersion).to.equal(rvA);
    const notOlder = await widgets.list({ resourceVersion: rvA, resourceVersionMatch: 'NotOlderThan' });
    expect(names(notOlder.items)).to.deep.equal(['a', 'b']);
    expect(names((await widgets.list({ resourceVersion: '0' })).items)).to.deep.equal(['a', 'b']);
    // Option values Kubernetes forbids are 422 Invalid against ListOptions.meta.k8s.io.
    await expectApiError(widgets.list({ resourceVersionMatch: 'Exact' }), 'Invalid', 422);
    await expectApiError(widgets.list({ resourceVersion: '0', resourceVersionMatch: 'Exact' }), 'Invalid', 422);
    await expectApiError(widgets.list({ resourceVersion: '1', resourceVersionMatch: 'Sometime' }), 'Invalid', 422);
    await expectApiError(widgets.list({ resourceVersion: 'abc' }), 'BadRequest');
  });

  it('answers 504 for a resourceVersion the store has not reached', async () => {
    const { widgets } = demoServer({ registry: { tooLargeResourceVersionWaitMs: 0 } });
    const err = await expectApiError(widgets.list({ resourceVersion: '999999', resourceVersionMatch: 'NotOlderThan' }), 'Timeout', 504);
    expect(err.message).to.contain('Too large resource version');
  });
});
