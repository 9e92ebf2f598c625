/**
 * Removes the fields of a set from a value: object keys and list items that are members go,
 * those with members below them are walked into. An object or list left with nothing is
 * removed too (Kubernetes leaves a null there, which a CRD prunes).
 */

import type { FieldSet } from './field-set.js';
import { getOwn, isPlainObject, setOwn, type JsonObject } from './json-values.js';
import { listItemElement } from './list-item.js';
import { fieldElement } from './path-element.js';
import { childShape, walkOf, type Shape } from './shape.js';

/** The value without the fields of `set`; undefined when nothing is left of it. */
export function removeItems(value: unknown, set: FieldSet, shape: Shape): unknown {
  if (set.isEmpty()) return value;
  const w = walkOf(shape, value);
  if (w.as === 'leaf') return value;
  if (w.as === 'map') {
    if (!isPlainObject(value) || Object.keys(value).length === 0) return value;
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const pe = fieldElement(key);
      if (set.hasMember(pe)) continue;
      let child = getOwn(value, key);
      const below = set.childSet(pe);
      if (below && !below.isEmpty()) child = removeItems(child, below, childShape(w.shape, key));
      if (child !== undefined) setOwn(out, key, child);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return value;
  const out: unknown[] = [];
  for (const item of value) {
    const pe = listItemElement(w.shape, item);
    if (!pe) {
      out.push(item);
      continue;
    }
    if (set.hasMember(pe)) continue;
    const below = set.childSet(pe);
    const kept = below && !below.isEmpty() ? removeItems(item, below, w.shape.items) : item;
    if (kept !== undefined) out.push(kept);
  }
  return out.length > 0 ? out : undefined;
}
