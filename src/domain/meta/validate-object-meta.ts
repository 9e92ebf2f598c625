import { fieldError, type FieldError } from '../resource/field-error.js';
import { deepEqual, isPlainObject, type JsonObject } from '../util/json.js';
import {
  validateLabelValue,
  validateNamespaceName,
  validateObjectName,
  validateQualifiedName,
} from './name-rules.js';
import type { ObjectMeta } from './types.js';

/**
 * Kubernetes' rules for object metadata (apimachinery `ValidateObjectMeta` and
 * `ValidateObjectMetaUpdate`), over plain JSON. Field paths are rooted at `metadata`; list
 * entries carry their index (`metadata.finalizers[0]`, `metadata.ownerReferences[1].uid`),
 * label and annotation errors name `metadata.labels` / `metadata.annotations` with the
 * offending key or value as the value, as Kubernetes does.
 */

/** The most bytes the keys and values of all annotations may take together (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';

const STRING_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
] as const;

const INTEGER_FIELDS = ['generation', 'deletionGracePeriodSeconds'] as const;

export interface ObjectMetaRules {
  /** Whether the type is namespaced: then a namespace is required, otherwise forbidden. */
  namespaced: boolean;
  /** Checks a name (prefix=false) or a generateName (prefix=true); default a DNS-1123 subdomain. */
  validateName?: (name: string, prefix: boolean) => string[];
}

/**
 * Validates the metadata of an object being created. `meta` may be any JSON value: missing
 * (`undefined` / `null`) reads as empty metadata, other non-objects give one
 * FieldValueTypeInvalid at `metadata`, and a field of the wrong type gives a
 * FieldValueTypeInvalid at its path rather than an exception. Never throws (unless
 * `validateName` does).
 *
 * Checks: `name` or `generateName` present (`metadata.name: Required value: name or
 * generateName is required`), both through `validateName`; the namespace required and a
 * DNS-1123 label for namespaced types, forbidden for cluster-scoped ones (`not allowed on this
 * type`); `generation` a non-negative integer; label keys qualified names and values label
 * values; annotation keys qualified names (case-insensitively) and at most 256 KiB in all;
 * finalizers qualified names, not both `orphan` and `foregroundDeletion`; owner references with
 * apiVersion, kind, name and uid, at most one controller; managed-fields operations `Apply` or
 * `Update`. Works before or after generateName is resolved.
 */
export function validateObjectMeta(meta: unknown, opts: ObjectMetaRules): FieldError[] {
  const m = asMeta(meta);
  if (!m) return [fieldError.typeInvalid('metadata', meta, 'must be of type object')];
  const errs: FieldError[] = [];
  const validateName = opts.validateName ?? validateObjectName;

  const generateName = m.generateName;
  if (typeof generateName === 'string' && generateName !== '') {
    for (const msg of validateName(generateName, true)) errs.push(fieldError.invalid('metadata.generateName', generateName, msg));
  }
  const name = m.name;
  if (typeof name === 'string' && name !== '') {
    for (const msg of validateName(name, false)) errs.push(fieldError.invalid('metadata.name', name, msg));
  } else if (isAbsent(name) || name === '') {
    if (typeof generateName !== 'string' || generateName === '') {
      errs.push(fieldError.required('metadata.name', 'name or generateName is required'));
    }
  }

  const namespace = m.namespace;
  if (opts.namespaced) {
    if (isAbsent(namespace) || namespace === '') errs.push(fieldError.required('metadata.namespace'));
    else if (typeof namespace === 'string') {
      for (const msg of validateNamespaceName(namespace, false)) errs.push(fieldError.invalid('metadata.namespace', namespace, msg));
    }
  } else if (!isAbsent(namespace) && namespace !== '') {
    errs.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  }

  errs.push(...validateFieldTypes(m), ...validateCommonFields(m));
  return errs;
}

