/**
 * Managed fields for writes that are not applies (create, PUT, merge and JSON patch, and
 * their subresource forms): the writer, as an Update manager, comes to own the fields it
 * changed or added, which every other manager loses; fields it removed leave every manager.
 * A write that changes no tracked field leaves the managed fields as they were.
 */

import type { ManagedFieldsEntry } from '../meta/types.js';
import { withoutManagedFields, type JsonObject } from './json-values.js';
import { managedFieldsOf, sameEntriesButTimes } from './managed-fields-source.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  type ManagerIdentity,
} from './managers.js';
import { reconcileWithShape } from './named-fields.js';
import type { ResourceShape } from './shape.js';
import { withoutUnownedFields } from './system-fields.js';
import { filterTracked, trackedFieldsFor, type TrackedFields } from './tracked-fields.js';
import { updateOwnership, type UpdaterContext } from './updater.js';
import { deepClone } from '../util/json.js';

export interface UpdateParams {
  /** The stored object; undefined for a create. */
  old: object | undefined;
  /** The object about to be stored. */
  updated: object;
  /** From fieldManagerFor(fieldManager, userAgent). */
  manager: string;
  operation?: 'Update';
  /** The managed fields the write starts from (see managedFieldsForWrite); by default `old.metadata.managedFields`. */
  managedFields?: readonly ManagedFieldsEntry[] | undefined;
  shape: ResourceShape;
  apiVersion: string;
  /** The server's time, RFC 3339 with seconds. */
  now: string;
  /** `status` or `scale` for a write through that subresource. */
  subresource?: string;
  /** Which top-level fields the write tracks; by default from the shape and subresource. */
  tracked?: TrackedFields;
}

/** A key no real manager identifier (a JSON object) can take. */
const CURRENT_OPERATION = 'current-operation';

/** The managed fields after the write (to set on `updated`). */
export function updateManagedFields(params: UpdateParams): ManagedFieldsEntry[] {
  const root = params.shape.root;
  const tracked = params.tracked ?? trackedFieldsFor(params.shape, params.subresource);
  const ctx: UpdaterContext = { shape: root, track: (s) => filterTracked(s, tracked) };
  const stored = params.managedFields ?? managedFieldsOf(params.old);
  const managers = decodeManagedFields(stored);
  for (const m of managers.values()) m.set = reconcileWithShape(m.set, root);

  const before = params.old ? withoutManagedFields(params.old as JsonObject) : {};
  const after = withoutManagedFields(params.updated as JsonObject);
  const changed = withoutUnownedFields(updateOwnership(before, after, managers, CURRENT_OPERATION, ctx));

  if (!changed.isEmpty()) {
    const identity: ManagerIdentity = {
      manager: params.manager,
      operation: 'Update',
      apiVersion: params.apiVersion,
      subresource: params.subresource ?? '',
    };
    const id = managerIdentifier(identity);
    const previous = managers.get(id);
    managers.set(id, { ...identity, time: params.now, set: previous ? previous.set.union(changed) : changed });
  }
  capUpdateManagers(managers);

  const entries = encodeManagedFields(managers);
  // Nothing owned changed hands: keep the entries exactly as they were written.
  if (changed.isEmpty() && sameEntriesButTimes(entries, stored)) return deepClone([...(stored ?? [])]);
  return entries;
}
