/**
 * Checks an applied configuration before it is merged: managedFields may not be set, and every
 * item of a set or map-list must have a value or key, with no key twice (the live object may
 * hold anything a PUT wrote; an apply request must be exact).
 */

import { badRequest } from '../errors/api-error.js';
import { getOwn, isPlainObject, type JsonObject } from './json-values.js';
import { appliedListProblems, listItemElement } from './list-item.js';
import { fieldElement, formatFieldPath, type PathElement } from './path-element.js';
import { childShape, walkOf, type Shape } from './shape.js';

export function checkAppliedConfig(config: unknown, shape: Shape): asserts config is JsonObject {
  if (!isPlainObject(config)) throw badRequest('the applied configuration must be a JSON object');
  const meta = getOwn(config, 'metadata');
  if (isPlainObject(meta) && getOwn(meta, 'managedFields') !== undefined && getOwn(meta, 'managedFields') !== null) {
    throw badRequest('metadata.managedFields must be nil in an apply request');
  }
  const problems: string[] = [];
  collect(config, shape, [], problems);
  if (problems.length > 0) {
    const text = problems.length === 1 ? problems[0] : `errors:\n  ${problems.join('\n  ')}`;
    throw badRequest(`failed to create typed patch object: ${text}`);
  }
}

function collect(value: unknown, shape: Shape, path: PathElement[], problems: string[]): void {
  const w = walkOf(shape, value);
  if (w.as === 'map' && isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      collect(getOwn(value, key), childShape(w.shape, key), [...path, fieldElement(key)], problems);
    }
  } else if (w.as === 'list' && Array.isArray(value)) {
    const found = appliedListProblems(w.shape, value);
    for (const p of found) problems.push(`${formatFieldPath(path)}: ${p}`);
    if (found.length > 0) return;
    for (const item of value) {
      const pe = listItemElement(w.shape, item);
      if (pe) collect(item, w.shape.items, [...path, pe], problems);
    }
  }
}
