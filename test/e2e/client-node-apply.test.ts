/**
 * Server-side apply with @kubernetes/client-node 1.4 (the line that runs on Node 20) over HTTPS:
 * CustomObjectsApi with `Content-Type: application/apply-patch+yaml` set through
 * setHeaderOptions, KubernetesObjectApi.patch with PatchStrategy.ServerSideApply, the status
 * subresource, and a YAML body sent with the client's own TLS and credentials.
 */
import { request, type RequestOptions } from 'node:https';
import { expect } from 'chai';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const G = { group: 'demo.example.com', version: 'v1', plural: 'widgets', namespace: 'default' };
const APPLY = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
  time: string;
}

interface WidgetObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; resourceVersion: string; uid: string; labels?: Record<string, string>; managedFields: ManagedFieldsEntry[] };
  spec: { color: string; replicas: number };
  status?: { replicas?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

const widget = (name: string, spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'demo.example.com/v1',
  kind: 'Widget',
  metadata: { name },
  spec,
  ...extra,
});

const managersOf = (o: WidgetObject) => o.metadata.managedFields.map((m) => [m.manager, m.operation, m.subresource].filter(Boolean).join('/'));
const entryOf = (o: WidgetObject, manager: string) => {
  const e = o.metadata.managedFields.find((m) => m.manager === manager);
  if (!e) throw new Error(`no entry for ${manager} in ${JSON.stringify(o.metadata.managedFields)}`);
  return e;
};

/** Runs `fn`, which must fail with an ApiException; answers its code and its body as a Status. */
async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ApiException);
    const e = err as ApiException<unknown>;
    return { code: e.code, status: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
  }
  throw new Error('expected an ApiException');
}

