/**
 * Runs the example types through the in-process client: the domain, its storage and its
 * rules, with no HTTP. This is how a user of the kit tests their own types.
 */
import { expect } from 'chai';
import { ApiError, ServerBuilder, type ObjectOf } from 'apiserver-kit';
import { Gadget, Widget } from './widget.resource.js';

describe('example: widgets and gadgets in process', () => {
  const server = new ServerBuilder().withStorage('memory').withResource(Widget).withResource(Gadget).build();
  const widgets = server.client().resource(Widget, 'default');
  const gadgets = server.client().resource(Gadget);

  after(() => server.stop());

  it('creates a widget with defaults and scales it', async () => {
    const w = await widgets.create({ metadata: { name: 'demo' } });
    expect(w.spec).to.deep.equal({ color: 'red', replicas: 1 });
    await widgets.scale.update('demo', 3);
    expect((await widgets.get('demo')).spec.replicas).to.equal(3);
  });

  it('rejects blue widgets with more than 10 replicas', async () => {
    try {
      await widgets.create({ metadata: { name: 'too-blue' }, spec: { color: 'blue', replicas: 11 } });
      expect.fail('expected Invalid');
    } catch (err) {
      expect(err).to.be.instanceOf(ApiError);
      expect((err as ApiError).reason).to.equal('Invalid');
    }
  });

  it('reports readiness through the status subresource and watches it', async () => {
    const watch = await widgets.watch({ fieldSelector: 'metadata.name=demo' });
    await widgets.status.mergePatch('demo', {
      status: { replicas: 3, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const seen: string[] = [];
    for await (const event of watch) {
      seen.push(event.type);
      const ready = (event.object as ObjectOf<typeof Widget>).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready) break;
    }
    expect(seen).to.deep.equal(['ADDED', 'MODIFIED']);
    const w = await widgets.get('demo');
    expect(w.status?.replicas).to.equal(3);
  });

  it('stores cluster-scoped gadgets', async () => {
    await gadgets.create({ metadata: { name: 'g' }, spec: { size: 'large' } });
    expect((await gadgets.list()).items.map((g) => g.spec.size)).to.deep.equal(['large']);
  });
});
