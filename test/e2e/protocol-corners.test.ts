/**
 * Corners of the wire protocol that clients other than kubectl 1.33 and client-node rely on,
 * through the whole stack (registry, memory store with a short history, HTTP): an expired
 * continue token carries a fresh one, a watch from a compacted resourceVersion is a 200 with
 * one ERROR event, a failed JSON Patch test is 422, and YAML apply bodies read YAML 1.1 types.
 */
import { expect } from 'chai';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { MemoryObjectStore } from '../../src/adapters/storage/memory/memory-object-store.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { ServerBuilder } from '../../src/app/server-builder.js';

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';

describe('e2e: protocol corners over the whole stack', function () {
  this.timeout(30_000);
  let server: ApiServer;
  let url: string;

  before(async () => {
    // A history of 3 changes: a few writes compact away the revision of any earlier read.
    const store = new MemoryObjectStore({ historyLimit: 3 });
    server = new ServerBuilder().withStorage(store).withResource(Widget).withResource(Gadget).withInsecureServing().withBindPort(0).build();
    ({ url } = await server.start());
  });
  after(() => server?.stop());

  const call = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
  const create = async (name: string, labels: Record<string, string> = {}) => {
    const res = await call(WIDGETS, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name, labels }, spec: { color: 'red' } }),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return res.json();
  };
  const touch = async (name: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await call(`${WIDGETS}/${name}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { annotations: { touch: String(i) } } }),
      });
      expect(res.status).to.equal(200);
    }
  };

  it('answers an expired continue token with 410 and a fresh metadata.continue that lists the rest', async () => {
    for (const n of ['c1', 'c2', 'c3', 'c4', 'c5']) await create(n, { set: 'paging' });
    const first = await (await call(`${WIDGETS}?labelSelector=set%3Dpaging&limit=2`)).json();
    expect(first.items.map((w: any) => w.metadata.name)).to.deep.equal(['c1', 'c2']);
    expect(first.metadata.continue).to.be.a('string');
    // Compact the revision of the first page away, and change the rest meanwhile.
    await touch('c4', 5);
    const gone = await call(`${WIDGETS}?labelSelector=set%3Dpaging&limit=2&continue=${encodeURIComponent(first.metadata.continue)}`);
    expect(gone.status).to.equal(410);
    const status = await gone.json();
    expect(status).to.deep.include({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(status.message).to.match(/use the continue token in this response to retrieve the remainder of the results/);
    expect(status.metadata.continue).to.be.a('string').and.not.equal(first.metadata.continue);
    // The fresh token goes on from c3, at the current state: c4 shows its latest change.
    const rest = await (await call(`${WIDGETS}?labelSelector=set%3Dpaging&limit=2&continue=${encodeURIComponent(status.metadata.continue)}`)).json();
    expect(rest.items.map((w: any) => w.metadata.name)).to.deep.equal(['c3', 'c4']);
    expect(rest.items[1].metadata.annotations).to.deep.equal({ touch: '4' });
    const last = await (await call(`${WIDGETS}?labelSelector=set%3Dpaging&limit=2&continue=${encodeURIComponent(rest.metadata.continue)}`)).json();
    expect(last.items.map((w: any) => w.metadata.name)).to.deep.equal(['c5']);
    expect(last.metadata.continue).to.equal(undefined);
  });

  it('answers a watch from a compacted resourceVersion with 200 and one ERROR 410 Expired event', async () => {
    const w = await create('w-old');
    await touch('w-old', 5);
    for (const path of [`${WIDGETS}?watch=true&resourceVersion=${w.metadata.resourceVersion}`, `/apis/demo.example.com/v1/watch/namespaces/default/widgets?resourceVersion=${w.metadata.resourceVersion}`]) {
      const res = await call(path);
      expect(res.status, path).to.equal(200);
      const lines = (await res.text()).split('\n').filter((l) => l !== '');
      expect(lines).to.have.length(1);
      const event = JSON.parse(lines[0]);
      expect(event.type).to.equal('ERROR');
      expect(event.object).to.deep.include({ kind: 'Status', apiVersion: 'v1', reason: 'Expired', code: 410 });
      expect(event.object.message).to.match(/^too old resource version/);
    }
  });

  it('answers a JSON Patch whose test fails with 422 Invalid, and changes nothing', async () => {
    const w = await create('jp');
    const res = await call(`${WIDGETS}/jp`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 7 }, { op: 'test', path: '/spec/color', value: 'blue' }]),
    });
    expect(res.status).to.equal(422);
    const status = await res.json();
    expect(status).to.deep.include({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(status.message).to.match(/test failed/);
    const after = await (await call(`${WIDGETS}/jp`)).json();
    expect(after.metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
    // A patch that is not well-formed stays 400.
    const malformed = await call(`${WIDGETS}/jp`, { method: 'PATCH', headers: { 'Content-Type': 'application/json-patch+json' }, body: '[{"op":"frobnicate","path":"/spec"}]' });
    expect(malformed.status).to.equal(400);
  });

  it('reads an apply-patch+yaml body with YAML 1.1 types: `y` is a boolean, a quoted "y" a string', async () => {
    const apply = (body: string) =>
      call(`${WIDGETS}/yaml11?fieldManager=yaml-test`, { method: 'PATCH', headers: { 'Content-Type': 'application/apply-patch+yaml' }, body });
    const head = 'apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: yaml11\n  labels:\n';
    // A label value must be a string: `b: y` is the boolean true, as kubectl would read it too.
    const unquoted = await apply(`${head}    b: y\nspec:\n  color: green\n`);
    expect(unquoted.status).to.be.within(400, 499);
    expect(await unquoted.json()).to.deep.include({ kind: 'Status' });
    const quoted = await apply(`${head}    b: "y"\nspec:\n  color: green\n  replicas: 010\n`);
    expect(quoted.status, await quoted.clone().text()).to.equal(201);
    const obj = await quoted.json();
    expect(obj.metadata.labels).to.deep.equal({ b: 'y' });
    // 010 is octal in YAML 1.1.
    expect(obj.spec.replicas).to.equal(8);
  });
});
