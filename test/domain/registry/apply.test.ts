import { expect } from 'chai';
import type { ManagedFieldsEntry } from '../../../src/domain/meta/types.js';
import { demoServer, expectApiError } from './harness.js';

const widget = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'demo.example.com/v1',
  kind: 'Widget',
  metadata: { name, ...extra },
  spec,
});

function entry(entries: ManagedFieldsEntry[] | undefined, manager: string, operation: string): ManagedFieldsEntry | undefined {
  return (entries ?? []).find((e) => e.manager === manager && e.operation === operation);
}

describe('registry: server-side apply and managed fields', () => {
  it('creates a missing object and records the applier', async () => {
    const { widgets } = demoServer();
    const w = await widgets.apply(widget('a', { color: 'green' }), { fieldManager: 'alice' });
    expect(w.spec).to.deep.equal({ color: 'green', replicas: 1 });
    const e = entry(w.metadata.managedFields, 'alice', 'Apply')!;
    expect(e).to.deep.include({ apiVersion: 'demo.example.com/v1', fieldsType: 'FieldsV1' });
    expect(e.fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
    expect(e.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('requires a field manager and refuses force on other patches', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.apply(widget('a', {}), { fieldManager: '' }), 'Invalid', 422);
    await widgets.create({ metadata: { name: 'b' } });
    await expectApiError(widgets.mergePatch('b', { spec: {} }, { force: true }), 'Invalid', 422);
  });

  it('answers Conflict for a field another manager owns with another value, unless forced', async () => {
    const { widgets } = demoServer();
    await widgets.apply(widget('a', { color: 'green', replicas: 2 }), { fieldManager: 'alice' });
    const err = await expectApiError(widgets.apply(widget('a', { color: 'blue' }), { fieldManager: 'bob' }), 'Conflict', 409);
    expect(err.message).to.contain('conflict with "alice"');
    expect(err.details?.causes?.[0]).to.deep.include({ reason: 'FieldManagerConflict', field: '.spec.color' });
    expect((await widgets.get('a')).spec.color).to.equal('green');

    // The same value is shared ownership, not a conflict.
    const shared = await widgets.apply(widget('a', { replicas: 2 }), { fieldManager: 'bob' });
    expect(entry(shared.metadata.managedFields, 'bob', 'Apply')!.fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });

    const forced = await widgets.apply(widget('a', { color: 'blue' }), { fieldManager: 'bob', force: true });
    expect(forced.spec.color).to.equal('blue');
    expect(entry(forced.metadata.managedFields, 'alice', 'Apply')!.fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });
  });

  it('removes a field a manager stops applying when nobody else owns it', async () => {
    const { widgets } = demoServer();
    await widgets.apply(widget('a', { color: 'green' }, { labels: { a: '1', b: '2' } }), { fieldManager: 'alice' });
    await widgets.apply(widget('a', {}, { labels: { b: '2' } }), { fieldManager: 'bob' });
    const after = await widgets.apply(widget('a', {}, { labels: {} }), { fieldManager: 'alice' });
    // alice gave up color (back to the default) and label a; label b is still bob's.
    expect(after.metadata.labels).to.deep.equal({ b: '2' });
    expect(after.spec.color).to.equal('red');
  });

  it('merges map-lists per key: conditions by type, on the status subresource', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    await widgets.status.apply(
      { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
      { fieldManager: 'ready-controller' },
    );
    const both = await widgets.status.apply(
      { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'a' }, status: { conditions: [{ type: 'Healthy', status: 'True' }] } },
      { fieldManager: 'health-controller' },
    );
    expect(both.status?.conditions?.map((c) => c.type)).to.deep.equal(['Ready', 'Healthy']);
    const e = entry(both.metadata.managedFields, 'health-controller', 'Apply')!;
    expect(e.subresource).to.equal('status');
    // A status apply leaves the spec alone, and a main apply leaves the status alone. The
    // creator owns the defaulted color, so taking it needs force.
    const err = await expectApiError(widgets.apply(widget('a', { color: 'blue' }, {}), { fieldManager: 'alice' }), 'Conflict');
    expect(err.message).to.contain('conflict with "apiserver-kit-client"');
    const main = await widgets.apply(widget('a', { color: 'blue' }, {}), { fieldManager: 'alice', force: true });
    expect(main.status?.conditions).to.have.length(2);
    await expectApiError(
      widgets.status.apply({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'missing' }, status: {} }, { fieldManager: 'x' }),
      'NotFound',
    );
    await expectApiError(widgets.status.apply({ metadata: { name: 'a' }, status: {} }, { fieldManager: 'x' }), 'BadRequest');
  });

  it('records Update managers for PUT and patches, taking fields from appliers', async () => {
    const { widgets } = demoServer();
    await widgets.apply(widget('a', { color: 'green' }), { fieldManager: 'alice' });
    const patched = await widgets.mergePatch('a', { spec: { color: 'blue' } }, { fieldManager: 'kubectl-edit' });
    expect(entry(patched.metadata.managedFields, 'kubectl-edit', 'Update')!.fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
    expect(entry(patched.metadata.managedFields, 'alice', 'Apply')).to.equal(undefined);
    // Applying the old value now conflicts with the updater.
    await expectApiError(widgets.apply(widget('a', { color: 'green' }), { fieldManager: 'alice' }), 'Conflict');
  });

  it('names the manager after the user agent when none is given', async () => {
    const { server } = demoServer();
    const { Widget } = await import('../../../examples/demo/widget.resource.js');
    const client = server.client({ context: { userAgent: 'my-controller/v1.2 (linux/amd64)' } }).resource(Widget, 'default');
    const w = await client.create({ metadata: { name: 'a' } });
    expect(entry(w.metadata.managedFields, 'my-controller', 'Update')).to.not.equal(undefined);
  });

  it('honours dryRun and resourceVersion preconditions', async () => {
    const { widgets } = demoServer();
    const w = await widgets.apply(widget('a', { color: 'green' }), { fieldManager: 'alice' });
    const dry = await widgets.apply(widget('a', { color: 'blue' }), { fieldManager: 'alice', dryRun: true });
    expect(dry.spec.color).to.equal('blue');
    expect((await widgets.get('a')).spec.color).to.equal('green');
    await widgets.apply(widget('a', { color: 'green', replicas: 3 }), { fieldManager: 'alice' });
    await expectApiError(
      widgets.apply(widget('a', { color: 'green' }, { resourceVersion: w.metadata.resourceVersion }), { fieldManager: 'alice' }),
      'Conflict',
    );
    await expectApiError(widgets.apply(widget('new', {}, { resourceVersion: '5' }), { fieldManager: 'alice' }), 'NotFound');
  });

  it('does not write when an apply changes nothing', async () => {
    const { widgets } = demoServer();
    const w = await widgets.apply(widget('a', { color: 'green' }), { fieldManager: 'alice' });
    const again = await widgets.apply(widget('a', { color: 'green' }), { fieldManager: 'alice' });
    expect(again.metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
  });

  it('validates the applied result like any write', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.apply(widget('a', { color: 'purple' }), { fieldManager: 'alice' }), 'Invalid', 422);
    await expectApiError(widgets.apply(widget('a', { bogus: 1 }), { fieldManager: 'alice', fieldValidation: 'Strict' }), 'BadRequest');
    const { server } = demoServer();
    const endpoint = server.api.endpoint('demo.example.com', 'v1', 'widgets')!;
    await expectApiError(endpoint.patch({}, 'default', 'b', 'apply', widget('c', {}), { fieldManager: 'alice' }), 'BadRequest');
    // No name is a mismatch too: an applied configuration names its object.
    const nameless = { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: {}, spec: {} };
    await expectApiError(endpoint.patch({}, 'default', 'b', 'apply', nameless, { fieldManager: 'alice' }), 'BadRequest');
  });
});
