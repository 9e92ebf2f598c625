import { badRequest, conflict, invalid } from '../errors/api-error.js';
import type { FieldValidation, KubeObject, ObjectMeta } from '../meta/types.js';
import { SERVER_SET_META_FIELDS } from '../meta/object-meta-description.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../meta/validate-object-meta.js';
import { fieldError, toStatusCause, type FieldError } from '../resource/field-error.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import type { ResourceStrategy, StrategyContext } from '../resource/strategy.js';
import { deepClone, deepEqual, type JsonObject } from '../util/json.js';
import { OBJECT_META_FIELDS } from '../validation/unknown-fields.js';
import { formatUnknownFieldWarning, strictDecodingError, validateBody } from '../validation/validate-body.js';
import { formatTimestamp, groupResource } from './object-decoding.js';

/**
 * The strategies a store is built with, as Kubernetes' generic store has them: what a create
 * does before the object is stored, and what an update may change. The main resource and the
 * status subresource are one store with two update strategies; neither knows about the other.
 *
 * Order of a create: server-set metadata cleared (and status, when it is a subresource), the
 * schema (defaults, then validation), the type's `default` and `prepareForCreate`, validation
 * (metadata, the type's `validate`), `canonicalize`, system fields set.
 *
 * Order of an update: the strategy takes from the stored object what the request may not
 * change, then the schema, the type's `default` and `prepareForUpdate` (main resource only),
 * validation (metadata rules of an update, finalizers of an object being deleted, the type's
 * `validate` for the main resource, then `validateUpdate`), `canonicalize`, and the generation.
 */
export interface UpdateStrategy {
  /** The subresource this strategy writes (`status`), or undefined for the main resource. */
  readonly subresource: string | undefined;
  /** Whether PUT on a missing object creates it. */
  readonly allowCreateOnUpdate: boolean;
  /** Whether PUT without metadata.resourceVersion overwrites. */
  readonly allowUnconditionalUpdate: boolean;
  /** The request's object with everything it may not change taken from `old`. */
  resetFields(obj: KubeObject, old: KubeObject): KubeObject;
  /** Whether the type's own default/prepareForUpdate/validate hooks run (main resource). */
  readonly mainHooks: boolean;
}

export interface Admitted {
  object: KubeObject;
  warnings: string[];
}

/** The main resource: status is kept from the stored object when status is a subresource. */
export function mainUpdateStrategy(def: ResourceDefinition): UpdateStrategy {
  return {
    subresource: undefined,
    allowCreateOnUpdate: def.strategy.allowCreateOnUpdate ?? false,
    allowUnconditionalUpdate: def.strategy.allowUnconditionalUpdate ?? false,
    mainHooks: true,
    resetFields(obj, old) {
      if (def.subresources.status) {
        if (old.status !== undefined) obj.status = deepClone(old.status);
        else delete obj.status;
      }
      const m = obj.metadata as ObjectMeta & JsonObject;
      delete m.selfLink;
      m.uid = old.metadata.uid;
      m.creationTimestamp = old.metadata.creationTimestamp;
      m.generation = old.metadata.generation;
      copyOrDelete(m, old.metadata, 'deletionTimestamp');
      copyOrDelete(m, old.metadata, 'deletionGracePeriodSeconds');
      copyOrDelete(m, old.metadata, 'managedFields');
      return obj;
    },
  };
}

/** The status subresource: the request changes status only; everything else is the stored object's. */
export function statusUpdateStrategy(def: ResourceDefinition): UpdateStrategy {
  return {
    subresource: 'status',
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: def.strategy.allowUnconditionalUpdate ?? false,
    mainHooks: false,
    resetFields(obj, old) {
      const next = deepClone(old) as KubeObject;
      if (obj.status !== undefined) next.status = obj.status;
      else delete next.status;
      return next;
    },
  };
}

function copyOrDelete(target: JsonObject, source: ObjectMeta, key: keyof ObjectMeta): void {
  const v = source[key];
  if (v !== undefined) target[key] = deepClone(v) as never;
  else delete target[key];
}

/** Finds metadata keys this kit does not know and removes them. */
function takeUnknownMetaFields(meta: JsonObject): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      unknown.push(`metadata.${key}`);
      delete meta[key];
    }
  }
  return unknown;
}

interface ParsedBody {
  object: KubeObject;
  errors: FieldError[];
  warnings: string[];
}

/**
 * Runs the zod schema over the object (applying defaults) and handles unknown fields according
 * to fieldValidation: Strict rejects, Warn warns, Ignore drops silently.
 */
function parseBody(def: ResourceDefinition, obj: KubeObject, fieldValidation: FieldValidation): ParsedBody {
  const unknownMeta = takeUnknownMetaFields(obj.metadata as JsonObject);
  const result = validateBody(def, obj as JsonObject);
  const unknown = [...unknownMeta, ...result.unknownFields.filter((p) => !p.startsWith('metadata.'))];
  if (unknown.length > 0 && fieldValidation === 'Strict') throw strictDecodingError(unknown);
  const warnings = fieldValidation === 'Warn' ? unknown.map((p) => formatUnknownFieldWarning(p)) : [];
  return { object: result.value as KubeObject, errors: result.errors, warnings };
}

