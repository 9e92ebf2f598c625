/**
 * The one description of ObjectMeta and what reads it: every consumer must see exactly the
 * described fields, with the described semantics. A field added to the description that one
 * consumer misses fails here.
 */
import { expect } from 'chai';
import { metaSchemas, META } from '../../../src/adapters/http/openapi/meta-schemas.js';
import { OBJECT_META_SHAPE, type ListShape, type MapShape } from '../../../src/domain/apply/shape.js';
import { UNOWNED_META_FIELDS } from '../../../src/domain/apply/system-fields.js';
import {
  fieldNames,
  isStringType,
  MANAGED_FIELDS_ENTRY,
  nestedObject,
  OBJECT_META,
  OWNER_REFERENCE,
  SERVER_SET_META_FIELDS,
  type FieldDescription,
  type FieldType,
  type ObjectDescription,
} from '../../../src/domain/meta/object-meta-description.js';
import type { ManagedFieldsEntry, ObjectMeta, OwnerReference } from '../../../src/domain/meta/types.js';
import { validateObjectMeta } from '../../../src/domain/meta/validate-object-meta.js';
import {
  findUnknownMetadataFields,
  OBJECT_META_FIELDS,
  withoutUnknownMetadataFields,
} from '../../../src/domain/validation/unknown-fields.js';

// The TypeScript types have exactly the described fields (checked by tsc on this file).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeFieldsMatch: [
  Equal<keyof ObjectMeta, keyof typeof OBJECT_META.fields>,
  Equal<keyof OwnerReference, keyof typeof OWNER_REFERENCE.fields>,
  Equal<keyof ManagedFieldsEntry, keyof typeof MANAGED_FIELDS_ENTRY.fields>,
] = [true, true, true];
// Required fields are required in the type, the rest optional.
const ownerRef: OwnerReference = { apiVersion: 'v1', kind: 'K', name: 'n', uid: 'u' };
// @ts-expect-error uid is required
const withoutUid: OwnerReference = { apiVersion: 'v1', kind: 'K', name: 'n' };

const DESCRIBED: readonly ObjectDescription[] = [OBJECT_META, OWNER_REFERENCE, MANAGED_FIELDS_ENTRY];
const schemas = metaSchemas({ scale: false }) as Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
const metaFields = OBJECT_META.fields as Record<string, FieldDescription>;

/** The ObjectMeta field whose items the nested object describes. */
function listFieldOf(object: ObjectDescription): string {
  const name = Object.keys(metaFields).find((key) => nestedObject(metaFields[key]) === object);
  if (!name) throw new Error(`${object.name} is not nested in ObjectMeta`);
  return name;
}

/** A value of the wrong JSON type for a field. */
function wrongValue(type: FieldType): unknown {
  if (isStringType(type)) return 7;
  if (type === 'int64' || type === 'boolean') return 'x';
  return 7;
}

describe('meta: the ObjectMeta description', () => {
  it('keeps typeFieldsMatch and the required-field checks compiled', () => {
    expect(typeFieldsMatch).to.deep.equal([true, true, true]);
    expect(ownerRef.uid).to.equal('u');
    expect(withoutUid).to.not.have.property('uid');
  });

  it('is what unknown-field detection knows, nested lists included', () => {
    expect([...OBJECT_META_FIELDS]).to.deep.equal(fieldNames(OBJECT_META));
    const meta: Record<string, unknown> = {};
    for (const name of fieldNames(OBJECT_META)) meta[name] = null;
    for (const object of [OWNER_REFERENCE, MANAGED_FIELDS_ENTRY]) {
      const entry: Record<string, unknown> = { undescribed: 1 };
      for (const name of fieldNames(object)) entry[name] = null;
      meta[listFieldOf(object)] = [entry];
    }
    meta.undescribed = 1;
    expect(findUnknownMetadataFields(meta)).to.deep.equal([
      'metadata.ownerReferences[0].undescribed',
      'metadata.managedFields[0].undescribed',
      'metadata.undescribed',
    ]);
    const pruned = withoutUnknownMetadataFields(meta as never);
    expect(Object.keys(pruned)).to.deep.equal(fieldNames(OBJECT_META));
    for (const object of [OWNER_REFERENCE, MANAGED_FIELDS_ENTRY]) {
      expect(Object.keys((pruned[listFieldOf(object)] as Record<string, unknown>[])[0])).to.deep.equal(fieldNames(object));
    }
  });

  it('is what the OpenAPI schemas declare: every field, its required-ness and list semantics', () => {
    for (const object of DESCRIBED) {
      const schema = schemas[`${META}.${object.name}`];
      expect(Object.keys(schema.properties), object.name).to.have.members(Object.keys(object.fields));
      const required = Object.keys(object.fields).filter((name) => object.fields[name].required);
      expect(schema.required ?? [], object.name).to.deep.equal(required);
      for (const [name, field] of Object.entries(object.fields)) {
        const property = schema.properties[name];
        expect(property.description, `${object.name}.${name}`).to.equal(field.description);
        if (property.type === 'array') {
          expect(property['x-kubernetes-list-type'], name).to.equal(field.apply?.list ?? 'atomic');
          expect(property['x-kubernetes-list-map-keys'], name).to.deep.equal(field.apply?.keys);
        }
      }
    }
  });

  it('is the apply shape of metadata: every field, its list type and keys, and who owns it', () => {
    expect([...OBJECT_META_SHAPE.fields.keys()]).to.deep.equal(fieldNames(OBJECT_META));
    for (const [name, field] of Object.entries(metaFields)) {
      const shape = OBJECT_META_SHAPE.fields.get(name)!;
      if (field.type === 'stringMap') expect(shape, name).to.include({ kind: 'map', atomic: false });
      else if (typeof field.type === 'object' && 'listOf' in field.type) {
        expect(shape, name).to.deep.include({ kind: 'list', listType: field.apply?.list ?? 'atomic', keys: field.apply?.keys ?? [] });
      } else if (field.type === 'stringList') expect(shape, name).to.include({ kind: 'list', listType: field.apply?.list ?? 'atomic' });
      else expect(shape, name).to.include({ kind: 'scalar' });
      expect(UNOWNED_META_FIELDS.has(name), name).to.equal(field.apply?.owned === false);
    }
    const ownerRefs = OBJECT_META_SHAPE.fields.get(listFieldOf(OWNER_REFERENCE)) as ListShape;
    expect([...(ownerRefs.items as MapShape).fields.keys()]).to.deep.equal(fieldNames(OWNER_REFERENCE));
  });

  it('is what metadata validation checks: a value of the wrong type in any field is reported there', () => {
    for (const [name, field] of Object.entries(metaFields)) {
      const errors = validateObjectMeta({ name: 'a', [name]: wrongValue(field.type) }, { namespaced: false });
      expect(
        errors.map((e) => e.field),
        name,
      ).to.include(`metadata.${name}`);
    }
    for (const object of [OWNER_REFERENCE, MANAGED_FIELDS_ENTRY]) {
      const list = listFieldOf(object);
      for (const [name, field] of Object.entries(object.fields)) {
        const errors = validateObjectMeta({ name: 'a', [list]: [{ [name]: wrongValue(field.type) }] }, { namespaced: false });
        expect(
          errors.map((e) => e.field),
          `${list}.${name}`,
        ).to.include(`metadata.${list}[0].${name}`);
      }
    }
  });

  it('names the server-set fields', () => {
    expect(SERVER_SET_META_FIELDS).to.deep.equal([
      'selfLink',
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ]);
  });
});
