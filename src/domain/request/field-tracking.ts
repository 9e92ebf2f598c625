import {
  applyObject,
  createdManagedFields,
  managedFieldsForWrite,
  restoreManagedFieldsTimestamps,
  schemaShape,
  setManagedFields,
  updateManagedFields,
  type ApplyResult,
  trackedFieldsFor,
  type ResourceShape,
  type TrackedFields,
} from '../apply/index.js';
import type { KubeObject, ManagedFieldsEntry } from '../meta/types.js';
import type { JsonObject } from '../util/json.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';

/**
 * Keeps `metadata.managedFields` for one type: who set which field, by apply or by update.
 * Every write records its manager, as Kubernetes does, so that server-side apply knows what
 * each manager owns.
 */
export class FieldTracker {
  private readonly shape: ResourceShape;
  private readonly createTracked: TrackedFields;

  constructor(private readonly def: ResourceDefinition) {
    // Built eagerly: a list-type declaration the engine cannot use fails at startup.
    this.shape = schemaShape(def);
    this.createTracked = trackedFieldsFor(this.shape, undefined);
  }

  /** Records a create by `manager`; `requested` is what the client sent as managedFields. */
  create(obj: KubeObject, requested: unknown, manager: string, now: string): void {
    const managedFields = managedFieldsForWrite({ requested, live: undefined });
    if (managedFields.length === 0) {
      // The common case: the creator owns everything, in one entry made in one walk.
      const entries = createdManagedFields(obj as JsonObject, {
        manager,
        apiVersion: this.def.apiVersion,
        now,
        root: this.shape.root,
        tracked: this.createTracked,
      });
      setManagedFields(obj, entries, true);
      return;
    }
    const entries = updateManagedFields({
      old: undefined,
      updated: obj,
      manager,
      managedFields,
      shape: this.shape,
      apiVersion: this.def.apiVersion,
      now,
    });
    setManagedFields(obj, entries);
  }

  /**
   * Records an update (PUT, merge or JSON patch, or a subresource write) by `manager`. A write
   * that changes nothing but managedFields times leaves them as stored, so it stays a no-op.
   */
  update(obj: KubeObject, old: KubeObject, requested: unknown, manager: string, now: string, subresource?: string): void {
    const entries = updateManagedFields({
      old,
      updated: obj,
      manager,
      managedFields: managedFieldsForWrite({ requested, live: old.metadata.managedFields, subresource }),
      shape: this.shape,
      apiVersion: this.def.apiVersion,
      now,
      subresource,
    });
    setManagedFields(obj, entries);
    restoreManagedFieldsTimestamps(obj, old);
  }

  /** Merges an applied configuration into the live object (undefined: a create). */
  apply(live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, now: string, subresource?: string): ApplyResult {
    return applyObject({
      live,
      applied,
      manager,
      force,
      shape: this.shape,
      apiVersion: this.def.apiVersion,
      now,
      subresource,
    });
  }

  /** Puts the managedFields an apply computed back on an object after admission. */
  settle(obj: KubeObject, entries: ManagedFieldsEntry[], old: KubeObject | undefined): void {
    setManagedFields(obj, entries);
    if (old) restoreManagedFieldsTimestamps(obj, old);
  }
}
