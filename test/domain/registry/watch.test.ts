import { expect } from 'chai';
import type { KubeObject, StatusObject } from '../../../src/domain/meta/types.js';
import { demoServer, expectApiError, nextWithin, take } from './harness.js';

function describeEvent(e: { type: string; object: unknown }): string {
  const o = e.object as KubeObject;
  return `${e.type}:${o.metadata?.name ?? ''}`;
}

describe('registry: watch', () => {
  it('starts with ADDED for the current state when no resourceVersion is given', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    await widgets.create({ metadata: { name: 'b' } });
    const w = await widgets.watch();
    await widgets.mergePatch('a', { spec: { color: 'green' } });
    const events = await take(w, 3);
    expect(events.map(describeEvent)).to.deep.equal(['ADDED:a', 'ADDED:b', 'MODIFIED:a']);
    w.close();
  });

  it('resourceVersion=0 also starts with the current state', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const w = await widgets.watch({ resourceVersion: '0' });
    expect((await take(w, 1)).map(describeEvent)).to.deep.equal(['ADDED:a']);
    w.close();
  });

  it('delivers exactly the events after a resourceVersion, in order', async () => {
    const { widgets } = demoServer();
    const a = await widgets.create({ metadata: { name: 'a' } });
    await widgets.create({ metadata: { name: 'b' } });
    await widgets.delete('b');
    const w = await widgets.watch({ resourceVersion: a.metadata.resourceVersion });
    await widgets.create({ metadata: { name: 'c' } });
    const events = await take(w, 3);
    expect(events.map(describeEvent)).to.deep.equal(['ADDED:b', 'DELETED:b', 'ADDED:c']);
    const rvs = events.map((e) => Number((e.object as KubeObject).metadata.resourceVersion));
    expect(rvs).to.deep.equal([...rvs].sort((x, y) => x - y));
    expect(await nextWithin(w, 50)).to.equal('none');
    w.close();
  });

  it('scopes watches to a namespace', async () => {
    const { client, allWidgets } = demoServer();
    const { Widget } = await import('../../../examples/demo/widget.resource.js');
    const inA = client.resource(Widget, 'a');
    const inB = client.resource(Widget, 'b');
    const w = await inA.watch({ resourceVersion: (await allWidgets.list()).metadata.resourceVersion });
    const all = await allWidgets.watch({ resourceVersion: (await allWidgets.list()).metadata.resourceVersion });
    await inB.create({ metadata: { name: 'other' } });
    await inA.create({ metadata: { name: 'mine' } });
    expect((await take(w, 1)).map(describeEvent)).to.deep.equal(['ADDED:mine']);
    expect((await take(all, 2)).map(describeEvent)).to.deep.equal(['ADDED:other', 'ADDED:mine']);
    w.close();
    all.close();
  });

  it('turns selector transitions into ADDED and DELETED', async () => {
    const { widgets } = demoServer();
    const start = await widgets.create({ metadata: { name: 'a', labels: { app: 'x' } } });
    const w = await widgets.watch({ resourceVersion: start.metadata.resourceVersion, labelSelector: 'app=y' });
    await widgets.mergePatch('a', { metadata: { labels: { app: 'y' } } });
    await widgets.mergePatch('a', { spec: { color: 'blue' } });
    await widgets.mergePatch('a', { metadata: { labels: { app: 'z' } } });
    await widgets.create({ metadata: { name: 'b', labels: { app: 'z' } } });
    const events = await take(w, 3);
    expect(events.map(describeEvent)).to.deep.equal(['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
    expect(await nextWithin(w, 50)).to.equal('none');
    w.close();
  });

  it('filters by field selector, as kubectl get NAME -w does', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'foo' } });
    await widgets.create({ metadata: { name: 'bar' } });
    const w = await widgets.watch({ fieldSelector: 'metadata.name=foo', resourceVersion: '0' });
    await widgets.mergePatch('bar', { spec: { color: 'green' } });
    await widgets.delete('foo');
    expect((await take(w, 2)).map(describeEvent)).to.deep.equal(['ADDED:foo', 'DELETED:foo']);
    w.close();
  });

  it('answers 410 Expired for a resourceVersion older than the history', async () => {
    const { widgets } = demoServer({ historyLimit: 3 });
    const first = await widgets.create({ metadata: { name: 'a' } });
    for (let i = 0; i < 6; i++) await widgets.mergePatch('a', { metadata: { labels: { n: String(i) } } });
    const err = await expectApiError(widgets.watch({ resourceVersion: first.metadata.resourceVersion }), 'Expired', 410);
    expect(err.message).to.contain('too old resource version');
  });

  it('sends bookmarks when asked, carrying only the resourceVersion', async () => {
    const { widgets, gadgets, clock } = demoServer({ registry: { bookmarkIntervalMs: 1000 } });
    const start = await widgets.create({ metadata: { name: 'a' } });
    const w = await widgets.watch({ resourceVersion: start.metadata.resourceVersion, allowWatchBookmarks: true });
    // A write to another type moves the store's revision; the bookmark tells the watcher.
    const g = await gadgets.create({ metadata: { name: 'g' }, spec: { size: 's' } });
    clock.advance(1000);
    const [bm] = await take(w, 1);
    expect(bm.type).to.equal('BOOKMARK');
    expect(bm.object).to.deep.equal({
      apiVersion: 'demo.example.com/v1',
      kind: 'Widget',
      metadata: { resourceVersion: g.metadata.resourceVersion },
    });
    w.close();
  });

  it('marks the end of initial events with sendInitialEvents', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const w = await widgets.watch({ sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' });
    const events = await take(w, 2);
    expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'BOOKMARK']);
    expect((events[1].object as KubeObject).metadata.annotations).to.deep.equal({ 'k8s.io/initial-events-end': 'true' });
    w.close();
    await expectApiError(widgets.watch({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }), 'BadRequest');
    // As in Kubernetes, sendInitialEvents goes with resourceVersionMatch=NotOlderThan.
    await expectApiError(widgets.watch({ sendInitialEvents: true, allowWatchBookmarks: true }), 'Invalid', 422);
  });

  it('serves initial events from the snapshot, beyond the live-event bound', async () => {
    const { widgets } = demoServer({ registry: { watchQueueLimit: 2 } });
    for (const n of ['a', 'b', 'c', 'd', 'e']) await widgets.create({ metadata: { name: n } });
    const w = await widgets.watch({ resourceVersion: '0' });
    const initial = await take(w, 5);
    expect(initial.map(describeEvent)).to.deep.equal(['ADDED:a', 'ADDED:b', 'ADDED:c', 'ADDED:d', 'ADDED:e']);
    await widgets.mergePatch('a', { spec: { color: 'green' } });
    expect((await take(w, 1)).map(describeEvent)).to.deep.equal(['MODIFIED:a']);
    w.close();

    const listed = await widgets.list();
    const withEnd = await widgets.watch({ sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' });
    const events = await take(withEnd, 6);
    expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
    expect((events[5].object as KubeObject).metadata.resourceVersion).to.equal(listed.metadata.resourceVersion);
    withEnd.close();
  });

  it('still bounds live events while a client reads a large snapshot', async () => {
    const { widgets } = demoServer({ registry: { watchQueueLimit: 2 } });
    for (const n of ['a', 'b', 'c']) await widgets.create({ metadata: { name: n } });
    const w = await widgets.watch({ resourceVersion: '0' });
    // Nothing read yet: five live changes overflow the bound of two.
    for (let i = 0; i < 5; i++) await widgets.mergePatch('a', { metadata: { labels: { n: String(i) } } });
    const events = await take(w, 10, 500);
    expect(events.slice(0, 3).map(describeEvent)).to.deep.equal(['ADDED:a', 'ADDED:b', 'ADDED:c']);
    const last = events[events.length - 1];
    expect(last.type).to.equal('ERROR');
    expect((last.object as StatusObject).code).to.equal(410);
  });

  it('ends at timeoutSeconds', async () => {
    const { widgets, clock } = demoServer();
    const w = await widgets.watch({ resourceVersion: '0', timeoutSeconds: 5 });
    clock.advance(5000);
    const r = await nextWithin(w, 200);
    expect(r).to.not.equal('none');
    expect((r as IteratorResult<unknown>).done).to.equal(true);
  });

  it('ends a watcher that falls too far behind with a 410 it can re-list from, without slowing writers', async () => {
    const { widgets } = demoServer({ registry: { watchQueueLimit: 5 } });
    const start = await widgets.create({ metadata: { name: 'a' } });
    const slow = await widgets.watch({ resourceVersion: start.metadata.resourceVersion });
    const fast = await widgets.watch({ resourceVersion: start.metadata.resourceVersion });
    const fastEvents: string[] = [];
    const reading = (async () => {
      for await (const e of fast) {
        fastEvents.push(e.type);
        if (fastEvents.length === 20) break;
      }
    })();
    for (let i = 0; i < 20; i++) {
      await widgets.mergePatch('a', { metadata: { labels: { n: String(i) } } });
      await new Promise((r) => setImmediate(r));
    }
    await reading;
    expect(fastEvents).to.have.length(20);
    const got = await take(slow, 10);
    const last = got[got.length - 1];
    expect(last.type).to.equal('ERROR');
    expect((last.object as StatusObject).code).to.equal(410);
    expect(got.length).to.be.at.most(6);
  });

  it('rejects bad watch parameters', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.watch({ resourceVersion: 'x' }), 'BadRequest');
    await expectApiError(widgets.watch({ labelSelector: '!!' }), 'BadRequest');
    await expectApiError(widgets.watch({ timeoutSeconds: -1 }), 'BadRequest');
  });
});
