import { expect } from 'chai';
import { deepClone, deepFreeze } from '../../../src/domain/util/json.js';

describe('domain util: deepClone', () => {
  it('copies plain objects and arrays deeply, mutable even when the source is frozen', () => {
    const src = deepFreeze({ a: { b: [1, { c: 'x' }, null] }, d: true, e: undefined as unknown });
    const copy = deepClone(src);
    expect(copy).to.deep.equal(src);
    expect(Object.keys(copy)).to.deep.equal(['a', 'd', 'e']);
    copy.a.b.push(2);
    (copy.a.b[1] as { c: string }).c = 'y';
    expect(src.a.b).to.have.length(3);
    expect((src.a.b[1] as { c: string }).c).to.equal('x');
  });

  it('keeps a __proto__ member as data and never touches the prototype', () => {
    const src = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}') as Record<string, unknown>;
    const copy = deepClone(src);
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    expect(Object.keys(copy)).to.deep.equal(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).to.deep.equal({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('copies what is not plain JSON the way structuredClone does', () => {
    const when = new Date('2026-01-01T00:00:00Z');
    const copy = deepClone({ when, tags: new Set(['a']), nested: { when } });
    expect(copy.when).to.be.instanceOf(Date).and.not.equal(when);
    expect(copy.when.getTime()).to.equal(when.getTime());
    expect([...copy.tags]).to.deep.equal(['a']);
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const c = deepClone(cyclic);
    expect(c.name).to.equal('x');
    expect(() => deepClone({ f: () => 1 })).to.throw();
  });
});
