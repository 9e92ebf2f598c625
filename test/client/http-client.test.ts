import { expect } from 'chai';
import { ApiError } from '../../src/domain/errors/api-error.js';
import { connect, ResponseDecodeError, type Client } from '../../src/adapters/http-client/index.js';
import { decodeObject } from '../../src/adapters/http-client/decode.js';
import { Widget } from '../../examples/demo/widget.resource.js';
import { startTestServer, type TestServer } from '../e2e/support/test-server.js';

describe('HTTP client: typed verbs over HTTPS against a kit server', function () {
  let server: TestServer;
  let client: Client;

  before(async () => {
    server = await startTestServer((b) => b.withResource(Widget));
    client = connect({ url: server.url, token: server.token, ca: server.ca });
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  it('creates, gets, lists with selectors and pages, updates, patches, applies and deletes', async () => {
    const widgets = client.resource(Widget, 'default');
    const created = await widgets.create({ metadata: { name: 'a', labels: { tier: 'x' } }, spec: { color: 'blue', replicas: 2 } });
    expect(created.spec.color).to.equal('blue');
    await widgets.create({ metadata: { name: 'b', labels: { tier: 'y' } }, spec: { color: 'green', replicas: 1 } });
    expect((await widgets.get('a')).spec.replicas).to.equal(2);
    expect((await widgets.list({ labelSelector: 'tier=x' })).items.map((w) => w.metadata.name)).to.deep.equal(['a']);
    const page = await widgets.list({ limit: 1 });
    expect(page.items).to.have.length(1);
    const rest = await widgets.list({ limit: 1, continue: page.metadata.continue });
    expect(rest.items.map((w) => w.metadata.name)).to.deep.equal(['b']);
    const got = await widgets.get('a');
    got.spec.replicas = 4;
    expect((await widgets.update(got)).spec.replicas).to.equal(4);
    expect((await widgets.mergePatch('a', { spec: { color: 'red' } })).spec.color).to.equal('red');
    expect((await widgets.jsonPatch('a', [{ op: 'replace', path: '/spec/replicas', value: 5 }])).spec.replicas).to.equal(5);
    const applied = await widgets.apply(
      { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'c' }, spec: { color: 'green', replicas: 3 } },
      { fieldManager: 'test' },
    );
    expect(applied.spec.replicas).to.equal(3);
    expect((await widgets.status.mergePatch('c', { status: { replicas: 3 } })).status?.replicas).to.equal(3);
    expect((await widgets.scale.get('c')).spec.replicas).to.equal(3);
    expect((await widgets.scale.update('c', 6)).spec.replicas).to.equal(6);
    await widgets.delete('c');
    const left = await widgets.deleteCollection({ labelSelector: 'tier=y' });
    expect(left.items.map((w) => w.metadata.name)).to.deep.equal(['b']);
    expect((await widgets.list()).items.map((w) => w.metadata.name)).to.deep.equal(['a']);
  });

  it('rejects with ApiError carrying reason and code', async () => {
    const widgets = client.resource(Widget, 'default');
    const err = await widgets.get('missing').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ApiError);
    expect((err as ApiError).reason).to.equal('NotFound');
    expect((err as ApiError).code).to.equal(404);
    await widgets.create({ metadata: { name: 'dup' }, spec: { color: 'red', replicas: 1 } });
    const dup = await widgets.create({ metadata: { name: 'dup' }, spec: { color: 'red', replicas: 1 } }).catch((e: ApiError) => e);
    expect((dup as ApiError).reason).to.equal('AlreadyExists');
    const bad = await widgets.mergePatch('dup', { spec: { replicas: -1 } }).catch((e: ApiError) => e);
    expect((bad as ApiError).code).to.equal(422);
    const denied = connect({ url: server.url, token: 'wrong', ca: server.ca });
    const unauth = await denied.resource(Widget, 'default').list().catch((e: ApiError) => e);
    denied.close();
    expect((unauth as ApiError).code).to.equal(401);
  });

  it('reads another version of the type through forVersion', async () => {
    const widgets = client.resource(Widget, 'default');
    await widgets.create({ metadata: { name: 'big' }, spec: { color: 'blue', replicas: 5 } });
    const old = await client.resource(Widget.forVersion('v1alpha1'), 'default').get('big');
    expect(old.apiVersion).to.equal('demo.example.com/v1alpha1');
    expect(old.spec.size).to.equal('large');
  });

  it('reports an answer that does not match the type, naming the field', () => {
    const wrong = { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { color: 'blue', replicas: 'two' } };
    const err = (() => {
      try {
        decodeObject(Widget, wrong);
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(ResponseDecodeError);
    expect((err as ResponseDecodeError).path).to.equal('spec.replicas');
  });

  it('watches as an async iterator and resumes from a resourceVersion', async () => {
    const widgets = client.resource(Widget, 'watching');
    const first = await widgets.create({ metadata: { name: 'w1' }, spec: { color: 'red', replicas: 1 } });
    const watch = await widgets.watch({ resourceVersion: first.metadata.resourceVersion });
    await widgets.create({ metadata: { name: 'w2' }, spec: { color: 'red', replicas: 1 } });
    const seen: string[] = [];
    for await (const e of watch) {
      if (e.type === 'ADDED') seen.push((e.object as { metadata: { name: string } }).metadata.name);
      if (seen.length === 1) break;
    }
    expect(seen).to.deep.equal(['w2']);
    // Resuming from the first object's version replays what came after it.
    const again = await widgets.watch({ resourceVersion: first.metadata.resourceVersion });
    for await (const e of again) {
      expect(e.type).to.equal('ADDED');
      expect((e.object as { metadata: { name: string } }).metadata.name).to.equal('w2');
      break;
    }
  });
});
