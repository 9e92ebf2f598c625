import { expect } from 'chai';
import { compareObjects } from '../../../src/domain/apply/compare.js';
import { serializeFieldsV1 } from '../../../src/domain/apply/fields-v1.js';
import { mergeObjects } from '../../../src/domain/apply/merge.js';
import { fieldSetOf } from '../../../src/domain/apply/object-field-set.js';
import { formatFieldPath } from '../../../src/domain/apply/path-element.js';
import { removeItems } from '../../../src/domain/apply/remove-items.js';
import { FieldSet } from '../../../src/domain/apply/field-set.js';
import { fieldElement as f, valueElement } from '../../../src/domain/apply/path-element.js';
import { UNTYPED } from '../../../src/domain/apply/shape.js';
import { validateListTypes } from '../../../src/domain/apply/validate-list-types.js';
import { widget, widgetShape } from './fixtures.js';

const root = widgetShape.root;
const paths = (s: FieldSet) => s.paths().map(formatFieldPath);

describe('apply: field sets of objects', () => {
  it('owns leaves, record keys, list items, and empty or null objects', () => {
    const obj = widget(
      { replicas: 1, config: { a: 'x' }, tags: ['t'], ports: [{ containerPort: 80 }], template: {}, selector: { app: 'a' }, color: null },
      { metadata: { labels: { app: 'x' }, finalizers: ['f'], ownerReferences: [{ uid: 'u1', name: 'o', kind: 'K', apiVersion: 'v1' }] } },
    );
    expect(serializeFieldsV1(fieldSetOf(obj, root))).to.deep.equal({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': {
        'f:finalizers': { 'v:"f"': {} },
        'f:labels': { 'f:app': {} },
        'f:name': {},
        'f:namespace': {},
        'f:ownerReferences': { 'k:{"uid":"u1"}': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:uid': {} } },
      },
      'f:spec': {
        'f:color': {},
        'f:config': { 'f:a': {} },
        'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
        'f:replicas': {},
        'f:selector': {},
        'f:tags': { 'v:"t"': {} },
        'f:template': {},
      },
    });
  });

  it('treats undeclared objects as untyped: merged per key, lists atomic', () => {
    const value = { a: { b: 1, c: [1, 2] } };
    expect(serializeFieldsV1(fieldSetOf(value, UNTYPED))).to.deep.equal({ 'f:a': { '.': {}, 'f:b': {}, 'f:c': {} } });
    expect(mergeObjects({ a: { b: 1, c: [1] } }, { a: { c: [3], d: 4 } }, UNTYPED)).to.deep.equal({ a: { b: 1, c: [3], d: 4 } });
  });
});

describe('apply: comparing objects', () => {
  it('reports added, modified and removed fields, objects included', () => {
    const c = compareObjects(widget({ replicas: 1, color: 'red' }), widget({ replicas: 2, template: { image: 'x' } }), root);
    expect(paths(c.added)).to.deep.equal(['.spec.template', '.spec.template.image']);
    expect(paths(c.modified)).to.deep.equal(['.spec.replicas']);
    expect(paths(c.removed)).to.deep.equal(['.spec.color']);
  });

  it('compares empty objects as leaves and repeated keys as a whole', () => {
    expect(paths(compareObjects({ spec: {} }, { spec: null }, root).modified)).to.deep.equal(['.spec']);
    const dup = compareObjects(widget({ tags: ['a', 'a'] }), widget({ tags: ['a'] }), root);
    expect(paths(dup.removed)).to.deep.equal(['.spec.tags[="a"]']);
  });
});

describe('apply: removing fields', () => {
  it('removes members and walks into parents, dropping what is left empty', () => {
    const obj = widget({ tags: ['a', 'b'], config: { k: 'v' } });
    const set = FieldSet.of([f('spec'), f('tags'), valueElement('a')], [f('spec'), f('config'), f('k')]);
    expect((removeItems(obj, set, root) as Record<string, unknown>).spec).to.deep.equal({ tags: ['b'] });
  });
});

describe('apply: list type validation', () => {
  it('reports repeated set values and map keys, and items that cannot be keyed', () => {
    const obj = widget({ tags: ['a', 'a'], ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }], template: { env: [{}, 'x'] } });
    expect(validateListTypes(obj, widgetShape)).to.deep.equal([
      { reason: 'FieldValueDuplicate', field: 'spec.tags[1]', message: 'Duplicate value: "a"' },
      { reason: 'FieldValueDuplicate', field: 'spec.ports[1]', message: 'Duplicate value: {"containerPort":80,"protocol":"TCP"}' },
      { reason: 'FieldValueRequired', field: 'spec.template.env[0].name', message: 'Required value' },
      { reason: 'FieldValueTypeInvalid', field: 'spec.template.env[1]', message: 'Invalid value: "x": must be of type object' },
    ]);
    expect(validateListTypes(widget({ tags: ['a', 'b'] }), widgetShape)).to.deep.equal([]);
  });
});