/**
 * Validates the metadata of an update against the stored metadata. `name`, `namespace`, `uid`,
 * `creationTimestamp`, `deletionTimestamp` and `deletionGracePeriodSeconds` are immutable
 * (`metadata.uid: Invalid value: "x": field is immutable`; absent and empty compare equal);
 * `generation` may not decrease. Then the same field rules as on create, less the name and
 * namespace presence rules.
 *
 * As in Kubernetes, server-owned fields (uid, timestamps, generation) are expected to have
 * been carried over from `oldMeta` before this runs, so only a client changing them is
 * reported. Adding finalizers to an object being deleted and a missing resourceVersion are left
 * to the registry. Never throws for any shape of `newMeta`.
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta, oldMeta: ObjectMeta): FieldError[] {
  const m = asMeta(newMeta);
  if (!m) return [fieldError.typeInvalid('metadata', newMeta, 'must be of type object')];
  const old = asMeta(oldMeta) ?? {};
  const errs: FieldError[] = [];

  const newGen = m.generation;
  const oldGen = old.generation;
  if (typeof newGen === 'number' && typeof oldGen === 'number' && newGen < oldGen) {
    errs.push(fieldError.invalid('metadata.generation', newGen, 'must not be decremented'));
  }
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp'] as const) {
    const now = isAbsent(m[key]) ? '' : m[key];
    const before = isAbsent(old[key]) ? '' : old[key];
    if (!deepEqual(now, before)) errs.push(fieldError.invalid(`metadata.${key}`, now, 'field is immutable'));
  }
  const grace = isAbsent(m.deletionGracePeriodSeconds) ? null : m.deletionGracePeriodSeconds;
  const oldGrace = isAbsent(old.deletionGracePeriodSeconds) ? null : old.deletionGracePeriodSeconds;
  if (!deepEqual(grace, oldGrace)) errs.push(fieldError.invalid('metadata.deletionGracePeriodSeconds', grace, 'field is immutable'));

  errs.push(...validateFieldTypes(m), ...validateCommonFields(m));
  return errs;
}

function asMeta(meta: unknown): JsonObject | undefined {
  // JSON null decodes to empty metadata in Kubernetes, as does a missing field.
  if (meta === undefined || meta === null) return {};
  return isPlainObject(meta) ? meta : undefined;
}

function isAbsent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

function validateFieldTypes(m: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of STRING_FIELDS) {
    const v = m[key];
    if (!isAbsent(v) && typeof v !== 'string') errs.push(fieldError.typeInvalid(`metadata.${key}`, v, 'must be of type string'));
  }
  for (const key of INTEGER_FIELDS) {
    const v = m[key];
    if (!isAbsent(v) && !Number.isSafeInteger(v)) errs.push(fieldError.typeInvalid(`metadata.${key}`, v, 'must be of type integer'));
  }
  return errs;
}

function validateCommonFields(m: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof m.generation === 'number' && m.generation < 0) {
    errs.push(fieldError.invalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  }
  errs.push(
    ...validateLabels(m.labels),
    ...validateAnnotations(m.annotations),
    ...validateOwnerReferences(m.ownerReferences),
    ...validateFinalizers(m.finalizers),
    ...validateManagedFields(m.managedFields),
  );
  return errs;
}

/** Checks a string map's shape; calls `each` for the string entries. */
function stringMap(value: unknown, field: string, errs: FieldError[], each: (key: string, value: string) => void): void {
  if (isAbsent(value)) return;
  if (!isPlainObject(value)) {
    errs.push(fieldError.typeInvalid(field, value, 'must be of type object'));
    return;
  }
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') errs.push(fieldError.typeInvalid(`${field}[${key}]`, v, 'must be of type string'));
    else each(key, v);
  }
}

function validateLabels(labels: unknown): FieldError[] {
  const errs: FieldError[] = [];
  stringMap(labels, 'metadata.labels', errs, (key, value) => {
    for (const msg of validateQualifiedName(key)) errs.push(fieldError.invalid('metadata.labels', key, msg));
    for (const msg of validateLabelValue(value)) errs.push(fieldError.invalid('metadata.labels', value, msg));
  });
  return errs;
}

