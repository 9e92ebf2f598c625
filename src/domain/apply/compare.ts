/**
 * What changed between two versions of an object, as sets of fields: added, modified, removed.
 * Leaves (scalars, atomic values) are added, removed or modified; objects and list items that
 * appear or disappear are added or removed themselves as well. A list item repeated under one
 * key is compared as a whole.
 */

import { deepEqual } from '../util/json.js';
import { FieldSet } from './field-set.js';
import { getOwn, isPlainObject, type JsonObject } from './json-values.js';
import { indexItems } from './list-item.js';
import { fieldElement, type PathElement } from './path-element.js';
import { childShape, walkOf, type ListShape, type MapShape, type Shape } from './shape.js';

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** Compares `before` with `after` (undefined: absent). */
export function compareObjects(before: unknown, after: unknown, shape: Shape): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  if (before === undefined && after === undefined) return c;
  walk(before, after, shape, [], c);
  return c;
}

function leaf(l: unknown, r: unknown, path: PathElement[], c: Comparison): void {
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
  else if (!deepEqual(l, r)) c.modified.insert(path);
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

function walk(l: unknown, r: unknown, shape: Shape, path: PathElement[], c: Comparison): void {
  const wl = walkOf(shape, l);
  const wr = walkOf(shape, r);
  const w = r === undefined ? wl : wr;
  const mismatched = l !== undefined && r !== undefined && wl.as !== wr.as;
  // Two empty (or null) containers compare as leaves, so that {} and null stay distinct.
  if (mismatched || w.as === 'leaf' || (isEmptyValue(l) && isEmptyValue(r))) {
    leaf(l, r, path, c);
    return;
  }
  if (w.as === 'map') walkMap(l, r, w.shape, path, c);
  else walkList(l, r, w.shape, path, c);
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

function walkMap(l: unknown, r: unknown, shape: MapShape, path: PathElement[], c: Comparison): void {
  const lm = isPlainObject(l) ? l : {};
  const rm = isPlainObject(r) ? r : {};
  const keys = new Set([...Object.keys(lm), ...Object.keys(rm)]);
  for (const key of keys) {
    const lv = getOwn(lm as JsonObject, key);
    const rv = getOwn(rm as JsonObject, key);
    if (lv === undefined && rv === undefined) continue;
    walk(lv, rv, childShape(shape, key), [...path, fieldElement(key)], c);
  }
}

interface Group {
  pe: PathElement;
  left: unknown[];
  right: unknown[];
}

function walkList(l: unknown, r: unknown, shape: ListShape, path: PathElement[], c: Comparison): void {
  const groups = new Map<string, Group>();
  const add = (items: unknown, side: 'left' | 'right') => {
    if (!Array.isArray(items)) return;
    for (const it of indexItems(shape, items)) {
      if (!it.pe || !it.key) continue;
      let g = groups.get(it.key);
      if (!g) groups.set(it.key, (g = { pe: it.pe, left: [], right: [] }));
      g[side].push(it.value);
    }
  };
  add(l, 'left');
  add(r, 'right');
  for (const g of groups.values()) {
    const itemPath = [...path, g.pe];
    if (g.left.length <= 1 && g.right.length <= 1) {
      walk(g.left[0], g.right[0], shape.items, itemPath, c);
    } else if (g.left.length >= 2 && g.right.length >= 2) {
      if (!deepEqual(g.left, g.right)) c.modified.insert(itemPath);
    } else if (g.left.length >= 2) {
      if (g.right.length === 1) walk(undefined, g.right[0], shape.items, itemPath, c);
      c.removed.insert(itemPath);
    } else {
      if (g.left.length === 1) walk(g.left[0], undefined, shape.items, itemPath, c);
      c.added.insert(itemPath);
    }
  }
}
