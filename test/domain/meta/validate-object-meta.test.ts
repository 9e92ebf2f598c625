import { expect } from 'chai';
import {
  TOTAL_ANNOTATION_SIZE_LIMIT,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../../../src/domain/meta/validate-object-meta.js';
import type { ObjectMeta } from '../../../src/domain/meta/types.js';
import type { FieldError } from '../../../src/domain/resource/field-error.js';

const namespaced = { namespaced: true };
const cluster = { namespaced: false };

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

function fields(errs: FieldError[]): string[] {
  return errs.map((e) => e.field);
}

describe('validateObjectMeta', () => {
  it('accepts a minimal namespaced object', () => {
    expect(validateObjectMeta({ name: 'foo', namespace: 'default' }, namespaced)).to.deep.equal([]);
  });

  it('accepts a minimal cluster-scoped object', () => {
    expect(validateObjectMeta({ name: 'foo' }, cluster)).to.deep.equal([]);
  });

  it('accepts a full, valid metadata', () => {
    const meta: ObjectMeta = {
      name: 'web.example',
      namespace: 'team-a',
      uid: 'u-1',
      resourceVersion: '5',
      generation: 3,
      creationTimestamp: '2024-01-01T00:00:00Z',
      labels: { app: 'web', 'app.kubernetes.io/name': 'web', empty: '' },
      annotations: { 'Example.com/Note': 'anything goes here: { } /', plain: '' },
      finalizers: ['example.com/cleanup', 'orphan'],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'x', controller: true, blockOwnerDeletion: true },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'y', controller: false },
      ],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }],
    };
    expect(validateObjectMeta(meta, namespaced)).to.deep.equal([]);
  });

  describe('name and generateName', () => {
    it('requires name or generateName', () => {
      const errs = validateObjectMeta({ namespace: 'default' }, namespaced);
      expect(errs).to.deep.equal([
        { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    });

    it('treats an empty name as missing', () => {
      expect(fields(validateObjectMeta({ name: '', namespace: 'default' }, namespaced))).to.deep.equal(['metadata.name']);
    });

    it('accepts generateName alone, ending in a dash', () => {
      expect(validateObjectMeta({ generateName: 'web-', namespace: 'default' }, namespaced)).to.deep.equal([]);
    });

    it('rejects an invalid name with the value in the message', () => {
      const errs = validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, namespaced);
      expect(errs).to.have.length(1);
      expect(errs[0].reason).to.equal('FieldValueInvalid');
      expect(errs[0].field).to.equal('metadata.name');
      expect(errs[0].message).to.match(/^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    });

    it('rejects an invalid generateName', () => {
      const errs = validateObjectMeta({ generateName: 'Web-', namespace: 'default' }, namespaced);
      expect(fields(errs)).to.deep.equal(['metadata.generateName']);
    });

    it('rejects a name that is too long', () => {
      const errs = validateObjectMeta({ name: 'a'.repeat(254) }, cluster);
      expect(summary(errs)).to.deep.equal([`metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`]);
    });

    it('uses the custom name validator, with prefix for generateName', () => {
      const calls: Array<[string, boolean]> = [];
      const validateName = (n: string, prefix: boolean) => {
        calls.push([n, prefix]);
        return n.startsWith('x') ? ['must not start with x'] : [];
      };
      const errs = validateObjectMeta({ name: 'xy', generateName: 'ab-' }, { namespaced: false, validateName });
      expect(calls).to.deep.include.members([
        ['ab-', true],
        ['xy', false],
      ]);
      expect(summary(errs)).to.deep.equal(['metadata.name: Invalid value: "xy": must not start with x']);
    });
  });

  describe('namespace', () => {
    it('requires a namespace for namespaced types', () => {
      expect(summary(validateObjectMeta({ name: 'a' }, namespaced))).to.deep.equal(['metadata.namespace: Required value']);
    });

    it('checks the namespace is a DNS-1123 label', () => {
      const errs = validateObjectMeta({ name: 'a', namespace: 'has.dots' }, namespaced);
      expect(fields(errs)).to.deep.equal(['metadata.namespace']);
      expect(errs[0].message).to.contain('RFC 1123 label');
    });

    it('forbids a namespace on cluster-scoped types', () => {
      expect(summary(validateObjectMeta({ name: 'a', namespace: 'default' }, cluster))).to.deep.equal([
        'metadata.namespace: Forbidden: not allowed on this type',
      ]);
    });

    it('allows an empty namespace on cluster-scoped types', () => {
      expect(validateObjectMeta({ name: 'a', namespace: '' }, cluster)).to.deep.equal([]);
    });
  });

  describe('labels', () => {
    it('reports a bad key with the key as value', () => {
      const errs = validateObjectMeta({ name: 'a', labels: { 'bad key': 'v' } }, cluster);
      expect(fields(errs)).to.deep.equal(['metadata.labels']);
      expect(errs[0].message).to.match(/^Invalid value: "bad key": name part must consist of/);
    });

    it('reports a bad value with the value as value', () => {
      const errs = validateObjectMeta({ name: 'a', labels: { app: '-bad-' } }, cluster);
      expect(fields(errs)).to.deep.equal(['metadata.labels']);
      expect(errs[0].message).to.match(/^Invalid value: "-bad-": a valid label must be an empty string/);
    });

    it('reports a too-long value', () => {
      const errs = validateObjectMeta({ name: 'a', labels: { app: 'x'.repeat(64) } }, cluster);
      expect(errs[0].message).to.contain('must be no more than 63 characters');
    });

    it('reports a bad prefix', () => {
      const errs = validateObjectMeta({ name: 'a', labels: { 'Example.COM/x': 'v' } }, cluster);
      expect(errs[0].message).to.contain('prefix part');
    });

    it('reports a number value as a type error, not a crash', () => {
      expect(summary(validateObjectMeta({ name: 'a', labels: { app: 5 } }, cluster))).to.deep.equal([
        'metadata.labels[app]: Invalid value: 5: must be of type string',
      ]);
    });

    it('reports labels that are not an object', () => {
      for (const labels of ['x', 1, true, ['a']]) {
        const errs = validateObjectMeta({ name: 'a', labels }, cluster);
        expect(errs.map((e) => e.reason)).to.deep.equal(['FieldValueTypeInvalid']);
        expect(errs[0].field).to.equal('metadata.labels');
      }
    });
  });

  describe('annotations', () => {
    it('checks keys in lower case', () => {
      expect(validateObjectMeta({ name: 'a', annotations: { 'Example.COM/Thing': 'v' } }, cluster)).to.deep.equal([]);
    });

    it('rejects a bad key', () => {
      const errs = validateObjectMeta({ name: 'a', annotations: { 'a/b/c': 'v' } }, cluster);
      expect(fields(errs)).to.deep.equal(['metadata.annotations']);
      expect(errs[0].message).to.match(/^Invalid value: "a\/b\/c": a qualified name must consist/);
    });

    it('allows values of any content', () => {
      expect(validateObjectMeta({ name: 'a', annotations: { k: '{"json": [1, 2]}\n\t' } }, cluster)).to.deep.equal([]);
    });

    it('limits the total size to 256 KiB', () => {
      const exact = { k: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT - 1) };
      expect(validateObjectMeta({ name: 'a', annotations: exact }, cluster)).to.deep.equal([]);
      const over = { k: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT) };
      expect(validateObjectMeta({ name: 'a', annotations: over }, cluster)).to.deep.equal([
        { reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' },
      ]);
    });

    it('counts the size in UTF-8 bytes', () => {
      // 'é' takes two bytes: half the characters reach the limit.
      const value = 'é'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT / 2);
      expect(fields(validateObjectMeta({ name: 'a', annotations: { k: value } }, cluster))).to.deep.equal(['metadata.annotations']);
    });

    it('reports a non-string value', () => {
      expect(fields(validateObjectMeta({ name: 'a', annotations: { k: { nested: 1 } } }, cluster))).to.deep.equal([
        'metadata.annotations[k]',
      ]);
    });
  });

  describe('finalizers', () => {
    it('checks each finalizer is a qualified name, with its index', () => {
      const errs = validateObjectMeta({ name: 'a', finalizers: ['ok', 'not ok'] }, cluster);
      expect(fields(errs)).to.deep.equal(['metadata.finalizers[1]']);
      expect(errs[0].message).to.match(/^Invalid value: "not ok"/);
    });

    it('reports non-strings and non-arrays', () => {
      expect(summary(validateObjectMeta({ name: 'a', finalizers: [1] }, cluster))).to.deep.equal([
        'metadata.finalizers[0]: Invalid value: 1: must be of type string',
      ]);
      expect(fields(validateObjectMeta({ name: 'a', finalizers: 'x' }, cluster))).to.deep.equal(['metadata.finalizers']);
    });

    it('rejects orphan together with foregroundDeletion', () => {
      const errs = validateObjectMeta({ name: 'a', finalizers: ['orphan', 'foregroundDeletion'] }, cluster);
      expect(fields(errs)).to.deep.equal(['metadata.finalizers']);
      expect(errs[0].message).to.contain('cannot both be set');
    });
  });

  describe('ownerReferences', () => {
    const ref = { apiVersion: 'demo.example.com/v1', kind: 'Widget', name: 'w', uid: 'u' };

    it('requires apiVersion, kind, name and uid, with the index in the path', () => {
      const errs = validateObjectMeta({ name: 'a', ownerReferences: [ref, {}] }, cluster);
      expect(summary(errs)).to.deep.equal([
        'metadata.ownerReferences[1].apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences[1].kind: Invalid value: "": kind must not be empty',
        'metadata.ownerReferences[1].name: Invalid value: "": name must not be empty',
        'metadata.ownerReferences[1].uid: Invalid value: "": uid must not be empty',
      ]);
    });

    it('rejects an apiVersion without a version', () => {
      for (const apiVersion of ['group/', 'a/b/c']) {
        const errs = validateObjectMeta({ name: 'a', ownerReferences: [{ ...ref, apiVersion }] }, cluster);
        expect(fields(errs)).to.deep.equal(['metadata.ownerReferences[0].apiVersion']);
      }
    });

    it('allows one controller only', () => {
      const errs = validateObjectMeta(
        {
          name: 'a',
          ownerReferences: [
            { ...ref, controller: true },
            { ...ref, name: 'v', controller: false },
            { ...ref, name: 'z', controller: true },
          ],
        },
        cluster,
      );
      expect(fields(errs)).to.deep.equal(['metadata.ownerReferences']);
      expect(errs[0].message).to.contain('Found "true" in references for Widget/w and Widget/z');
    });

    it('rejects core Events as owners', () => {
      const errs = validateObjectMeta({ name: 'a', ownerReferences: [{ ...ref, apiVersion: 'v1', kind: 'Event' }] }, cluster);
      expect(fields(errs)).to.deep.equal(['metadata.ownerReferences[0]']);
    });

    it('reports wrong types field by field', () => {
      const errs = validateObjectMeta(
        { name: 'a', ownerReferences: [{ ...ref, uid: 7, controller: 'yes' }, 'x', null] },
        cluster,
      );
      expect(summary(errs)).to.deep.equal([
        'metadata.ownerReferences[0].uid: Invalid value: 7: must be of type string',
        'metadata.ownerReferences[0].controller: Invalid value: "yes": must be of type boolean',
        'metadata.ownerReferences[1]: Invalid value: "x": must be of type object',
        'metadata.ownerReferences[2]: Invalid value: null: must be of type object',
      ]);
    });
  });

  describe('managedFields', () => {
    it('checks the operation and fieldsType', () => {
      const errs = validateObjectMeta(
        { name: 'a', managedFields: [{ manager: 'm', operation: 'Patch', fieldsType: 'FieldsV2' }] },
        cluster,
      );
      expect(summary(errs)).to.deep.equal([
        'metadata.managedFields[0].operation: Unsupported value: "Patch": supported values: "Apply", "Update"',
        'metadata.managedFields[0].fieldsType: Unsupported value: "FieldsV2": supported values: "FieldsV1"',
      ]);
    });
  });

  describe('generation and scalar types', () => {
    it('rejects a negative generation', () => {
      expect(summary(validateObjectMeta({ name: 'a', generation: -1 }, cluster))).to.deep.equal([
        'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
      ]);
    });

    it('rejects a non-integer generation', () => {
      expect(summary(validateObjectMeta({ name: 'a', generation: 1.5 }, cluster))).to.deep.equal([
        'metadata.generation: Invalid value: 1.5: must be of type integer',
      ]);
      expect(fields(validateObjectMeta({ name: 'a', generation: '1' }, cluster))).to.deep.equal(['metadata.generation']);
    });

    it('reports a non-string name as a type error only', () => {
      expect(summary(validateObjectMeta({ name: 42 }, cluster))).to.deep.equal([
        'metadata.name: Invalid value: 42: must be of type string',
      ]);
    });

    it('reports non-string uid, resourceVersion and timestamps', () => {
      const errs = validateObjectMeta({ name: 'a', uid: 1, resourceVersion: 2, creationTimestamp: {}, deletionGracePeriodSeconds: 'x' }, cluster);
      expect(fields(errs)).to.deep.equal([
        'metadata.uid',
        'metadata.resourceVersion',
        'metadata.creationTimestamp',
        'metadata.deletionGracePeriodSeconds',
      ]);
    });

    it('treats null fields as absent', () => {
      const meta = { name: 'a', labels: null, annotations: null, finalizers: null, ownerReferences: null, uid: null, generation: null };
      expect(validateObjectMeta(meta, cluster)).to.deep.equal([]);
    });
  });

  describe('the metadata value itself', () => {
    it('reads missing or null metadata as empty', () => {
      expect(fields(validateObjectMeta(undefined, namespaced))).to.deep.equal(['metadata.name', 'metadata.namespace']);
      expect(fields(validateObjectMeta(null, cluster))).to.deep.equal(['metadata.name']);
    });

    it('rejects metadata that is not an object', () => {
      for (const meta of ['x', 1, true, [], [{ name: 'a' }]]) {
        expect(validateObjectMeta(meta, cluster)).to.deep.equal([
          {
            reason: 'FieldValueTypeInvalid',
            field: 'metadata',
            message: `Invalid value: ${JSON.stringify(meta)}: must be of type object`,
          },
        ]);
      }
    });

    it('never throws on garbage of any JSON shape', () => {
      const garbage: unknown[] = [0, -1, 'str', true, false, null, [], {}, [null], { a: { b: [] } }, 1e308];
      for (const g of garbage) {
        const meta: Record<string, unknown> = {};
        for (const key of [
          'name',
          'generateName',
          'namespace',
          'uid',
          'resourceVersion',
          'generation',
          'creationTimestamp',
          'deletionTimestamp',
          'deletionGracePeriodSeconds',
          'labels',
          'annotations',
          'finalizers',
          'ownerReferences',
          'managedFields',
        ]) {
          meta[key] = g;
        }
        for (const opts of [namespaced, cluster]) {
          const errs = validateObjectMeta(meta, opts);
          expect(errs).to.be.an('array');
          for (const e of errs) expect(e.field).to.match(/^metadata/);
        }
        expect(() => validateObjectMetaUpdate(meta as ObjectMeta, meta as ObjectMeta)).not.to.throw();
        expect(() => validateObjectMetaUpdate(g as ObjectMeta, {})).not.to.throw();
      }
      expect(() =>
        validateObjectMeta(
          { name: 'a', ownerReferences: [[], 1, { controller: true, kind: 3 }, { controller: true }], managedFields: [[], null, { operation: 5 }] },
          cluster,
        ),
      ).not.to.throw();
    });
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = {
    name: 'a',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '3',
    generation: 2,
    creationTimestamp: '2024-01-01T00:00:00Z',
    labels: { app: 'x' },
  };

  it('accepts an unchanged object', () => {
    expect(validateObjectMetaUpdate({ ...old }, old)).to.deep.equal([]);
  });

  it('accepts changed labels, annotations and finalizers', () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { app: 'y' }, annotations: { a: 'b' }, finalizers: ['f'] }, old)).to.deep.equal([]);
  });

  it('rejects changes to immutable fields', () => {
    const errs = validateObjectMetaUpdate(
      { ...old, name: 'b', namespace: 'other', uid: 'u-2', creationTimestamp: '2025-01-01T00:00:00Z' },
      old,
    );
    expect(summary(errs)).to.deep.equal([
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.namespace: Invalid value: "other": field is immutable',
      'metadata.uid: Invalid value: "u-2": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
    ]);
  });

  it('reports removing an immutable field as an empty value', () => {
    const { uid: _uid, ...rest } = old;
    expect(summary(validateObjectMetaUpdate(rest, old))).to.deep.equal(['metadata.uid: Invalid value: "": field is immutable']);
  });

  it('treats absent and empty as equal', () => {
    expect(validateObjectMetaUpdate({ name: 'a', namespace: '' }, { name: 'a' })).to.deep.equal([]);
  });

  it('protects the deletion timestamp and grace period', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', deletionGracePeriodSeconds: 0 };
    expect(validateObjectMetaUpdate({ ...deleting }, deleting)).to.deep.equal([]);
    expect(fields(validateObjectMetaUpdate({ ...old }, deleting))).to.deep.equal([
      'metadata.deletionTimestamp',
      'metadata.deletionGracePeriodSeconds',
    ]);
  });

  it('rejects a decremented generation', () => {
    expect(summary(validateObjectMetaUpdate({ ...old, generation: 1 }, old))).to.deep.equal([
      'metadata.generation: Invalid value: 1: must not be decremented',
    ]);
  });

  it('applies the create field rules', () => {
    const errs = validateObjectMetaUpdate(
      { ...old, labels: { 'bad key': 'v' }, finalizers: ['bad finalizer'], ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: '' }] },
      old,
    );
    expect(fields(errs)).to.deep.equal(['metadata.labels', 'metadata.ownerReferences[0].uid', 'metadata.finalizers[0]']);
  });

  it('does not require a name', () => {
    expect(validateObjectMetaUpdate({}, {})).to.deep.equal([]);
  });

  it('rejects new metadata that is not an object', () => {
    expect(fields(validateObjectMetaUpdate('x' as unknown as ObjectMeta, old))).to.deep.equal(['metadata']);
  });
});
