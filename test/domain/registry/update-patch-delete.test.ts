import { expect } from 'chai';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import { z } from 'zod';
import { demoServer, expectApiError, names, take } from './harness.js';

describe('registry: update and patch', () => {
  it('updates with optimistic concurrency', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    w.spec.color = 'green';
    const updated = await widgets.update(w);
    expect(updated.spec.color).to.equal('green');
    expect(Number(updated.metadata.resourceVersion)).to.be.greaterThan(Number(w.metadata.resourceVersion));
    // A second writer with the old resourceVersion loses.
    w.spec.color = 'blue';
    const err = await expectApiError(widgets.update(w), 'Conflict', 409);
    expect(err.message).to.equal(
      'Operation cannot be fulfilled on widgets.demo.example.com "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((await widgets.get('a')).spec.color).to.equal('green');
  });

  it('requires a resourceVersion unless the strategy allows unconditional updates', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const err = await expectApiError(widgets.update({ metadata: { name: 'a' }, spec: { color: 'blue' } }), 'Invalid', 422);
    expect(err.details!.causes![0].field).to.equal('metadata.resourceVersion');

    const Loose = defineResource({
      group: 'x.example.com',
      version: 'v1',
      kind: 'Loose',
      plural: 'looses',
      scope: 'Cluster',
      spec: z.object({ v: z.number().default(0) }),
      strategy: { allowUnconditionalUpdate: true, allowCreateOnUpdate: true },
    });
    const client = new ServerBuilder().withStorage('memory').withResource(Loose).build().client().resource(Loose);
    const created = await client.update({ metadata: { name: 'l' }, spec: { v: 1 } });
    expect(created.spec.v).to.equal(1);
    const overwritten = await client.update({ metadata: { name: 'l' }, spec: { v: 2 } });
    expect(overwritten.spec.v).to.equal(2);
  });

  it('answers NotFound on update of a missing object without create-on-update', async () => {
    const { widgets } = demoServer();
    await expectApiError(widgets.update({ metadata: { name: 'nope', resourceVersion: '1' } }), 'NotFound');
  });

  it('bumps generation only for changes outside metadata and status', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    const labelled = await widgets.mergePatch('a', { metadata: { labels: { x: 'y' } } });
    expect(labelled.metadata.generation).to.equal(1);
    const respec = await widgets.mergePatch('a', { spec: { replicas: 5 } });
    expect(respec.metadata.generation).to.equal(2);
    const status = await widgets.status.mergePatch('a', { status: { replicas: 5 } });
    expect(status.metadata.generation).to.equal(2);
    expect(w.metadata.uid).to.equal(status.metadata.uid);
  });

  it('does not write an update that changes nothing', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    const same = await widgets.update(w);
    expect(same.metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
  });

  it('keeps identity fields immutable', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    await expectApiError(widgets.update({ ...w, metadata: { ...w.metadata, name: 'b' } }), 'NotFound');
    const err = await expectApiError(widgets.update({ ...w, metadata: { ...w.metadata, uid: 'other' } }), 'Conflict');
    expect(err.message).to.contain('Precondition failed: UID in precondition');
  });

  it('applies merge patches and JSON patches', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a', labels: { keep: 'y', drop: 'y' } } });
    const merged = await widgets.mergePatch('a', { metadata: { labels: { drop: null } }, spec: { color: 'blue' } });
    expect(merged.metadata.labels).to.deep.equal({ keep: 'y' });
    expect(merged.spec.color).to.equal('blue');
    const patched = await widgets.jsonPatch('a', [
      { op: 'test', path: '/spec/color', value: 'blue' },
      { op: 'replace', path: '/spec/replicas', value: 4 },
      { op: 'add', path: '/metadata/annotations', value: { note: 'hi' } },
    ]);
    expect(patched.spec.replicas).to.equal(4);
    expect(patched.metadata.annotations).to.deep.equal({ note: 'hi' });
  });

  it('answers BadRequest for patches that do not apply and Invalid for invalid results', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    // A failed test operation is 422 in Kubernetes.
    await expectApiError(widgets.jsonPatch('a', [{ op: 'test', path: '/spec/color', value: 'green' }]), 'Invalid', 422);
    await expectApiError(widgets.jsonPatch('a', [{ op: 'frobnicate', path: '/spec' }]), 'BadRequest', 400);
    await expectApiError(widgets.jsonPatch('a', 'not a patch' as never), 'BadRequest', 400);
    await expectApiError(widgets.mergePatch('a', { spec: { replicas: -3 } }), 'Invalid', 422);
    await expectApiError(widgets.mergePatch('a', { metadata: { name: 'other' } }), 'BadRequest');
    await expectApiError(widgets.mergePatch('missing', { spec: {} }), 'NotFound');
    const after = await widgets.get('a');
    expect(after.metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
  });

  it('treats a resourceVersion in a patch as a precondition', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    await widgets.mergePatch('a', { metadata: { labels: { a: 'b' } } });
    await expectApiError(
      widgets.mergePatch('a', { metadata: { resourceVersion: w.metadata.resourceVersion, labels: { c: 'd' } } }),
      'Conflict',
      409,
    );
  });

  it('answers 415 for apply and strategic merge patches until they are supported', async () => {
    const { server } = demoServer();
    const endpoint = server.api.endpoint('demo.example.com', 'v1', 'widgets')!;
    await endpoint.create({}, 'default', { metadata: { name: 'a' } });
    await expectApiError(endpoint.patch({}, 'default', 'a', 'strategic', {}), 'UnsupportedMediaType', 415);
  });

  it('never loses an update under concurrent read-modify-write patches', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a', annotations: {} } });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => widgets.mergePatch('a', { metadata: { annotations: { [`k${i}`]: 'v' } } })),
    );
    expect(Object.keys((await widgets.get('a')).metadata.annotations ?? {})).to.have.length(30);
  });

  it('dry-run update and patch persist nothing', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    const dry = await widgets.mergePatch('a', { spec: { color: 'green' } }, { dryRun: true });
    expect(dry.spec.color).to.equal('green');
    const after = await widgets.get('a');
    expect(after.spec.color).to.equal('red');
    expect(after.metadata.resourceVersion).to.equal(w.metadata.resourceVersion);
  });
});

