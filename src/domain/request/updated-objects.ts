import { badRequest, notFound } from '../errors/api-error.js';
import type { FieldValidation, KubeObject, ManagedFieldsEntry } from '../meta/types.js';
import { applyPatchOfType } from '../patch/index.js';
import { decodeBody, groupResource } from '../registry/object-decoding.js';
import type { UpdatedObjectInfo } from '../registry/store.js';
import { deepClone, isPlainObject } from '../util/json.js';
import type { VersionView } from './version-view.js';

/**
 * The producers of {@link UpdatedObjectInfo}: each write verb says how it computes the next
 * object from the stored one, and how it records its managers; the store does the rest. They
 * work in the request's version (`writer.view`) and hand the store hub objects.
 */

/** Who writes, through which version, and when. */
export interface Writer {
  view: VersionView;
  manager: string;
  /** The request's time, formatted as managedFields carry it. */
  time: string;
  /** The subresource written through (`status`, `scale`), if any. */
  subresource?: string;
  fieldValidation: FieldValidation;
}

/** A producer, and the warnings its last try gave (unknown fields of another version's body). */
export interface Producer extends UpdatedObjectInfo {
  warnings: string[];
}

export function nameMismatch(given: unknown, name: string): Error {
  return badRequest(`the name of the object (${String(given)}) does not match the name on the URL (${name})`);
}

/** Records an update's managers in the request's version terms. */
function recordUpdate(writer: Writer, requested: unknown): (admitted: KubeObject, old: KubeObject | undefined) => void {
  return (admitted, old) =>
    writer.view.recordFields(admitted, old, (obj, before) => {
      if (before) writer.view.fields.update(obj, before, requested, writer.manager, writer.time, writer.subresource);
      else writer.view.fields.create(obj, requested, writer.manager, writer.time);
    });
}

/** PUT: the request's object (checked in its version already) replaces what the strategy lets it change. */
export function replacement(checked: KubeObject, writer: Writer): Producer {
  return {
    warnings: [],
    updatedObject: (old) => writer.view.toStored(deepClone(checked), old),
    finish: recordUpdate(writer, checked.metadata.managedFields),
  };
}

/** A JSON patch or a JSON merge patch, applied to the stored object (in the request's version) each time it is tried. */
export function patched(name: string, type: 'json' | 'merge', patch: unknown, writer: Writer): Producer {
  const view = writer.view;
  let requested: unknown;
  const producer: Producer = {
    warnings: [],
    updatedObject: (old) => {
      // A patch has nothing to apply to: it never creates.
      if (!old) throw notFound(groupResource(view.definition), name);
      const current = view.out(old);
      const result = applyPatchOfType(type, current, patch);
      if (!isPlainObject(result)) throw badRequest('the patch did not produce a JSON object');
      const decoded = decodeBody(view.definition, result);
      if (decoded.metadata.name !== name) throw nameMismatch(decoded.metadata.name, name);
      if (view.definition.namespaced && decoded.metadata.namespace !== current.metadata.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      requested = decoded.metadata.managedFields;
      const checked = view.decode(decoded, writer.fieldValidation);
      producer.warnings = checked.warnings;
      return view.toStored(checked.object, old);
    },
    finish: (admitted, old) => recordUpdate(writer, requested)(admitted, old),
  };
  return producer;
}

/**
 * Server-side apply: the applied configuration merged into the stored object by field
 * ownership (conflicts answer 409 unless forced), or made into a new object when there is none.
 * A resourceVersion in the configuration is a precondition.
 */
export function applied(config: KubeObject, force: boolean, writer: Writer): Producer {
  const view = writer.view;
  const requestedRv = config.metadata.resourceVersion;
  const pinned = requestedRv !== undefined && requestedRv !== '';
  let entries: ManagedFieldsEntry[] = [];
  const producer: Producer = {
    warnings: [],
    updatedObject: (old) => {
      const live = old && view.out(old);
      const merged = view.fields.apply(live, deepClone(config), writer.manager, force, writer.time, writer.subresource);
      entries = merged.managedFields;
      const decoded = decodeBody(view.definition, merged.object);
      if (live) decoded.metadata.resourceVersion = pinned ? requestedRv : live.metadata.resourceVersion;
      else if (pinned) decoded.metadata.resourceVersion = requestedRv;
      const checked = view.decode(decoded, writer.fieldValidation);
      producer.warnings = checked.warnings;
      return view.toStored(checked.object, old);
    },
    finish: (admitted, old) => view.fields.settle(admitted, entries, old),
  };
  return producer;
}

/** Checks an applied configuration against the request: it names its type and its object itself. */
export function checkAppliedConfiguration(view: VersionView, body: unknown): void {
  const def = view.definition;
  if (isPlainObject(body) && (typeof body.apiVersion !== 'string' || typeof body.kind !== 'string')) {
    throw badRequest(`invalid object type: an applied configuration must set apiVersion and kind (${def.apiVersion}, ${def.kind})`);
  }
}
