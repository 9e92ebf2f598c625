/**
 * How the items of a set or map-list are told apart: a set item by its value, a map-list item
 * by its key fields (a missing key field takes the schema's default, or is left out of the
 * key, as structured-merge-diff does).
 */

import { getOwn, hasOwn, isPlainObject, isScalar } from './json-values.js';
import { formatPathElement, keyElement, serializePathElement, valueElement, type PathElement } from './path-element.js';
import type { ListShape } from './shape.js';

/** The path element of a list item, or undefined when the item cannot be placed in the list. */
export function listItemElement(list: ListShape, item: unknown): PathElement | undefined {
  return listItem(list, item).pe;
}

function listItem(list: ListShape, item: unknown): { pe?: PathElement; problem?: string } {
  if (list.listType === 'set') {
    if (item === null || item === undefined) return { problem: "associative list without keys has an element that's an explicit null" };
    if (Array.isArray(item)) return { problem: 'not supported: associative list with lists as elements' };
    if (isPlainObject(item)) return { problem: "associative list without keys has an element that's a map type" };
    if (!isScalar(item)) return { problem: 'associative list has an element that is not a JSON value' };
    return { pe: valueElement(item) };
  }
  if (item === null || item === undefined) return { problem: 'associative list with keys may not have a null element' };
  if (!isPlainObject(item)) return { problem: 'associative list with keys may not have non-map elements' };
  const fields: [string, unknown][] = [];
  const itemFields = list.items.kind === 'map' ? list.items.fields : undefined;
  for (const key of list.keys) {
    const v = hasOwn(item, key) ? getOwn(item, key) : undefined;
    if (v !== undefined && v !== null) {
      fields.push([key, v]);
      continue;
    }
    const def = itemFields?.get(key)?.default;
    if (def !== undefined) fields.push([key, def]);
  }
  if (fields.length === 0) {
    return {
      problem: `associative list with keys has an element that omits all key fields ${JSON.stringify(list.keys)} (and doesn't have default values for any key fields)`,
    };
  }
  return { pe: keyElement(fields) };
}

/** An item of a list with its path element (undefined when it has none). */
export interface IndexedItem {
  readonly pe: PathElement | undefined;
  readonly key: string | undefined;
  readonly value: unknown;
}

/** The items of a set or map-list with their path elements and FieldsV1 keys. */
export function indexItems(list: ListShape, items: readonly unknown[]): IndexedItem[] {
  return items.map((value) => {
    const pe = listItemElement(list, value);
    return { pe, key: pe ? serializePathElement(pe) : undefined, value };
  });
}

/**
 * Checks the items of an applied list: each must have a path element, and none may repeat.
 * Returns problems prefixed with the item's index.
 */
export function appliedListProblems(list: ListShape, items: readonly unknown[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const { pe, problem } = listItem(list, item);
    if (!pe) {
      problems.push(`element ${i}: ${problem}`);
      return;
    }
    const key = serializePathElement(pe);
    if (seen.has(key)) problems.push(`duplicate entries for key ${formatPathElement(pe)}`);
    seen.add(key);
  });
  return problems;
}
