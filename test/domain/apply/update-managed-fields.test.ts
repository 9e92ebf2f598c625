import { expect } from 'chai';
import { updateManagedFields, type UpdateParams } from '../../../src/domain/apply/update-managed-fields.js';
import {
  isManagedFieldsReset,
  managedFieldsForWrite,
  restoreManagedFieldsTimestamps,
  setManagedFields,
} from '../../../src/domain/apply/managed-fields-source.js';
import { decodeManagedFields, encodeManagedFields } from '../../../src/domain/apply/managers.js';
import type { ManagedFieldsEntry } from '../../../src/domain/meta/types.js';
import { API_VERSION, entryOf, owned, T0, T1, T2, widget, widgetShape } from './fixtures.js';

type Obj = Record<string, unknown>;

function update(old: Obj | undefined, updated: Obj, manager: string, managedFields: ManagedFieldsEntry[], opts: Partial<UpdateParams> = {}) {
  return updateManagedFields({
    old,
    updated,
    manager,
    operation: 'Update',
    managedFields,
    shape: widgetShape,
    apiVersion: API_VERSION,
    now: T0,
    ...opts,
  });
}

describe('apply: updateManagedFields', () => {
  const created = widget({ replicas: 1, color: 'red' }, { metadata: { labels: { app: 'x' }, uid: 'u1', generation: 1, creationTimestamp: T0 } });

  it('gives a create’s fields to its manager, as Kubernetes writes them (with "." for added objects)', () => {
    const mf = update(undefined, created, 'kubectl-create', []);
    expect(mf).to.deep.equal([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: API_VERSION,
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { '.': {}, 'f:color': {}, 'f:replicas': {} },
        },
      },
    ]);
  });

  it('moves changed fields to the writer and drops managers left with nothing', () => {
    const mf0 = update(undefined, created, 'creator', []);
    const edited = { ...created, spec: { replicas: 2, color: 'red' } };
    const mf1 = update(created, edited, 'editor', mf0, { now: T1 });
    expect(owned(mf1, 'creator', 'Update')).to.deep.equal(['.spec', '.metadata.labels', '.metadata.labels.app', '.spec.color']);
    expect(owned(mf1, 'editor', 'Update')).to.deep.equal(['.spec.replicas']);
    expect(entryOf(mf1, 'editor', 'Update')?.time).to.equal(T1);
    expect(entryOf(mf1, 'creator', 'Update')?.time).to.equal(T0);

    const small = widget({ replicas: 2 });
    const mf2 = update(undefined, small, 'a', []);
    const mf3 = update(small, widget({ replicas: 3 }), 'b', mf2, { now: T1 });
    expect(owned(mf3, 'a', 'Update')).to.deep.equal(['.spec']);
    const mf4 = update(widget({ replicas: 3 }), widget({ replicas: 4, color: 'c' }), 'a', mf3, { now: T2 });
    expect(mf4.map((e) => e.manager)).to.deep.equal(['a']);
    expect(owned(mf4, 'a', 'Update')).to.deep.equal(['.spec', '.spec.color', '.spec.replicas']);
  });

  it('takes removed fields away from every manager', () => {
    const mf0 = update(undefined, created, 'creator', []);
    const removed = { ...created, spec: { replicas: 1 }, metadata: { ...(created.metadata as Obj), labels: undefined } };
    delete (removed.metadata as Obj).labels;
    const mf1 = update(created, removed, 'editor', mf0, { now: T1 });
    expect(owned(mf1, 'creator', 'Update')).to.deep.equal(['.spec', '.spec.replicas']);
    expect(entryOf(mf1, 'editor', 'Update')).to.equal(undefined);
  });

  it('leaves managed fields exactly as they were when nothing tracked changed', () => {
    const mf0 = update(undefined, created, 'creator', []);
    const bumped = { ...created, metadata: { ...(created.metadata as Obj), resourceVersion: '7', generation: 2 } };
    expect(update(created, bumped, 'other', mf0, { now: T2 })).to.deep.equal(mf0);
  });

  it('merges a manager’s new fields into its entry and bumps its time', () => {
    const mf0 = update(undefined, created, 'm', []);
    const mf1 = update(created, { ...created, spec: { replicas: 1, color: 'red', size: 'L' } }, 'm', mf0, { now: T1 });
    expect(owned(mf1, 'm', 'Update')).to.include.members(['.spec.size', '.spec.color', '.spec.replicas']);
    expect(entryOf(mf1, 'm', 'Update')?.time).to.equal(T1);
  });

  it('keeps Update entries per manager, apiVersion and subresource', () => {
    const mf0 = update(undefined, created, 'm', []);
    const withStatus = { ...created, status: { phase: 'Up' } };
    const mf1 = update(created, withStatus, 'm', mf0, { subresource: 'status', now: T1 });
    expect(mf1.map((e) => [e.manager, e.subresource])).to.deep.equal([
      ['m', undefined],
      ['m', 'status'],
    ]);
    expect(owned(mf1, 'm', 'Update', 'status')).to.deep.equal(['.status', '.status.phase']);
  });

  it('does not track status on the main resource when status is a subresource, nor the rest on status', () => {
    const mf0 = update(undefined, created, 'm', []);
    const both = { ...created, spec: { replicas: 5, color: 'red' }, status: { phase: 'Up' } };
    expect(owned(update(created, both, 'main', mf0, { now: T1 }), 'main', 'Update')).to.deep.equal(['.spec.replicas']);
    expect(owned(update(created, both, 'st', mf0, { now: T1, subresource: 'status' }), 'st', 'Update', 'status')).to.deep.equal([
      '.status',
      '.status.phase',
    ]);
  });

  it('caps Update managers at ten, merging the oldest into ancient-changes', () => {
    let obj: Obj = widget({});
    let mf: ManagedFieldsEntry[] = [];
    for (let i = 0; i < 12; i++) {
      const next = { ...obj, spec: { ...(obj.spec as Obj), [`f${i}`]: i } };
      mf = update(obj, next, `m${i}`, mf, { now: `2024-05-01T10:${String(i).padStart(2, '0')}:00Z` });
      obj = next;
    }
    const updaters = mf.filter((e) => e.operation === 'Update');
    expect(updaters).to.have.length(10);
    const ancient = entryOf(mf, 'ancient-changes', 'Update')!;
    expect(ancient.time).to.equal('2024-05-01T10:02:00Z');
    expect(owned(mf, 'ancient-changes', 'Update')).to.deep.equal(['.spec.f0', '.spec.f1', '.spec.f2']);
    expect(mf.map((e) => e.manager)).to.deep.equal(['ancient-changes', ...[3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => `m${i}`)]);
  });
});

