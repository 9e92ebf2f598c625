/**
 * Validation of list types on an object about to be stored, as Kubernetes validates a custom
 * resource: a set may not hold a value twice, a map-list may not hold a key twice, and a
 * map-list item must be an object with its key fields. Paths are written like other field
 * errors: `spec.conditions[1]`.
 */

import { fieldError, type FieldError } from '../resource/field-error.js';
import { getOwn, isPlainObject } from './json-values.js';
import { listItemElement } from './list-item.js';
import { serializePathElement } from './path-element.js';
import { childShape, walkOf, type ResourceShape, type Shape } from './shape.js';

export function validateListTypes(obj: unknown, shape: ResourceShape): FieldError[] {
  const errors: FieldError[] = [];
  walk(obj, shape.root, '', errors);
  return errors;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function walk(value: unknown, shape: Shape, path: string, errors: FieldError[]): void {
  const w = walkOf(shape, value);
  if (w.as === 'map' && isPlainObject(value)) {
    for (const key of Object.keys(value)) walk(getOwn(value, key), childShape(w.shape, key), join(path, key), errors);
    return;
  }
  if (w.as !== 'list' || !Array.isArray(value)) return;
  const list = w.shape;
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const pe = listItemElement(list, item);
    if (!pe) {
      if (list.listType === 'map' && isPlainObject(item)) {
        for (const key of list.keys) errors.push(fieldError.required(`${at}.${key}`));
      } else {
        const expected = list.listType === 'map' ? 'object' : 'scalar';
        errors.push(fieldError.typeInvalid(at, item, `must be of type ${expected}`));
      }
      return;
    }
    const key = serializePathElement(pe);
    if (seen.has(key)) {
      const described = pe.type === 'key' ? Object.fromEntries(pe.fields) : item;
      errors.push(fieldError.duplicate(at, described));
    }
    seen.add(key);
    walk(item, list.items, at, errors);
  });
}
