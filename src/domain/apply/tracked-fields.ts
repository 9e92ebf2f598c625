/**
 * Which top-level fields a write tracks ownership of: Kubernetes' "reset fields". When status
 * is a subresource, writes to the main resource neither own nor change status, and writes to
 * the status subresource own and change status only.
 */

import { FieldSet } from './field-set.js';
import { getOwn, hasOwn, setOwn, type JsonObject } from './json-values.js';
import { fieldElement } from './path-element.js';
import type { ResourceShape } from './shape.js';
import { deepClone } from '../util/json.js';

export interface TrackedFields {
  /** Only these top-level fields are tracked (and changed). */
  readonly only?: readonly string[];
  /** These top-level fields are not tracked (nor changed). */
  readonly except?: readonly string[];
}

/** The tracked fields of a write to the main resource (no subresource) or to a subresource. */
export function trackedFieldsFor(shape: ResourceShape, subresource: string | undefined): TrackedFields {
  if (subresource === 'status') return { only: ['status'] };
  if (!subresource && shape.statusSubresource) return { except: ['status'] };
  return {};
}

/** The part of a set that the write tracks. */
export function filterTracked(set: FieldSet, tracked: TrackedFields): FieldSet {
  if (tracked.only) {
    const out = new FieldSet();
    for (const name of tracked.only) {
      const pe = fieldElement(name);
      if (set.hasMember(pe)) out.insertMember(pe);
      const below = set.childSet(pe);
      if (below) out.descend(pe).addAll(below);
    }
    return out;
  }
  if (tracked.except && tracked.except.length > 0) {
    return set.recursiveDifference(FieldSet.of(...tracked.except.map((n) => [fieldElement(n)])));
  }
  return set;
}

/** Whether a write tracks the top-level field `name`. */
export function isTracked(name: string, tracked: TrackedFields): boolean {
  if (tracked.only) return tracked.only.includes(name);
  return !(tracked.except ?? []).includes(name);
}

/**
 * Puts the untracked top-level fields of `live` back into `result` (in place): a write does not
 * change what it does not track. Without a live object there is nothing to put back, and only
 * `except` fields are dropped.
 */
export function restoreUntracked(result: JsonObject, live: JsonObject | undefined, tracked: TrackedFields): void {
  if (!live) {
    for (const name of tracked.except ?? []) delete result[name];
    return;
  }
  const names = new Set([...Object.keys(result), ...Object.keys(live)]);
  for (const name of names) {
    if (isTracked(name, tracked)) continue;
    if (hasOwn(live, name)) setOwn(result, name, deepClone(getOwn(live, name)));
    else delete result[name];
  }
}
