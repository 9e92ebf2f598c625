import { expect } from 'chai';
import { encodeBody, encodeJson } from '../../../../src/adapters/http/response/body-encoding.js';
import { deepFreeze } from '../../../../src/domain/util/json.js';
import { knownJson, rememberJson } from '../../../../src/ports/known-json.js';

function frozenWithJson<T extends object>(obj: T): T {
  const text = JSON.stringify(obj);
  const copy = JSON.parse(text) as T;
  rememberJson(copy, text);
  return deepFreeze(copy);
}

describe('HTTP: response body encoding', () => {
  it('uses the JSON a store already has for an object', () => {
    const obj = frozenWithJson({ kind: 'Widget', metadata: { name: 'a' } });
    expect(knownJson(obj)).to.be.a('string');
    expect(encodeJson(obj)).to.equal(knownJson(obj));
  });

  it('puts a list together from its items’ JSON, items last, equal to serializing it', () => {
    const items = ['a', 'b', 'c'].map((name) => frozenWithJson({ kind: 'Widget', metadata: { name }, spec: { n: [1, null] } }));
    const list = { apiVersion: 'v1', kind: 'WidgetList', items, metadata: { resourceVersion: '7', continue: 'x"y' } };
    const text = encodeJson(list);
    expect(JSON.parse(text)).to.deep.equal(JSON.parse(JSON.stringify(list)));
    expect(text.endsWith(`"items":[${items.map((i) => knownJson(i)).join(',')}]}`)).to.equal(true);
    expect(JSON.parse(encodeJson({ items }))).to.deep.equal({ items: JSON.parse(JSON.stringify(items)) });
  });

  it('trusts the recorded JSON of frozen objects only', () => {
    const obj = { metadata: { name: 'a' } };
    rememberJson(obj, '{"stale":true}');
    obj.metadata.name = 'b';
    expect(knownJson(obj)).to.equal(undefined);
    expect(encodeJson(obj)).to.equal('{"metadata":{"name":"b"}}');
    expect(Object.keys(obj)).to.deep.equal(['metadata']);
    expect(JSON.stringify({ ...obj })).to.equal('{"metadata":{"name":"b"}}');
  });

  it('serializes as usual when an item has no known JSON, or the body is not a plain list', () => {
    const known = frozenWithJson({ metadata: { name: 'a' } });
    const list = { kind: 'WidgetList', items: [known, { metadata: { name: 'b' } }] };
    expect(encodeJson(list)).to.equal(JSON.stringify(list));
    expect(encodeJson({ kind: 'WidgetList', items: [] })).to.equal('{"kind":"WidgetList","items":[]}');
    const withToJson = { items: [known], toJSON: () => ({ replaced: true }) };
    expect(encodeJson(withToJson)).to.equal('{"replaced":true}');
    expect(encodeBody({ items: [known] }, 'yaml')).to.contain('name: a');
  });
});
