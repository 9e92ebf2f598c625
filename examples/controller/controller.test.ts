/**
 * The controller example against a kit server over HTTPS: status follows spec for widgets
 * made before and after it starts, and after a scale.
 */
import { expect } from 'chai';
import { connect } from 'apiserver-kit/client';
import { startServer, waitFor, type StartedServer } from 'apiserver-kit/testing';
import { Widget } from '../demo/widget.resource.js';
import { runWidgetController } from './widget-controller.js';

describe('example: a controller reconciling Widgets with an informer and a work queue', () => {
  let server: StartedServer;
  before(async () => {
    server = await startServer((b) => b.withResource(Widget));
  });
  after(() => server?.stop());

  it('writes each widget status from its spec, and again after a scale', async () => {
    const client = connect({ kubeconfig: server.kubeconfig });
    const errors: unknown[] = [];
    const widgets = client.resource(Widget, 'default');
    await widgets.create({ metadata: { name: 'before' }, spec: { color: 'red', replicas: 2 } });
    const controller = runWidgetController(client, (e) => errors.push(e));
    await controller.ready;
    await widgets.create({ metadata: { name: 'after' }, spec: { color: 'blue', replicas: 4 } });
    await client.resource(Widget, 'other').create({ metadata: { name: 'elsewhere' }, spec: { color: 'green', replicas: 1 } });
    const inStep = async () => {
      const all = (await client.resource(Widget).list()).items;
      return all.length === 3 && all.every((w) => w.status?.replicas === w.spec.replicas && w.status?.conditions?.[0]?.status === 'True');
    };
    await waitFor(inStep, { what: 'every widget status in step' });
    await widgets.scale.update('after', 7);
    await waitFor(async () => (await widgets.get('after')).status?.replicas === 7, { what: 'status after the scale' });
    await widgets.delete('before');
    await waitFor(async () => (await client.resource(Widget).list()).items.length === 2);
    await controller.stop();
    client.close();
    expect(errors).to.deep.equal([]);
  });
});