describe('registry: status and scale subresources', () => {
  it('main updates keep status and status updates keep everything else', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const s = await widgets.status.mergePatch('a', {
      spec: { color: 'blue' },
      metadata: { labels: { sneaky: 'y' } },
      status: { replicas: 2, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(s.status?.replicas).to.equal(2);
    expect(s.spec.color).to.equal('red');
    expect(s.metadata.labels).to.equal(undefined);
    const w = await widgets.get('a');
    const main = await widgets.update({ ...w, spec: { ...w.spec, color: 'green' }, status: { replicas: 99 } });
    expect(main.spec.color).to.equal('green');
    expect(main.status?.replicas).to.equal(2);
    await expectApiError(widgets.status.mergePatch('a', { status: { replicas: -1 } }), 'Invalid');
  });

  it('maps scale onto the declared replica paths', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' }, spec: { replicas: 2 } });
    await widgets.status.mergePatch('a', { status: { replicas: 1 } });
    const scale = await widgets.scale.get('a');
    expect(scale).to.deep.include({ apiVersion: 'autoscaling/v1', kind: 'Scale' });
    expect(scale.spec.replicas).to.equal(2);
    expect(scale.status.replicas).to.equal(1);
    const scaled = await widgets.scale.mergePatch('a', { spec: { replicas: 5 } });
    expect(scaled.spec.replicas).to.equal(5);
    expect((await widgets.get('a')).spec.replicas).to.equal(5);
    await expectApiError(widgets.scale.update('a', 6, scale.metadata.resourceVersion), 'Conflict');
    await expectApiError(widgets.scale.update('a', -1), 'Invalid', 422);
    expect((await widgets.scale.update('a', 3)).spec.replicas).to.equal(3);
  });
});

describe('registry: delete', () => {
  it('deletes and answers NotFound after', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const gone = await widgets.delete('a');
    expect(gone.metadata.name).to.equal('a');
    await expectApiError(widgets.get('a'), 'NotFound');
    await expectApiError(widgets.delete('a'), 'NotFound');
  });

  it('checks uid and resourceVersion preconditions', async () => {
    const { widgets } = demoServer();
    const w = await widgets.create({ metadata: { name: 'a' } });
    await expectApiError(widgets.delete('a', { preconditions: { uid: 'other' } }), 'Conflict');
    await expectApiError(widgets.delete('a', { preconditions: { resourceVersion: '1234' } }), 'Conflict');
    await widgets.delete('a', { preconditions: { uid: w.metadata.uid, resourceVersion: w.metadata.resourceVersion } });
  });

  it('keeps an object with finalizers until the last one is removed', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a', finalizers: ['example.com/cleanup', 'example.com/other'] } });
    const watch = await widgets.watch({ resourceVersion: (await widgets.list()).metadata.resourceVersion });
    const marked = await widgets.delete('a');
    expect(marked.metadata.deletionTimestamp).to.be.a('string');
    expect(marked.metadata.deletionGracePeriodSeconds).to.equal(0);
    expect(marked.metadata.generation).to.equal(2);
    expect((await widgets.get('a')).metadata.deletionTimestamp).to.equal(marked.metadata.deletionTimestamp);
    // Deleting again changes nothing.
    const again = await widgets.delete('a');
    expect(again.metadata.resourceVersion).to.equal(marked.metadata.resourceVersion);
    // No new finalizers while deleting.
    await expectApiError(
      widgets.mergePatch('a', { metadata: { finalizers: ['example.com/cleanup', 'example.com/other', 'example.com/new'] } }),
      'Invalid',
    );
    await widgets.jsonPatch('a', [{ op: 'remove', path: '/metadata/finalizers/1' }]);
    expect((await widgets.get('a')).metadata.finalizers).to.deep.equal(['example.com/cleanup']);
    await widgets.mergePatch('a', { metadata: { finalizers: null } });
    await expectApiError(widgets.get('a'), 'NotFound');
    const events = await take(watch, 3);
    expect(events.map((e) => e.type)).to.deep.equal(['MODIFIED', 'MODIFIED', 'DELETED']);
    watch.close();
  });

  it('deleteCollection deletes what matches, with an event each', async () => {
    const { widgets } = demoServer();
    for (const n of ['a', 'b', 'c']) await widgets.create({ metadata: { name: n, labels: { del: n === 'c' ? 'no' : 'yes' } } });
    const watch = await widgets.watch({ resourceVersion: (await widgets.list()).metadata.resourceVersion });
    const deleted = await widgets.deleteCollection({ labelSelector: 'del=yes' });
    expect(names(deleted.items)).to.deep.equal(['a', 'b']);
    expect(names((await widgets.list()).items)).to.deep.equal(['c']);
    const events = await take(watch, 2);
    expect(events.map((e) => `${e.type}:${(e.object as { metadata: { name: string } }).metadata.name}`)).to.deep.equal([
      'DELETED:a',
      'DELETED:b',
    ]);
    watch.close();
  });

  it('dry-run delete keeps the object', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    await widgets.delete('a', { dryRun: true });
    await widgets.deleteCollection({}, { dryRun: true });
    expect(names((await widgets.list()).items)).to.deep.equal(['a']);
  });

  it('rejects bad delete options', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    const err = await expectApiError(widgets.delete('a', { propagationPolicy: 'Sometimes' }), 'Invalid', 422);
    expect(err.details?.kind).to.equal('DeleteOptions');
    await expectApiError(widgets.delete('a', { dryRun: ['Some'] }), 'Invalid', 422);
    await expectApiError(widgets.delete('a', { orphanDependents: true, propagationPolicy: 'Orphan' }), 'Invalid', 422);
    expect((await widgets.list()).items).to.have.length(1);
  });

  it('treats a negative grace period as one second, as Kubernetes does', async () => {
    const { widgets } = demoServer();
    await widgets.create({ metadata: { name: 'a' } });
    await widgets.delete('a', { gracePeriodSeconds: -1 });
    await expectApiError(widgets.get('a'), 'NotFound');
  });
});
