import { expect } from 'chai';
import { z } from 'zod';
import type { FieldError } from '../../../src/domain/resource/field-error.js';
import {
  appendFieldPath,
  formatFieldPath,
  zodIssuesToFieldErrors,
} from '../../../src/domain/validation/zod-field-errors.js';

function errorsOf(schema: z.ZodType, input: unknown, basePath?: string): FieldError[] {
  const r = schema.safeParse(input);
  if (r.success) return [];
  return zodIssuesToFieldErrors(r.error.issues, input, basePath);
}

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.reason} ${e.field}: ${e.message}`);
}

describe('formatFieldPath', () => {
  it('renders fields, indexes and odd keys', () => {
    expect(formatFieldPath(['spec', 'conditions', 0, 'type'])).to.equal('spec.conditions[0].type');
    expect(formatFieldPath(['spec', 'selector', 'app.kubernetes.io/name'])).to.equal('spec.selector[app.kubernetes.io/name]');
    expect(formatFieldPath(['spec', 'map', 'my-key'])).to.equal('spec.map.my-key');
    expect(formatFieldPath(['spec', 'map', ''])).to.equal('spec.map[]');
    expect(formatFieldPath([0, 'x'])).to.equal('[0].x');
    expect(formatFieldPath(['x'], 'spec')).to.equal('spec.x');
    expect(formatFieldPath([], 'spec')).to.equal('spec');
    expect(appendFieldPath('', 'a b')).to.equal('[a b]');
    expect(appendFieldPath('spec', Symbol('s'))).to.equal('spec.s');
  });
});

describe('zodIssuesToFieldErrors', () => {
  const spec = z.object({
    color: z.enum(['red', 'green', 'blue']),
    replicas: z.number().int().min(0).max(10),
    name: z.string().min(1).max(5),
    tags: z.array(z.string()).max(2).optional(),
    nested: z.object({ deep: z.object({ value: z.boolean() }) }).optional(),
  });
  const valid = { color: 'red', replicas: 1, name: 'a' };

  it('reports a missing field as Required', () => {
    expect(summary(errorsOf(spec, { replicas: 1, name: 'a' }, 'spec'))).to.deep.equal([
      'FieldValueRequired spec.color: Required value',
    ]);
  });

  it('reports a missing nested field as Required', () => {
    expect(summary(errorsOf(spec, { ...valid, nested: { deep: {} } }, 'spec'))).to.deep.equal([
      'FieldValueRequired spec.nested.deep.value: Required value',
    ]);
  });

  it('reports a wrong type as TypeInvalid with the value', () => {
    expect(summary(errorsOf(spec, { ...valid, name: 5 }, 'spec'))).to.deep.equal([
      'FieldValueTypeInvalid spec.name: Invalid value: 5: must be of type string',
    ]);
    expect(summary(errorsOf(spec, { ...valid, replicas: '3' }, 'spec'))).to.deep.equal([
      'FieldValueTypeInvalid spec.replicas: Invalid value: "3": must be of type number',
    ]);
    expect(summary(errorsOf(spec, { ...valid, nested: [] }, 'spec'))).to.deep.equal([
      'FieldValueTypeInvalid spec.nested: Invalid value: []: must be of type object',
    ]);
  });

  it('calls a non-integer number a bad integer', () => {
    expect(summary(errorsOf(spec, { ...valid, replicas: 1.5 }, 'spec'))).to.deep.equal([
      'FieldValueTypeInvalid spec.replicas: Invalid value: 1.5: must be of type integer',
    ]);
  });

  it('reports null for a required field as a type error', () => {
    expect(summary(errorsOf(spec, { ...valid, name: null }, 'spec'))).to.deep.equal([
      'FieldValueTypeInvalid spec.name: Invalid value: null: must be of type string',
    ]);
  });

  it('reports enum misses as NotSupported with the supported values', () => {
    expect(summary(errorsOf(spec, { ...valid, color: 'purple' }, 'spec'))).to.deep.equal([
      'FieldValueNotSupported spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"',
    ]);
  });

  it('reports literal misses as NotSupported', () => {
    expect(summary(errorsOf(z.object({ v: z.literal('x') }), { v: 'y' }))).to.deep.equal([
      'FieldValueNotSupported v: Unsupported value: "y": supported values: "x"',
    ]);
  });

  it('maps number bounds to Invalid with Kubernetes wording', () => {
    expect(summary(errorsOf(spec, { ...valid, replicas: -1 }, 'spec'))).to.deep.equal([
      'FieldValueInvalid spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(summary(errorsOf(spec, { ...valid, replicas: 11 }, 'spec'))).to.deep.equal([
      'FieldValueInvalid spec.replicas: Invalid value: 11: must be less than or equal to 10',
    ]);
    expect(summary(errorsOf(z.number().gt(0).lt(5), 5))).to.deep.equal(['FieldValueInvalid : Invalid value: 5: must be less than 5']);
    expect(summary(errorsOf(z.number().gt(0).lt(5), 0))).to.deep.equal(['FieldValueInvalid : Invalid value: 0: must be greater than 0']);
  });

  it('maps long strings to TooLong and long arrays to TooMany', () => {
    expect(summary(errorsOf(spec, { ...valid, name: 'abcdef' }, 'spec'))).to.deep.equal([
      'FieldValueTooLong spec.name: Too long: may not be more than 5 bytes',
    ]);
    expect(summary(errorsOf(spec, { ...valid, tags: ['a', 'b', 'c'] }, 'spec'))).to.deep.equal([
      'FieldValueTooMany spec.tags: Too many: 3: must have at most 2 items',
    ]);
  });

  it('maps an empty string or list under a minimum to Required, a short one to Invalid', () => {
    expect(summary(errorsOf(spec, { ...valid, name: '' }, 'spec'))).to.deep.equal(['FieldValueRequired spec.name: Required value']);
    expect(summary(errorsOf(z.string().min(3), 'ab'))).to.deep.equal(['FieldValueInvalid : Invalid value: "ab": must be at least 3 characters']);
    expect(summary(errorsOf(z.object({ l: z.array(z.string()).min(1) }), { l: [] }))).to.deep.equal(['FieldValueRequired l: Required value']);
    expect(summary(errorsOf(z.object({ l: z.array(z.string()).min(2) }), { l: ['a'] }))).to.deep.equal([
      'FieldValueInvalid l: Invalid value: ["a"]: must have at least 2 items',
    ]);
  });

  it('maps exact lengths to Invalid', () => {
    expect(summary(errorsOf(z.string().length(2), 'abc'))).to.deep.equal(['FieldValueInvalid : Invalid value: "abc": must be exactly 2 characters']);
    expect(summary(errorsOf(z.string().length(2), 'a'))).to.deep.equal(['FieldValueInvalid : Invalid value: "a": must be exactly 2 characters']);
  });

  it('maps formats to Invalid', () => {
    expect(summary(errorsOf(z.object({ s: z.string().regex(/^[a-z]+$/) }), { s: 'A1' }))).to.deep.equal([
      "FieldValueInvalid s: Invalid value: \"A1\": must match the pattern '^[a-z]+$'",
    ]);
    expect(summary(errorsOf(z.email(), 'nope'))).to.deep.equal(['FieldValueInvalid : Invalid value: "nope": must be an email address']);
    expect(summary(errorsOf(z.iso.datetime(), 'yesterday'))).to.deep.equal([
      'FieldValueInvalid : Invalid value: "yesterday": must be an RFC 3339 date-time',
    ]);
    expect(summary(errorsOf(z.string().startsWith('ab'), 'x'))).to.deep.equal(['FieldValueInvalid : Invalid value: "x": must start with "ab"']);
    expect(summary(errorsOf(z.number().multipleOf(3), 4))).to.deep.equal(['FieldValueInvalid : Invalid value: 4: must be a multiple of 3']);
  });

  it('reports the key of a record in brackets when it is not a plain identifier', () => {
    const schema = z.object({ m: z.record(z.string(), z.object({ a: z.string() })) });
    expect(summary(errorsOf(schema, { m: { 'a.b/c': { a: 1 }, plain: { a: 2 } } }))).to.deep.equal([
      'FieldValueTypeInvalid m[a.b/c].a: Invalid value: 1: must be of type string',
      'FieldValueTypeInvalid m.plain.a: Invalid value: 2: must be of type string',
    ]);
  });

  it('reports invalid record keys with the key as value', () => {
    const schema = z.object({ m: z.record(z.string().regex(/^[a-z]+$/), z.string()) });
    expect(summary(errorsOf(schema, { m: { AB: 'x' } }))).to.deep.equal([
      "FieldValueInvalid m.AB: Invalid value: \"AB\": must match the pattern '^[a-z]+$'",
    ]);
  });

  it('renders array indexes', () => {
    const schema = z.object({ conditions: z.array(z.object({ type: z.string(), status: z.enum(['True', 'False', 'Unknown']) })) });
    expect(summary(errorsOf(schema, { conditions: [{ type: 'Ready', status: 'True' }, { status: 'Maybe' }] }, 'status'))).to.deep.equal([
      'FieldValueRequired status.conditions[1].type: Required value',
      'FieldValueNotSupported status.conditions[1].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    ]);
  });

  it('maps strict-object extra keys to Forbidden, one per key', () => {
    expect(summary(errorsOf(z.object({ s: z.strictObject({ a: z.string() }) }), { s: { a: 'x', b: 1, 'c.d': 2 } }))).to.deep.equal([
      'FieldValueForbidden s.b: Forbidden: field not declared in the schema',
      'FieldValueForbidden s[c.d]: Forbidden: field not declared in the schema',
    ]);
  });

  describe('unions', () => {
    it('reports a value of no alternative type as TypeInvalid listing the types', () => {
      expect(summary(errorsOf(z.object({ v: z.union([z.string(), z.number()]) }), { v: true }))).to.deep.equal([
        'FieldValueTypeInvalid v: Invalid value: true: must be of type string or number',
      ]);
    });

    it('reports a missing union value as Required', () => {
      expect(summary(errorsOf(z.object({ v: z.union([z.string(), z.number()]) }), {}))).to.deep.equal(['FieldValueRequired v: Required value']);
    });

    it('follows the one alternative that matched the type', () => {
      const schema = z.object({ v: z.union([z.string(), z.object({ a: z.number() })]) });
      expect(summary(errorsOf(schema, { v: { a: 'x' } }))).to.deep.equal([
        'FieldValueTypeInvalid v.a: Invalid value: "x": must be of type number',
      ]);
    });

    it('reports a bad discriminator as NotSupported', () => {
      const schema = z.object({
        v: z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b'), x: z.string() })]),
      });
      expect(summary(errorsOf(schema, { v: { type: 'c' } }))).to.deep.equal([
        'FieldValueNotSupported v.type: Unsupported value: "c": supported values: "a", "b"',
      ]);
      expect(summary(errorsOf(schema, { v: { type: 'b' } }))).to.deep.equal(['FieldValueRequired v.x: Required value']);
    });

    it('falls back to a generic Invalid when several alternatives came close', () => {
      const schema = z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]);
      expect(summary(errorsOf(schema, { c: 1 }))).to.deep.equal([
        'FieldValueInvalid : Invalid value: {"c":1}: does not match any of the allowed schemas',
      ]);
    });

    it('reports an exclusive union with several matches', () => {
      const errs = errorsOf(z.xor([z.string(), z.string().min(1)]), 'a');
      expect(errs.map((e) => e.reason)).to.deep.equal(['FieldValueInvalid']);
    });
  });

  describe('custom issues', () => {
    it('uses the refinement message as the detail', () => {
      const schema = z.object({ n: z.number().refine((v) => v % 2 === 0, { message: 'must be even' }) });
      expect(summary(errorsOf(schema, { n: 3 }))).to.deep.equal(['FieldValueInvalid n: Invalid value: 3: must be even']);
    });

    it('honours params.reason', () => {
      const schema = z.object({ a: z.string(), b: z.string() }).superRefine((v, ctx) => {
        if (v.a === v.b) ctx.addIssue({ code: 'custom', path: ['b'], message: 'must differ from a', params: { reason: 'FieldValueForbidden' } });
        ctx.addIssue({ code: 'custom', path: ['a'], message: 'x', params: { reason: 'FieldValueDuplicate' } });
        ctx.addIssue({ code: 'custom', path: ['a'], message: 'need it', params: { reason: 'FieldValueRequired' } });
        ctx.addIssue({ code: 'custom', path: ['b'], message: 'm', params: { reason: 'FieldValueNotSupported', supported: ['p', 'q'] } });
        ctx.addIssue({ code: 'custom', path: ['b'], message: 'm', params: { reason: 'FieldValueTooLong', max: 3 } });
        ctx.addIssue({ code: 'custom', path: ['b'], message: 'weird', params: { reason: 'NotAReason' } });
      });
      expect(summary(errorsOf(schema, { a: 'same', b: 'same' }))).to.deep.equal([
        'FieldValueForbidden b: Forbidden: must differ from a',
        'FieldValueDuplicate a: Duplicate value: "same"',
        'FieldValueRequired a: Required value: need it',
        'FieldValueNotSupported b: Unsupported value: "same": supported values: "p", "q"',
        'FieldValueTooLong b: Too long: may not be more than 3 bytes',
        'FieldValueInvalid b: Invalid value: "same": weird',
      ]);
    });
  });

  it('forbids values for z.never() fields', () => {
    expect(summary(errorsOf(z.object({ gone: z.never().optional() }), { gone: 1 }))).to.deep.equal([
      'FieldValueForbidden gone: Forbidden: may not be set',
    ]);
  });

  it('uses issue.input when the path cannot be found in the given input', () => {
    const issues = [{ code: 'invalid_type', expected: 'string', path: ['x'], message: 'm', input: 7 }] as z.core.$ZodIssue[];
    expect(summary(zodIssuesToFieldErrors(issues, undefined))).to.deep.equal(['FieldValueTypeInvalid x: Invalid value: 7: must be of type string']);
  });

  it('never throws on odd issues or inputs', () => {
    const odd = [
      { code: 'invalid_type', expected: 'string', path: [], message: 'm' },
      { code: 'too_big', origin: 'weird', maximum: 1n, path: ['a', 0, Symbol('s')], message: 'm' },
      { code: 'invalid_union', errors: [], path: ['u'], message: 'm' },
      { code: 'invalid_key', origin: 'record', issues: [], path: [], message: 'm' },
      { code: 'invalid_element', origin: 'map', key: 1, issues: [], path: [], message: 'm' },
      { code: 'custom', path: ['c'], message: '', params: 'not-an-object' },
      { code: 'something_new', path: ['n'], message: 'from the future' },
      { code: 'unrecognized_keys', keys: ['k'], path: [], message: 'm' },
    ] as unknown as z.core.$ZodIssue[];
    for (const input of [undefined, null, 1, 'x', [], {}, { a: [1] }]) {
      const errs = zodIssuesToFieldErrors(odd, input, 'spec');
      expect(errs.length).to.be.greaterThan(5);
      for (const e of errs) expect(e.message).to.be.a('string');
    }
  });
});
