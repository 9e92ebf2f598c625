import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import {
  applyJsonPatch,
  decodeJsonPatch,
  formatJsonPointer,
  parseJsonPointer,
} from '../../../src/domain/patch/index.js';
import { deepFreeze } from '../../../src/domain/util/json.js';

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(ApiError);
    return err as ApiError;
  }
  expect.fail('expected an ApiError');
}

function expectBadRequest(fn: () => unknown, message?: string | RegExp): ApiError {
  const err = apiErrorOf(fn);
  expect(err.reason).to.equal('BadRequest');
  expect(err.code).to.equal(400);
  if (typeof message === 'string') expect(err.message).to.equal(message);
  else if (message) expect(err.message).to.match(message);
  return err;
}

/** An operation that does not apply to the document: 422 Invalid, as kube-apiserver answers. */
function expectNotApplicable(fn: () => unknown, message?: string | RegExp): ApiError {
  const err = apiErrorOf(fn);
  expect(err.reason, err.message).to.equal('Invalid');
  expect(err.code).to.equal(422);
  if (typeof message === 'string') expect(err.message).to.equal(message);
  else if (message) expect(err.message).to.match(message);
  return err;
}

describe('JSON Patch (RFC 6902)', () => {
  describe('the examples of RFC 6902 appendix A', () => {
    const cases: Array<{ name: string; doc: unknown; patch: unknown; want: unknown }> = [
      {
        name: 'A.1 adding an object member',
        doc: { foo: 'bar' },
        patch: [{ op: 'add', path: '/baz', value: 'qux' }],
        want: { baz: 'qux', foo: 'bar' },
      },
      {
        name: 'A.2 adding an array element',
        doc: { foo: ['bar', 'baz'] },
        patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
        want: { foo: ['bar', 'qux', 'baz'] },
      },
      {
        name: 'A.3 removing an object member',
        doc: { baz: 'qux', foo: 'bar' },
        patch: [{ op: 'remove', path: '/baz' }],
        want: { foo: 'bar' },
      },
      {
        name: 'A.4 removing an array element',
        doc: { foo: ['bar', 'qux', 'baz'] },
        patch: [{ op: 'remove', path: '/foo/1' }],
        want: { foo: ['bar', 'baz'] },
      },
      {
        name: 'A.5 replacing a value',
        doc: { baz: 'qux', foo: 'bar' },
        patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
        want: { baz: 'boo', foo: 'bar' },
      },
      {
        name: 'A.6 moving a value',
        doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
        patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
        want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
      },
      {
        name: 'A.7 moving an array element',
        doc: { foo: ['all', 'grass', 'cows', 'eat'] },
        patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
        want: { foo: ['all', 'cows', 'eat', 'grass'] },
      },
      {
        name: 'A.8 testing a value: success',
        doc: { baz: 'qux', foo: ['a', 2, 'c'] },
        patch: [
          { op: 'test', path: '/baz', value: 'qux' },
          { op: 'test', path: '/foo/1', value: 2 },
        ],
        want: { baz: 'qux', foo: ['a', 2, 'c'] },
      },
      {
        name: 'A.10 adding a nested member object',
        doc: { foo: 'bar' },
        patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
        want: { foo: 'bar', child: { grandchild: {} } },
      },
      {
        name: 'A.11 ignoring unrecognized elements',
        doc: { foo: 'bar' },
        patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
        want: { foo: 'bar', baz: 'qux' },
      },
      {
        name: 'A.14 ~ escape ordering',
        doc: { '/': 9, '~1': 10 },
        patch: [{ op: 'test', path: '/~01', value: 10 }],
        want: { '/': 9, '~1': 10 },
      },
      {
        name: 'A.16 adding an array value',
        doc: { foo: ['bar'] },
        patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
        want: { foo: ['bar', ['abc', 'def']] },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(applyJsonPatch(c.doc, c.patch)).to.deep.equal(c.want);
      });
    }

    it('A.9 testing a value: error', () => {
      expectNotApplicable(
        () => applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]),
        'testing value /baz failed: test failed',
      );
    });

    it('A.12 adding to a nonexistent target', () => {
      expectNotApplicable(
        () => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]),
        'add operation does not apply: doc is missing path: "/baz/bat": missing value',
      );
    });

    it('A.15 comparing strings and numbers', () => {
      expectNotApplicable(
        () => applyJsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]),
        'testing value /~01 failed: test failed',
      );
    });
  });

  describe('semantics', () => {
    it('never mutates the document or the patch, even when they are frozen', () => {
      const doc = deepFreeze({ spec: { items: [1, 2], color: 'red' } });
      const value = { nested: { a: 1 } };
      const patch = deepFreeze([
        { op: 'add', path: '/spec/items/-', value: 3 },
        { op: 'add', path: '/spec/extra', value },
        { op: 'replace', path: '/spec/color', value: 'blue' },
      ]);
      const out = applyJsonPatch(doc, patch) as { spec: { extra: { nested: { a: number } } } };
      expect(doc).to.deep.equal({ spec: { items: [1, 2], color: 'red' } });
      expect(out).to.deep.equal({ spec: { items: [1, 2, 3], color: 'blue', extra: { nested: { a: 1 } } } });
      out.spec.extra.nested.a = 99;
      expect(value.nested.a).to.equal(1);
    });

    it('is all or nothing: a failing operation leaves no partial result behind', () => {
      const doc = { a: 1 };
      expectNotApplicable(() =>
        applyJsonPatch(doc, [
          { op: 'replace', path: '/a', value: 2 },
          { op: 'test', path: '/a', value: 3 },
        ]),
      );
      expect(doc).to.deep.equal({ a: 1 });
    });

    it('treats the empty path as the whole document', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).to.deep.equal({ b: 2 });
      expect(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }])).to.deep.equal([1]);
      expect(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }])).to.deep.equal({ a: 1 });
      expectNotApplicable(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }]), /whole document/);
    });

    it('adds over an existing member, inserts into arrays and appends with "-" or the length', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/a', value: 2 }])).to.deep.equal({ a: 2 });
      expect(applyJsonPatch([1, 2], [{ op: 'add', path: '/0', value: 0 }])).to.deep.equal([0, 1, 2]);
      expect(applyJsonPatch([1, 2], [{ op: 'add', path: '/2', value: 3 }])).to.deep.equal([1, 2, 3]);
      expect(applyJsonPatch([], [{ op: 'add', path: '/-', value: 'x' }])).to.deep.equal(['x']);
    });

    it('accepts null as a value', () => {
      expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/a', value: null }])).to.deep.equal({ a: null });
      expect(applyJsonPatch({ a: null }, [{ op: 'test', path: '/a', value: null }])).to.deep.equal({ a: null });
    });

    it('tests with JSON equality: key order does not matter, types do', () => {
      const doc = { spec: { a: { x: 1, y: [1, { z: true }] } } };
      expect(() =>
        applyJsonPatch(doc, [{ op: 'test', path: '/spec/a', value: { y: [1, { z: true }], x: 1.0 } }]),
      ).not.to.throw();
      expectNotApplicable(() => applyJsonPatch(doc, [{ op: 'test', path: '/spec/a/x', value: '1' }]));
      expectNotApplicable(() => applyJsonPatch(doc, [{ op: 'test', path: '/spec/a/y', value: [{ z: true }, 1] }]));
    });

    it('copies values deeply, so later operations do not affect the source', () => {
      const out = applyJsonPatch({ a: { list: [1] } }, [
        { op: 'copy', from: '/a', path: '/b' },
        { op: 'add', path: '/b/list/-', value: 2 },
      ]);
      expect(out).to.deep.equal({ a: { list: [1] }, b: { list: [1, 2] } });
    });

    it('moves onto itself as a no-op and refuses to move a value into its own child', () => {
      expect(applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a' }])).to.deep.equal({ a: { b: 1 } });
      expectNotApplicable(
        () => applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]),
        /cannot move "\/a" into its own child "\/a\/b\/c"/,
      );
    });

    it('unescapes ~0 and ~1 in pointers', () => {
      expect(parseJsonPointer('')).to.deep.equal([]);
      expect(parseJsonPointer('/')).to.deep.equal(['']);
      expect(parseJsonPointer('/a~1b/~0c/~01')).to.deep.equal(['a/b', '~c', '~1']);
      expect(formatJsonPointer(['a/b', '~c', '~1'])).to.equal('/a~1b/~0c/~01');
      const out = applyJsonPatch(
        { metadata: { annotations: { 'example.com/x': 'a' } } },
        [{ op: 'replace', path: '/metadata/annotations/example.com~1x', value: 'b' }],
      );
      expect(out).to.deep.equal({ metadata: { annotations: { 'example.com/x': 'b' } } });
    });

    it('treats __proto__ and constructor as plain keys', () => {
      const out = applyJsonPatch({}, [
        { op: 'add', path: '/__proto__', value: { polluted: true } },
        { op: 'add', path: '/constructor', value: { prototype: { polluted: true } } },
      ]) as Record<string, unknown>;
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
      expect(Object.hasOwn(out, '__proto__')).to.equal(true);
      expect(JSON.parse(JSON.stringify(out))).to.deep.equal(
        JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
      );
      // Inherited members do not exist as far as a pointer is concerned.
      expectNotApplicable(() => applyJsonPatch({}, [{ op: 'remove', path: '/constructor' }]), /missing path/);
      expectNotApplicable(() => applyJsonPatch({}, [{ op: 'test', path: '/toString', value: null }]), /missing path/);
      expectNotApplicable(
        () => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]),
        /missing path/,
      );
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it('keeps a __proto__ member of a parsed document as data', () => {
      const doc = JSON.parse('{"__proto__":{"x":1}}');
      const out = applyJsonPatch(doc, [{ op: 'replace', path: '/__proto__/x', value: 2 }]);
      expect(JSON.stringify(out)).to.equal('{"__proto__":{"x":2}}');
      expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    });
  });

  describe('errors', () => {
    const doc = { spec: { color: 'red', list: ['a', 'b'] } };
    const cases: Array<{ name: string; patch: unknown; message: string | RegExp }> = [
      { name: 'a patch that is not an array', patch: { op: 'add' }, message: /expected an array of operations/ },
      { name: 'a null patch', patch: null, message: /expected an array of operations/ },
      { name: 'an operation that is not an object', patch: ['add'], message: /operation 0: expected an object/ },
      { name: 'a missing op', patch: [{ path: '/a' }], message: /operation 0: missing "op"/ },
      { name: 'an unknown op', patch: [{ op: 'merge', path: '/a' }], message: /operation 0: unknown op "merge"/ },
      { name: 'a missing path', patch: [{ op: 'remove' }], message: /operation 0 \(remove\): missing "path"/ },
      { name: 'a path that is not a string', patch: [{ op: 'remove', path: 3 }], message: /"path" must be a string/ },
      {
        name: 'a path without a leading slash',
        patch: [{ op: 'remove', path: 'spec/color' }],
        message: /must be empty or start with "\/"/,
      },
      { name: 'a bad ~ escape', patch: [{ op: 'remove', path: '/a~2b' }], message: /"~" must be followed by "0" or "1"/ },
      { name: 'a missing value', patch: [{ op: 'add', path: '/a' }], message: /operation 0 \(add\): missing "value"/ },
      { name: 'an undefined value', patch: [{ op: 'replace', path: '/a', value: undefined }], message: /missing "value"/ },
      { name: 'a missing from', patch: [{ op: 'copy', path: '/a' }], message: /operation 0 \(copy\): missing "from"/ },
      {
        name: 'a malformed later operation, before anything is applied',
        patch: [{ op: 'add', path: '/x', value: 1 }, { op: 'nope', path: '/x' }],
        message: /operation 1: unknown op "nope"/,
      },
      {
        name: 'replace of a missing member',
        patch: [{ op: 'replace', path: '/spec/x', value: 1 }],
        message: 'replace operation does not apply: doc is missing path: "/spec/x": missing value',
      },
      {
        name: 'remove of a missing member',
        patch: [{ op: 'remove', path: '/spec/x' }],
        message: 'remove operation does not apply: doc is missing path: "/spec/x": missing value',
      },
      {
        name: 'a path through a scalar',
        patch: [{ op: 'add', path: '/spec/color/x', value: 1 }],
        message: 'add operation does not apply: doc is missing path: "/spec/color/x": missing value',
      },
      {
        name: 'a failed test',
        patch: [{ op: 'test', path: '/spec/color', value: 'blue' }],
        message: 'testing value /spec/color failed: test failed',
      },
      {
        name: 'a test of a missing member',
        patch: [{ op: 'test', path: '/spec/x', value: null }],
        message: 'test operation does not apply: doc is missing path: "/spec/x": missing value',
      },
      {
        name: 'move from a missing member',
        patch: [{ op: 'move', from: '/spec/x', path: '/spec/y' }],
        message: 'move operation does not apply: doc is missing from path: "/spec/x": missing value',
      },
      {
        name: 'copy from a missing member',
        patch: [{ op: 'copy', from: '/nope', path: '/spec/y' }],
        message: 'copy operation does not apply: doc is missing from path: "/nope": missing value',
      },
      { name: 'an array index with a leading zero', patch: [{ op: 'replace', path: '/spec/list/01', value: 'x' }], message: /"01" is not a valid array index/ },
      { name: 'a negative array index', patch: [{ op: 'add', path: '/spec/list/-1', value: 'x' }], message: /"-1" is not a valid array index/ },
      { name: 'a name as an array index', patch: [{ op: 'remove', path: '/spec/list/first' }], message: /"first" is not a valid array index/ },
      { name: '"-" outside add', patch: [{ op: 'replace', path: '/spec/list/-', value: 'x' }], message: /"-" is not a valid array index/ },
      { name: 'an add past the end', patch: [{ op: 'add', path: '/spec/list/3', value: 'x' }], message: /index 3 is out of bounds \(array length 2\)/ },
      { name: 'a replace past the end', patch: [{ op: 'replace', path: '/spec/list/2', value: 'x' }], message: /index 2 is out of bounds/ },
      { name: 'a remove past the end', patch: [{ op: 'remove', path: '/spec/list/2' }], message: /index 2 is out of bounds/ },
      { name: 'a value that is not JSON', patch: [{ op: 'add', path: '/a', value: Number.NaN }], message: /is not JSON/ },
      { name: 'a bigint value', patch: [{ op: 'add', path: '/a', value: 10n }], message: /is not JSON/ },
      { name: 'a class instance value', patch: [{ op: 'add', path: '/a', value: new Date(0) }], message: /is not JSON: it contains a Date/ },
    ];
    for (const c of cases) {
      // A well-formed operation that does not apply is 422; a malformed patch or value is 400.
      const applies = /does not apply|test failed|array index|out of bounds/.test(String(c.message));
      it(`rejects ${c.name} as ${applies ? 'Invalid' : 'BadRequest'}`, () => {
        (applies ? expectNotApplicable : expectBadRequest)(() => applyJsonPatch(doc, c.patch), c.message);
      });
    }

    it('rejects more operations than allowed as RequestEntityTooLarge', () => {
      const patch = Array.from({ length: 3 }, () => ({ op: 'test', path: '', value: {} }));
      const err = apiErrorOf(() => applyJsonPatch({}, patch, { maxOperations: 2 }));
      expect(err.reason).to.equal('RequestEntityTooLarge');
      expect(err.message).to.match(/maximum operations in a JSON patch is 2, got 3/);
    });

    it('stops copy operations that would blow the document up', () => {
      const patch = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '', path: `/c${i}` }));
      expectNotApplicable(() => applyJsonPatch({ seed: 'x'.repeat(100) }, patch, { maxCopyBytes: 100_000 }), /copies of this patch add about/);
    });

    it('decodes a valid patch without applying it', () => {
      expect(decodeJsonPatch([{ op: 'move', from: '/a', path: '/b', value: 'ignored' }])).to.deep.equal([
        { op: 'move', from: '/a', path: '/b' },
      ]);
      expectBadRequest(() => decodeJsonPatch('[]'));
    });

    it('throws nothing but ApiError for hostile inputs', () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const throwing = Object.defineProperty({}, 'op', {
        enumerable: true,
        get() {
          throw new TypeError('boom');
        },
      });
      let deep: unknown = 1;
      for (let i = 0; i < 200_000; i++) deep = [deep];
      const inputs: Array<[unknown, unknown]> = [
        [cyclic, [{ op: 'add', path: '/b', value: 1 }]],
        [{}, [{ op: 'add', path: '/b', value: cyclic }]],
        [{}, [throwing]],
        [{}, [{ op: 'add', path: '/x', value: deep }]],
        [undefined, []],
        [() => 1, []],
        [{}, [{ op: 'add', path: '/x', value: Symbol('s') }]],
        [{}, new Array(3)],
        [{}, [{ op: Symbol('add'), path: '/x', value: 1 }]],
        [{}, new Proxy([], { get: () => { throw new Error('trap'); } })],
      ];
      for (const [d, p] of inputs) {
        apiErrorOf(() => applyJsonPatch(d, p));
      }
    });
  });
});
