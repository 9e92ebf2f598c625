/**
 * Server-side apply of one object: merges an applied configuration into the live object and
 * works out the managed fields, with Kubernetes' field manager around the merge rules:
 *
 * - An object that has no managed fields yet (written before they were kept, or cleared) gets
 *   a `before-first-apply` Update manager owning all it holds, so an apply cannot silently
 *   overwrite what was there.
 * - kubectl (manager `kubectl`) taking over from client-side apply may take the fields of its
 *   last-applied annotation that still hold those values without conflicts, and the
 *   annotation is kept in step with what it applies.
 * - Identity and bookkeeping fields (name, uid, resourceVersion, ...) are never owned, nor
 *   fields a closed object schema does not declare (admission drops them).
 * - The applier's entry gets the time `now`; an apply that changes nothing returns the
 *   managed fields exactly as they were.
 */

import type { ManagedFieldsEntry } from '../meta/types.js';
import { deepClone, deepEqual } from '../util/json.js';
import { applyConflictError, listConflicts } from './apply-conflict.js';
import { checkAppliedConfig } from './applied-config.js';
import type { FieldSet } from './field-set.js';
import { isPlainObject, withoutManagedFields, type JsonObject } from './json-values.js';
import { fieldsFromLastApplied, KUBECTL_MANAGER, lastAppliedOf, syncLastApplied } from './last-applied.js';
import { managedFieldsOf, sameEntriesButTimes, setManagedFields } from './managed-fields-source.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  type ManagerIdentity,
  type Managers,
} from './managers.js';
import { reconcileWithShape, withoutUndeclaredFields } from './named-fields.js';
import type { ResourceShape } from './shape.js';
import { withoutUnownedFields } from './system-fields.js';
import { filterTracked, restoreUntracked, trackedFieldsFor, type TrackedFields } from './tracked-fields.js';
import { applyOwnership, OwnershipConflicts, updateOwnership, type UpdaterContext } from './updater.js';

/** The manager that owns what an object held before its first apply. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

export interface ApplyParams {
  /** The stored object, or undefined when the apply creates it. */
  live: object | undefined;
  /** The applied configuration (the request body, decoded). */
  applied: object;
  /** The `fieldManager` of the request (required for apply). */
  manager: string;
  /** Take ownership of conflicting fields instead of failing. */
  force: boolean;
  /** The live object's managed fields; by default `live.metadata.managedFields`. */
  managedFields?: readonly ManagedFieldsEntry[] | undefined;
  shape: ResourceShape;
  /** The apiVersion of the object (written into the entries). */
  apiVersion: string;
  /** The server's time, RFC 3339 with seconds: `2024-05-01T10:00:00Z`. */
  now: string;
  /** `status` for an apply through the status subresource. */
  subresource?: string;
  /** Which top-level fields the apply tracks and changes; by default from the shape and subresource. */
  tracked?: TrackedFields;
}

export interface ApplyResult {
  /**
   * The merged object, `metadata.managedFields` set to the new entries (or removed when there
   * are none). Untracked fields (status on the main resource when status is a subresource;
   * everything but status on the status subresource) are the live object's.
   */
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Applies `applied` over `live` for `manager`. Throws a Conflict ApiError (409) naming every
 * field another manager owns with a different value, unless `force`; throws BadRequest for an
 * applied configuration that is not well-formed (managedFields set, list items without keys,
 * repeated keys).
 */
export function applyObject(params: ApplyParams): ApplyResult {
  const root = params.shape.root;
  checkAppliedConfig(params.applied, root);
  const applied = withoutManagedFields(params.applied as JsonObject);
  const liveObj = params.live ? withoutManagedFields(params.live as JsonObject) : {};
  const tracked = params.tracked ?? trackedFieldsFor(params.shape, params.subresource);
  const ctx: UpdaterContext = { shape: root, track: (s) => filterTracked(s, tracked) };

  const stored = params.managedFields ?? managedFieldsOf(params.live);
  // Decoded afresh for each attempt (a failed attempt leaves its managers half changed);
  // conflicts are rare, and copying every manager's set up front costs as much as decoding.
  const startingManagers = (): Managers => {
    const managers = decodeManagedFields(stored);
    for (const m of managers.values()) m.set = reconcileWithShape(m.set, root);
    if (managers.size === 0 && params.live) ownExistingFields(liveObj, managers, params, ctx);
    return managers;
  };
  let result = startingManagers();

  const identity: ManagerIdentity = {
    manager: params.manager,
    operation: 'Apply',
    apiVersion: params.apiVersion,
    subresource: params.subresource ?? '',
  };
  const id = managerIdentifier(identity);
  const applier = { ...identity, id, time: result.get(id)?.time };

  let merged: unknown;
  try {
    merged = applyOwnership(liveObj, applied, result, applier, params.force, ctx);
  } catch (err) {
    if (!(err instanceof OwnershipConflicts)) throw err;
    const remaining = conflictsBeyondLastApplied(err, liveObj, params);
    if (remaining.size > 0) throw applyConflictError(listConflicts(remaining));
    result = startingManagers();
    merged = applyOwnership(liveObj, applied, result, applier, true, ctx);
  }

  const own = result.get(id);
  if (own) {
    own.set = withoutUndeclaredFields(withoutUnownedFields(own.set), root);
    own.apiVersion = params.apiVersion;
    own.time = params.now;
    if (own.set.isEmpty()) result.delete(id);
  }

  const object: JsonObject = isPlainObject(merged) ? merged : {};
  restoreUntracked(object, params.live ? liveObj : undefined, tracked);
  // A status write keeps the stored metadata, the annotation included.
  if (!params.subresource && params.manager === KUBECTL_MANAGER && lastAppliedOf(object) !== undefined) {
    syncLastApplied(object, applied);
  }

  let managedFields = encodeManagedFields(result);
  if (deepEqual(object, liveObj) && sameEntriesButTimes(managedFields, stored)) {
    managedFields = deepClone([...(stored ?? [])]);
  }
  setManagedFields(object, managedFields);
  return { object, managedFields };
}

/** Gives everything a live object without managed fields holds to `before-first-apply`. */
function ownExistingFields(liveObj: JsonObject, managers: Managers, params: ApplyParams, ctx: UpdaterContext): void {
  const identity: ManagerIdentity = {
    manager: BEFORE_FIRST_APPLY_MANAGER,
    operation: 'Update',
    apiVersion: params.apiVersion,
    subresource: params.subresource ?? '',
  };
  const id = managerIdentifier(identity);
  const owned = withoutUnownedFields(updateOwnership({}, liveObj, managers, id, ctx));
  if (!owned.isEmpty()) managers.set(id, { ...identity, time: params.now, set: owned });
}

/**
 * The conflicts that remain once kubectl's last client-side-applied fields are allowed: all of
 * them for other managers or without the annotation.
 */
function conflictsBeyondLastApplied(
  err: OwnershipConflicts,
  liveObj: JsonObject,
  params: ApplyParams,
): Map<string, { manager: ManagerIdentity; set: FieldSet }> {
  if (params.manager !== KUBECTL_MANAGER) return err.conflicts;
  const allowed = fieldsFromLastApplied(liveObj, params.shape.root, params.apiVersion);
  if (!allowed) return err.conflicts;
  const remaining = new Map<string, { manager: ManagerIdentity; set: FieldSet }>();
  for (const [id, c] of err.conflicts) {
    const left = c.set.difference(allowed);
    if (!left.isEmpty()) remaining.set(id, { manager: c.manager, set: left });
  }
  return remaining;
}
