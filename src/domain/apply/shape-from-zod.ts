/**
 * Builds the apply type tree from zod 4 schemas, reading their definitions (`_zod.def`) and
 * the Kubernetes list/map extensions from their metadata (see list-type-meta.ts).
 */

import { z } from 'zod';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { LIST_MAP_KEYS_EXTENSION, LIST_TYPE_EXTENSION, MAP_TYPE_EXTENSION } from './list-type-meta.js';
import {
  OBJECT_META_SHAPE,
  SCALAR,
  UNTYPED,
  type ListShape,
  type ListType,
  type MapShape,
  type ResourceShape,
  type Shape,
} from './shape.js';

/** The parts of a zod 4 definition this walker reads. */
interface ZodDefinition {
  type: string;
  innerType?: ZodLike;
  in?: ZodLike;
  out?: ZodLike;
  getter?: () => ZodLike;
  shape?: Record<string, ZodLike>;
  catchall?: ZodLike;
  valueType?: ZodLike;
  element?: ZodLike;
  options?: readonly ZodLike[];
  left?: ZodLike;
  right?: ZodLike;
  defaultValue?: unknown;
}

interface ZodLike {
  /** `innerType` of a lazy schema: its getter's result, computed once. */
  _zod: { def: ZodDefinition; innerType?: ZodLike };
}

/** A resource definition's schema is not usable for apply (a wrong list-type declaration). */
export class ShapeDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeDefinitionError';
  }
}

const SCALAR_TYPES = new Set([
  'string',
  'number',
  'int',
  'boolean',
  'bigint',
  'date',
  'literal',
  'enum',
  'template_literal',
  'nan',
  'symbol',
  'undefined',
  'void',
  'never',
  'success',
]);

interface Flags {
  nullable: boolean;
  optional: boolean;
  hasDefault: boolean;
  default: unknown;
  meta: Record<string, unknown>;
}

class ZodShapeBuilder {
  /** Object and list nodes by schema, so that recursive (lazy) schemas become cyclic trees. */
  private readonly built = new Map<ZodLike, Shape>();

  build(schema: ZodLike, path: string): Shape {
    const flags: Flags = { nullable: false, optional: false, hasDefault: false, default: undefined, meta: {} };
    const core = this.unwrap(schema, flags, 0);
    const shape = this.buildCore(core, flags, path);
    return withFlags(shape, flags);
  }

  /** Strips wrappers (optional, default, nullable, pipe, lazy, ...), gathering what they say. */
  private unwrap(schema: ZodLike, flags: Flags, depth: number): ZodLike {
    if (depth > 64) return schema;
    const meta = z.globalRegistry.get(schema as unknown as z.ZodType);
    if (meta) {
      for (const [k, v] of Object.entries(meta)) if (!(k in flags.meta)) flags.meta[k] = v;
    }
    const def = schema._zod.def;
    switch (def.type) {
      case 'optional':
        flags.optional = true;
        return this.unwrap(def.innerType!, flags, depth + 1);
      case 'nullable':
        flags.nullable = true;
        return this.unwrap(def.innerType!, flags, depth + 1);
      case 'default':
      case 'prefault':
        if (!flags.hasDefault) {
          flags.hasDefault = true;
          flags.default = def.defaultValue;
        }
        return this.unwrap(def.innerType!, flags, depth + 1);
      case 'nonoptional':
      case 'readonly':
      case 'catch':
        return this.unwrap(def.innerType!, flags, depth + 1);
      case 'pipe': {
        const inner = def.in!._zod.def.type === 'transform' ? def.out! : def.in!;
        return this.unwrap(inner, flags, depth + 1);
      }
      case 'lazy':
        // The cached inner schema, so that a recursive schema meets the same object again.
        return this.unwrap(schema._zod.innerType ?? def.getter!(), flags, depth + 1);
      default:
        return schema;
    }
  }

