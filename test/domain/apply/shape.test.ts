import { expect } from 'chai';
import { z } from 'zod';
import { listTypeMap, listTypeSet, mapTypeAtomic } from '../../../src/domain/apply/list-type-meta.js';
import { schemaShape, shapeFromZod, ShapeDefinitionError } from '../../../src/domain/apply/shape-from-zod.js';
import { shapeAtFieldPath, type ListShape, type MapShape } from '../../../src/domain/apply/shape.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import { Widget, widgetShape } from './fixtures.js';

describe('apply: schema shapes', () => {
  it('reads list and map types from zod metadata', () => {
    const at = (...names: string[]) => shapeAtFieldPath(widgetShape.root, names);
    expect(at('spec', 'args')).to.include({ kind: 'list', listType: 'atomic' });
    expect(at('spec', 'tags')).to.include({ kind: 'list', listType: 'set' });
    const ports = at('spec', 'ports') as ListShape;
    expect(ports.listType).to.equal('map');
    expect(ports.keys).to.deep.equal(['containerPort', 'protocol']);
    expect((ports.items as MapShape).fields.get('protocol')).to.include({ kind: 'scalar', default: 'TCP' });
    expect(at('status', 'conditions')).to.include({ listType: 'map' });
    expect(at('spec', 'selector')).to.include({ kind: 'map', atomic: true });
    expect(at('spec', 'config')).to.include({ kind: 'map', atomic: false });
    expect((at('spec', 'config') as MapShape).values).to.include({ kind: 'scalar' });
    expect(at('spec', 'replicas')).to.include({ kind: 'scalar' });
  });

  it('gives metadata its Kubernetes semantics', () => {
    const meta = shapeAtFieldPath(widgetShape.root, ['metadata']) as MapShape;
    expect(meta.fields.get('labels')).to.include({ kind: 'map', atomic: false });
    expect(meta.fields.get('finalizers')).to.include({ listType: 'set' });
    expect(meta.fields.get('ownerReferences')).to.deep.include({ listType: 'map', keys: ['uid'] });
    expect(meta.fields.get('managedFields')).to.include({ listType: 'atomic' });
    expect(widgetShape.statusSubresource).to.equal(true);
  });

  it('is computed once per definition', () => {
    expect(schemaShape(Widget)).to.equal(widgetShape);
  });

  it('puts the same extensions into the JSON schema (and so the OpenAPI documents)', () => {
    const json = z.toJSONSchema(Widget.bodySchema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, { properties: Record<string, Record<string, unknown>> }>;
    };
    const spec = json.properties.spec.properties;
    expect(spec.ports['x-kubernetes-list-type']).to.equal('map');
    expect(spec.ports['x-kubernetes-list-map-keys']).to.deep.equal(['containerPort', 'protocol']);
    expect(spec.tags['x-kubernetes-list-type']).to.equal('set');
    expect(spec.selector['x-kubernetes-map-type']).to.equal('atomic');
    expect(json.properties.status.properties.conditions['x-kubernetes-list-type']).to.equal('map');
  });

  it('finds metadata set on wrappers, and the hand-written extensions', () => {
    const s = z.object({
      a: z.array(z.string()).optional().meta({ 'x-kubernetes-list-type': 'set' }),
      b: z.array(z.object({ k: z.string(), v: z.number() })).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'] }),
    });
    const shape = shapeFromZod(s) as MapShape;
    expect(shape.fields.get('a')).to.include({ listType: 'set', optional: true });
    expect(shape.fields.get('b')).to.deep.include({ listType: 'map', keys: ['k'] });
  });

  it('handles nullable fields, unions, records, catchalls and recursive schemas', () => {
    interface Node {
      name: string;
      children?: Node[];
    }
    const NodeSchema: z.ZodType<Node> = z.lazy(() =>
      z.object({ name: z.string(), children: z.array(NodeSchema).meta(listTypeMap('name')).optional() }),
    );
    const s = z.object({
      n: z.number().nullable(),
      u: z.union([z.string(), z.number()]),
      o: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]),
      loose: z.object({ x: z.string() }).loose(),
      tree: NodeSchema,
      any: z.unknown(),
    });
    const shape = shapeFromZod(s) as MapShape;
    expect(shape.fields.get('n')).to.include({ kind: 'scalar', nullable: true });
    expect(shape.fields.get('u')).to.include({ kind: 'scalar' });
    expect([...(shape.fields.get('o') as MapShape).fields.keys()]).to.deep.equal(['a', 'b']);
    expect((shape.fields.get('loose') as MapShape).values).to.include({ kind: 'untyped' });
    const tree = shape.fields.get('tree') as MapShape;
    const children = tree.fields.get('children') as ListShape;
    expect(children.listType).to.equal('map');
    expect((children.items as MapShape).fields.get('children')).to.include({ listType: 'map' });
    expect(shape.fields.get('any')).to.include({ kind: 'untyped' });
  });

  it('rejects list types Kubernetes would reject', () => {
    const bad = (schema: z.ZodType) => () => shapeFromZod(schema, 'spec');
    expect(bad(z.array(z.object({ a: z.string() })).meta(listTypeSet()))).to.throw(ShapeDefinitionError, /set.*scalars/);
    expect(bad(z.array(z.string()).meta(listTypeMap('a')))).to.throw(ShapeDefinitionError, /objects/);
    expect(bad(z.array(z.object({ a: z.string() })).meta(listTypeMap('b')))).to.throw(ShapeDefinitionError, /not a field/);
    expect(bad(z.array(z.object({ a: z.string().optional() })).meta(listTypeMap('a')))).to.throw(
      ShapeDefinitionError,
      /required or have a default/,
    );
    expect(bad(z.array(z.object({ a: z.string() })).meta({ 'x-kubernetes-list-type': 'map' }))).to.throw(/list-map-keys/);
    expect(bad(z.array(z.string()).meta({ 'x-kubernetes-list-type': 'bag' }))).to.throw(/atomic/);
    expect(bad(z.string().meta(listTypeSet()))).to.throw(/not an array/);
    expect(bad(z.string().meta(mapTypeAtomic()))).to.throw(/not an object/);
    expect(() =>
      schemaShape(
        defineResource({
          group: 'g.example.com',
          version: 'v1',
          kind: 'Bad',
          plural: 'bads',
          scope: 'Cluster',
          spec: z.object({ l: z.array(z.number()).meta(listTypeMap('x')) }),
        }),
      ),
    ).to.throw(ShapeDefinitionError, /^\.spec\.l: /);
  });
});
