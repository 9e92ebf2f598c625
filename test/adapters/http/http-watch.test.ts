import { expect } from 'chai';
import { request } from 'node:http';
import { waitFor } from '../../support/wait-for.js';
import { readEvents, serveFake, TABLE_ACCEPT, widget, WIDGETS, type TestServer } from './fixtures/serve.js';

const post = (s: TestServer, name: string) =>
  fetch(`${s.url}${WIDGETS}`, { method: 'POST', body: JSON.stringify(widget(name)), headers: { 'Content-Type': 'application/json' } });

describe('http transport: watch streaming', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await serveFake();
  });
  afterEach(() => s.close());

  it('flushes headers at once and streams newline-delimited events', async () => {
    await post(s, 'a');
    const controller = new AbortController();
    const res = await fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=0&allowWatchBookmarks=true`, { signal: controller.signal });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json');
    expect(res.headers.get('transfer-encoding')).to.equal('chunked');
    const first = await readEvents(res, 2);
    expect(first.map((e) => e.type)).to.deep.equal(['ADDED', 'BOOKMARK']);
    expect(first[1].object).to.deep.equal({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { resourceVersion: '11' } });
    await post(s, 'b');
    const [added] = await readEvents(res, 1);
    expect(added).to.deep.include({ type: 'ADDED' });
    expect(added.object.metadata.name).to.equal('b');
    controller.abort();
  });

  it('wraps events in one-row Tables when a Table is asked', async () => {
    const controller = new AbortController();
    const res = await fetch(`${s.url}${WIDGETS}?watch=1&resourceVersion=11`, { headers: { Accept: TABLE_ACCEPT }, signal: controller.signal });
    expect(res.headers.get('content-type')).to.equal('application/json;as=Table;v=v1;g=meta.k8s.io');
    await waitFor(() => s.api.widgets.watchers.size === 1);
    await post(s, 't');
    const [e] = await readEvents(res, 1);
    expect(e.type).to.equal('ADDED');
    expect(e.object.kind).to.equal('Table');
    expect(e.object.rows).to.have.length(1);
    expect(e.object.rows[0].cells).to.deep.equal(['t', 'red']);
    controller.abort();
  });

  it('watches one object with GET item?watch=true', async () => {
    const controller = new AbortController();
    const res = await fetch(`${s.url}${WIDGETS}/foo?watch=true`, { signal: controller.signal });
    expect(res.status).to.equal(200);
    const call = s.api.widgets.calls.find((c) => c.verb === 'watch')!;
    expect((call.args[0] as { fieldSelector: string }).fieldSelector).to.equal('metadata.name=foo');
    controller.abort();
  });

  it('answers a resourceVersion too old as kube-apiserver does: 200, one ERROR event with the 410 Status, end', async () => {
    for (const accept of ['application/json', TABLE_ACCEPT]) {
      const res = await fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=1`, { headers: { Accept: accept } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      const lines = (await res.text()).split('\n').filter((l) => l !== '');
      expect(lines).to.have.length(1);
      const event = JSON.parse(lines[0]);
      expect(event.type).to.equal('ERROR');
      expect(event.object).to.deep.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
      expect(event.object.message).to.equal('too old resource version: 1 (10)');
    }
    expect(s.transport.openWatches).to.equal(0);
  });

  it('still answers other failures of a watch request with their HTTP code', async () => {
    const res = await fetch(`${s.url}${WIDGETS}?watch=true&timeoutSeconds=soon`);
    expect(res.status).to.equal(400);
    expect(await res.json()).to.deep.include({ kind: 'Status', code: 400 });
  });

  it('serves the legacy watch paths: collections, across namespaces and one item, GET only', async () => {
    const controller = new AbortController();
    const all = await fetch(`${s.url}/apis/demo.example.com/v1/watch/widgets?resourceVersion=11`, { signal: controller.signal });
    const one = await fetch(`${s.url}/apis/demo.example.com/v1/watch/namespaces/default/widgets/w2?resourceVersion=11`, { signal: controller.signal });
    expect([all.status, one.status]).to.deep.equal([200, 200]);
    await waitFor(() => s.api.widgets.watchers.size === 2);
    const watches = s.api.widgets.calls.filter((c) => c.verb === 'watch');
    expect(watches.map((c) => c.namespace)).to.deep.equal([undefined, 'default']);
    expect((watches[1].args[0] as { fieldSelector: string }).fieldSelector).to.equal('metadata.name=w2');
    await post(s, 'w1');
    await post(s, 'w2');
    expect((await readEvents(all, 2)).map((e) => e.object.metadata.name)).to.deep.equal(['w1', 'w2']);
    // The fake does not filter by field selector: the pin to the name is what the item path adds.
    expect((await readEvents(one, 1))[0].type).to.equal('ADDED');
    controller.abort();

    const expired = await fetch(`${s.url}/apis/demo.example.com/v1/watch/namespaces/default/widgets?resourceVersion=1`);
    expect(expired.status).to.equal(200);
    expect(JSON.parse((await expired.text()).trim())).to.deep.include({ type: 'ERROR' });
    const write = await fetch(`${s.url}/apis/demo.example.com/v1/watch/namespaces/default/widgets`, { method: 'POST', body: '{}' });
    expect(write.status).to.equal(405);
    const sub = await fetch(`${s.url}/apis/demo.example.com/v1/watch/namespaces/default/widgets/w1/status`);
    expect(sub.status).to.equal(404);
    // A namespaced item needs its namespace, as on the other paths.
    expect((await fetch(`${s.url}/apis/demo.example.com/v1/watch/widgets/w1`)).status).to.equal(404);
  });

  it('passes ERROR events through and then ends the stream', async () => {
    const res = await fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=11`);
    await waitFor(() => s.api.widgets.watchers.size === 1);
    s.api.widgets.expireWatches();
    const text = await res.text();
    const events = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ type: 'ERROR' });
    expect(events[0].object).to.deep.include({ kind: 'Status', code: 410 });
  });

  it('ends the stream at timeoutSeconds', async () => {
    const res = await fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=11&timeoutSeconds=1`);
    expect(await res.text()).to.equal('');
  });

  it('closes the stream when the client goes away', async () => {
    const req = request(`${s.url}${WIDGETS}?watch=true&resourceVersion=11`);
    req.on('error', () => {});
    await new Promise<void>((resolve) => {
      req.on('response', () => resolve());
      req.end();
    });
    await waitFor(() => s.api.widgets.watchers.size === 1 && s.transport.openWatches === 1);
    req.destroy();
    await waitFor(() => s.api.widgets.watchers.size === 0 && s.transport.openWatches === 0);
    const ctx = s.api.widgets.calls.find((c) => c.verb === 'watch')!.ctx;
    expect(ctx.signal?.aborted).to.equal(true);
  });

  it('ends every open watch on closeWatches()', async () => {
    const streams = await Promise.all([0, 1, 2].map(() => fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=11`)));
    await waitFor(() => s.transport.openWatches === 3);
    await s.transport.closeWatches();
    expect(s.transport.openWatches).to.equal(0);
    for (const res of streams) expect(await res.text()).to.equal('');
    const refused = await fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=11`);
    expect(refused.status).to.equal(503);
  });

  it('serializes one change once for all watchers of a shape', async () => {
    const stringify = JSON.stringify;
    const streams = await Promise.all([0, 1, 2].map(() => fetch(`${s.url}${WIDGETS}?watch=true&resourceVersion=11`)));
    await waitFor(() => s.api.widgets.watchers.size === 3);
    let eventFrames = 0;
    JSON.stringify = ((value: unknown, ...rest: unknown[]) => {
      if (value && typeof value === 'object' && 'type' in value && 'object' in value) eventFrames++;
      return (stringify as (...a: unknown[]) => string)(value, ...rest);
    }) as typeof JSON.stringify;
    try {
      await post(s, 'shared');
      const got = await Promise.all(streams.map((r) => readEvents(r, 1)));
      for (const [e] of got) expect(e.object.metadata.name).to.equal('shared');
    } finally {
      JSON.stringify = stringify;
    }
    expect(eventFrames).to.equal(1);
  });

  it('waits for a slow reader instead of buffering without bound', async () => {
    for (let i = 0; i < 50; i++) await post(s, `w${i}`);
    const big = { pad: 'x'.repeat(512 * 1024) };
    for (const o of s.api.widgets.objects.values()) Object.assign(o, { spec: big });
    const req = request(`${s.url}${WIDGETS}?watch=true&resourceVersion=0`);
    req.on('error', () => {});
    const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      req.on('response', resolve);
      req.end();
    });
    res.pause();
    // 50 × 512 KiB were queued; with nothing read, the socket buffers fill and the server stops
    // taking events from the stream until they drain.
    const [watcher] = [...s.api.widgets.watchers];
    await waitFor(() => watcher.q.pending < 50, { what: 'the server to start streaming' });
    // The point of the test: given time, the server still does not take everything.
    await new Promise((r) => setTimeout(r, 300));
    expect(watcher.q.pending).to.be.greaterThan(0);
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.length));
    res.resume();
    await waitFor(() => received >= 50 * 512 * 1024, { what: 'all 50 events read' });
    req.destroy();
  });
});
