import { expect } from 'chai';
import { applyObject, type ApplyParams } from '../../../src/domain/apply/apply-object.js';
import { LAST_APPLIED_ANNOTATION } from '../../../src/domain/apply/last-applied.js';
import { updateManagedFields } from '../../../src/domain/apply/update-managed-fields.js';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import type { ManagedFieldsEntry } from '../../../src/domain/meta/types.js';
import { API_VERSION, entryOf, owned, plainShape, T0, T1, T2, T3, widget, widgetShape } from './fixtures.js';

type Obj = Record<string, unknown>;

/** Applies `config` for `manager` over `live` (an earlier result), the way the registry will. */
function apply(
  live: { object: Obj; managedFields: ManagedFieldsEntry[] } | undefined,
  config: Obj,
  manager: string,
  opts: Partial<ApplyParams> = {},
) {
  return applyObject({
    live: live?.object,
    applied: config,
    manager,
    force: false,
    managedFields: live?.managedFields ?? [],
    shape: widgetShape,
    apiVersion: API_VERSION,
    now: T0,
    ...opts,
  });
}

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a conflict');
}

const spec = (r: { object: Obj }) => r.object.spec as Obj;

describe('apply: applyObject', () => {
  describe('creating', () => {
    it('creates the object from the configuration, owned by the applier', () => {
      const r = apply(undefined, widget({ replicas: 1, color: 'red' }, { metadata: { labels: { app: 'x' } } }), 'kubectl');
      expect(spec(r)).to.deep.equal({ replicas: 1, color: 'red' });
      expect(r.managedFields).to.deep.equal([
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: API_VERSION,
          time: T0,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:color': {}, 'f:replicas': {} } },
        },
      ]);
      expect((r.object.metadata as Obj).managedFields).to.deep.equal(r.managedFields);
      expect((r.object.metadata as Obj).name).to.equal('w');
    });

    it('never owns identity and bookkeeping fields', () => {
      const r = apply(undefined, widget({}, { metadata: { uid: 'u', resourceVersion: '5', generation: 3 } }), 'kubectl');
      expect(owned(r.managedFields, 'kubectl', 'Apply')).to.deep.equal(['.spec']);
    });
  });

  describe('conflicts and ownership', () => {
    const base = () => apply(undefined, widget({ replicas: 1, color: 'red' }), 'alice');

    it('fails with Conflict naming field and manager when another manager owns a different value', () => {
      const err = conflictOf(() => apply(base(), widget({ replicas: 2 }), 'bob', { now: T1 }));
      expect(err.code).to.equal(409);
      expect(err.reason).to.equal('Conflict');
      expect(err.message).to.equal('Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
      expect(err.details?.causes).to.deep.equal([
        { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' },
      ]);
    });

    it('names Update managers with their apiVersion, and lists several conflicts by manager', () => {
      const created = base();
      const edited = { ...created.object, spec: { ...spec(created), size: 'L' } };
      const mf = updateManagedFields({
        old: created.object,
        updated: edited,
        manager: 'kubectl-client-side-apply',
        managedFields: created.managedFields,
        shape: widgetShape,
        apiVersion: API_VERSION,
        now: T1,
      });
      const live = { object: edited, managedFields: mf };
      const err = conflictOf(() => apply(live, widget({ replicas: 2, color: 'blue', size: 'S' }), 'bob', { now: T2 }));
      expect(err.message).to.equal(
        'Apply failed with 3 conflicts: conflicts with "alice":\n- .spec.color\n- .spec.replicas\n' +
          'conflicts with "kubectl-client-side-apply" using demo.example.com/v1:\n- .spec.size',
      );
      expect(err.details?.causes).to.deep.equal([
        { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.color' },
        { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' },
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-client-side-apply" using demo.example.com/v1',
          field: '.spec.size',
        },
      ]);
    });

    it('shares ownership when the value is the same', () => {
      const r = apply(base(), widget({ replicas: 1 }), 'bob', { now: T1 });
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.color', '.spec.replicas']);
      expect(owned(r.managedFields, 'bob', 'Apply')).to.deep.equal(['.spec.replicas']);
      expect(r.managedFields.map((e) => e.manager)).to.deep.equal(['alice', 'bob']);
    });

    it('with force, takes the value and the ownership away from the others', () => {
      const r = apply(base(), widget({ replicas: 2 }), 'bob', { force: true, now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 2, color: 'red' });
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.color']);
      expect(owned(r.managedFields, 'bob', 'Apply')).to.deep.equal(['.spec.replicas']);
      // alice's time stays; bob's is now.
      expect(entryOf(r.managedFields, 'alice', 'Apply')?.time).to.equal(T0);
      expect(entryOf(r.managedFields, 'bob', 'Apply')?.time).to.equal(T1);
    });

    it('drops a manager whose fields were all taken', () => {
      const one = apply(undefined, widget({ replicas: 1 }), 'alice');
      const r = apply(one, widget({ replicas: 2 }), 'bob', { force: true });
      expect(r.managedFields.map((e) => e.manager)).to.deep.equal(['bob']);
    });

    it('does not conflict with the applier itself', () => {
      const r = apply(base(), widget({ replicas: 5, color: 'red' }), 'alice', { now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 5, color: 'red' });
    });
  });

  describe('fields a manager stops applying', () => {
    it('are removed when nobody else owns them', () => {
      const first = apply(undefined, widget({ replicas: 1, color: 'red' }), 'alice');
      const r = apply(first, widget({ replicas: 1 }), 'alice', { now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 1 });
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.replicas']);
    });

    it('stay when another applier owns them too', () => {
      const first = apply(undefined, widget({ replicas: 1, color: 'red' }), 'alice');
      const shared = apply(first, widget({ color: 'red' }), 'bob', { now: T1 });
      const r = apply(shared, widget({ replicas: 1 }), 'alice', { now: T2 });
      expect(spec(r)).to.deep.equal({ replicas: 1, color: 'red' });
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.replicas']);
      expect(owned(r.managedFields, 'bob', 'Apply')).to.deep.equal(['.spec.color']);
    });

    it('stay when an Update manager owns them too', () => {
      const first = apply(undefined, widget({ replicas: 1, color: 'red' }), 'alice');
      const edited = { ...first.object, spec: { replicas: 1, color: 'blue' } };
      const mf = updateManagedFields({
        old: first.object,
        updated: edited,
        manager: 'kubectl-edit',
        managedFields: first.managedFields,
        shape: widgetShape,
        apiVersion: API_VERSION,
        now: T1,
      });
      const r = apply({ object: edited, managedFields: mf }, widget({ replicas: 1 }), 'alice', { now: T2 });
      expect(spec(r)).to.deep.equal({ replicas: 1, color: 'blue' });
    });

    it('stay when nobody owned them (set by a write that kept no managed fields)', () => {
      const first = apply(undefined, widget({ replicas: 1 }), 'alice');
      const live = { object: { ...first.object, spec: { replicas: 1, size: 'L' } }, managedFields: first.managedFields };
      const r = apply(live, widget({ replicas: 2 }), 'alice', { now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 2, size: 'L' });
    });

    it('take an object the applier created with them when nothing in it is owned any more', () => {
      const first = apply(undefined, widget({ replicas: 1, template: { image: 'nginx' } }), 'alice');
      const r = apply(first, widget({ replicas: 1 }), 'alice', { now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 1 });
    });

    it('are removed also when a null is applied, and the null is owned', () => {
      const first = apply(undefined, widget({ replicas: 1, color: 'red' }), 'alice');
      const r = apply(first, widget({ replicas: 1, color: null }), 'alice', { now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 1 });
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.color', '.spec.replicas']);
    });
  });

  describe('lists and maps', () => {
    it('merges map-lists per key, and removes only the applier’s own items', () => {
      const plain = (status: Obj) => ({ apiVersion: API_VERSION, kind: 'Plain', metadata: { name: 'w', namespace: 'default' }, status });
      const opts = { shape: plainShape };
      const a = apply(undefined, plain({ conditions: [{ type: 'Ready', status: 'True' }] }), 'ctrl-a', opts);
      const b = apply(a, plain({ conditions: [{ type: 'Synced', status: 'False', reason: 'Waiting' }] }), 'ctrl-b', { ...opts, now: T1 });
      expect((b.object.status as Obj).conditions).to.deep.equal([
        { type: 'Ready', status: 'True' },
        { type: 'Synced', status: 'False', reason: 'Waiting' },
      ]);
      expect(owned(b.managedFields, 'ctrl-b', 'Apply')).to.deep.equal([
        '.status.conditions[type="Synced"]',
        '.status.conditions[type="Synced"].reason',
        '.status.conditions[type="Synced"].status',
        '.status.conditions[type="Synced"].type',
      ]);
      expect(entryOf(b.managedFields, 'ctrl-b', 'Apply')?.fieldsV1).to.deep.equal({
        'f:status': {
          'f:conditions': { 'k:{"type":"Synced"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } },
        },
      });
      // ctrl-a changes its condition: no conflict with ctrl-b.
      const c = apply(b, plain({ conditions: [{ type: 'Ready', status: 'False' }] }), 'ctrl-a', { ...opts, now: T2 });
      expect((c.object.status as Obj).conditions).to.deep.equal([
        { type: 'Ready', status: 'False' },
        { type: 'Synced', status: 'False', reason: 'Waiting' },
      ]);
      // ctrl-b changing ctrl-a's condition conflicts on that field only.
      const err = conflictOf(() => apply(c, plain({ conditions: [{ type: 'Ready', status: 'True' }] }), 'ctrl-b', { ...opts, now: T3 }));
      expect(err.message).to.equal('Apply failed with 1 conflict: conflict with "ctrl-a": .status.conditions[type="Ready"].status');
      // ctrl-b dropping its condition removes it.
      const { status: _none, ...nothing } = plain({});
      const d = apply(c, nothing, 'ctrl-b', { ...opts, now: T3 });
      expect((d.object.status as Obj).conditions).to.deep.equal([{ type: 'Ready', status: 'False' }]);
      expect(entryOf(d.managedFields, 'ctrl-b', 'Apply')).to.equal(undefined);
    });

    it('keys map-list items with several key fields, taking key defaults', () => {
      const a = apply(undefined, widget({ ports: [{ containerPort: 80, name: 'http' }] }), 'alice');
      const b = apply(a, widget({ ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }] }), 'bob', { now: T1 });
      expect(spec(b).ports).to.deep.equal([
        { containerPort: 80, name: 'http', protocol: 'TCP' },
        { containerPort: 53, protocol: 'UDP' },
      ]);
      expect(owned(b.managedFields, 'alice', 'Apply')).to.deep.equal([
        '.spec.ports[containerPort=80,protocol="TCP"]',
        '.spec.ports[containerPort=80,protocol="TCP"].containerPort',
        '.spec.ports[containerPort=80,protocol="TCP"].name',
      ]);
    });

    it('puts applied items in the applied order and keeps other items where they were', () => {
      const a = apply(undefined, widget({ template: { env: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] } }), 'alice');
      const b = apply(a, widget({ template: { env: [{ name: 'D' }, { name: 'C' }, { name: 'A' }] } }), 'bob', { now: T1 });
      expect((spec(b).template as Obj).env).to.deep.equal([{ name: 'B' }, { name: 'D' }, { name: 'C' }, { name: 'A' }]);
    });

    it('merges sets per value', () => {
      const a = apply(undefined, widget({ tags: ['a', 'b'] }), 'alice');
      const b = apply(a, widget({ tags: ['b', 'c'] }), 'bob', { now: T1 });
      expect(spec(b).tags).to.deep.equal(['a', 'b', 'c']);
      expect(owned(b.managedFields, 'bob', 'Apply')).to.deep.equal(['.spec.tags[="b"]', '.spec.tags[="c"]']);
      expect(entryOf(b.managedFields, 'bob', 'Apply')?.fieldsV1).to.deep.equal({ 'f:spec': { 'f:tags': { 'v:"b"': {}, 'v:"c"': {} } } });
      const c = apply(b, widget({ tags: [] }), 'alice', { now: T2 });
      expect(spec(c).tags).to.deep.equal(['b', 'c']);
    });

    it('replaces atomic lists whole and owns them whole', () => {
      const a = apply(undefined, widget({ args: ['--a', '--b'] }), 'alice');
      expect(owned(a.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.args']);
      const err = conflictOf(() => apply(a, widget({ args: ['--c'] }), 'bob', { now: T1 }));
      expect(err.message).to.equal('Apply failed with 1 conflict: conflict with "alice": .spec.args');
      const b = apply(a, widget({ args: ['--c'] }), 'bob', { force: true, now: T1 });
      expect(spec(b).args).to.deep.equal(['--c']);
      const c = apply(b, widget({ args: ['--c', '--d'] }), 'bob', { now: T2 });
      expect(spec(c).args).to.deep.equal(['--c', '--d']);
    });

    it('replaces atomic objects whole', () => {
      const a = apply(undefined, widget({ selector: { app: 'x', tier: 'web' } }), 'alice');
      const b = apply(a, widget({ selector: { app: 'y' } }), 'alice', { now: T1 });
      expect(spec(b).selector).to.deep.equal({ app: 'y' });
      expect(owned(b.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.selector']);
    });

    it('merges records, labels and annotations per key', () => {
      const a = apply(undefined, widget({ config: { a: '1' } }, { metadata: { labels: { app: 'x' }, annotations: { note: 'n' } } }), 'alice');
      const b = apply(a, widget({ config: { b: '2' } }, { metadata: { labels: { team: 't' } } }), 'bob', { now: T1 });
      expect((b.object.metadata as Obj).labels).to.deep.equal({ app: 'x', team: 't' });
      expect((b.object.metadata as Obj).annotations).to.deep.equal({ note: 'n' });
      expect(spec(b).config).to.deep.equal({ a: '1', b: '2' });
      const err = conflictOf(() => apply(b, widget({}, { metadata: { labels: { app: 'z' } } }), 'bob', { now: T2 }));
      expect(err.message).to.equal('Apply failed with 1 conflict: conflict with "alice": .metadata.labels.app');
      const c = apply(b, widget({ config: { a: '1' } }, { metadata: { annotations: { note: 'n' } } }), 'alice', { now: T2 });
      expect((c.object.metadata as Obj).labels).to.deep.equal({ team: 't' });
    });
  });

  describe('Update managers', () => {
    it('take ownership from appliers; the applier then conflicts with them', () => {
      const a = apply(undefined, widget({ replicas: 1, color: 'red' }), 'alice');
      const scaled = { ...a.object, spec: { replicas: 3, color: 'red' } };
      const mf = updateManagedFields({
        old: a.object,
        updated: scaled,
        manager: 'kubectl',
        managedFields: a.managedFields,
        shape: widgetShape,
        apiVersion: API_VERSION,
        now: T1,
        subresource: 'scale',
      });
      expect(owned(mf, 'alice', 'Apply')).to.deep.equal(['.spec.color']);
      expect(owned(mf, 'kubectl', 'Update', 'scale')).to.deep.equal(['.spec.replicas']);
      const err = conflictOf(() => apply({ object: scaled, managedFields: mf }, widget({ replicas: 1, color: 'red' }), 'alice', { now: T2 }));
      expect(err.message).to.equal(
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using demo.example.com/v1: .spec.replicas',
      );
      // An Apply and an Update entry of the same manager are distinct.
      const kb = apply({ object: scaled, managedFields: mf }, widget({ replicas: 3 }), 'kubectl', { now: T2 });
      expect(kb.managedFields.map((e) => [e.manager, e.operation, e.subresource])).to.deep.equal([
        ['alice', 'Apply', undefined],
        ['kubectl', 'Apply', undefined],
        ['kubectl', 'Update', 'scale'],
      ]);
    });

    it('gives what an object held before its first apply to before-first-apply', () => {
      const live = { object: widget({ replicas: 1, color: 'red' }), managedFields: [] };
      const err = conflictOf(() => apply(live, widget({ replicas: 2 }), 'alice'));
      expect(err.message).to.equal(
        'Apply failed with 1 conflict: conflict with "before-first-apply" using demo.example.com/v1: .spec.replicas',
      );
      const r = apply(live, widget({ replicas: 1 }), 'alice');
      expect(owned(r.managedFields, 'before-first-apply', 'Update')).to.deep.equal(['.spec', '.spec.color', '.spec.replicas']);
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.replicas']);
    });
  });

  describe('subresources', () => {
    it('on the main resource neither owns nor changes status when status is a subresource', () => {
      const r = apply(undefined, widget({ replicas: 1 }, { status: { phase: 'Up' } }), 'alice');
      expect(r.object.status).to.equal(undefined);
      expect(owned(r.managedFields, 'alice', 'Apply')).to.deep.equal(['.spec.replicas']);
    });

    it('through status owns and changes status only', () => {
      const a = apply(undefined, widget({ replicas: 1 }), 'alice');
      const r = apply(a, widget({ replicas: 9 }, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }), 'ctrl', {
        subresource: 'status',
        now: T1,
      });
      expect(spec(r)).to.deep.equal({ replicas: 1 });
      expect(r.object.status).to.deep.equal({ conditions: [{ type: 'Ready', status: 'True' }] });
      expect(entryOf(r.managedFields, 'ctrl', 'Apply', 'status')).to.deep.equal({
        manager: 'ctrl',
        operation: 'Apply',
        apiVersion: API_VERSION,
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } } } },
        subresource: 'status',
      });
      // Applying status through the main resource later does not prune the status manager's fields.
      const again = apply(r, widget({ replicas: 1 }), 'alice', { now: T2 });
      expect(again.object.status).to.deep.equal(r.object.status);
      const err = conflictOf(() =>
        apply(r, widget({}, { status: { conditions: [{ type: 'Ready', status: 'False' }] } }), 'other', { subresource: 'status', now: T2 }),
      );
      expect(err.message).to.equal(
        'Apply failed with 1 conflict: conflict with "ctrl" with subresource "status": .status.conditions[type="Ready"].status',
      );
    });
  });

  describe('taking over from kubectl client-side apply', () => {
    function csaObject(replicas: number) {
      const lastApplied = JSON.stringify(widget({ replicas: 1, color: 'red' }));
      const created = widget({ replicas, color: 'red' }, { metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } } });
      const mf = updateManagedFields({
        old: undefined,
        updated: created,
        manager: 'kubectl-client-side-apply',
        managedFields: [],
        shape: widgetShape,
        apiVersion: API_VERSION,
        now: T0,
      });
      return { object: created, managedFields: mf };
    }

    it('lets kubectl take fields that still hold the last-applied values, and keeps the annotation in step', () => {
      const r = apply(csaObject(1), widget({ replicas: 2, color: 'red' }), 'kubectl', { now: T1 });
      expect(spec(r)).to.deep.equal({ replicas: 2, color: 'red' });
      expect(owned(r.managedFields, 'kubectl', 'Apply')).to.deep.equal(['.spec.color', '.spec.replicas']);
      expect(owned(r.managedFields, 'kubectl-client-side-apply', 'Update')).to.deep.equal([
        '.spec',
        '.metadata.annotations',
        `.metadata.annotations.${LAST_APPLIED_ANNOTATION}`,
        '.spec.color',
      ]);
      const annotation = ((r.object.metadata as Obj).annotations as Obj)[LAST_APPLIED_ANNOTATION] as string;
      expect(annotation.endsWith('\n')).to.equal(true);
      expect(JSON.parse(annotation)).to.deep.equal(widget({ replicas: 2, color: 'red' }));
    });

    it('still conflicts on fields changed since the last client-side apply, and for other managers', () => {
      const err = conflictOf(() => apply(csaObject(5), widget({ replicas: 2, color: 'red' }), 'kubectl', { now: T1 }));
      expect(err.message).to.equal(
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using demo.example.com/v1: .spec.replicas',
      );
      const other = conflictOf(() => apply(csaObject(1), widget({ replicas: 2 }), 'other', { now: T1 }));
      expect(other.details?.causes?.[0].field).to.equal('.spec.replicas');
    });
  });

  describe('no-ops and malformed configurations', () => {
    it('returns the managed fields as they were when nothing changes', () => {
      const a = apply(undefined, widget({ replicas: 1 }), 'alice');
      const r = apply(a, widget({ replicas: 1 }), 'alice', { now: T3 });
      expect(r.managedFields).to.deep.equal(a.managedFields);
      expect(r.object).to.deep.equal(a.object);
    });

    it('rejects managedFields in the configuration, items without keys and repeated keys', () => {
      const bad = (config: Obj) => {
        try {
          apply(undefined, config, 'alice');
        } catch (err) {
          expect(err).to.be.instanceOf(ApiError);
          expect((err as ApiError).code).to.equal(400);
          return (err as ApiError).message;
        }
        throw new Error('expected BadRequest');
      };
      expect(bad(widget({}, { metadata: { managedFields: [] } }))).to.match(/managedFields must be nil/);
      expect(bad(widget({ template: { env: [{ value: 'x' }] } }))).to.equal(
        'failed to create typed patch object: .spec.template.env: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)',
      );
      expect(bad(widget({ tags: ['a', 'a'] }))).to.equal('failed to create typed patch object: .spec.tags: duplicate entries for key [="a"]');
      expect(bad(widget({ ports: [{ containerPort: 1 }, { containerPort: 1, protocol: 'TCP' }] }))).to.match(
        /duplicate entries for key \[containerPort=1,protocol="TCP"\]/,
      );
    });

    it('leaves its inputs unchanged', () => {
      const a = apply(undefined, widget({ replicas: 1, tags: ['x'] }), 'alice');
      const before = structuredClone(a);
      const config = widget({ replicas: 2 });
      const configBefore = structuredClone(config);
      apply(a, config, 'bob', { force: true });
      expect(a).to.deep.equal(before);
      expect(config).to.deep.equal(configBefore);
    });
  });
});