function validateAnnotations(annotations: unknown): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  stringMap(annotations, 'metadata.annotations', errs, (key, value) => {
    // Annotation keys are qualified names in any letter case.
    for (const msg of validateQualifiedName(key.toLowerCase())) errs.push(fieldError.invalid('metadata.annotations', key, msg));
    size += utf8Length(key) + utf8Length(value);
  });
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldError.tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Bytes of a string in UTF-8: the limit is in bytes, as Go's len() counts them. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function validateFinalizers(finalizers: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (isAbsent(finalizers)) return errs;
  if (!Array.isArray(finalizers)) return [fieldError.typeInvalid('metadata.finalizers', finalizers, 'must be of type array')];
  finalizers.forEach((f, i) => {
    const field = `metadata.finalizers[${i}]`;
    if (typeof f !== 'string') {
      errs.push(fieldError.typeInvalid(field, f, 'must be of type string'));
      return;
    }
    for (const msg of validateQualifiedName(f)) errs.push(fieldError.invalid(field, f, msg));
  });
  if (finalizers.includes(FINALIZER_ORPHAN) && finalizers.includes(FINALIZER_FOREGROUND)) {
    errs.push(
      fieldError.invalid('metadata.finalizers', finalizers, `finalizers ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot both be set`),
    );
  }
  return errs;
}

function validateOwnerReferences(refs: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (isAbsent(refs)) return errs;
  if (!Array.isArray(refs)) return [fieldError.typeInvalid('metadata.ownerReferences', refs, 'must be of type array')];
  let firstController: string | undefined;
  refs.forEach((ref, i) => {
    const base = `metadata.ownerReferences[${i}]`;
    if (!isPlainObject(ref)) {
      errs.push(fieldError.typeInvalid(base, ref, 'must be of type object'));
      return;
    }
    const text = (key: string): string | undefined => {
      const v = ref[key];
      if (isAbsent(v)) return '';
      if (typeof v === 'string') return v;
      errs.push(fieldError.typeInvalid(`${base}.${key}`, v, 'must be of type string'));
      return undefined;
    };
    const apiVersion = text('apiVersion');
    const kind = text('kind');
    const name = text('name');
    const uid = text('uid');
    for (const key of ['controller', 'blockOwnerDeletion']) {
      const v = ref[key];
      if (!isAbsent(v) && typeof v !== 'boolean') errs.push(fieldError.typeInvalid(`${base}.${key}`, v, 'must be of type boolean'));
    }
    const gv = apiVersion === undefined ? undefined : splitApiVersion(apiVersion);
    if (gv && gv.version === '') errs.push(fieldError.invalid(`${base}.apiVersion`, apiVersion, 'version must not be empty'));
    if (kind === '') errs.push(fieldError.invalid(`${base}.kind`, kind, 'kind must not be empty'));
    if (name === '') errs.push(fieldError.invalid(`${base}.name`, name, 'name must not be empty'));
    if (uid === '') errs.push(fieldError.invalid(`${base}.uid`, uid, 'uid must not be empty'));
    // Events are never owners in Kubernetes: they are deleted on their own schedule.
    if (gv && gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      errs.push(fieldError.invalid(base, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const current = `${kind ?? ''}/${name ?? ''}`;
      if (firstController === undefined) firstController = current;
      else {
        errs.push(
          fieldError.invalid(
            'metadata.ownerReferences',
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      }
    }
  });
  return errs;
}

/** `group/version` or `version`; more than one slash leaves no version, as Kubernetes parses it. */
function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' };
}

function validateManagedFields(entries: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (isAbsent(entries)) return errs;
  if (!Array.isArray(entries)) return [fieldError.typeInvalid('metadata.managedFields', entries, 'must be of type array')];
  entries.forEach((entry, i) => {
    const base = `metadata.managedFields[${i}]`;
    if (!isPlainObject(entry)) {
      errs.push(fieldError.typeInvalid(base, entry, 'must be of type object'));
      return;
    }
    for (const key of ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'subresource']) {
      const v = entry[key];
      if (!isAbsent(v) && typeof v !== 'string') errs.push(fieldError.typeInvalid(`${base}.${key}`, v, 'must be of type string'));
    }
    if (!isAbsent(entry.fieldsV1) && !isPlainObject(entry.fieldsV1)) {
      errs.push(fieldError.typeInvalid(`${base}.fieldsV1`, entry.fieldsV1, 'must be of type object'));
    }
    const op = entry.operation;
    if (op !== 'Apply' && op !== 'Update' && (isAbsent(op) || typeof op === 'string')) {
      errs.push(fieldError.notSupported(`${base}.operation`, isAbsent(op) ? '' : op, ['Apply', 'Update']));
    }
    const ft = entry.fieldsType;
    if (typeof ft === 'string' && ft !== '' && ft !== 'FieldsV1') {
      errs.push(fieldError.notSupported(`${base}.fieldsType`, ft, ['FieldsV1']));
    }
  });
  return errs;
}
