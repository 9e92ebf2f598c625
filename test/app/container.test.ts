import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { AuthenticatorChain } from '../../src/adapters/auth/authenticator-chain.js';
import { BearerTokenAuthenticator } from '../../src/adapters/auth/bearer-token-authenticator.js';
import { HTTP_TRANSPORT, HttpTransport } from '../../src/adapters/http/index.js';
import { FileSystemObjectStore } from '../../src/adapters/storage/filesystem/filesystem-object-store.js';
import { MemoryObjectStore } from '../../src/adapters/storage/memory/memory-object-store.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { ServerBuilder } from '../../src/app/server-builder.js';
import { HANDLER_ENDPOINT, RESOURCE_REGISTRY, RESOURCE_STORE, resourceName } from '../../src/app/tokens.js';
import { GenericRegistry } from '../../src/domain/registry/generic-registry.js';
import { HandlerEndpoint } from '../../src/domain/registry/handler-endpoint.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';
import { AUTHENTICATOR, type Authenticator } from '../../src/ports/authenticator.port.js';
import { isStorageError, OBJECT_STORE, type ObjectStore } from '../../src/ports/object-store.port.js';
import { RESOURCE_API } from '../../src/ports/resource-api.port.js';

const silent = { write: () => true };

function cluster(kind: string, plural: string) {
  return defineResource({
    group: 'container.example.com',
    version: 'v1',
    kind,
    plural,
    scope: 'Cluster',
    spec: z.object({ n: z.number().int().optional() }),
  });
}
const Report = cluster('Report', 'reports');
const Note = cluster('Note', 'notes');
const Memo = cluster('Memo', 'memos');
const Given = cluster('Given', 'givens');

const storeOf = (server: ApiServer, def: { plural: string; group: string; version: string }) =>
  server.container.get<ObjectStore>(RESOURCE_STORE, { name: resourceName(def) });
const registryOf = (server: ApiServer, def: { plural: string; group: string; version: string }) =>
  server.container.get<GenericRegistry>(RESOURCE_REGISTRY, { name: resourceName(def) });

