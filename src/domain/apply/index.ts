/**
 * Server-side apply and managed fields: the semantics of Kubernetes' structured-merge-diff and
 * field manager, over plain objects and the apply type tree of a resource's zod schemas.
 *
 * How a registry uses it (`shape = schemaShape(def)`, `now` the clock's time as RFC 3339):
 *
 * - create (POST): after admission, `setManagedFields(obj, updateManagedFields({ old: undefined,
 *   updated: obj, manager: fieldManagerFor(opts.fieldManager, ctx.userAgent), managedFields:
 *   managedFieldsForWrite({ requested: <body's metadata.managedFields>, live: undefined }), ... }))`.
 * - update (PUT) and merge/JSON patch: the same with `old` the stored object and
 *   `managedFields: managedFieldsForWrite({ requested: <the written object's managedFields>,
 *   live: old.metadata.managedFields, subresource })`; `subresource: 'status'` (or 'scale') for
 *   writes through a subresource.
 * - apply: `applyObject({ live: stored | undefined, applied: body, manager: opts.fieldManager,
 *   force, shape, apiVersion: def.apiVersion, now, subresource })`, then admit `result.object`
 *   as a create or an update and set `result.managedFields` on the admitted object.
 * - after admission, `restoreManagedFieldsTimestamps(admitted, stored)` turns a write that only
 *   moved times into a no-op.
 */

export { applyObject, BEFORE_FIRST_APPLY_MANAGER, type ApplyParams, type ApplyResult } from './apply-object.js';
export { updateManagedFields, type UpdateParams } from './update-managed-fields.js';
export { createdManagedFields, type CreatedFieldsParams } from './created-fields.js';
export {
  isManagedFieldsReset,
  managedFieldsForWrite,
  managedFieldsOf,
  restoreManagedFieldsTimestamps,
  sameEntriesButTimes,
  setManagedFields,
} from './managed-fields-source.js';
export {
  fieldManagerFor,
  FIELD_MANAGER_MAX_LENGTH,
  managerFromUserAgent,
  patchOptionsError,
  validateFieldManager,
  writeOptionsError,
} from './field-manager.js';
export { validateManagedFields } from './validate-managed-fields.js';
export { validateListTypes } from './validate-list-types.js';
export { applyConflictError, describeManager, FIELD_MANAGER_CONFLICT, type ApplyConflict } from './apply-conflict.js';
export { LAST_APPLIED_ANNOTATION } from './last-applied.js';
export { trackedFieldsFor, type TrackedFields } from './tracked-fields.js';

export { schemaShape, shapeFromZod, ShapeDefinitionError } from './shape-from-zod.js';
export {
  LIST_MAP_KEYS_EXTENSION,
  LIST_TYPE_EXTENSION,
  listTypeAtomic,
  listTypeMap,
  listTypeSet,
  MAP_TYPE_EXTENSION,
  mapTypeAtomic,
} from './list-type-meta.js';
export {
  atomicList,
  childShape,
  mapList,
  mapShape,
  OBJECT_META_SHAPE,
  recordShape,
  SCALAR,
  setList,
  shapeAtFieldPath,
  UNTYPED,
  type ListShape,
  type ListType,
  type MapShape,
  type ResourceShape,
  type ScalarShape,
  type Shape,
  type UntypedShape,
} from './shape.js';
export { listItemElement } from './list-item.js';

export { FieldSet } from './field-set.js';
export { FieldsV1Error, parseFieldsV1, serializeFieldsV1 } from './fields-v1.js';
export {
  fieldElement,
  formatFieldPath,
  indexElement,
  keyElement,
  parsePathElement,
  serializePathElement,
  valueElement,
  type FieldPath,
  type PathElement,
} from './path-element.js';
export { fieldSetOf } from './object-field-set.js';
export { compareObjects, type Comparison } from './compare.js';
export { mergeObjects } from './merge.js';
export { removeItems } from './remove-items.js';
export {
  ANCIENT_CHANGES_MANAGER,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  MAX_UPDATE_MANAGERS,
  type ManagerIdentity,
  type ManagerState,
  type Managers,
} from './managers.js';
