import { expect } from 'chai';
import { z } from 'zod';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import type { FieldError } from '../../../src/domain/resource/field-error.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import {
  formatUnknownFieldWarning,
  strictDecodingError,
  validateBody,
} from '../../../src/domain/validation/validate-body.js';

const widgets = defineResource({
  group: 'demo.example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  spec: z.object({
    color: z.enum(['red', 'green', 'blue']).default('red'),
    replicas: z.number().int().min(0).default(1),
    size: z.string().max(8).optional(),
  }),
  status: z.object({
    conditions: z
      .array(
        z.object({
          type: z.string(),
          status: z.enum(['True', 'False', 'Unknown']),
          reason: z.string().optional(),
        }),
      )
      .optional(),
  }),
});

const bare = defineResource({ group: 'demo.example.com', version: 'v1', kind: 'Thing', plural: 'things', scope: 'Cluster' });

function widget(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default' },
    ...extra,
  };
}

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

describe('validateBody', () => {
  it('applies spec defaults when spec is missing', () => {
    const r = validateBody(widgets, widget());
    expect(r.errors).to.deep.equal([]);
    expect(r.unknownFields).to.deep.equal([]);
    expect(r.value).to.deep.equal({ ...widget(), spec: { color: 'red', replicas: 1 } });
  });

  it('applies defaults inside a partial spec and keeps given values', () => {
    const r = validateBody(widgets, widget({ spec: { color: 'blue' } }));
    expect(r.value.spec).to.deep.equal({ color: 'blue', replicas: 1 });
  });

  it('keeps a valid status', () => {
    const status = { conditions: [{ type: 'Ready', status: 'True' }] };
    const r = validateBody(widgets, widget({ spec: { replicas: 3 }, status }));
    expect(r.errors).to.deep.equal([]);
    expect(r.value.status).to.deep.equal(status);
  });

  it('leaves apiVersion, kind and metadata as given, and does not mutate the input', () => {
    const input = widget({ spec: { replicas: 2 } });
    const before = structuredClone(input);
    const r = validateBody(widgets, input);
    expect(r.value.apiVersion).to.equal('demo.example.com/v1');
    expect(r.value.kind).to.equal('Widget');
    expect(r.value.metadata).to.deep.equal({ name: 'w', namespace: 'default' });
    expect(input).to.deep.equal(before);
    expect(Object.keys(r.value)).to.deep.equal(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('does not add apiVersion or kind when absent', () => {
    const r = validateBody(widgets, { metadata: { name: 'w' } });
    expect(Object.keys(r.value)).to.deep.equal(['metadata', 'spec']);
  });

  describe('errors', () => {
    it('maps schema violations to field errors with Kubernetes paths', () => {
      const r = validateBody(
        widgets,
        widget({ spec: { color: 'purple', replicas: -1, size: 'much too long' }, status: { conditions: [{ status: 'Maybe' }] } }),
      );
      expect(summary(r.errors)).to.deep.equal([
        'spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"',
        'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        'spec.size: Too long: may not be more than 8 bytes',
        'status.conditions[0].type: Required value',
        'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
      ]);
    });

    it('returns the input as the value on errors', () => {
      const input = widget({ spec: { replicas: 'three' } });
      const r = validateBody(widgets, input);
      expect(summary(r.errors)).to.deep.equal(['spec.replicas: Invalid value: "three": must be of type number']);
      expect(r.value).to.equal(input);
    });

    it('reports a non-object spec or status', () => {
      expect(summary(validateBody(widgets, widget({ spec: 'x' })).errors)).to.deep.equal(['spec: Invalid value: "x": must be of type object']);
      expect(summary(validateBody(widgets, widget({ status: [] })).errors)).to.deep.equal(['status: Invalid value: []: must be of type object']);
    });

    it('does not validate metadata', () => {
      expect(validateBody(widgets, { metadata: { name: 'Not Valid!', labels: 5 } }).errors).to.deep.equal([]);
    });
  });

  describe('nulls', () => {
    it('treats a null spec as absent, so defaults apply (an empty `spec:` in YAML)', () => {
      const r = validateBody(widgets, widget({ spec: null }));
      expect(r.errors).to.deep.equal([]);
      expect(r.value.spec).to.deep.equal({ color: 'red', replicas: 1 });
    });

    it('treats nulls of fields that are not nullable as absent, at any depth', () => {
      const r = validateBody(widgets, widget({ spec: { color: null, size: null }, status: { conditions: null } }));
      expect(r.errors).to.deep.equal([]);
      expect(r.unknownFields).to.deep.equal([]);
      expect(r.value.spec).to.deep.equal({ color: 'red', replicas: 1 });
      expect(r.value.status).to.deep.equal({});
    });

    it('reports a required field sent as null as Required', () => {
      const r = validateBody(widgets, widget({ status: { conditions: [{ type: null, status: 'True' }] } }));
      expect(summary(r.errors)).to.deep.equal(['status.conditions[0].type: Required value']);
    });

    it('keeps nulls the schema accepts, and null list items stay errors', () => {
      const nullable = defineResource({
        group: 'demo.example.com',
        version: 'v1',
        kind: 'Gadget',
        plural: 'gadgets',
        scope: 'Namespaced',
        spec: z.object({ note: z.string().nullable(), tags: z.array(z.string()).optional() }),
      });
      const r = validateBody(nullable, { metadata: {}, spec: { note: null } });
      expect(r.errors).to.deep.equal([]);
      expect(r.value.spec).to.deep.equal({ note: null });
      const bad = validateBody(nullable, { metadata: {}, spec: { note: 'n', tags: ['a', null] } });
      expect(summary(bad.errors)).to.deep.equal(['spec.tags[1]: Invalid value: null: must be of type string']);
    });

    it('does not mutate the input while pruning', () => {
      const input = widget({ spec: { color: null } });
      validateBody(widgets, input);
      expect(input.spec).to.deep.equal({ color: null });
    });
  });

  describe('unknown fields', () => {
    it('finds unknown fields in the body, at the top level and in metadata, in the order sent', () => {
      const r = validateBody(widgets, {
        apiVersion: 'demo.example.com/v1',
        kind: 'Widget',
        extra: true,
        metadata: { name: 'w', bogus: 1, ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: 'u', x: 1 }] },
        spec: { color: 'green', bogus: 'x', nested: { a: 1 } },
        status: { conditions: [{ type: 'Ready', status: 'True', lastProbe: 'now' }] },
        trailing: 1,
      });
      expect(r.errors).to.deep.equal([]);
      expect(r.unknownFields).to.deep.equal([
        'extra',
        'metadata.bogus',
        'metadata.ownerReferences[0].x',
        'spec.bogus',
        'spec.nested',
        'status.conditions[0].lastProbe',
        'trailing',
      ]);
    });

    it('drops unknown fields from the value', () => {
      const r = validateBody(widgets, widget({ extra: 1, spec: { bogus: 1 }, metadata: { name: 'w', bogus: 1 } }));
      expect(r.value).to.deep.equal({
        apiVersion: 'demo.example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { color: 'red', replicas: 1 },
      });
    });

    it('reports unknown fields also when the body is invalid', () => {
      const r = validateBody(widgets, widget({ spec: { colour: 'green', replicas: -2 }, bogus: 1 }));
      expect(summary(r.errors)).to.deep.equal(['spec.replicas: Invalid value: -2: must be greater than or equal to 0']);
      expect(r.unknownFields).to.deep.equal(['spec.colour', 'bogus']);
    });

    it('treats every body field as unknown for a type without schemas', () => {
      const r = validateBody(bare, { apiVersion: 'demo.example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec: { a: 1 }, status: {} });
      expect(r.errors).to.deep.equal([]);
      expect(r.unknownFields).to.deep.equal(['spec', 'status']);
      expect(r.value).to.deep.equal({ apiVersion: 'demo.example.com/v1', kind: 'Thing', metadata: { name: 't' } });
    });
  });

  it('never throws on garbage bodies', () => {
    const garbage: unknown[] = [null, undefined, 0, 'x', true, [], [1], { spec: [] }, { spec: { replicas: {} } }, { metadata: 'x', spec: 7 }];
    for (const g of garbage) {
      const r = validateBody(widgets, g as Record<string, unknown>);
      expect(r.errors).to.be.an('array');
      expect(r.unknownFields).to.be.an('array');
    }
    expect(summary(validateBody(widgets, 'x' as unknown as Record<string, unknown>).errors)).to.deep.equal([
      ': Invalid value: "x": must be of type object',
    ]);
  });
});

describe('formatUnknownFieldWarning', () => {
  it('uses the Kubernetes wording', () => {
    expect(formatUnknownFieldWarning('spec.bogus')).to.equal('unknown field "spec.bogus"');
  });
});

describe('strictDecodingError', () => {
  it('is a BadRequest listing every unknown field once', () => {
    const err = strictDecodingError(['spec.bogus', 'spec.other', 'spec.bogus']);
    expect(err).to.be.instanceOf(ApiError);
    expect(err.reason).to.equal('BadRequest');
    expect(err.code).to.equal(400);
    expect(err.message).to.equal('strict decoding error: unknown field "spec.bogus", unknown field "spec.other"');
  });

  it('names the kind and version when given', () => {
    const err = strictDecodingError(['spec.favoriteColor'], { kind: 'Widget', version: 'v1' });
    expect(err.message).to.equal(
      'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.favoriteColor"',
    );
  });
});
