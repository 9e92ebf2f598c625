import {
  badRequest,
  conflict,
  invalid,
  STALE_OBJECT_MESSAGE,
  type GroupResource,
} from '../errors/api-error.js';
import type { FieldValidation, KubeObject, ObjectMeta } from '../meta/types.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../meta/validate-object-meta.js';
import { fieldError, toStatusCause, type FieldError } from '../resource/field-error.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import type { StrategyContext } from '../resource/strategy.js';
import { deepClone, deepEqual, isPlainObject, nestsDeeperThan, type JsonObject } from '../util/json.js';
import { OBJECT_META_FIELDS } from '../validation/unknown-fields.js';
import { formatUnknownFieldWarning, strictDecodingError, validateBody } from '../validation/validate-body.js';


/**
 * The deepest nesting an object may have. Real objects stay far below it; deeper documents
 * are refused before anything walks them recursively.
 */
export const MAX_OBJECT_DEPTH = 100;

let lastSecond = Number.NaN;
let lastFormatted = '';

/** Kubernetes keeps object timestamps at second precision, in UTC. */
export function formatTimestamp(d: Date): string {
  // Every write of a second formats the same second: format it once.
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastFormatted = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastFormatted;
}

export function groupResource(def: ResourceDefinition): GroupResource {
  return { group: def.group, resource: def.plural };
}

/**
 * Checks that a request body is an object of this type: a JSON object whose apiVersion and
 * kind, when given, name this type. Fills them in when absent. Returns a private copy.
 */
