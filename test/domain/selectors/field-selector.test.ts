import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import { escapeFieldValue, fieldsOf, parseFieldSelector } from '../../../src/domain/selectors/index.js';

const FIELDS = ['metadata.name', 'metadata.namespace', 'spec.color'] as const;

function badRequestOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(ApiError);
    const e = err as ApiError;
    expect(e.reason).to.equal('BadRequest');
    expect(e.code).to.equal(400);
    return e.message;
  }
  expect.fail('expected a BadRequest error');
}

function terms(text: string) {
  return parseFieldSelector(text, FIELDS).requirements.map((r) => ({ ...r }));
}

describe('field selector', () => {
  describe('parsing', () => {
    it('the empty string selects everything', () => {
      const sel = parseFieldSelector('', FIELDS);
      expect(sel.empty).to.equal(true);
      expect(sel.requirements).to.have.length(0);
      expect(sel.matches({})).to.equal(true);
      expect(sel.exactValue('metadata.name')).to.equal(undefined);
      expect(sel.toString()).to.equal('');
    });
    it('empty terms are skipped, as in Kubernetes', () => {
      expect(parseFieldSelector(',', FIELDS).empty).to.equal(true);
      expect(terms(',metadata.name=a,,')).to.deep.equal([{ field: 'metadata.name', operator: '=', value: 'a' }]);
    });
    it('=, == and !=', () => {
      expect(terms('metadata.name=a')).to.deep.equal([{ field: 'metadata.name', operator: '=', value: 'a' }]);
      expect(terms('metadata.name==a')).to.deep.equal([{ field: 'metadata.name', operator: '=', value: 'a' }]);
      expect(terms('metadata.name!=a')).to.deep.equal([{ field: 'metadata.name', operator: '!=', value: 'a' }]);
    });
    it('empty values', () => {
      expect(terms('spec.color=')).to.deep.equal([{ field: 'spec.color', operator: '=', value: '' }]);
      expect(terms('spec.color!=')).to.deep.equal([{ field: 'spec.color', operator: '!=', value: '' }]);
    });
    it('several terms, in canonical (sorted) order', () => {
      expect(terms('spec.color!=red,metadata.namespace==default,metadata.name=web')).to.deep.equal([
        { field: 'metadata.name', operator: '=', value: 'web' },
        { field: 'metadata.namespace', operator: '=', value: 'default' },
        { field: 'spec.color', operator: '!=', value: 'red' },
      ]);
    });
    it('the leftmost operator splits a term', () => {
      expect(terms('metadata.name=!x')).to.deep.equal([{ field: 'metadata.name', operator: '=', value: '!x' }]);
    });
    it('values may hold characters with no special meaning', () => {
      expect(terms('spec.color=a b!c')[0].value).to.equal('a b!c');
    });
  });

  describe('escaping', () => {
    it('reads \\, \\= and \\\\ in values', () => {
      expect(terms('spec.color=a\\,b')[0].value).to.equal('a,b');
      expect(terms('spec.color=a\\=b')[0].value).to.equal('a=b');
      expect(terms('spec.color=a\\\\b')[0].value).to.equal('a\\b');
      expect(terms('spec.color=\\\\')[0].value).to.equal('\\');
    });
    it('an escaped comma does not split terms', () => {
      expect(terms('spec.color=x\\,y,metadata.name=z')).to.deep.equal([
        { field: 'metadata.name', operator: '=', value: 'z' },
        { field: 'spec.color', operator: '=', value: 'x,y' },
      ]);
      expect(terms('spec.color=x\\\\,metadata.name=y')).to.deep.equal([
        { field: 'metadata.name', operator: '=', value: 'y' },
        { field: 'spec.color', operator: '=', value: 'x\\' },
      ]);
    });
    it('writes escapes back in toString, and the result parses to the same value', () => {
      const sel = parseFieldSelector('spec.color=a\\,b\\=c\\\\d', FIELDS);
      expect(sel.toString()).to.equal('spec.color=a\\,b\\=c\\\\d');
      expect(parseFieldSelector(sel.toString(), FIELDS).requirements[0].value).to.equal('a,b=c\\d');
    });
    it('escapeFieldValue escapes exactly the three specials', () => {
      expect(escapeFieldValue('plain')).to.equal('plain');
      expect(escapeFieldValue('a,b=c\\d')).to.equal('a\\,b\\=c\\\\d');
      const value = 'x\\,=,\\';
      expect(parseFieldSelector(`spec.color=${escapeFieldValue(value)}`, FIELDS).exactValue('spec.color')).to.equal(value);
    });
  });

  describe('matching', () => {
    const fields = { 'metadata.name': 'web', 'metadata.namespace': 'default', 'spec.color': '' };
    const m = (text: string, f: Record<string, string> = fields) => parseFieldSelector(text, FIELDS).matches(f);

    it('= and ==', () => {
      expect(m('metadata.name=web')).to.equal(true);
      expect(m('metadata.name==web')).to.equal(true);
      expect(m('metadata.name=db')).to.equal(false);
    });
    it('!=', () => {
      expect(m('metadata.name!=db')).to.equal(true);
      expect(m('metadata.name!=web')).to.equal(false);
    });
    it('an empty or missing field is the empty string', () => {
      expect(m('spec.color=')).to.equal(true);
      expect(m('spec.color!=')).to.equal(false);
      expect(m('spec.color=red', {})).to.equal(false);
      expect(m('spec.color=', {})).to.equal(true);
      expect(m('spec.color!=red', {})).to.equal(true);
    });
    it('every term must hold', () => {
      expect(m('metadata.name=web,metadata.namespace=default')).to.equal(true);
      expect(m('metadata.name=web,metadata.namespace=other')).to.equal(false);
      expect(m('metadata.name=web,metadata.name=db')).to.equal(false);
    });
    it('does not read Object.prototype members', () => {
      const sel = parseFieldSelector('toString=', ['toString']);
      expect(sel.matches({})).to.equal(true);
    });
  });

  describe('exactValue', () => {
    it('returns the value an = term pins', () => {
      const sel = parseFieldSelector('metadata.namespace=ns,metadata.name=web', FIELDS);
      expect(sel.exactValue('metadata.name')).to.equal('web');
      expect(sel.exactValue('metadata.namespace')).to.equal('ns');
      expect(sel.exactValue('spec.color')).to.equal(undefined);
    });
    it('is undefined for a != term, and sees an empty pinned value', () => {
      expect(parseFieldSelector('metadata.name!=web', FIELDS).exactValue('metadata.name')).to.equal(undefined);
      expect(parseFieldSelector('metadata.name=', FIELDS).exactValue('metadata.name')).to.equal('');
      expect(parseFieldSelector('metadata.name==x', FIELDS).exactValue('metadata.name')).to.equal('x');
    });
    it('finds the = term beside a != term on the same field', () => {
      expect(parseFieldSelector('metadata.name!=a,metadata.name=b', FIELDS).exactValue('metadata.name')).to.equal('b');
    });
  });

  describe('canonical string form', () => {
    it('sorts terms and writes == as =', () => {
      const sel = parseFieldSelector('spec.color==red,metadata.name!=x', FIELDS);
      expect(sel.toString()).to.equal('metadata.name!=x,spec.color=red');
      expect(String(sel)).to.equal('metadata.name!=x,spec.color=red');
    });
    it('is immutable', () => {
      const sel = parseFieldSelector('metadata.name=a', FIELDS);
      expect(Object.isFrozen(sel)).to.equal(true);
      expect(Object.isFrozen(sel.requirements)).to.equal(true);
      expect(Object.isFrozen(sel.requirements[0])).to.equal(true);
    });
  });

  describe('errors', () => {
    it('an unsupported field uses Kubernetes wording', () => {
      expect(badRequestOf(() => parseFieldSelector('status.phase=Running', FIELDS))).to.equal(
        'field label not supported: status.phase',
      );
      expect(badRequestOf(() => parseFieldSelector('metadata.name=a,spec.size!=1', FIELDS))).to.equal(
        'field label not supported: spec.size',
      );
      expect(badRequestOf(() => parseFieldSelector('=x', FIELDS))).to.equal('field label not supported: ');
    });
    it('no trimming: spaces belong to the field name', () => {
      expect(badRequestOf(() => parseFieldSelector('metadata.name =a', FIELDS))).to.equal(
        'field label not supported: metadata.name ',
      );
      expect(badRequestOf(() => parseFieldSelector('metadata.name=a, spec.color=b', FIELDS))).to.equal(
        'field label not supported:  spec.color',
      );
    });
    it('nothing is supported when the list is empty', () => {
      expect(badRequestOf(() => parseFieldSelector('metadata.name=a', []))).to.match(/field label not supported/);
      expect(parseFieldSelector('', []).empty).to.equal(true);
    });
    const malformed: [string, RegExp][] = [
      ['metadata.name', /can't understand 'metadata.name'/],
      ['metadata.name=a,web', /can't understand 'web'/],
      ['spec.color=a=b', /unescaped character in value: '='/],
      ['metadata.name!==x', /unescaped character in value: '='/],
      ['spec.color=a\\x', /invalid escape sequence: \\x/],
      ['spec.color=a\\', /invalid escape sequence: \\ at the end/],
      ['spec.color=\\', /invalid escape sequence/],
    ];
    for (const [input, pattern] of malformed) {
      it(`rejects ${JSON.stringify(input)}`, () => {
        expect(badRequestOf(() => parseFieldSelector(input, FIELDS))).to.match(pattern);
      });
    }

    it('never throws anything but BadRequest on garbage', () => {
      let s = 7;
      const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
      const alphabet = ['metadata.name', 'spec.color', '=', '==', '!=', '!', ',', '\\', 'a', ' ', 'ü', '\u0000'];
      for (let i = 0; i < 3000; i++) {
        let text = '';
        const len = Math.floor(next() * 10);
        for (let j = 0; j < len; j++) text += alphabet[Math.floor(next() * alphabet.length)];
        try {
          const sel = parseFieldSelector(text, FIELDS);
          expect(parseFieldSelector(sel.toString(), FIELDS).toString()).to.equal(sel.toString());
        } catch (err) {
          expect(err, `input ${JSON.stringify(text)}: ${String(err)}`).to.be.instanceOf(ApiError);
          expect((err as ApiError).reason).to.equal('BadRequest');
        }
      }
    });
  });

  describe('fieldsOf', () => {
    const obj = {
      metadata: { name: 'web', namespace: 'default', labels: { a: 'b' } },
      spec: { color: 'red', replicas: 3, ratio: 1.5, paused: false, nothing: null, list: [1], nested: { x: 'y' } },
    };

    it('reads dotted paths as strings', () => {
      expect(fieldsOf(obj, ['metadata.name', 'metadata.namespace', 'spec.color'])).to.deep.equal({
        'metadata.name': 'web',
        'metadata.namespace': 'default',
        'spec.color': 'red',
      });
    });
    it('stringifies numbers and booleans', () => {
      expect(fieldsOf(obj, ['spec.replicas', 'spec.ratio', 'spec.paused'])).to.deep.equal({
        'spec.replicas': '3',
        'spec.ratio': '1.5',
        'spec.paused': 'false',
      });
    });
    it('gives the empty string for missing paths, null, objects and arrays', () => {
      expect(
        fieldsOf(obj, ['spec.size', 'status.phase', 'spec.nothing', 'spec.list', 'spec.nested', 'metadata.name.x', 'spec.list.0']),
      ).to.deep.equal({
        'spec.size': '',
        'status.phase': '',
        'spec.nothing': '',
        'spec.list': '',
        'spec.nested': '',
        'metadata.name.x': '',
        'spec.list.0': '',
      });
    });
    it('accepts a leading dot and keeps the path as given', () => {
      expect(fieldsOf(obj, ['.spec.color'])).to.deep.equal({ '.spec.color': 'red' });
    });
    it('does not read inherited properties', () => {
      expect(fieldsOf(obj, ['metadata.constructor', 'spec.color.length'])).to.deep.equal({
        'metadata.constructor': '',
        'spec.color.length': '',
      });
    });
    it('feeds matches()', () => {
      const sel = parseFieldSelector('metadata.name=web,spec.color!=blue', FIELDS);
      expect(sel.matches(fieldsOf(obj, FIELDS))).to.equal(true);
      expect(sel.matches(fieldsOf({ metadata: { name: 'db' } }, FIELDS))).to.equal(false);
    });
  });
});
