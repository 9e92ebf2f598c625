import { expect } from 'chai';
import { z } from 'zod';
import {
  findUnknownFields,
  findUnknownFieldsBySchema,
  findUnknownMetadataFields,
  OBJECT_META_FIELDS,
  withoutUnknownMetadataFields,
} from '../../../src/domain/validation/unknown-fields.js';

const item = z.object({ name: z.string(), value: z.number().default(0) });
const schema = z.object({
  spec: z
    .object({
      color: z.enum(['red', 'green']).default('red'),
      items: z.array(item).optional(),
      labels: z.record(z.string(), z.string()).optional(),
      extra: z.looseObject({ known: z.string().optional() }).optional(),
      free: z.unknown().optional(),
      pair: z.tuple([z.string(), z.object({ a: z.string() })]).optional(),
      choice: z
        .discriminatedUnion('kind', [z.object({ kind: z.literal('a'), a: z.string() }), z.object({ kind: z.literal('b'), b: z.number() })])
        .optional(),
      strict: z.strictObject({ s: z.string() }).optional(),
    })
    .prefault({}),
  status: z.object({ phase: z.string().optional() }).optional(),
});

function parsedUnknown(input: unknown): string[] {
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(`unexpected parse failure: ${r.error.message}`);
  return findUnknownFields(input, r.data);
}

describe('findUnknownFields', () => {
  it('finds nothing in a fully known input', () => {
    expect(parsedUnknown({ spec: { color: 'green', items: [{ name: 'a' }] }, status: { phase: 'x' } })).to.deep.equal([]);
  });

  it('finds nothing when defaults add fields', () => {
    expect(parsedUnknown({})).to.deep.equal([]);
    expect(parsedUnknown({ spec: {} })).to.deep.equal([]);
  });

  it('reports unknown fields at every depth, in input order', () => {
    const input = {
      bogus: 1,
      spec: { zzz: true, color: 'red', items: [{ name: 'a' }, { name: 'b', x: 1, y: { z: 1 } }] },
      status: { phase: 'p', other: 'o' },
    };
    expect(parsedUnknown(input)).to.deep.equal(['bogus', 'spec.zzz', 'spec.items[1].x', 'spec.items[1].y', 'status.other']);
  });

  it('keeps record keys, loose objects and unknown values', () => {
    const input = { spec: { labels: { 'a.b/c': 'x' }, extra: { known: 'k', anything: 1 }, free: { deep: { er: 1 } } } };
    expect(parsedUnknown(input)).to.deep.equal([]);
  });

  it('renders odd keys in brackets', () => {
    expect(parsedUnknown({ spec: { 'a.b': 1 }, 'x/y': 2 })).to.deep.equal(['spec[a.b]', '[x/y]']);
  });

  it('follows tuples and unions', () => {
    const input = { spec: { pair: ['s', { a: 'x', b: 1 }], choice: { kind: 'b', b: 1, c: 2 } } };
    expect(parsedUnknown(input)).to.deep.equal(['spec.pair[1].b', 'spec.choice.c']);
  });

  it('prefixes a base path', () => {
    expect(findUnknownFields({ a: 1, b: 2 }, { a: 1 }, 'spec')).to.deep.equal(['spec.b']);
  });

  it('ignores undefined input values', () => {
    expect(findUnknownFields({ a: undefined }, {})).to.deep.equal([]);
  });

  it('never throws on mismatched shapes', () => {
    const shapes: unknown[] = [undefined, null, 0, 'x', true, [], {}, [1, { a: 1 }], { a: [1] }];
    for (const a of shapes) for (const b of shapes) expect(() => findUnknownFields(a, b)).not.to.throw();
    expect(findUnknownFields({ a: { b: 1 } }, { a: 'flattened' })).to.deep.equal([]);
    expect(findUnknownFields([{ a: 1 }, { b: 1 }], [{ a: 1 }])).to.deep.equal([]);
  });
});

