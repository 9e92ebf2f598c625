/**
 * Where a write's managed fields come from and where they go. A write normally starts from the
 * stored object's managedFields. A create, PUT or patch of the main resource may replace them
 * with its own (valid, non-empty) ones, or clear them with `managedFields: [{}]`, as in
 * Kubernetes; a write through a subresource always starts from the stored ones.
 */

import type { ManagedFieldsEntry } from '../meta/types.js';
import { deepClone, deepEqual } from '../util/json.js';
import { getOwn, isPlainObject, setOwn, withoutManagedFields, type JsonObject } from './json-values.js';
import { managedFieldsEntryProblem } from './managers.js';

/** Whether a request's managedFields ask to clear them: exactly one entry, and it is empty. */
export function isManagedFieldsReset(requested: unknown): boolean {
  return Array.isArray(requested) && requested.length === 1 && isPlainObject(requested[0]) && Object.keys(requested[0]).length === 0;
}

/**
 * The managedFields a non-apply write starts from: `requested` is what the written object
 * carries (the request body, or the patched object), `live` what is stored.
 */
export function managedFieldsForWrite(params: {
  requested: unknown;
  live: readonly ManagedFieldsEntry[] | undefined;
  subresource?: string;
}): ManagedFieldsEntry[] {
  const live = [...(params.live ?? [])];
  if (params.subresource) return live;
  const requested = params.requested;
  if (isManagedFieldsReset(requested)) return [];
  if (Array.isArray(requested) && requested.length > 0 && requested.every((e) => managedFieldsEntryProblem(e) === undefined)) {
    return deepClone(requested) as ManagedFieldsEntry[];
  }
  return live;
}

/** The managedFields of an object, if it has a list of them. */
export function managedFieldsOf(obj: unknown): ManagedFieldsEntry[] | undefined {
  const meta = isPlainObject(obj) ? getOwn(obj, 'metadata') : undefined;
  const mf = isPlainObject(meta) ? getOwn(meta, 'managedFields') : undefined;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : undefined;
}

/**
 * Sets an object's managedFields in place; an empty list removes the field. The entries are
 * copied unless `owned` says the caller hands them over (they were made for this object).
 */
export function setManagedFields(obj: object, entries: readonly ManagedFieldsEntry[], owned = false): void {
  const o = obj as JsonObject;
  let meta = getOwn(o, 'metadata');
  if (!isPlainObject(meta)) {
    meta = {};
    setOwn(o, 'metadata', meta);
  }
  if (entries.length === 0) delete (meta as JsonObject).managedFields;
  else setOwn(meta as JsonObject, 'managedFields', owned ? entries : deepClone(entries));
}

function withoutTime(entries: readonly ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.map(({ time: _time, ...rest }) => rest);
}

/** Whether two lists of entries are the same but for their times. */
export function sameEntriesButTimes(a: readonly ManagedFieldsEntry[] | undefined, b: readonly ManagedFieldsEntry[] | undefined): boolean {
  return deepEqual(withoutTime(a ?? []), withoutTime(b ?? []));
}

/**
 * When a write changed nothing but the times of managed fields, puts the stored times back
 * (in place), so that the write is a no-op and no new resourceVersion is made: Kubernetes'
 * IgnoreManagedFieldsTimestampsTransformer. Returns whether it did.
 */
export function restoreManagedFieldsTimestamps(updated: object, stored: object): boolean {
  const newEntries = managedFieldsOf(updated);
  const oldEntries = managedFieldsOf(stored);
  if (!newEntries || !oldEntries || newEntries.length !== oldEntries.length) return false;
  if (deepEqual(newEntries, oldEntries) || !sameEntriesButTimes(newEntries, oldEntries)) return false;
  if (!deepEqual(withoutManagedFields(updated as JsonObject), withoutManagedFields(stored as JsonObject))) return false;
  setManagedFields(updated, oldEntries);
  return true;
}