  private buildCore(schema: ZodLike, flags: Flags, path: string): Shape {
    const def = schema._zod.def;
    const meta = flags.meta;
    if (meta[LIST_TYPE_EXTENSION] !== undefined && def.type !== 'array' && def.type !== 'tuple') {
      throw new ShapeDefinitionError(`${path}: ${LIST_TYPE_EXTENSION} is set on a schema that is not an array`);
    }
    if (meta[MAP_TYPE_EXTENSION] !== undefined && def.type !== 'object' && def.type !== 'record') {
      throw new ShapeDefinitionError(`${path}: ${MAP_TYPE_EXTENSION} is set on a schema that is not an object`);
    }
    if (SCALAR_TYPES.has(def.type)) return SCALAR;
    switch (def.type) {
      case 'object':
        return this.buildObject(schema, def, meta, path);
      case 'record':
        return this.buildRecord(schema, def, meta, path);
      case 'array':
        return this.buildArray(schema, def, meta, path);
      case 'tuple':
        return { kind: 'list', listType: listTypeOf(meta, path, true), keys: [], items: UNTYPED };
      case 'union':
        return this.buildUnion(def.options ?? [], flags, path);
      case 'intersection':
        return mergeAlternatives([this.build(def.left!, path), this.build(def.right!, path)]);
      default:
        return UNTYPED;
    }
  }

  private buildObject(schema: ZodLike, def: ZodDefinition, meta: Record<string, unknown>, path: string): MapShape {
    const seen = this.built.get(schema);
    if (seen) return seen as MapShape;
    const fields = new Map<string, Shape>();
    const catchall = def.catchall;
    const node: MapShape = {
      kind: 'map',
      fields,
      values: undefined,
      atomic: mapTypeOf(meta, path) === 'atomic',
    };
    this.built.set(schema, node);
    for (const [name, field] of Object.entries(def.shape ?? {})) {
      fields.set(name, this.build(field, `${path}.${name}`));
    }
    if (catchall && catchall._zod.def.type !== 'never') {
      (node as { values: Shape | undefined }).values = this.build(catchall, `${path}[*]`);
    }
    return node;
  }

  private buildRecord(schema: ZodLike, def: ZodDefinition, meta: Record<string, unknown>, path: string): MapShape {
    const seen = this.built.get(schema);
    if (seen) return seen as MapShape;
    const node: MapShape = { kind: 'map', fields: new Map(), values: UNTYPED, atomic: mapTypeOf(meta, path) === 'atomic' };
    this.built.set(schema, node);
    (node as { values: Shape | undefined }).values = def.valueType ? this.build(def.valueType, `${path}[*]`) : UNTYPED;
    return node;
  }

  private buildArray(schema: ZodLike, def: ZodDefinition, meta: Record<string, unknown>, path: string): ListShape {
    const seen = this.built.get(schema);
    if (seen) return seen as ListShape;
    const listType = listTypeOf(meta, path, false);
    const keys = listKeysOf(meta, listType, path);
    const node: ListShape = { kind: 'list', listType, keys, items: UNTYPED };
    this.built.set(schema, node);
    const items = def.element ? this.build(def.element, `${path}[*]`) : UNTYPED;
    (node as { items: Shape }).items = items;
    checkListItems(node, path);
    return node;
  }

  private buildUnion(options: readonly ZodLike[], flags: Flags, path: string): Shape {
    const alternatives: Shape[] = [];
    for (const option of options) {
      if (option._zod.def.type === 'null') {
        flags.nullable = true;
        continue;
      }
      alternatives.push(this.build(option, path));
    }
    return mergeAlternatives(alternatives);
  }
}

function withFlags(shape: Shape, flags: Flags): Shape {
  const optional = flags.optional && !flags.hasDefault;
  if (!flags.nullable && !optional && !flags.hasDefault) return shape;
  // A shallow copy: an object's field map is shared, so a cyclic tree still closes.
  return {
    ...shape,
    ...(flags.nullable ? { nullable: true } : {}),
    ...(optional ? { optional: true } : {}),
    ...(flags.hasDefault ? { default: flags.default } : {}),
  };
}

/** One shape for a value that may take several: alike kinds combine, others are untyped. */
function mergeAlternatives(shapes: Shape[]): Shape {
  if (shapes.length === 0) return UNTYPED;
  if (shapes.length === 1) return shapes[0];
  if (shapes.every((s) => s.kind === 'scalar')) return SCALAR;
  if (shapes.every((s) => s.kind === 'map')) {
    const maps = shapes as MapShape[];
    const fields = new Map<string, Shape>();
    for (const m of maps) {
      for (const [name, s] of m.fields) {
        const prev = fields.get(name);
        fields.set(name, prev === undefined ? s : mergeAlternatives([prev, s]));
      }
    }
    const values = maps.find((m) => m.values !== undefined)?.values;
    return { kind: 'map', fields, values, atomic: maps.some((m) => m.atomic) };
  }
  if (shapes.every((s) => s.kind === 'list')) {
    const first = shapes[0] as ListShape;
    const alike = (shapes as ListShape[]).every((s) => s.listType === first.listType && s.keys.join() === first.keys.join());
    return alike ? first : { kind: 'list', listType: 'atomic', keys: [], items: UNTYPED };
  }
  return UNTYPED;
}

