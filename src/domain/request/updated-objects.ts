import { badRequest, notFound } from '../errors/api-error.js';
import type { KubeObject, ManagedFieldsEntry } from '../meta/types.js';
import { applyPatchOfType } from '../patch/index.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { decodeBody, groupResource } from '../registry/object-decoding.js';
import type { UpdatedObjectInfo } from '../registry/store.js';
import { deepClone, isPlainObject } from '../util/json.js';
import type { FieldTracker } from './field-tracking.js';

/**
 * The producers of {@link UpdatedObjectInfo}: each write verb says how it computes the next
 * object from the stored one, and how it records its managers; the store does the rest.
 */

/** Who writes and when, for managedFields. */
export interface Writer {
  fields: FieldTracker;
  manager: string;
  /** The request's time, formatted as managedFields carry it. */
  time: string;
  /** The subresource written through (`status`, `scale`), if any. */
  subresource?: string;
}

/** PUT: the request's object replaces the stored one (what the strategy lets it change). */
export function replacement(decoded: KubeObject, writer: Writer): UpdatedObjectInfo {
  const requested = decoded.metadata.managedFields;
  return {
    updatedObject: () => deepClone(decoded),
    finish: (admitted, old) => {
      if (old) writer.fields.update(admitted, old, requested, writer.manager, writer.time, writer.subresource);
      else writer.fields.create(admitted, requested, writer.manager, writer.time);
    },
  };
}

function nameMismatch(given: unknown, name: string): Error {
  return badRequest(`the name of the object (${String(given)}) does not match the name on the URL (${name})`);
}

/** A JSON patch or a JSON merge patch, applied to the stored object each time it is tried. */
export function patched(def: ResourceDefinition, name: string, type: 'json' | 'merge', patch: unknown, writer: Writer): UpdatedObjectInfo {
  let requested: unknown;
  return {
    updatedObject: (old) => {
      // A patch has nothing to apply to: it never creates.
      if (!old) throw notFound(groupResource(def), name);
      const result = applyPatchOfType(type, old, patch);
      if (!isPlainObject(result)) throw badRequest('the patch did not produce a JSON object');
      const decoded = decodeBody(def, result);
      if (decoded.metadata.name !== name) throw nameMismatch(decoded.metadata.name, name);
      if (def.namespaced && decoded.metadata.namespace !== old.metadata.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      requested = decoded.metadata.managedFields;
      return decoded;
    },
    finish: (admitted, old) => writer.fields.update(admitted, old as KubeObject, requested, writer.manager, writer.time, writer.subresource),
  };
}

/**
 * Server-side apply: the applied configuration merged into the stored object by field
 * ownership (conflicts answer 409 unless forced), or made into a new object when there is none.
 * A resourceVersion in the configuration is a precondition.
 */
export function applied(def: ResourceDefinition, applied: KubeObject, force: boolean, writer: Writer): UpdatedObjectInfo {
  const requestedRv = applied.metadata.resourceVersion;
  let entries: ManagedFieldsEntry[] = [];
  return {
    updatedObject: (old) => {
      const merged = writer.fields.apply(old, deepClone(applied), writer.manager, force, writer.time, writer.subresource);
      entries = merged.managedFields;
      const decoded = decodeBody(def, merged.object);
      if (old) decoded.metadata.resourceVersion = requestedRv !== undefined && requestedRv !== '' ? requestedRv : old.metadata.resourceVersion;
      else if (requestedRv !== undefined && requestedRv !== '') decoded.metadata.resourceVersion = requestedRv;
      return decoded;
    },
    finish: (admitted, old) => writer.fields.settle(admitted, entries, old),
  };
}

/** Checks an applied configuration against the request: it names its type and its object itself. */
export function checkAppliedConfiguration(def: ResourceDefinition, body: unknown): void {
  if (isPlainObject(body) && (typeof body.apiVersion !== 'string' || typeof body.kind !== 'string')) {
    throw badRequest(`invalid object type: an applied configuration must set apiVersion and kind (${def.apiVersion}, ${def.kind})`);
  }
}

export { nameMismatch };
