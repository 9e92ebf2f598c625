import { expect } from 'chai';
import { FieldSet } from '../../../src/domain/apply/field-set.js';
import { FieldsV1Error, parseFieldsV1, serializeFieldsV1 } from '../../../src/domain/apply/fields-v1.js';
import {
  fieldElement as f,
  formatFieldPath,
  keyElement,
  parsePathElement,
  serializePathElement,
  valueElement,
} from '../../../src/domain/apply/path-element.js';

const k = (fields: Record<string, unknown>) => keyElement(Object.entries(fields));

describe('apply: path elements', () => {
  it('writes FieldsV1 keys with sorted key fields and JSON values', () => {
    expect(serializePathElement(f('spec'))).to.equal('f:spec');
    expect(serializePathElement(k({ protocol: 'TCP', containerPort: 80 }))).to.equal('k:{"containerPort":80,"protocol":"TCP"}');
    expect(serializePathElement(valueElement('a"b'))).to.equal('v:"a\\"b"');
  });

  it('reads FieldsV1 keys back, re-sorting key fields', () => {
    const pe = parsePathElement('k:{"protocol":"TCP","containerPort":80}')!;
    expect(serializePathElement(pe)).to.equal('k:{"containerPort":80,"protocol":"TCP"}');
    expect(parsePathElement('i:3')).to.deep.equal({ type: 'index', index: 3 });
    expect(parsePathElement('x:whatever')).to.equal(undefined);
    expect(() => parsePathElement('k:[1]')).to.throw(/not a JSON object/);
    expect(() => parsePathElement('v:{')).to.throw(/valid JSON/);
  });

  it('prints paths as conflict messages do', () => {
    expect(formatFieldPath([f('spec'), f('replicas')])).to.equal('.spec.replicas');
    expect(formatFieldPath([f('status'), f('conditions'), k({ type: 'Ready' }), f('status')])).to.equal(
      '.status.conditions[type="Ready"].status',
    );
    expect(formatFieldPath([f('spec'), f('ports'), k({ protocol: 'TCP', containerPort: 80 })])).to.equal(
      '.spec.ports[containerPort=80,protocol="TCP"]',
    );
    expect(formatFieldPath([f('spec'), f('tags'), valueElement('x')])).to.equal('.spec.tags[="x"]');
  });
});

describe('apply: field sets', () => {
  const a = FieldSet.of([f('spec'), f('replicas')], [f('spec'), f('color')], [f('metadata'), f('labels'), f('app')]);
  const b = FieldSet.of([f('spec'), f('replicas')], [f('spec'), f('size')]);

  it('has its paths, and iterates members before the paths below them', () => {
    expect(a.has([f('spec'), f('replicas')])).to.equal(true);
    expect(a.has([f('spec')])).to.equal(false);
    expect(a.size).to.equal(3);
    expect(a.paths().map(formatFieldPath)).to.deep.equal(['.metadata.labels.app', '.spec.color', '.spec.replicas']);
  });

  it('unions, intersects and differences', () => {
    expect(a.union(b).paths().map(formatFieldPath)).to.deep.equal([
      '.metadata.labels.app',
      '.spec.color',
      '.spec.replicas',
      '.spec.size',
    ]);
    expect(a.intersection(b).paths().map(formatFieldPath)).to.deep.equal(['.spec.replicas']);
    expect(a.difference(b).paths().map(formatFieldPath)).to.deep.equal(['.metadata.labels.app', '.spec.color']);
  });

  it('difference keeps a parent minus its child; recursive difference removes what lies below', () => {
    const parent = FieldSet.of([f('spec')], [f('spec'), f('x')]);
    expect(parent.difference(FieldSet.of([f('spec'), f('x')])).paths().map(formatFieldPath)).to.deep.equal(['.spec']);
    expect(FieldSet.of([f('spec'), f('x')]).difference(FieldSet.of([f('spec')])).paths().map(formatFieldPath)).to.deep.equal([
      '.spec.x',
    ]);
    expect(FieldSet.of([f('spec'), f('x')]).recursiveDifference(FieldSet.of([f('spec')])).isEmpty()).to.equal(true);
  });

  it('is a subset of a set holding all its paths, exact paths only', () => {
    const item = k({ name: 'a' });
    const small = FieldSet.of([f('spec'), f('items'), item], [f('spec'), f('items'), item, f('value')]);
    const big = FieldSet.of([f('spec'), f('items'), item], [f('spec'), f('items'), item, f('value')], [f('spec'), f('color')]);
    expect(small.isSubsetOf(big)).to.equal(true);
    expect(big.isSubsetOf(small)).to.equal(false);
    expect(new FieldSet().isSubsetOf(small)).to.equal(true);
    // A parent does not hold its children, nor a child its parent.
    expect(FieldSet.of([f('spec'), f('x')]).isSubsetOf(FieldSet.of([f('spec')]))).to.equal(false);
    expect(FieldSet.of([f('spec')]).isSubsetOf(FieldSet.of([f('spec'), f('x')]))).to.equal(false);
    // Key steps compare by their key fields, however the fields were ordered.
    const reordered = FieldSet.of([f('l'), keyElement([['b', 1], ['a', 2]])]);
    expect(reordered.isSubsetOf(FieldSet.of([f('l'), k({ a: 2, b: 1 })]))).to.equal(true);
  });

  it('leaves are members without children', () => {
    const s = FieldSet.of([f('spec')], [f('spec'), f('x')], [f('y')]);
    expect(s.leaves().paths().map(formatFieldPath)).to.deep.equal(['.y', '.spec.x']);
  });
});

describe('apply: FieldsV1', () => {
  const wire = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {} } },
      'f:replicas': {},
      'f:tags': { 'v:"a"': {}, 'v:"b"': {} },
    },
  };

  it('round-trips, in Kubernetes order', () => {
    const set = parseFieldsV1(wire);
    expect(set.has([f('metadata'), f('labels')])).to.equal(true);
    expect(set.has([f('spec'), f('tags'), valueElement('b')])).to.equal(true);
    expect(JSON.stringify(serializeFieldsV1(set))).to.equal(JSON.stringify(wire));
  });

  it('sorts entries: fields, then keys, then values', () => {
    const set = FieldSet.of([f('z')], [f('a')], [f('m'), f('b')]);
    expect(Object.keys(serializeFieldsV1(set))).to.deep.equal(['f:a', 'f:m', 'f:z']);
  });

  it('drops unknown element kinds and rejects malformed values', () => {
    expect(serializeFieldsV1(parseFieldsV1({ 'f:a': {}, 'q:zz': {} }))).to.deep.equal({ 'f:a': {} });
    expect(() => parseFieldsV1({ 'f:a': 1 })).to.throw(FieldsV1Error);
    expect(() => parseFieldsV1([])).to.throw(FieldsV1Error);
    expect(parseFieldsV1(undefined).isEmpty()).to.equal(true);
  });

  it('keeps field names such as __proto__ as plain names', () => {
    const wireProto = JSON.parse('{"f:spec":{"f:__proto__":{}}}');
    const set = parseFieldsV1(wireProto);
    expect(set.has([f('spec'), f('__proto__')])).to.equal(true);
    expect(JSON.stringify(serializeFieldsV1(set))).to.equal('{"f:spec":{"f:__proto__":{}}}');
  });
});
