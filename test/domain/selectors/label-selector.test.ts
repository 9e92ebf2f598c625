import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import {
  everything,
  formatLabelSelectorObject,
  labelSelectorFromObject,
  nothing,
  parseLabelSelector,
  type LabelSelectorObject,
} from '../../../src/domain/selectors/index.js';

/** Runs fn, expects a BadRequest ApiError (400) and returns its message. */
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

function reqs(text: string) {
  return parseLabelSelector(text).requirements.map((r) => ({ key: r.key, operator: r.operator, values: [...r.values] }));
}

describe('label selector', () => {
  describe('parsing each operator', () => {
    it('key: Exists', () => {
      expect(reqs('app')).to.deep.equal([{ key: 'app', operator: 'Exists', values: [] }]);
    });
    it('!key: DoesNotExist', () => {
      expect(reqs('!app')).to.deep.equal([{ key: 'app', operator: 'DoesNotExist', values: [] }]);
      expect(reqs('! app')).to.deep.equal([{ key: 'app', operator: 'DoesNotExist', values: [] }]);
    });
    it('key=value and key==value: Equals', () => {
      expect(reqs('app=web')).to.deep.equal([{ key: 'app', operator: 'Equals', values: ['web'] }]);
      expect(reqs('app==web')).to.deep.equal([{ key: 'app', operator: 'Equals', values: ['web'] }]);
    });
    it('key!=value: NotEquals', () => {
      expect(reqs('app!=web')).to.deep.equal([{ key: 'app', operator: 'NotEquals', values: ['web'] }]);
    });
    it('key in (...): In, values sorted and deduplicated', () => {
      expect(reqs('app in (y,x,y)')).to.deep.equal([{ key: 'app', operator: 'In', values: ['x', 'y'] }]);
    });
    it('key notin (...): NotIn', () => {
      expect(reqs('app notin (x)')).to.deep.equal([{ key: 'app', operator: 'NotIn', values: ['x'] }]);
    });
    it('key>N and key<N: GreaterThan, LessThan', () => {
      expect(reqs('n>5')).to.deep.equal([{ key: 'n', operator: 'GreaterThan', values: ['5'] }]);
      expect(reqs('n<10')).to.deep.equal([{ key: 'n', operator: 'LessThan', values: ['10'] }]);
    });
    it('empty values: key=, key!=, members of a set', () => {
      expect(reqs('a=')).to.deep.equal([{ key: 'a', operator: 'Equals', values: [''] }]);
      expect(reqs('a!=,b=x')).to.deep.equal([
        { key: 'a', operator: 'NotEquals', values: [''] },
        { key: 'b', operator: 'Equals', values: ['x'] },
      ]);
      expect(reqs('a in (,x)')[0].values).to.deep.equal(['', 'x']);
      expect(reqs('a in (x,)')[0].values).to.deep.equal(['', 'x']);
      expect(reqs('a in (x,,y)')[0].values).to.deep.equal(['', 'x', 'y']);
    });
    it('key in () means the empty value, as in Kubernetes', () => {
      const sel = parseLabelSelector('a in ()');
      expect(reqs('a in ()')).to.deep.equal([{ key: 'a', operator: 'In', values: [''] }]);
      expect(sel.matches({ a: '' })).to.equal(true);
      expect(sel.matches({ a: 'x' })).to.equal(false);
      expect(sel.toString()).to.equal('a in ()');
    });
    it('qualified keys with a prefix', () => {
      expect(reqs('app.kubernetes.io/name=web')[0].key).to.equal('app.kubernetes.io/name');
    });
    it('in and notin are plain words as keys and values', () => {
      expect(reqs('in in (in,notin)')).to.deep.equal([{ key: 'in', operator: 'In', values: ['in', 'notin'] }]);
      expect(reqs('notin=in')).to.deep.equal([{ key: 'notin', operator: 'Equals', values: ['in'] }]);
      expect(reqs('!in')).to.deep.equal([{ key: 'in', operator: 'DoesNotExist', values: [] }]);
    });
  });

  describe('whitespace and empty input', () => {
    it('the empty string and blanks select everything', () => {
      for (const text of ['', ' ', '\t\n ']) {
        const sel = parseLabelSelector(text);
        expect(sel.empty).to.equal(true);
        expect(sel.requirements).to.have.length(0);
        expect(sel.matches(undefined)).to.equal(true);
        expect(sel.matches({ a: 'b' })).to.equal(true);
        expect(sel.toString()).to.equal('');
      }
    });
    it('tolerates whitespace between every token', () => {
      const sel = parseLabelSelector('  a  in  ( x , y )  ,  ! b ,c != d , e == f, g = , n > 3 ');
      expect(sel.toString()).to.equal('a in (x,y),!b,c!=d,e=f,g=,n>3');
    });
  });

  describe('the kubectl example', () => {
    const sel = parseLabelSelector('app in (x,y),!gone,tier!=z');

    it('parses into three requirements sorted by key', () => {
      expect(sel.empty).to.equal(false);
      expect(sel.requirements.map((r) => r.key)).to.deep.equal(['app', 'gone', 'tier']);
      expect(sel.requirements.map((r) => r.operator)).to.deep.equal(['In', 'DoesNotExist', 'NotEquals']);
    });
    it('matches as Kubernetes does', () => {
      expect(sel.matches({ app: 'x' })).to.equal(true);
      expect(sel.matches({ app: 'y', tier: 'a' })).to.equal(true);
      expect(sel.matches({ app: 'x', tier: 'z' })).to.equal(false);
      expect(sel.matches({ app: 'x', gone: '' })).to.equal(false);
      expect(sel.matches({ app: 'w' })).to.equal(false);
      expect(sel.matches({})).to.equal(false);
      expect(sel.matches(undefined)).to.equal(false);
    });
    it('prints canonically', () => {
      expect(sel.toString()).to.equal('app in (x,y),!gone,tier!=z');
    });
  });

  describe('matching', () => {
    const m = (text: string, labels: Record<string, string> | undefined) => parseLabelSelector(text).matches(labels);

    it('Exists / DoesNotExist', () => {
      expect(m('a', { a: '' })).to.equal(true);
      expect(m('a', { b: 'x' })).to.equal(false);
      expect(m('!a', { b: 'x' })).to.equal(true);
      expect(m('!a', { a: 'x' })).to.equal(false);
      expect(m('!a', undefined)).to.equal(true);
    });
    it('Equals / NotEquals, including the empty value', () => {
      expect(m('a=x', { a: 'x' })).to.equal(true);
      expect(m('a=x', { a: 'y' })).to.equal(false);
      expect(m('a=x', {})).to.equal(false);
      expect(m('a!=x', { a: 'y' })).to.equal(true);
      expect(m('a!=x', {})).to.equal(true);
      expect(m('a!=x', { a: 'x' })).to.equal(false);
      expect(m('a=', { a: '' })).to.equal(true);
      expect(m('a=', {})).to.equal(false);
      expect(m('a!=', { a: '' })).to.equal(false);
    });
    it('In / NotIn', () => {
      expect(m('a in (x,y)', { a: 'y' })).to.equal(true);
      expect(m('a in (x,y)', { a: 'z' })).to.equal(false);
      expect(m('a in (x,y)', {})).to.equal(false);
      expect(m('a notin (x,y)', { a: 'z' })).to.equal(true);
      expect(m('a notin (x,y)', {})).to.equal(true);
      expect(m('a notin (x,y)', { a: 'x' })).to.equal(false);
    });
    it('GreaterThan / LessThan compare integers, not strings', () => {
      expect(m('n>5', { n: '10' })).to.equal(true);
      expect(m('n>5', { n: '5' })).to.equal(false);
      expect(m('n>5', { n: '-7' })).to.equal(false);
      expect(m('n<5', { n: '-7' })).to.equal(true);
      expect(m('n<10', { n: '9' })).to.equal(true);
      expect(m('n<10', { n: '10' })).to.equal(false);
      expect(m('n>5', {})).to.equal(false);
      expect(m('n<5', {})).to.equal(false);
      expect(m('n>5', { n: 'abc' })).to.equal(false);
      expect(m('n<5', { n: '' })).to.equal(false);
      expect(m('n>9223372036854775806', { n: '9223372036854775807' })).to.equal(true);
      expect(m('n<5', { n: '99999999999999999999' })).to.equal(false);
    });
    it('all requirements must hold', () => {
      expect(m('a=x,b', { a: 'x', b: '1' })).to.equal(true);
      expect(m('a=x,b', { a: 'x' })).to.equal(false);
    });
    it('does not see Object.prototype members as labels', () => {
      expect(m('constructor', {})).to.equal(false);
      expect(m('!toString', {})).to.equal(true);
      expect(m('hasOwnProperty notin (x)', {})).to.equal(true);
    });
  });

  describe('canonical string form', () => {
    const cases: [string, string][] = [
      ['b=1,a=2', 'a=2,b=1'],
      ['x==y', 'x=y'],
      ['a notin (z, b, m)', 'a notin (b,m,z)'],
      ['z, !y, x>3, w<2', 'w<2,x>3,!y,z'],
      ['a in (x,,y)', 'a in (,x,y)'],
      ['a=1,a!=2', 'a=1,a!=2'],
    ];
    for (const [input, out] of cases) {
      it(`${JSON.stringify(input)} -> ${JSON.stringify(out)}`, () => {
        const sel = parseLabelSelector(input);
        expect(sel.toString()).to.equal(out);
        expect(parseLabelSelector(sel.toString()).toString()).to.equal(out);
      });
    }
    it('String(selector) uses the canonical form', () => {
      expect(String(parseLabelSelector('b,a'))).to.equal('a,b');
    });
  });

  describe('rejecting bad selectors with BadRequest', () => {
    const bad: [string, RegExp][] = [
      [',', /found ',', expected: !, identifier, or end of string/],
      ['a,', /found end of string, expected: identifier after ','/],
      ['a,,b', /found ',', expected: identifier after ','/],
      ['a=b c', /found 'c', expected: ',' or end of string/],
      ['a b', /unable to parse requirement: found 'b', expected: in, notin/],
      ['!', /unable to parse requirement: found end of string, expected: identifier/],
      ['!=a', /found '!=', expected: !, identifier/],
      ['!a=b', /found '=', expected: ',' or end of string/],
      ['a in x', /unable to parse requirement: found 'x', expected: '\('/],
      ['a in (x', /found end of string, expected: ',' or '\)'/],
      ['a in (x y)', /found 'y', expected: ',' or '\)'/],
      ['a in (=)', /found '=', expected: ',', '\)' or identifier/],
      ['a in', /found end of string, expected: '\('/],
      ['a=(b)', /found '\(', expected: identifier/],
      ['a==>b', /found '>', expected: identifier/],
      ['a>b', /the value must be an integer/],
      ['a>', /the value must be an integer/],
      ['a<1.5', /the value must be an integer/],
      ['a>99999999999999999999', /the value must be an integer/],
      ['a>-1', /invalid label value "-1"/],
      ['Bad_Key_=x', /invalid label key "Bad_Key_"/],
      ['-a', /invalid label key "-a"/],
      ['a/b/c', /invalid label key "a\/b\/c"/],
      ['/a', /invalid label key "\/a"/],
      [`${'k'.repeat(64)}`, /invalid label key/],
      ['a=-x', /invalid label value "-x" for key "a"/],
      [`a=${'v'.repeat(64)}`, /invalid label value/],
      ['a in (x,-y)', /invalid label value "-y"/],
      ['a=b)', /found '\)', expected: ',' or end of string/],
      ['(a)', /found '\(', expected: !, identifier/],
      ['a=b=c', /found '=', expected: ',' or end of string/],
      ['a~b', /invalid label key "a~b"/],
      ['a=ü', /invalid label value "ü"/],
    ];
    for (const [input, pattern] of bad) {
      it(JSON.stringify(input), () => {
        expect(badRequestOf(() => parseLabelSelector(input))).to.match(pattern);
      });
    }
    it('prefixes requirement problems as Kubernetes does', () => {
      expect(badRequestOf(() => parseLabelSelector('a b'))).to.match(/^unable to parse requirement: /);
    });
  });

  describe('fuzzing', () => {
    // A tiny deterministic PRNG so a failure can be reproduced.
    function rng(seed: number): () => number {
      let s = seed >>> 0;
      return () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32;
      };
    }
    const alphabet = ['a', 'b', 'in', 'notin', ' ', '!', '=', '==', '!=', '>', '<', '(', ')', ',', '1', '-', '.', '/', '_', '\\', 'ü', '\u0000', '\t', 'x'];

    it('never throws anything but a BadRequest ApiError, and valid results round-trip', () => {
      const next = rng(42);
      let parsed = 0;
      for (let i = 0; i < 5000; i++) {
        const len = Math.floor(next() * 12);
        let text = '';
        for (let j = 0; j < len; j++) text += alphabet[Math.floor(next() * alphabet.length)];
        let sel;
        try {
          sel = parseLabelSelector(text);
        } catch (err) {
          expect(err, `input ${JSON.stringify(text)}: ${String(err)}`).to.be.instanceOf(ApiError);
          expect((err as ApiError).reason).to.equal('BadRequest');
          continue;
        }
        parsed++;
        const canonical = sel.toString();
        expect(parseLabelSelector(canonical).toString(), `input ${JSON.stringify(text)}`).to.equal(canonical);
        sel.matches({ a: '1', b: '' });
      }
      expect(parsed).to.be.greaterThan(50);
    });

    it('survives odd inputs', () => {
      for (const text of ['\u0000', '((((', '))))', '!!!!', '====', ',,,,', 'a'.repeat(100_000), '=('.repeat(10_000)]) {
        try {
          parseLabelSelector(text);
        } catch (err) {
          expect(err).to.be.instanceOf(ApiError);
          expect((err as ApiError).code).to.equal(400);
        }
      }
    });
  });

  describe('everything() and nothing()', () => {
    it('everything matches all and is empty', () => {
      const sel = everything();
      expect(sel.empty).to.equal(true);
      expect(sel.matches(undefined)).to.equal(true);
      expect(sel.matches({ x: 'y' })).to.equal(true);
      expect(sel.toString()).to.equal('');
      expect(everything()).to.equal(sel);
      expect(Object.isFrozen(sel)).to.equal(true);
    });
    it('nothing matches none and is not empty', () => {
      expect(nothing().empty).to.equal(false);
      expect(nothing().matches({})).to.equal(false);
      expect(nothing().matches(undefined)).to.equal(false);
      expect(nothing().toString()).to.equal('');
    });
    it('parsed requirements are immutable', () => {
      const sel = parseLabelSelector('a in (x,y)');
      expect(Object.isFrozen(sel.requirements)).to.equal(true);
      expect(Object.isFrozen(sel.requirements[0])).to.equal(true);
      expect(Object.isFrozen(sel.requirements[0].values)).to.equal(true);
    });
  });

  describe('labelSelectorFromObject', () => {
    it('{} selects everything; null and undefined select nothing', () => {
      expect(labelSelectorFromObject({}).empty).to.equal(true);
      expect(labelSelectorFromObject({}).matches({ a: 'b' })).to.equal(true);
      expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty).to.equal(true);
      expect(labelSelectorFromObject(undefined).matches({})).to.equal(false);
      expect(labelSelectorFromObject(null).matches({})).to.equal(false);
    });

    it('matchLabels become Equals requirements sorted by key', () => {
      const sel = labelSelectorFromObject({ matchLabels: { tier: 'web', app: 'shop' } });
      expect(sel.requirements.map((r) => [r.key, r.operator, [...r.values]])).to.deep.equal([
        ['app', 'Equals', ['shop']],
        ['tier', 'Equals', ['web']],
      ]);
      expect(sel.matches({ app: 'shop', tier: 'web', extra: '1' })).to.equal(true);
      expect(sel.matches({ app: 'shop' })).to.equal(false);
      expect(sel.toString()).to.equal('app=shop,tier=web');
    });

    it('matchExpressions keep their operators and combine with matchLabels', () => {
      const obj: LabelSelectorObject = {
        matchLabels: { app: 'shop' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['web', 'api'] },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist', values: [] },
        ],
      };
      const sel = labelSelectorFromObject(obj);
      expect(sel.toString()).to.equal('app=shop,env notin (dev),!legacy,team,tier in (api,web)');
      expect(sel.matches({ app: 'shop', tier: 'api', team: 'a' })).to.equal(true);
      expect(sel.matches({ app: 'shop', tier: 'api', team: 'a', env: 'dev' })).to.equal(false);
      expect(sel.matches({ app: 'shop', tier: 'api', team: 'a', legacy: 'y' })).to.equal(false);
      expect(sel.matches({ app: 'shop', tier: 'db', team: 'a' })).to.equal(false);
      expect(parseLabelSelector(sel.toString()).toString()).to.equal(sel.toString());
    });

    it('formatLabelSelectorObject gives the string form for status.selector', () => {
      expect(formatLabelSelectorObject({ matchLabels: { app: 'web' } })).to.equal('app=web');
      expect(
        formatLabelSelectorObject({
          matchLabels: { b: '1' },
          matchExpressions: [{ key: 'a', operator: 'In', values: ['y', 'x'] }],
        }),
      ).to.equal('a in (x,y),b=1');
      expect(formatLabelSelectorObject({})).to.equal('');
      expect(formatLabelSelectorObject(undefined)).to.equal('');
    });

    it('does not mutate its input', () => {
      const values = ['b', 'a'];
      labelSelectorFromObject({ matchExpressions: [{ key: 'k', operator: 'In', values }] }).toString();
      expect(values).to.deep.equal(['b', 'a']);
    });

    const bad: [string, unknown, RegExp][] = [
      ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }, /matchExpressions\[0\].*values set can't be empty/],
      ['NotIn with []', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, /values set can't be empty/],
      ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /values set must be empty/],
      ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, /matchExpressions\[0\]\.operator: "Equals" is not a valid label selector operator/],
      ['missing operator', { matchExpressions: [{ key: 'a' }] }, /is not a valid label selector operator/],
      ['bad key in matchLabels', { matchLabels: { 'bad key': 'x' } }, /matchLabels\[bad key\].*invalid label key "bad key"/],
      ['bad value in matchLabels', { matchLabels: { a: '-x' } }, /matchLabels\[a\].*invalid label value "-x"/],
      ['non-string label value', { matchLabels: { a: 1 } }, /matchLabels\[a\]: must be a string/],
      ['bad expression key', { matchExpressions: [{ key: '', operator: 'Exists' }] }, /invalid label key ""/],
      ['bad expression value', { matchExpressions: [{ key: 'a', operator: 'In', values: ['a b'] }] }, /invalid label value "a b"/],
      ['non-string key', { matchExpressions: [{ key: 3, operator: 'Exists' }] }, /matchExpressions\[0\]\.key: must be a string/],
      ['values not a list', { matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] }, /values: must be a list of strings/],
      ['matchExpressions not a list', { matchExpressions: {} }, /matchExpressions: must be a list/],
      ['matchLabels a list', { matchLabels: ['a'] }, /matchLabels: must be a map/],
      ['not an object', 'app=web', /must be an object/],
    ];
    for (const [name, input, pattern] of bad) {
      it(`rejects ${name}`, () => {
        expect(badRequestOf(() => labelSelectorFromObject(input as LabelSelectorObject))).to.match(pattern);
        expect(badRequestOf(() => formatLabelSelectorObject(input as LabelSelectorObject))).to.match(pattern);
      });
    }
  });
});