describe('the composition root (Inversify container)', () => {
  let dir: string;
  const started: ApiServer[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-container-'));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves every served type: its registry and store by name, handler types as endpoints', async () => {
    const given = new MemoryObjectStore();
    const server = new ServerBuilder()
      .withOutputWriter(silent)
      .withStorage('memory')
      .withResource(Widget)
      .withResourceMemoryStorage(Gadget)
      .withResourceFileStorage(Note, join(dir, 'shared'))
      .withResourceFileStorage(Memo, join(dir, 'shared'))
      .withResourceStorage(Given, given)
      .withResourceAndHandler(Report, { list: async () => [] })
      .build();
    started.push(server);
    const c = server.container;

    // Each stored type's registry is the endpoint the API serves, made once.
    for (const def of [Widget, Gadget, Note, Memo, Given]) {
      const registry = registryOf(server, def);
      expect(registry).to.be.instanceOf(GenericRegistry);
      expect(registry.definition).to.equal(def);
      expect(server.api.endpoint(def.group, def.version, def.plural)).to.equal(registry);
      expect(registryOf(server, def)).to.equal(registry);
    }
    const report = c.get<HandlerEndpoint>(HANDLER_ENDPOINT, { name: resourceName(Report) });
    expect(report).to.be.instanceOf(HandlerEndpoint);
    expect(server.api.endpoint(Report.group, Report.version, Report.plural)).to.equal(report);
    expect(c.isBound(RESOURCE_REGISTRY, { name: resourceName(Report) })).to.equal(false);
    expect(c.get(RESOURCE_API)).to.equal(server.api);

    // Stores: the default one, one of its own, one directory shared by two types, one given.
    const defaultStore = c.get<ObjectStore>(OBJECT_STORE);
    expect(defaultStore).to.be.instanceOf(MemoryObjectStore);
    expect(storeOf(server, Widget)).to.equal(defaultStore);
    expect(storeOf(server, Gadget)).to.be.instanceOf(MemoryObjectStore).and.not.equal(defaultStore);
    expect(storeOf(server, Note)).to.be.instanceOf(FileSystemObjectStore);
    expect(storeOf(server, Memo)).to.equal(storeOf(server, Note));
    expect(storeOf(server, Given)).to.equal(given);

    // The registry writes to the store resolved for its type, and to no other.
    const before = await Promise.all([defaultStore, storeOf(server, Gadget), given].map((s) => s.currentRevision()));
    await server.client().resource(Gadget).create({ metadata: { name: 'g' }, spec: { size: 'small' } });
    const after = await Promise.all([defaultStore, storeOf(server, Gadget), given].map((s) => s.currentRevision()));
    expect(after[0]).to.equal(before[0]);
    expect(after[1]).to.be.greaterThan(before[1]);
    expect(after[2]).to.equal(before[2]);
    const listed = await storeOf(server, Gadget).list('/');
    expect(listed.items.map((i) => i.object.metadata.name)).to.deep.equal(['g']);
  });

  it('resolves the HTTP transport once per server, and the authenticator only when tokens are given', async () => {
    const open = new ServerBuilder().withOutputWriter(silent).withStorage('memory').withResource(Widget).build();
    const guarded = new ServerBuilder()
      .withOutputWriter(silent)
      .withStorage('memory')
      .withResource(Widget)
      .withBearerToken('s3cret', 'alice')
      .build();
    started.push(open, guarded);
    const transport = open.container.get<HttpTransport>(HTTP_TRANSPORT);
    expect(transport).to.be.instanceOf(HttpTransport);
    expect(open.container.get(HTTP_TRANSPORT)).to.equal(transport);
    expect(guarded.container.get(HTTP_TRANSPORT)).to.be.instanceOf(HttpTransport).and.not.equal(transport);
    expect(open.container.isBound(AUTHENTICATOR)).to.equal(false);
    const auth = guarded.container.get<Authenticator>(AUTHENTICATOR);
    expect(auth).to.be.instanceOf(AuthenticatorChain);
    expect((auth as AuthenticatorChain).authenticators.map((a) => a.constructor)).to.deep.equal([BearerTokenAuthenticator]);
    const result = await auth.authenticate({ headers: { authorization: 'Bearer s3cret' } });
    expect(result?.user?.username).to.equal('alice');
  });

  it('gives two servers built in one process separate containers, stores and registries', async () => {
    const builder = new ServerBuilder()
      .withOutputWriter(silent)
      .withStorage('memory')
      .withResource(Widget)
      .withResourceMemoryStorage(Gadget)
      .withInsecureServing()
      .withBindPort(0);
    const a = builder.build();
    const b = builder.build();
    started.push(a, b);
    expect(a.container).to.not.equal(b.container);
    expect(a.api).to.not.equal(b.api);
    expect(a.container.get(OBJECT_STORE)).to.not.equal(b.container.get(OBJECT_STORE));
    for (const def of [Widget, Gadget]) {
      expect(storeOf(a, def)).to.not.equal(storeOf(b, def));
      expect(registryOf(a, def)).to.not.equal(registryOf(b, def));
    }
    expect(a.container.get(HTTP_TRANSPORT)).to.not.equal(b.container.get(HTTP_TRANSPORT));

    await a.client().resource(Widget, 'default').create({ metadata: { name: 'only-in-a' }, spec: { color: 'green' } });
    const [urlA, urlB] = [(await a.start()).url, (await b.start()).url];
    const names = async (url: string) => {
      const res = await fetch(`${url}/apis/demo.example.com/v1/namespaces/default/widgets`);
      expect(res.status).to.equal(200);
      return ((await res.json()) as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
    };
    expect(await names(urlA)).to.deep.equal(['only-in-a']);
    expect(await names(urlB)).to.deep.equal([]);

    // Stopping one server closes its stores only.
    await a.stop();
    expect(await storeOf(b, Widget).currentRevision()).to.be.a('number');
    expect(await names(urlB)).to.deep.equal([]);
  });

  it('closes on stop every backing store the container opened or was given, and opens none no type uses', async () => {
    const given = new MemoryObjectStore();
    const unusedDefault = join(dir, 'default.db');
    const server = new ServerBuilder()
      .withOutputWriter(silent)
      .withStorage(`sqlite:${unusedDefault}`)
      .withResourceMemoryStorage(Gadget)
      .withResourceStorage(Given, given)
      .withResourceFileStorage(Note, join(dir, 'notes'))
      .build();
    started.push(server);
    const stores = [storeOf(server, Gadget), given, storeOf(server, Note)];
    await server.client().resource(Note).create({ metadata: { name: 'n' }, spec: {} });
    for (const s of stores) await s.currentRevision();
    expect(existsSync(unusedDefault)).to.equal(false);

    await server.stop();
    for (const s of stores) await expectUnavailable(s.currentRevision());
    expect(existsSync(unusedDefault)).to.equal(false);
    // The file store released its directory: another server can open it at once.
    const again = new ServerBuilder().withOutputWriter(silent).withStorage('memory').withResourceFileStorage(Note, join(dir, 'notes')).build();
    started.push(again);
    expect((await again.client().resource(Note).list()).items.map((n) => n.metadata.name)).to.deep.equal(['n']);
  });

  it('refuses a custom subresource on a type served by a handler, before opening anything', () => {
    const db = join(dir, 'never.db');
    expect(() =>
      new ServerBuilder()
        .withOutputWriter(silent)
        .withStorage(`sqlite:${db}`)
        .withResource(Widget)
        .withResourceAndHandler(Report, { list: async () => [] })
        .withSubResourceAndHandler(Report, 'describe', { get: () => ({}) })
        .build(),
    ).to.throw(/register Report with withResource first/);
    expect(existsSync(db)).to.equal(false);
  });
});

async function expectUnavailable(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
    return;
  }
  expect.fail('expected the store to be closed');
}