export function decodeBody(def: ResourceDefinition, body: unknown): KubeObject {
  if (!isPlainObject(body)) {
    throw badRequest(`the body of the request must be a JSON object of kind ${def.kind}`);
  }
  if (nestsDeeperThan(body, MAX_OBJECT_DEPTH)) {
    throw badRequest(`the object is nested too deeply: at most ${MAX_OBJECT_DEPTH} levels are accepted`);
  }
  const obj = deepClone(body) as JsonObject;
  if (obj.apiVersion !== undefined && obj.apiVersion !== def.apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${def.apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`);
  }
  obj.apiVersion = def.apiVersion;
  obj.kind = def.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) {
    throw invalid({ group: def.group, kind: def.kind }, '', [
      toStatusCause(fieldError.typeInvalid('metadata', obj.metadata, 'must be of type object')),
    ]);
  }
  return obj as KubeObject;
}

/**
 * Aligns the namespace of a body with the request's: cluster-scoped types have none; a
 * namespaced body may leave it out, but may not name another namespace.
 */
export function reconcileNamespace(def: ResourceDefinition, obj: KubeObject, namespace: string | undefined): void {
  const meta = obj.metadata;
  if (!def.namespaced) {
    delete meta.namespace;
    return;
  }
  if (namespace === undefined || namespace === '') {
    throw badRequest(`a namespace is required to write ${def.plural}.${def.group}`);
  }
  if (meta.namespace === undefined || meta.namespace === '') {
    meta.namespace = namespace;
  } else if (meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
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

export interface Admitted {
  object: KubeObject;
  warnings: string[];
}

interface ParsedBody {
  object: KubeObject;
  errors: FieldError[];
  warnings: string[];
}

/**
 * Runs the zod schema over the body (applying defaults) and handles unknown fields according
 * to fieldValidation: Strict rejects, Warn warns, Ignore drops silently.
 */
function parseBody(def: ResourceDefinition, obj: KubeObject, fieldValidation: FieldValidation | undefined): ParsedBody {
  const mode = fieldValidation ?? 'Warn';
  const unknownMeta = takeUnknownMetaFields(obj.metadata as JsonObject);
  const result = validateBody(def, obj as JsonObject);
  const unknown = [...unknownMeta, ...result.unknownFields.filter((p) => !p.startsWith('metadata.'))];
  if (unknown.length > 0 && mode === 'Strict') throw strictDecodingError(unknown);
  const warnings = mode === 'Warn' ? unknown.map((p) => formatUnknownFieldWarning(p)) : [];
  return { object: result.value as KubeObject, errors: result.errors, warnings };
}

function throwIfInvalid(def: ResourceDefinition, name: string, errors: FieldError[]): void {
  if (errors.length > 0) {
    throw invalid({ group: def.group, kind: def.kind }, name, errors.map(toStatusCause));
  }
}

function strategyErrors(result: FieldError[] | void): FieldError[] {
  return Array.isArray(result) ? result : [];
}

function strategyWarnings(result: string[] | void): string[] {
  return Array.isArray(result) ? result : [];
}

/**
 * Everything a create does before it reaches the store: server-set fields cleared, schema
 * defaults and validation, the strategy's hooks, and the system fields set. The name must be
 * set already (generateName resolved by the caller).
 */
export function admitCreate(
  def: ResourceDefinition,
  decoded: KubeObject,
  ctx: StrategyContext,
  fieldValidation: FieldValidation | undefined,
  systemFields: { uid: string },
): Admitted {
  const meta = decoded.metadata as ObjectMeta & JsonObject;
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
    throw badRequest('resourceVersion should not be set on objects to be created');
  }
  delete meta.selfLink;
  delete meta.uid;
  delete meta.creationTimestamp;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.generation;
  delete meta.managedFields;

  const metaErrors = validateObjectMeta(meta, { namespaced: def.namespaced, validateName: def.validateName });
  const parsed = parseBody(def, decoded, fieldValidation);
  const obj = parsed.object;
  if (def.subresources.status) delete obj.status;

  const strategy = def.strategy;
  if (parsed.errors.length === 0) {
    strategy.default?.(obj, ctx);
    strategy.prepareForCreate?.(obj, ctx);
  }
  const errors = [...metaErrors, ...parsed.errors];
  if (errors.length === 0) errors.push(...strategyErrors(strategy.validate?.(obj, ctx)));
  throwIfInvalid(def, meta.name ?? meta.generateName ?? '', errors);
  strategy.canonicalize?.(obj);

  const outMeta = obj.metadata;
  outMeta.uid = systemFields.uid;
  outMeta.creationTimestamp = formatTimestamp(ctx.now);
  outMeta.generation = 1;
  delete outMeta.resourceVersion;
  const warnings = [...parsed.warnings, ...strategyWarnings(strategy.warningsOnCreate?.(obj, ctx))];
  return { object: obj, warnings };
}

/** Which parts of an object an update may change. */
export type UpdateScope = 'main' | 'status';

/**
 * Everything an update does before it reaches the store: the new object is checked against
 * the stored one (resourceVersion, uid), server-set fields carried over, the part the scope
 * does not own (status for the main resource, all but status for the status subresource)
 * kept, then defaults, hooks, validation and the generation.
 *
 * The caller has checked the resourceVersion precondition already.
 */
export function admitUpdate(
  def: ResourceDefinition,
  decoded: KubeObject,
  old: KubeObject,
  ctx: StrategyContext,
  fieldValidation: FieldValidation | undefined,
  scope: UpdateScope,
): Admitted {
  const gr = groupResource(def);
  const name = old.metadata.name ?? '';
  const meta = decoded.metadata as ObjectMeta & JsonObject;
  if (meta.uid !== undefined && meta.uid !== '' && meta.uid !== old.metadata.uid) {
    throw conflict(gr, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`);
  }
  let obj: KubeObject;
  let parsedErrors: FieldError[] = [];
  let warnings: string[] = [];
  if (scope === 'status') {
    // A status write changes status only: everything else comes from the stored object.
    const parsed = parseBody(def, decoded, fieldValidation);
    warnings = parsed.warnings.filter((w) => w.includes('"status') || w.includes('"metadata'));
    parsedErrors = parsed.errors.filter((e) => e.field === 'status' || e.field.startsWith('status.') || e.field.startsWith('status['));
    obj = deepClone(old) as KubeObject;
    if (parsed.object.status !== undefined) obj.status = parsed.object.status;
    else delete obj.status;
  } else {
    const parsed = parseBody(def, decoded, fieldValidation);
    obj = parsed.object;
    parsedErrors = parsed.errors;
    warnings = parsed.warnings;
    if (def.subresources.status) {
      if (old.status !== undefined) obj.status = deepClone(old.status);
      else delete obj.status;
      parsedErrors = parsedErrors.filter((e) => !(e.field === 'status' || e.field.startsWith('status.')));
    }
    const m = obj.metadata as ObjectMeta & JsonObject;
    delete m.selfLink;
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    m.generation = old.metadata.generation;
    if (old.metadata.deletionTimestamp !== undefined) m.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) {
      m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else delete m.deletionGracePeriodSeconds;
    if (old.metadata.managedFields !== undefined) m.managedFields = deepClone(old.metadata.managedFields);
    else delete m.managedFields;
  }
  obj.metadata.resourceVersion = old.metadata.resourceVersion;

  const strategy = def.strategy;
  if (parsedErrors.length === 0 && scope === 'main') {
    strategy.default?.(obj, ctx);
    strategy.prepareForUpdate?.(obj, old, ctx);
  }
  const errors: FieldError[] = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...parsedErrors];
  if (old.metadata.deletionTimestamp !== undefined) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errors.push(fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
    }
  }
  if (errors.length === 0) errors.push(...strategyErrors(strategy.validateUpdate?.(obj, old, ctx)));
  throwIfInvalid(def, name, errors);
  strategy.canonicalize?.(obj);

  if (scope === 'main' && generationChanged(def, obj, old)) {
    obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  }
  warnings.push(...strategyWarnings(strategy.warningsOnUpdate?.(obj, old, ctx)));
  return { object: obj, warnings };
}

function generationChanged(def: ResourceDefinition, obj: KubeObject, old: KubeObject): boolean {
  if (def.strategy.generationChanged) return def.strategy.generationChanged(obj, old);
  const skip = new Set(['apiVersion', 'kind', 'metadata']);
  if (def.subresources.status) skip.add('status');
  const keys = new Set([...Object.keys(obj), ...Object.keys(old)]);
  for (const k of keys) {
    if (skip.has(k)) continue;
    if (!deepEqual(obj[k], old[k])) return true;
  }
  return false;
}

/** Checks an update's resourceVersion against the stored one. */
export function checkResourceVersion(
  def: ResourceDefinition,
  requested: string | undefined,
  old: KubeObject,
  allowUnconditional: boolean,
): void {
  const name = old.metadata.name ?? '';
  if (requested === undefined || requested === '') {
    if (!allowUnconditional) {
      throw invalid({ group: def.group, kind: def.kind }, name, [
        toStatusCause(fieldError.invalid('metadata.resourceVersion', 0, 'must be specified for an update')),
      ]);
    }
    return;
  }
  if (requested !== old.metadata.resourceVersion) {
    throw conflict(groupResource(def), name, STALE_OBJECT_MESSAGE);
  }
}
