/**
 * The small type tree server-side apply needs from a resource's schema: which values are
 * objects merged per field or per key, which lists are atomic, sets or maps keyed by fields,
 * and which values are scalars. It plays the part of structured-merge-diff's schema.
 *
 * A value the tree does not describe (an `unknown` schema, a field not declared) is *untyped*:
 * as in structured-merge-diff's deduced schema, untyped objects merge per key, untyped lists
 * are atomic and everything else is a scalar.
 *
 * The tree also serves anything else that needs list semantics (strategic merge patch, if it
 * is ever done, would merge map-lists by their single key: its patchMergeKey).
 */

import {
  isScalarType,
  nestedObject,
  OBJECT_META,
  type FieldDescription,
  type ObjectDescription,
} from '../meta/object-meta-description.js';
import { isPlainObject } from './json-values.js';

interface ShapeFlags {
  /** Whether an explicit null is a value (kept) rather than the absence of one. */
  readonly nullable?: boolean;
  /** Whether the field may be left out (and has no default). */
  readonly optional?: boolean;
  /** The schema's default for the field, when it has one. */
  readonly default?: unknown;
}

export interface ScalarShape extends ShapeFlags {
  readonly kind: 'scalar';
}

/** An object: declared fields (a struct) and/or a type for any other key (a record). */
export interface MapShape extends ShapeFlags {
  readonly kind: 'map';
  readonly fields: ReadonlyMap<string, Shape>;
  /** The shape of keys that are not declared fields; undefined means untyped. */
  readonly values: Shape | undefined;
  /** `x-kubernetes-map-type: atomic`: replaced and owned whole. */
  readonly atomic: boolean;
}

export type ListType = 'atomic' | 'set' | 'map';

export interface ListShape extends ShapeFlags {
  readonly kind: 'list';
  /** `x-kubernetes-list-type`; atomic unless declared. */
  readonly listType: ListType;
  /** `x-kubernetes-list-map-keys` of a map-list; empty otherwise. */
  readonly keys: readonly string[];
  readonly items: Shape;
}

export interface UntypedShape extends ShapeFlags {
  readonly kind: 'untyped';
}

export type Shape = ScalarShape | MapShape | ListShape | UntypedShape;

/**
 * A resource type's tree: the object's shape (apiVersion, kind, metadata and the body's
 * fields) and whether status is written only through the status subresource.
 */
export interface ResourceShape {
  readonly root: MapShape;
  readonly statusSubresource: boolean;
}

export const UNTYPED: UntypedShape = Object.freeze({ kind: 'untyped' });
export const SCALAR: ScalarShape = Object.freeze({ kind: 'scalar' });

/** An untyped object: merged per key, its values untyped. */
export const UNTYPED_MAP: MapShape = Object.freeze({ kind: 'map', fields: new Map(), values: UNTYPED, atomic: false });

export function mapShape(
  fields: Record<string, Shape> | ReadonlyMap<string, Shape>,
  opts: { values?: Shape; atomic?: boolean } = {},
): MapShape {
  const map = fields instanceof Map ? fields : new Map(Object.entries(fields));
  return { kind: 'map', fields: map, values: opts.values, atomic: opts.atomic ?? false };
}

export function recordShape(values: Shape, opts: { atomic?: boolean } = {}): MapShape {
  return { kind: 'map', fields: new Map(), values, atomic: opts.atomic ?? false };
}

export function atomicList(items: Shape = UNTYPED): ListShape {
  return { kind: 'list', listType: 'atomic', keys: [], items };
}

export function setList(items: Shape = SCALAR): ListShape {
  return { kind: 'list', listType: 'set', keys: [], items };
}

export function mapList(keys: readonly string[], items: MapShape): ListShape {
  return { kind: 'list', listType: 'map', keys: [...keys], items };
}

/**
 * Kubernetes' fixed semantics of ObjectMeta, read from its description: labels and annotations
 * merge per key, finalizers are a set, ownerReferences a map-list keyed by uid, managedFields
 * atomic.
 */
export const OBJECT_META_SHAPE: MapShape = describedShape(OBJECT_META);

/**
 * The shape of a described object. Scalars are scalars, string maps merge per key, lists follow
 * their `apply.list` (atomic when not declared; an atomic list is owned whole, so its items are
 * left untyped). Objects merge per field: `structType` is not followed (see its note).
 */
function describedShape(object: ObjectDescription): MapShape {
  const fields = new Map<string, Shape>();
  for (const [name, field] of Object.entries(object.fields)) fields.set(name, describedFieldShape(field));
  return mapShape(fields);
}

function describedFieldShape(field: FieldDescription): Shape {
  if (isScalarType(field.type)) return SCALAR;
  if (field.type === 'stringMap') return recordShape(SCALAR);
  // An opaque object: untyped, merged per key.
  if (field.type === 'fieldsV1') return UNTYPED;
  const list = field.apply?.list ?? 'atomic';
  const nested = nestedObject(field);
  if (list === 'atomic') return atomicList(UNTYPED);
  if (list === 'set' && field.type === 'stringList') return setList(SCALAR);
  if (list === 'map' && nested && field.apply?.keys?.length) return mapList(field.apply.keys, describedShape(nested));
  throw new Error(`metadata description: a ${list} list needs ${list === 'set' ? 'string items' : 'object items and keys'}`);
}

/** The shape of a field or key of an object shape. */
export function childShape(shape: MapShape, name: string): Shape {
  return shape.fields.get(name) ?? shape.values ?? UNTYPED;
}

/**
 * How a value is walked at a node: as one leaf (scalars, atomic lists and objects, anything
 * that does not fit the shape), as an object merged per key, or as a set or map-list merged
 * per item. Null and absence take the structure of the shape.
 */
export type Walk = { readonly as: 'leaf' } | { readonly as: 'map'; readonly shape: MapShape } | { readonly as: 'list'; readonly shape: ListShape };

const LEAF: Walk = { as: 'leaf' };

export function walkOf(shape: Shape, value: unknown): Walk {
  const absent = value === undefined || value === null;
  switch (shape.kind) {
    case 'scalar':
      return LEAF;
    case 'untyped':
      return isPlainObject(value) ? { as: 'map', shape: UNTYPED_MAP } : LEAF;
    case 'map':
      if (shape.atomic) return LEAF;
      return absent || isPlainObject(value) ? { as: 'map', shape } : LEAF;
    case 'list':
      if (shape.listType === 'atomic') return LEAF;
      return absent || Array.isArray(value) ? { as: 'list', shape } : LEAF;
  }
}

/** The shape at a path of field names (`['spec', 'template']`), following objects only. */
export function shapeAtFieldPath(shape: Shape, names: readonly string[]): Shape | undefined {
  let node: Shape = shape;
  for (const name of names) {
    if (node.kind === 'untyped') return UNTYPED;
    if (node.kind !== 'map') return undefined;
    node = childShape(node, name);
  }
  return node;
}