describe('apply: managed fields on the wire', () => {
  const entries: ManagedFieldsEntry[] = [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: API_VERSION,
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:name': {} } } } },
    },
    {
      manager: 'ctrl',
      operation: 'Update',
      apiVersion: API_VERSION,
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
      subresource: 'status',
    },
  ];

  it('round-trips through decode and encode', () => {
    expect(encodeManagedFields(decodeManagedFields(entries))).to.deep.equal(entries);
  });

  it('orders Apply before Update, then by time and name', () => {
    const shuffled = [entries[1], entries[0]];
    expect(encodeManagedFields(decodeManagedFields(shuffled)).map((e) => e.manager)).to.deep.equal(['kubectl', 'ctrl']);
  });

  it('leaves out entries that cannot be read', () => {
    const bad = [{ manager: 'x', operation: 'Patch', fieldsType: 'FieldsV1', fieldsV1: {} }, { manager: 'y', operation: 'Update', fieldsType: 'FieldsV2' }];
    expect(decodeManagedFields(bad as ManagedFieldsEntry[]).size).to.equal(0);
  });

  it('starts a write from the stored entries, the request’s own, or none when reset with [{}]', () => {
    const live = entries;
    const mine = [entries[0]];
    expect(managedFieldsForWrite({ requested: undefined, live })).to.deep.equal(live);
    expect(managedFieldsForWrite({ requested: [], live })).to.deep.equal(live);
    expect(managedFieldsForWrite({ requested: mine, live })).to.deep.equal(mine);
    expect(managedFieldsForWrite({ requested: [{ manager: 'bad' }], live })).to.deep.equal(live);
    expect(isManagedFieldsReset([{}])).to.equal(true);
    expect(managedFieldsForWrite({ requested: [{}], live })).to.deep.equal([]);
    expect(managedFieldsForWrite({ requested: [{}], live, subresource: 'status' })).to.deep.equal(live);
  });

  it('puts stored times back when only times changed', () => {
    const stored = widget({ replicas: 1 });
    setManagedFields(stored, entries);
    const updated = structuredClone(stored);
    setManagedFields(updated, entries.map((e) => ({ ...e, time: T2 })));
    expect(restoreManagedFieldsTimestamps(updated, stored)).to.equal(true);
    expect(updated).to.deep.equal(stored);
    const changed = widget({ replicas: 2 });
    setManagedFields(changed, entries.map((e) => ({ ...e, time: T2 })));
    expect(restoreManagedFieldsTimestamps(changed, stored)).to.equal(false);
  });
});
