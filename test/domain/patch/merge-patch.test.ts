import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import { applyMergePatch, createMergePatch } from '../../../src/domain/patch/index.js';
import { deepFreeze } from '../../../src/domain/util/json.js';

function expectBadRequest(fn: () => unknown, message?: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(ApiError);
    expect((err as ApiError).reason).to.equal('BadRequest');
    if (message) expect((err as ApiError).message).to.match(message);
    return;
  }
  expect.fail('expected an ApiError');
}

const j = (text: string): unknown => JSON.parse(text);

describe('JSON Merge Patch (RFC 7396)', () => {
  describe('the examples of RFC 7396 appendix A', () => {
    const cases: Array<[string, string, string]> = [
      ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
      ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
      ['{"a":"b"}', '{"a":null}', '{}'],
      ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
      ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
      ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
      ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
      ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
      ['["a","b"]', '["c","d"]', '["c","d"]'],
      ['{"a":"b"}', '["c"]', '["c"]'],
      ['{"a":"foo"}', 'null', 'null'],
      ['{"a":"foo"}', '"bar"', '"bar"'],
      ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
      ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
      ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
    ];
    for (const [target, patch, want] of cases) {
      it(`${target} + ${patch} = ${want}`, () => {
        expect(applyMergePatch(j(target), j(patch))).to.deep.equal(j(want));
      });
    }

    it('the example of section 3', () => {
      const target = {
        title: 'Goodbye!',
        author: { givenName: 'John', familyName: 'Doe' },
        tags: ['example', 'sample'],
        content: 'This will be unchanged',
      };
      const patch = {
        title: 'Hello!',
        phoneNumber: '+01-123-456-7890',
        author: { familyName: null },
        tags: ['example'],
      };
      expect(applyMergePatch(target, patch)).to.deep.equal({
        title: 'Hello!',
        author: { givenName: 'John' },
        tags: ['example'],
        content: 'This will be unchanged',
        phoneNumber: '+01-123-456-7890',
      });
    });
  });

  describe('applyMergePatch', () => {
    it('removes a label the way kubectl label k- does', () => {
      const obj = { metadata: { name: 'w', labels: { k: 'v', keep: 'yes' } }, spec: { replicas: 1 } };
      expect(applyMergePatch(obj, { metadata: { labels: { k: null } } })).to.deep.equal({
        metadata: { name: 'w', labels: { keep: 'yes' } },
        spec: { replicas: 1 },
      });
    });

    it('keeps nulls inside arrays, which replace as a whole', () => {
      expect(applyMergePatch({ a: [1] }, { a: [null, { b: null }] })).to.deep.equal({ a: [null, { b: null }] });
    });

    it('never mutates its inputs and shares nothing with them', () => {
      const target = deepFreeze({ spec: { a: { deep: 1 }, untouched: { x: [1] } } });
      const patch = deepFreeze({ spec: { a: { more: { y: 2 } } } });
      const out = applyMergePatch(target, patch) as {
        spec: { a: { more: { y: number } }; untouched: { x: number[] } };
      };
      expect(out).to.deep.equal({ spec: { a: { deep: 1, more: { y: 2 } }, untouched: { x: [1] } } });
      out.spec.untouched.x.push(2);
      out.spec.a.more.y = 3;
      expect(target.spec.untouched.x).to.deep.equal([1]);
      expect(patch.spec.a.more.y).to.equal(2);
    });

    it('treats members with undefined values as absent', () => {
      expect(applyMergePatch({ a: 1, b: 2 }, { a: undefined, c: 3 })).to.deep.equal({ a: 1, b: 2, c: 3 });
    });

    it('treats __proto__ and constructor as plain keys', () => {
      const out = applyMergePatch({}, j('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'));
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
      expect(JSON.stringify(out)).to.equal('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
      // A member named like an inherited one is not there until set.
      expect(applyMergePatch({}, { toString: null, constructor: null })).to.deep.equal({});
      const merged = applyMergePatch(j('{"__proto__":{"a":1}}'), j('{"__proto__":{"b":2}}'));
      expect(JSON.stringify(merged)).to.equal('{"__proto__":{"a":1,"b":2}}');
    });

    it('rejects values that are not JSON with BadRequest, and nothing else', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expectBadRequest(() => applyMergePatch({}, undefined), /not JSON/);
      expectBadRequest(() => applyMergePatch(undefined, {}), /not JSON/);
      expectBadRequest(() => applyMergePatch({}, { a: Number.POSITIVE_INFINITY }), /not JSON/);
      expectBadRequest(() => applyMergePatch({}, { a: new Map() }), /not JSON/);
      expectBadRequest(() => applyMergePatch({}, { a: 1n }), /not JSON/);
      expectBadRequest(() => applyMergePatch(cyclic, {}), /nested too deeply/);
      expectBadRequest(() => applyMergePatch({}, cyclic));
    });
  });

  describe('createMergePatch', () => {
    const roundTrips: Array<[string, unknown, unknown]> = [
      ['equal objects', { a: 1, b: { c: [1] } }, { a: 1, b: { c: [1] } }],
      ['a changed scalar', { a: 1 }, { a: 2 }],
      ['an added and a removed member', { a: 1, gone: true }, { a: 1, added: 'x' }],
      ['a nested change', { spec: { a: 1, b: { c: 1, d: 2 } } }, { spec: { a: 1, b: { c: 1, d: 3, e: 4 } } }],
      ['an array change', { list: [1, 2, 3] }, { list: [1, 3] }],
      ['an object turned scalar', { a: { b: 1 } }, { a: 'flat' }],
      ['a scalar turned object', { a: 'flat' }, { a: { b: 1 } }],
      ['non-objects', [1, 2], 'replaced'],
    ];
    for (const [name, from, to] of roundTrips) {
      it(`round-trips ${name}`, () => {
        expect(applyMergePatch(from, createMergePatch(from, to))).to.deep.equal(to);
      });
    }

    it('is minimal: only what changed', () => {
      expect(createMergePatch({ a: 1, b: { c: 1, d: 2 } }, { a: 1, b: { c: 1, d: 3 } })).to.deep.equal({ b: { d: 3 } });
      expect(createMergePatch({ a: 1, b: 2 }, { a: 1 })).to.deep.equal({ b: null });
      expect(createMergePatch({ a: { x: 1 } }, { a: { x: 1 } })).to.deep.equal({});
      expect(createMergePatch({ a: 1 }, ['x'])).to.deep.equal(['x']);
    });

    it('is safe with __proto__ members', () => {
      const patch = createMergePatch(j('{"__proto__":{"a":1}}'), j('{"__proto__":{"a":2}}'));
      expect(JSON.stringify(patch)).to.equal('{"__proto__":{"a":2}}');
      expect(Object.getPrototypeOf(patch)).to.equal(Object.prototype);
    });
  });
});