/**
 * A request object of a version other than the hub, checked against its own schema before it
 * is converted: defaults applied, unknown fields handled as `fieldValidation` says, schema
 * errors reported in that version's terms.
 */
export function parseVersionedBody(def: ResourceDefinition, obj: KubeObject, fieldValidation: FieldValidation): Admitted {
  const parsed = parseBody(def, obj, fieldValidation);
  throwIfInvalid(def, obj.metadata.name ?? obj.metadata.generateName ?? '', parsed.errors);
  return { object: parsed.object, warnings: parsed.warnings };
}

function throwIfInvalid(def: ResourceDefinition, name: string, errors: FieldError[]): void {
  if (errors.length > 0) throw invalid({ group: def.group, kind: def.kind }, name, errors.map(toStatusCause));
}

const asErrors = (r: FieldError[] | void): FieldError[] => (Array.isArray(r) ? r : []);
const asWarnings = (r: string[] | void): string[] => (Array.isArray(r) ? r : []);

/**
 * Everything a create does before it reaches the store. The name must be set already (a
 * generateName resolved by the caller).
 */
export function admitCreate(
  def: ResourceDefinition,
  candidate: KubeObject,
  ctx: StrategyContext,
  fieldValidation: FieldValidation,
  uid: string,
): Admitted {
  const meta = candidate.metadata as ObjectMeta & JsonObject;
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
    throw badRequest('resourceVersion should not be set on objects to be created');
  }
  // What the server sets is never taken from a client; managedFields are recorded afresh.
  for (const key of SERVER_SET_META_FIELDS) if (key !== 'resourceVersion') delete meta[key];
  delete meta.managedFields;

  const metaErrors = validateObjectMeta(meta, { namespaced: def.namespaced, validateName: def.validateName });
  const parsed = parseBody(def, candidate, fieldValidation);
  const obj = parsed.object;
  if (def.subresources.status) delete obj.status;

  const strategy = def.strategy as ResourceStrategy;
  if (parsed.errors.length === 0) {
    strategy.default?.(obj, ctx);
    strategy.prepareForCreate?.(obj, ctx);
  }
  const errors = [...metaErrors, ...parsed.errors];
  if (errors.length === 0) errors.push(...asErrors(strategy.validate?.(obj, ctx)));
  throwIfInvalid(def, meta.name ?? meta.generateName ?? '', errors);
  strategy.canonicalize?.(obj);

  const outMeta = obj.metadata;
  outMeta.uid = uid;
  outMeta.creationTimestamp = formatTimestamp(ctx.now);
  outMeta.generation = 1;
  delete outMeta.resourceVersion;
  return { object: obj, warnings: [...parsed.warnings, ...asWarnings(strategy.warningsOnCreate?.(obj, ctx))] };
}

/**
 * Everything an update does before it reaches the store, through one update strategy. The
 * store has checked the resourceVersion against `old` already.
 */
export function admitUpdate(
  def: ResourceDefinition,
  update: UpdateStrategy,
  candidate: KubeObject,
  old: KubeObject,
  ctx: StrategyContext,
  fieldValidation: FieldValidation,
): Admitted {
  const name = old.metadata.name ?? '';
  const requestedUid = candidate.metadata.uid;
  if (requestedUid !== undefined && requestedUid !== '' && requestedUid !== old.metadata.uid) {
    throw conflict(groupResource(def), name, `Precondition failed: UID in precondition: ${requestedUid}, UID in object meta: ${old.metadata.uid}`);
  }
  const reset = update.resetFields(candidate, old);
  const parsed = parseBody(def, reset, fieldValidation);
  const obj = parsed.object;
  obj.metadata.resourceVersion = old.metadata.resourceVersion;

  const strategy = def.strategy as ResourceStrategy;
  if (parsed.errors.length === 0 && update.mainHooks) {
    strategy.default?.(obj, ctx);
    strategy.prepareForUpdate?.(obj, old, ctx);
  }
  const errors: FieldError[] = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...parsed.errors];
  if (old.metadata.deletionTimestamp !== undefined) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errors.push(
        fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`),
      );
    }
  }
  // The type's invariants hold on every write of the main resource, not only on creates.
  if (errors.length === 0 && update.mainHooks) errors.push(...asErrors(strategy.validate?.(obj, ctx)));
  if (errors.length === 0) errors.push(...asErrors(strategy.validateUpdate?.(obj, old, ctx)));
  throwIfInvalid(def, name, errors);
  strategy.canonicalize?.(obj);

  if (update.mainHooks && generationChanged(def, obj, old)) {
    obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
  return { object: obj, warnings: [...parsed.warnings, ...asWarnings(strategy.warningsOnUpdate?.(obj, old, ctx))] };
}

function generationChanged(def: ResourceDefinition, obj: KubeObject, old: KubeObject): boolean {
  if (def.strategy.generationChanged) return def.strategy.generationChanged(obj, old);
  for (const k of new Set([...Object.keys(obj), ...Object.keys(old)])) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || (k === 'status' && def.subresources.status)) continue;
    if (!deepEqual(obj[k], old[k])) return true;
  }
  return false;
}
