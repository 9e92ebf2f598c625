import { expect } from 'chai';
import { z } from 'zod';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import { Widget } from '../../../examples/demo/widget.resource.js';
import { expectApiError, names } from './harness.js';

/** A read-only computed type: counts of widgets per color, never stored. */
const ColorCount = defineResource({
  group: 'demo.example.com',
  version: 'v1',
  kind: 'ColorCount',
  plural: 'colorcounts',
  scope: 'Cluster',
  spec: z.object({ count: z.number().int() }),
});

function server() {
  const builder = new ServerBuilder().withStorage('memory').withResource(Widget);
  let client: ReturnType<ReturnType<typeof builder.build>['client']>;
  builder.withResourceAndHandler(ColorCount, {
    async list() {
      const widgets = await client.resource(Widget).list();
      const counts = new Map<string, number>();
      for (const w of widgets.items) counts.set(w.spec.color, (counts.get(w.spec.color) ?? 0) + 1);
      return [...counts].map(([color, count]) => ({
        apiVersion: 'demo.example.com/v1',
        kind: 'ColorCount',
        metadata: { name: color, labels: { color } },
        spec: { count },
      }));
    },
  });
  builder.withSubResourceAndHandler(Widget, 'describe', {
    kind: 'WidgetDescription',
    get: (_ctx, w) => ({ text: `${w.metadata.name} is ${w.spec.color}` }),
    create: (_ctx, w, body) => ({ echoed: body, name: w.metadata.name }),
  });
  const built = builder.build();
  client = built.client();
  return { built, client };
}

describe('registry: handler-backed resources and subresources', () => {
  it('serves a computed read-only type from user code', async () => {
    const { client } = server();
    const widgets = client.resource(Widget, 'default');
    await widgets.create({ metadata: { name: 'a' } });
    await widgets.create({ metadata: { name: 'b' }, spec: { color: 'blue' } });
    await widgets.create({ metadata: { name: 'c' }, spec: { color: 'blue' } });
    const counts = client.resource(ColorCount);
    const list = await counts.list();
    expect(list.kind).to.equal('ColorCountList');
    expect(names(list.items)).to.deep.equal(['blue', 'red']);
    expect((await counts.get('blue')).spec.count).to.equal(2);
    expect(names((await counts.list({ labelSelector: 'color=red' })).items)).to.deep.equal(['red']);
    await expectApiError(counts.get('green'), 'NotFound', 404);
    await expectApiError(counts.create({ metadata: { name: 'x' }, spec: { count: 1 } }), 'MethodNotAllowed', 405);
    await expectApiError(counts.delete('red'), 'MethodNotAllowed', 405);
  });

  it('advertises only the verbs the handler implements', () => {
    const { built } = server();
    const served = built.api.resources().find((r) => r.definition.plural === 'colorcounts')!;
    expect(served.verbs).to.deep.equal(['get', 'list']);
    const widgets = built.api.resources().find((r) => r.definition.plural === 'widgets')!;
    expect(widgets.subresources.map((s) => s.name)).to.deep.equal(['status', 'scale', 'describe']);
    expect(widgets.subresources.find((s) => s.name === 'describe')).to.deep.include({ kind: 'WidgetDescription' });
  });

  it('serves a custom subresource of a stored type', async () => {
    const { client } = server();
    const widgets = client.resource(Widget, 'default');
    await widgets.create({ metadata: { name: 'a' }, spec: { color: 'green' } });
    expect(await widgets.subresource('describe').get('a')).to.deep.equal({ text: 'a is green' });
    expect(await widgets.subresource('describe').create('a', { x: 1 })).to.deep.equal({ echoed: { x: 1 }, name: 'a' });
    await expectApiError(widgets.subresource('describe').get('missing'), 'NotFound');
    await expectApiError(widgets.subresource('describe').update('a', {}), 'MethodNotAllowed');
  });

  it('refuses a subresource on a type it does not serve', () => {
    expect(() =>
      new ServerBuilder().withSubResourceAndHandler(Widget, 'describe', { get: () => ({}) }).build(),
    ).to.throw(/register Widget with withResource first/);
  });
});