function listTypeOf(meta: Record<string, unknown>, path: string, tuple: boolean): ListType {
  const t = meta[LIST_TYPE_EXTENSION];
  if (t === undefined || t === 'atomic') return 'atomic';
  if (tuple) throw new ShapeDefinitionError(`${path}: a tuple can only be an atomic list`);
  if (t === 'set' || t === 'map') return t;
  throw new ShapeDefinitionError(`${path}: ${LIST_TYPE_EXTENSION} must be "atomic", "set" or "map", not ${JSON.stringify(t)}`);
}

function listKeysOf(meta: Record<string, unknown>, listType: ListType, path: string): string[] {
  const keys = meta[LIST_MAP_KEYS_EXTENSION];
  if (listType !== 'map') {
    if (keys !== undefined) {
      throw new ShapeDefinitionError(`${path}: ${LIST_MAP_KEYS_EXTENSION} needs ${LIST_TYPE_EXTENSION} "map"`);
    }
    return [];
  }
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k !== '')) {
    throw new ShapeDefinitionError(`${path}: a map-list needs ${LIST_MAP_KEYS_EXTENSION}, a non-empty list of field names`);
  }
  if (new Set(keys).size !== keys.length) throw new ShapeDefinitionError(`${path}: ${LIST_MAP_KEYS_EXTENSION} repeats a field`);
  return [...(keys as string[])];
}

function mapTypeOf(meta: Record<string, unknown>, path: string): 'atomic' | 'granular' {
  const t = meta[MAP_TYPE_EXTENSION];
  if (t === undefined || t === 'granular') return 'granular';
  if (t === 'atomic') return 'atomic';
  throw new ShapeDefinitionError(`${path}: ${MAP_TYPE_EXTENSION} must be "atomic" or "granular", not ${JSON.stringify(t)}`);
}

/** The rules Kubernetes sets for a CRD's list types, checked once when the tree is built. */
function checkListItems(list: ListShape, path: string): void {
  if (list.listType === 'set' && list.items.kind !== 'scalar') {
    throw new ShapeDefinitionError(`${path}: the items of a set (${LIST_TYPE_EXTENSION} "set") must be scalars`);
  }
  if (list.listType !== 'map') return;
  const items = list.items;
  if (items.kind !== 'map' || items.fields.size === 0) {
    throw new ShapeDefinitionError(`${path}: the items of a map-list (${LIST_TYPE_EXTENSION} "map") must be objects with declared fields`);
  }
  for (const key of list.keys) {
    const field = items.fields.get(key);
    if (!field) throw new ShapeDefinitionError(`${path}: the map-list key ${JSON.stringify(key)} is not a field of the items`);
    if (field.kind !== 'scalar') throw new ShapeDefinitionError(`${path}: the map-list key ${JSON.stringify(key)} must be a scalar field`);
    if (field.optional && field.default === undefined) {
      throw new ShapeDefinitionError(`${path}: the map-list key ${JSON.stringify(key)} must be required or have a default`);
    }
  }
}

/** The apply type tree of one zod schema. */
export function shapeFromZod(schema: z.ZodType, path = ''): Shape {
  return new ZodShapeBuilder().build(schema as unknown as ZodLike, path);
}

const cache = new WeakMap<object, ResourceShape>();

/**
 * The apply type tree of a resource type: apiVersion and kind, ObjectMeta with its fixed
 * Kubernetes semantics, and the fields of the body schema. Computed once per definition.
 * Throws ShapeDefinitionError when the schema declares list or map types wrongly.
 */
export function schemaShape(def: Pick<ResourceDefinition, 'bodySchema' | 'subresources'>): ResourceShape {
  const cached = cache.get(def);
  if (cached) return cached;
  const body = shapeFromZod(def.bodySchema);
  const fields = new Map<string, Shape>([
    ['apiVersion', SCALAR],
    ['kind', SCALAR],
    ['metadata', OBJECT_META_SHAPE],
  ]);
  if (body.kind === 'map') for (const [name, s] of body.fields) if (!fields.has(name)) fields.set(name, s);
  const root: MapShape = { kind: 'map', fields, values: body.kind === 'map' ? body.values : undefined, atomic: false };
  const shape: ResourceShape = { root, statusSubresource: def.subresources.status === true };
  cache.set(def, shape);
  return shape;
}