describe('e2e: @kubernetes/client-node 1.4 server-side apply', function () {
  this.timeout(30_000);
  let server: TestServer;
  let kc: KubeConfig;
  let api: CustomObjectsApi;
  let objects: KubernetesObjectApi;

  before(async () => {
    server = await startTestServer((b) => b.withResource(Widget).withResource(Gadget));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, caData: Buffer.from(server.ca).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'u', token: server.token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'default' }],
      currentContext: 'x',
    });
    api = kc.makeApiClient(CustomObjectsApi);
    objects = KubernetesObjectApi.makeApiClient(kc);
  });
  after(() => server?.stop());

  const read = async (name: string) => (await api.getNamespacedCustomObject({ ...G, name })) as WidgetObject;

  it('CustomObjectsApi with application/apply-patch+yaml creates (201), then updates (200), with a fieldManager', async () => {
    const created = await api.patchNamespacedCustomObjectWithHttpInfo(
      { ...G, name: 'a', body: widget('a', { color: 'green' }, { metadata: { name: 'a', labels: { tier: 'x' } } }), fieldManager: 'cn' },
      APPLY,
    );
    expect(created.httpStatusCode).to.equal(201);
    const obj = created.data as WidgetObject;
    // Defaulting fills spec.replicas; the manager owns only what it applied.
    expect(obj.spec).to.deep.equal({ color: 'green', replicas: 1 });
    expect(obj.metadata.managedFields).to.have.length(1);
    expect(obj.metadata.managedFields[0]).to.include({ manager: 'cn', operation: 'Apply', apiVersion: 'demo.example.com/v1', fieldsType: 'FieldsV1' });
    expect(obj.metadata.managedFields[0].fieldsV1).to.deep.equal({ 'f:metadata': { 'f:labels': { 'f:tier': {} } }, 'f:spec': { 'f:color': {} } });

    // The new configuration drops the label and sets replicas.
    const updated = await api.patchNamespacedCustomObjectWithHttpInfo(
      { ...G, name: 'a', body: widget('a', { color: 'green', replicas: 3 }), fieldManager: 'cn' },
      APPLY,
    );
    expect(updated.httpStatusCode).to.equal(200);
    const next = updated.data as WidgetObject;
    expect(next.metadata.uid).to.equal(obj.metadata.uid);
    expect(next.spec).to.deep.equal({ color: 'green', replicas: 3 });
    expect(next.metadata.labels ?? {}).to.deep.equal({});
    expect(next.metadata.managedFields[0].fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {}, 'f:replicas': {} } });
    expect(await read('a')).to.deep.equal(next);
  });

  it('a conflicting manager gets an ApiException 409 naming the field and the owner; force takes it', async () => {
    const err = await apiError(() =>
      api.patchNamespacedCustomObject({ ...G, name: 'a', body: widget('a', { color: 'blue' }), fieldManager: 'cn2' }, APPLY),
    );
    expect(err.code).to.equal(409);
    expect(err.status).to.include({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(err.status.message).to.equal('Apply failed with 1 conflict: conflict with "cn": .spec.color');
    expect(err.status.details.causes).to.deep.equal([{ reason: 'FieldManagerConflict', message: 'conflict with "cn"', field: '.spec.color' }]);
    expect((await read('a')).spec.color).to.equal('green');

    const forced = (await api.patchNamespacedCustomObject(
      { ...G, name: 'a', body: widget('a', { color: 'blue' }), fieldManager: 'cn2', force: true },
      APPLY,
    )) as WidgetObject;
    expect(forced.spec).to.deep.equal({ color: 'blue', replicas: 3 });
    expect(managersOf(forced)).to.have.members(['cn/Apply', 'cn2/Apply']);
    expect(entryOf(forced, 'cn').fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });
    expect(entryOf(forced, 'cn2').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
  });

  it('apply needs a fieldManager; dryRun persists nothing; a stale resourceVersion conflicts', async () => {
    const missing = await apiError(() => api.patchNamespacedCustomObject({ ...G, name: 'a', body: widget('a', { color: 'red' }) }, APPLY));
    expect(missing.code).to.equal(422);
    expect(missing.status.message).to.match(/fieldManager: Required value/);

    const before = await read('a');
    const dry = (await api.patchNamespacedCustomObject(
      { ...G, name: 'a', body: widget('a', { color: 'red' }), fieldManager: 'cn2', dryRun: 'All' },
      APPLY,
    )) as WidgetObject;
    expect(dry.spec.color).to.equal('red');
    const dryCreate = await api.patchNamespacedCustomObjectWithHttpInfo(
      { ...G, name: 'nobody', body: widget('nobody', { color: 'red' }), fieldManager: 'cn', dryRun: 'All' },
      APPLY,
    );
    expect(dryCreate.httpStatusCode).to.equal(201);
    expect(await read('a')).to.deep.equal(before);
    expect((await apiError(() => read('nobody'))).code).to.equal(404);

    const stale = await apiError(() =>
      api.patchNamespacedCustomObject(
        { ...G, name: 'a', body: { ...widget('a', { color: 'blue' }), metadata: { name: 'a', resourceVersion: '1' } }, fieldManager: 'cn2' },
        APPLY,
      ),
    );
    expect(stale.code).to.equal(409);
    expect(stale.status.reason).to.equal('Conflict');
    expect(stale.status.message).to.match(/the object has been modified/);
  });

  it('unknown fields: Strict refuses them; Warn drops them with a Warning header and nobody owns them', async () => {
    const body = widget('u', { color: 'green', bogus: 1 }, { metadata: { name: 'u', foo: 'x' } });
    const strict = await apiError(() => api.patchNamespacedCustomObject({ ...G, name: 'u', body, fieldManager: 'cn', fieldValidation: 'Strict' }, APPLY));
    expect(strict.code).to.equal(400);
    expect(strict.status.message).to.match(/unknown field "spec\.bogus"/);

    const warned = await api.patchNamespacedCustomObjectWithHttpInfo({ ...G, name: 'u', body, fieldManager: 'cn', fieldValidation: 'Warn' }, APPLY);
    expect(warned.httpStatusCode).to.equal(201);
    expect(warned.headers['warning']).to.match(/unknown field \\"spec\.bogus\\"/);
    const obj = warned.data as WidgetObject;
    expect(obj.spec).to.deep.equal({ color: 'green', replicas: 1 });
    expect(obj.metadata).to.not.have.property('foo');
    expect(entryOf(obj, 'cn').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });

    // Another manager applying the dropped field conflicts with nobody.
    const other = (await api.patchNamespacedCustomObject(
      { ...G, name: 'u', body: widget('u', { bogus: 2 }), fieldManager: 'cn2', fieldValidation: 'Ignore' },
      APPLY,
    )) as WidgetObject;
    expect(managersOf(other)).to.deep.equal(['cn/Apply']);
  });

  it('patchNamespacedCustomObjectStatus applies conditions per type for two controllers', async () => {
    await api.patchNamespacedCustomObject({ ...G, name: 's', body: widget('s', { color: 'green' }), fieldManager: 'cn' }, APPLY);
    // A status configuration: no spec, which the status subresource would ignore anyway.
    const body = (conditions: unknown[], replicas?: number) => ({
      apiVersion: 'demo.example.com/v1',
      kind: 'Widget',
      metadata: { name: 's' },
      status: { ...(replicas === undefined ? {} : { replicas }), conditions },
    });
    await api.patchNamespacedCustomObjectStatus(
      { ...G, name: 's', body: body([{ type: 'Ready', status: 'True' }], 1), fieldManager: 'ctrl-a' },
      APPLY,
    );
    const both = (await api.patchNamespacedCustomObjectStatus(
      { ...G, name: 's', body: body([{ type: 'Synced', status: 'False', reason: 'Pending' }]), fieldManager: 'ctrl-b' },
      APPLY,
    )) as WidgetObject;
    expect(both.status).to.deep.equal({
      replicas: 1,
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Synced', status: 'False', reason: 'Pending' },
      ],
    });
    expect(managersOf(both)).to.have.members(['cn/Apply', 'ctrl-a/Apply/status', 'ctrl-b/Apply/status']);
    expect(entryOf(both, 'ctrl-b').fieldsV1).to.deep.equal({
      'f:status': { 'f:conditions': { 'k:{"type":"Synced"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } },
    });

    const conflict = await apiError(() =>
      api.patchNamespacedCustomObjectStatus({ ...G, name: 's', body: body([{ type: 'Ready', status: 'False' }]), fieldManager: 'ctrl-b' }, APPLY),
    );
    expect(conflict.code).to.equal(409);
    expect(conflict.status.message).to.equal(
      'Apply failed with 1 conflict: conflict with "ctrl-a" with subresource "status": .status.conditions[type="Ready"].status',
    );

    // ctrl-b stops applying Synced: it goes; ctrl-a's Ready stays.
    const pruned = (await api.patchNamespacedCustomObjectStatus({ ...G, name: 's', body: body([]), fieldManager: 'ctrl-b' }, APPLY)) as WidgetObject;
    expect(pruned.status?.conditions).to.deep.equal([{ type: 'Ready', status: 'True' }]);
    expect(managersOf(pruned)).to.not.include('ctrl-b/Apply/status');

    // Apply to status on a missing object is NotFound, not a creation.
    const missing = await apiError(() =>
      api.patchNamespacedCustomObjectStatus({ ...G, name: 'ghost', body: { ...body([]), metadata: { name: 'ghost' } }, fieldManager: 'ctrl-a' }, APPLY),
    );
    expect(missing.code).to.equal(404);
  });

  it('KubernetesObjectApi.patch with PatchStrategy.ServerSideApply creates, updates, conflicts and forces', async () => {
    const spec = (color: string, replicas?: number): KubernetesObject =>
      ({ ...widget('generic', replicas === undefined ? { color } : { color, replicas }), metadata: { name: 'generic', namespace: 'default' } }) as KubernetesObject;
    const apply = (o: KubernetesObject, manager: string, force?: boolean) =>
      objects.patch(o, undefined, undefined, manager, force, PatchStrategy.ServerSideApply) as unknown as Promise<WidgetObject>;

    const made = await apply(spec('green', 2), 'generic-a');
    expect(made.spec).to.deep.equal({ color: 'green', replicas: 2 });
    expect(managersOf(made)).to.deep.equal(['generic-a/Apply']);
    const changed = await apply(spec('red', 2), 'generic-a');
    expect(changed.spec.color).to.equal('red');
    expect(changed.metadata.uid).to.equal(made.metadata.uid);

    const conflict = await apiError(() => apply(spec('blue'), 'generic-b', false));
    expect(conflict.code).to.equal(409);
    expect(conflict.status.message).to.equal('Apply failed with 1 conflict: conflict with "generic-a": .spec.color');

    // The same value is shared without force.
    const shared = await apply(spec('red', 2), 'generic-b', false);
    expect(entryOf(shared, 'generic-b').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {}, 'f:replicas': {} } });
    expect(entryOf(shared, 'generic-a').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {}, 'f:replicas': {} } });

    const forced = await apply(spec('blue', 2), 'generic-b', true);
    expect(forced.spec.color).to.equal('blue');
    expect(entryOf(forced, 'generic-a').fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });

    // Cluster-scoped kinds apply the same way.
    const gadget = (await objects.patch(
      { apiVersion: 'demo.example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 'small' } } as KubernetesObject,
      undefined,
      undefined,
      'generic-a',
      undefined,
      PatchStrategy.ServerSideApply,
    )) as KubernetesObject & { metadata: { managedFields: ManagedFieldsEntry[] } };
    expect(gadget.metadata.namespace).to.equal(undefined);
    expect(gadget.metadata.managedFields[0]).to.include({ manager: 'generic-a', operation: 'Apply' });
  });

  it('a YAML body, sent with the client configuration’s TLS and credentials', async () => {
    const send = async (path: string, body: string) => {
      const url = new URL(path, server.url);
      const opts: RequestOptions = {
        method: 'PATCH',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { 'Content-Type': 'application/apply-patch+yaml', Accept: 'application/json' },
      };
      await kc.applyToHTTPSOptions(opts);
      return new Promise<{ code: number; body: any }>((resolve, reject) => {
        const req = request(opts, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    const base = '/apis/demo.example.com/v1/namespaces/default/widgets/yaml';
    const yaml = (color: string) =>
      `# a comment\napiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: yaml\n  labels:\n    "on": "yes"\n    on: unquoted\nspec:\n  color: ${color}\n`;
    const created = await send(`${base}?fieldManager=yaml-a`, yaml('green'));
    expect(created.code).to.equal(201);
    // YAML 1.1, as sigs.k8s.io/yaml reads it: a quoted key stays a string, a bare `on` is the boolean true.
    expect(created.body.metadata.labels).to.deep.equal({ on: 'yes', true: 'unquoted' });
    expect(created.body.spec.color).to.equal('green');
    const conflict = await send(`${base}?fieldManager=yaml-b`, yaml('red'));
    expect(conflict.code).to.equal(409);
    expect(conflict.body.message).to.equal('Apply failed with 1 conflict: conflict with "yaml-a": .spec.color');
    const forced = await send(`${base}?fieldManager=yaml-b&force=true`, yaml('red'));
    expect(forced.code).to.equal(200);
    expect(forced.body.spec.color).to.equal('red');
    const bad = await send(`${base}?fieldManager=yaml-a`, 'spec: [\n');
    expect(bad.code).to.equal(400);
    expect(bad.body.reason).to.equal('BadRequest');
  });
});
