/**
 * @kubernetes/client-node's informer against the transport alone: it must start (headers
 * flushed at once), survive a watch the server ends, and re-list after an ERROR 410.
 */
import { expect } from 'chai';
import { CustomObjectsApi, KubeConfig, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { waitFor } from '../../support/wait-for.js';
import { serveFake, widget, WIDGETS, type TestServer } from './fixtures/serve.js';

describe('http transport: client-node informer', () => {
  let s: TestServer;
  let kc: KubeConfig;
  beforeEach(async () => {
    s = await serveFake();
    kc = new KubeConfig();
    // client-node refuses plain http unless TLS verification is off.
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: s.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'unused' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });
  afterEach(() => s.close());

  const post = (name: string) =>
    fetch(`${s.url}${WIDGETS}`, { method: 'POST', body: JSON.stringify(widget(name)), headers: { 'Content-Type': 'application/json' } });

  it('re-lists after a 410 and after the server ends its watch', async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const list = () =>
      api.listNamespacedCustomObject({ group: 'demo.example.com', version: 'v1', namespace: 'default', plural: 'widgets' }) as never;
    const informer = makeInformer<KubernetesObject>(kc, WIDGETS, list);
    const added: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => added.push(o.metadata!.name!));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await waitFor(() => s.api.widgets.watchers.size === 1);
      await post('one');
      await waitFor(() => added.includes('one'));

      const listsBefore = s.api.widgets.calls.filter((c) => c.verb === 'list').length;
      s.api.widgets.expireWatches();
      await waitFor(() => s.api.widgets.calls.filter((c) => c.verb === 'list').length > listsBefore && s.api.widgets.watchers.size === 1);
      await post('two');
      await waitFor(() => added.includes('two'));

      // A watch the server closes (as at timeoutSeconds or shutdown) is simply re-opened.
      const watchesBefore = s.api.widgets.calls.filter((c) => c.verb === 'watch').length;
      for (const w of s.api.widgets.watchers) w.q.end();
      await waitFor(() => s.api.widgets.calls.filter((c) => c.verb === 'watch').length > watchesBefore && s.api.widgets.watchers.size === 1);
      await post('three');
      await waitFor(() => added.includes('three'));
      expect(added).to.deep.equal(['one', 'two', 'three']);
      expect(errors).to.deep.equal([]);
    } finally {
      await informer.stop();
    }
  });
});
