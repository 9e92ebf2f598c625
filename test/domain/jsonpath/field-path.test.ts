import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import { deleteAtPath, getAtPath, parseFieldPath, setAtPath } from '../../../src/domain/jsonpath/field-path.js';

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

describe('field paths', () => {
  describe('parseFieldPath', () => {
    it('splits dotted paths', () => {
      expect(parseFieldPath('.spec.replicas')).to.deep.equal(['spec', 'replicas']);
      expect(parseFieldPath('.status.selector')).to.deep.equal(['status', 'selector']);
      expect(parseFieldPath('.a')).to.deep.equal(['a']);
      expect(parseFieldPath('.')).to.deep.equal([]);
    });

    for (const bad of ['', 'spec.replicas', '.spec..replicas', '.spec.', '..', '.spec[0]', '.spec.*', '.spec. x']) {
      it(`rejects ${JSON.stringify(bad)}`, () => expectBadRequest(() => parseFieldPath(bad), /invalid field path/));
    }
  });

  describe('getAtPath', () => {
    const obj = { spec: { replicas: 2, nothing: null, list: [1] } };
    it('reads nested members', () => {
      expect(getAtPath(obj, ['spec', 'replicas'])).to.equal(2);
      expect(getAtPath(obj, [])).to.equal(obj);
      expect(getAtPath(obj, ['spec', 'nothing'])).to.equal(null);
    });
    it('is undefined for anything missing or not an object on the way', () => {
      expect(getAtPath(obj, ['status', 'replicas'])).to.equal(undefined);
      expect(getAtPath(obj, ['spec', 'replicas', 'x'])).to.equal(undefined);
      expect(getAtPath(obj, ['spec', 'list', '0'])).to.equal(undefined);
      expect(getAtPath(null, ['a'])).to.equal(undefined);
      expect(getAtPath({}, ['constructor'])).to.equal(undefined);
      expect(getAtPath({}, ['__proto__'])).to.equal(undefined);
    });
  });

  describe('setAtPath', () => {
    it('sets nested members, creating missing or null objects on the way', () => {
      const obj: Record<string, unknown> = { spec: { replicas: 1 }, status: null };
      setAtPath(obj, ['spec', 'replicas'], 5);
      setAtPath(obj, ['status', 'replicas'], 4);
      setAtPath(obj, ['a', 'b', 'c'], 'deep');
      expect(obj).to.deep.equal({ spec: { replicas: 5 }, status: { replicas: 4 }, a: { b: { c: 'deep' } } });
    });

    it('refuses to go through a non-object and changes nothing then', () => {
      const obj = { spec: { replicas: 'three' }, list: [1] };
      expectBadRequest(() => setAtPath(obj, ['spec', 'replicas', 'x', 'y'], 1), /\.spec\.replicas is not an object/);
      expectBadRequest(() => setAtPath(obj, ['list', 'x'], 1), /\.list is not an object/);
      expectBadRequest(() => setAtPath(obj, [], 1), /root/);
      expectBadRequest(() => setAtPath(null, ['a'], 1), /not an object/);
      expect(obj).to.deep.equal({ spec: { replicas: 'three' }, list: [1] });
    });

    it('treats __proto__ and constructor as plain members', () => {
      const obj: Record<string, unknown> = {};
      setAtPath(obj, ['__proto__', 'polluted'], true);
      setAtPath(obj, ['constructor', 'prototype', 'polluted'], true);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(Object.getPrototypeOf(obj)).to.equal(Object.prototype);
      expect(JSON.stringify(obj)).to.equal('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    });
  });

  describe('deleteAtPath', () => {
    it('removes a present member and reports it', () => {
      const obj = { spec: { replicas: 1, keep: true } };
      expect(deleteAtPath(obj, ['spec', 'replicas'])).to.equal(true);
      expect(obj).to.deep.equal({ spec: { keep: true } });
    });
    it('does nothing for a missing member or an empty path', () => {
      const obj = { spec: { replicas: 1 } };
      expect(deleteAtPath(obj, ['spec', 'nope'])).to.equal(false);
      expect(deleteAtPath(obj, ['status', 'replicas'])).to.equal(false);
      expect(deleteAtPath(obj, ['spec', 'toString'])).to.equal(false);
      expect(deleteAtPath(obj, [])).to.equal(false);
      expect(obj).to.deep.equal({ spec: { replicas: 1 } });
    });
  });
});
