/**
 * The set of fields a value sets, given its shape: what an applier comes to own. Following
 * structured-merge-diff: scalars and atomic values are members; a declared object field is a
 * member only when it is null or `{}` (otherwise its fields are); a record key (or any key not
 * declared) is always a member; every item of a set or map-list is a member, and so are the
 * fields set inside it.
 */

import { FieldSet } from './field-set.js';
import { getOwn, isPlainObject, type JsonObject } from './json-values.js';
import { listItemElement } from './list-item.js';
import { fieldElement, type PathElement } from './path-element.js';
import { childShape, walkOf, type Shape } from './shape.js';

export function fieldSetOf(value: unknown, shape: Shape): FieldSet {
  const set = new FieldSet();
  walk(value, shape, [], set);
  return set;
}

function walk(value: unknown, shape: Shape, path: PathElement[], set: FieldSet): void {
  const w = walkOf(shape, value);
  if (w.as === 'leaf') {
    set.insert(path);
    return;
  }
  if (w.as === 'map') {
    if (!isPlainObject(value)) return;
    for (const key of Object.keys(value)) {
      const child = getOwn(value as JsonObject, key);
      if (child === undefined) continue;
      const childPath = [...path, fieldElement(key)];
      walk(child, childShape(w.shape, key), childPath, set);
      const emptyObject = isPlainObject(child) && Object.keys(child).length === 0;
      if (child === null || emptyObject || !w.shape.fields.has(key)) set.insert(childPath);
    }
    return;
  }
  if (!Array.isArray(value)) return;
  for (const item of value) {
    const pe = listItemElement(w.shape, item);
    if (!pe) continue;
    const itemPath = [...path, pe];
    walk(item, w.shape.items, itemPath, set);
    set.insert(itemPath);
  }
}