describe('findUnknownFieldsBySchema', () => {
  it('agrees with the parse diff on valid input', () => {
    const input = {
      bogus: 1,
      spec: {
        zzz: true,
        items: [{ name: 'a' }, { name: 'b', x: 1 }],
        labels: { q: 'r' },
        extra: { anything: 1 },
        free: { x: 1 },
        pair: ['s', { a: 'x', b: 1 }],
        choice: { kind: 'a', a: 'x', c: 2 },
      },
      status: { other: 1 },
    };
    expect(findUnknownFieldsBySchema(schema, input)).to.deep.equal(parsedUnknown(input));
  });

  it('reports unknown fields even where the input is invalid', () => {
    const input = { spec: { colour: 'blue', color: 'purple', items: [{ name: 5, nmae: 'x' }] } };
    expect(schema.safeParse(input).success).to.equal(false);
    expect(findUnknownFieldsBySchema(schema, input)).to.deep.equal(['spec.colour', 'spec.items[0].nmae']);
  });

  it('picks a union alternative by its discriminator when none accepts the value', () => {
    const input = { spec: { choice: { kind: 'b', b: 'not a number', c: 1 } } };
    expect(findUnknownFieldsBySchema(schema, input)).to.deep.equal(['spec.choice.c']);
  });

  it('leaves strict objects to zod', () => {
    expect(findUnknownFieldsBySchema(schema, { spec: { strict: { s: 'x', t: 1 } } })).to.deep.equal([]);
  });

  it('walks the input side of pipes and recursive lazy schemas', () => {
    interface Node {
      name: string;
      children?: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node).optional() }));
    const input = { name: 'a', children: [{ name: 'b', oops: 1, children: [{ name: 'c', deeper: 2 }] }] };
    expect(findUnknownFieldsBySchema(node, input)).to.deep.equal(['children[0].oops', 'children[0].children[0].deeper']);
    const piped = z.object({ n: z.string() }).transform((o) => o.n.length);
    expect(findUnknownFieldsBySchema(piped, { n: 'x', m: 1 })).to.deep.equal(['m']);
  });

  it('says nothing below preprocess steps and intersections', () => {
    const pre = z.preprocess((v) => v, z.object({ a: z.string() }));
    expect(findUnknownFieldsBySchema(pre, { a: 'x', b: 1 })).to.deep.equal([]);
    const both = z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() }));
    expect(findUnknownFieldsBySchema(both, { a: 'x', c: 1 })).to.deep.equal([]);
  });

  it('never throws on garbage input', () => {
    for (const g of [undefined, null, 1, 'x', [], [null], { spec: 1 }, { spec: { items: 'x' } }, { spec: { items: [null, 1] } }]) {
      expect(() => findUnknownFieldsBySchema(schema, g)).not.to.throw();
    }
  });
});

describe('findUnknownMetadataFields', () => {
  it('knows every ObjectMeta field', () => {
    const meta: Record<string, unknown> = {};
    for (const k of OBJECT_META_FIELDS) meta[k] = null;
    expect(findUnknownMetadataFields(meta)).to.deep.equal([]);
  });

  it('reports unknown keys, also in owner references and managed fields', () => {
    const meta = {
      name: 'a',
      bogus: 1,
      app: 'x',
      ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: 'u', extra: 1 }],
      managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} }, odd: true }],
    };
    expect(findUnknownMetadataFields(meta)).to.deep.equal([
      'metadata.bogus',
      'metadata.app',
      'metadata.ownerReferences[0].extra',
      'metadata.managedFields[0].odd',
    ]);
  });

  it('ignores non-objects', () => {
    for (const g of [undefined, null, 1, 'x', [], [{ bogus: 1 }]]) expect(findUnknownMetadataFields(g)).to.deep.equal([]);
    expect(findUnknownMetadataFields({ ownerReferences: 'x', managedFields: [1, null] })).to.deep.equal([]);
  });
});

describe('withoutUnknownMetadataFields', () => {
  it('drops what findUnknownMetadataFields reports, without touching the input', () => {
    const meta = {
      name: 'a',
      bogus: 1,
      labels: { a: 'b' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: 'u', extra: 1 }, 'junk'],
    };
    const before = structuredClone(meta);
    expect(withoutUnknownMetadataFields(meta)).to.deep.equal({
      name: 'a',
      labels: { a: 'b' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: 'u' }, 'junk'],
    });
    expect(meta).to.deep.equal(before);
  });
});
