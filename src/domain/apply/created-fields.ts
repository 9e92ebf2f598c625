/**
 * The managed fields of a plain create (no managedFields sent): one Update entry for the
 * creator, owning every tracked field the new object sets. This is what the general update
 * path (compare the new object with nothing, take what was added, drop the unowned fields,
 * write the set as FieldsV1) computes, done in one walk that writes FieldsV1 directly: a
 * create is the commonest write and this runs on each one.
 */

import type { ManagedFieldsEntry } from '../meta/types.js';
import { compareStrings, getOwn, isPlainObject, setOwn, type JsonObject } from './json-values.js';
import { listItemElement } from './list-item.js';
import { comparePathElements, serializePathElement, type PathElement } from './path-element.js';
import { childShape, walkOf, type ListShape, type MapShape, type Shape } from './shape.js';
import { UNOWNED_META_FIELDS, UNOWNED_TOP_FIELDS } from './system-fields.js';
import { isTracked, type TrackedFields } from './tracked-fields.js';

export interface CreatedFieldsParams {
  manager: string;
  apiVersion: string;
  /** The server's time, RFC 3339 with seconds. */
  now: string;
  root: MapShape;
  tracked: TrackedFields;
}

/** The managedFields of `obj` as created by `manager` (empty when the object sets no owned field). */
export function createdManagedFields(obj: JsonObject, p: CreatedFieldsParams): ManagedFieldsEntry[] {
  const fields = rootFields(obj, p.root, p.tracked);
  if (fields === undefined) return [];
  const entry: ManagedFieldsEntry = {};
  if (p.manager) entry.manager = p.manager;
  entry.operation = 'Update';
  if (p.apiVersion) entry.apiVersion = p.apiVersion;
  entry.time = p.now;
  entry.fieldsType = 'FieldsV1';
  entry.fieldsV1 = fields;
  return [entry];
}

/** The FieldsV1 of the object's owned fields, or undefined when there are none. */
function rootFields(obj: JsonObject, root: MapShape, tracked: TrackedFields): JsonObject | undefined {
  const out: JsonObject = {};
  let any = false;
  for (const key of Object.keys(obj).sort(compareStrings)) {
    if (!isTracked(key, tracked)) continue;
    const value = obj[key];
    if (value === undefined) continue;
    let node: JsonObject | undefined;
    if (key === 'metadata' && isPlainObject(value) && walkOf(childShape(root, key), value).as === 'map') {
      node = metadataFields(value, childShape(root, key) as MapShape);
    } else {
      node = nodeFields(value, childShape(root, key));
      if (UNOWNED_TOP_FIELDS.has(key)) node = withoutSelf(node);
    }
    if (node === undefined) continue;
    setOwn(out, `f:${key}`, node);
    any = true;
  }
  return any ? out : undefined;
}

/** metadata is never owned itself, nor are the fields that name the object or that the server sets. */
function metadataFields(meta: JsonObject, shape: MapShape): JsonObject | undefined {
  const out: JsonObject = {};
  let any = false;
  for (const key of Object.keys(meta).sort(compareStrings)) {
    if (key === 'managedFields') continue;
    const value = meta[key];
    if (value === undefined) continue;
    let node: JsonObject | undefined = nodeFields(value, childShape(shape, key));
    if (UNOWNED_META_FIELDS.has(key)) node = withoutSelf(node);
    if (node === undefined) continue;
    setOwn(out, `f:${key}`, node);
    any = true;
  }
  return any ? out : undefined;
}

/** A node's FieldsV1 without its own membership: undefined when nothing is below it. */
function withoutSelf(node: JsonObject): JsonObject | undefined {
  const keys = Object.keys(node);
  if (keys.length <= 1) return undefined;
  const out: JsonObject = {};
  for (const k of keys) if (k !== '.') setOwn(out, k, node[k]);
  return out;
}

const EMPTY_CHILDREN: readonly [string, JsonObject][] = [];

/** The FieldsV1 of a value that was not there before: the value itself is set, and so is everything in it. */
function nodeFields(value: unknown, shape: Shape): JsonObject {
  const children = childFields(value, shape);
  if (children.length === 0) return {};
  const out: JsonObject = { '.': {} };
  for (const [k, v] of children) setOwn(out, k, v);
  return out;
}

function childFields(value: unknown, shape: Shape): readonly [string, JsonObject][] {
  if (value === null) return EMPTY_CHILDREN;
  const w = walkOf(shape, value);
  if (w.as === 'leaf') return EMPTY_CHILDREN;
  if (w.as === 'map') return isPlainObject(value) ? mapChildren(value, w.shape) : EMPTY_CHILDREN;
  return Array.isArray(value) ? listChildren(value, w.shape) : EMPTY_CHILDREN;
}

function mapChildren(value: JsonObject, shape: MapShape): [string, JsonObject][] {
  const out: [string, JsonObject][] = [];
  for (const key of Object.keys(value).sort(compareStrings)) {
    const child = getOwn(value, key);
    if (child === undefined) continue;
    out.push([`f:${key}`, nodeFields(child, childShape(shape, key))]);
  }
  return out;
}

function listChildren(items: readonly unknown[], shape: ListShape): [string, JsonObject][] {
  // Items that share a key are owned as one, and nothing inside them is.
  const byKey = new Map<string, { pe: PathElement; item: unknown; repeated: boolean }>();
  for (const item of items) {
    const pe = listItemElement(shape, item);
    if (!pe) continue;
    const key = serializePathElement(pe);
    const seen = byKey.get(key);
    if (seen) seen.repeated = true;
    else byKey.set(key, { pe, item, repeated: false });
  }
  return [...byKey.entries()]
    .sort((a, b) => comparePathElements(a[1].pe, b[1].pe))
    .map(([key, g]) => [key, g.repeated ? {} : nodeFields(g.item, shape.items)]);
}
