import { fieldError, type FieldError } from '../resource/field-error.js';
import { deepEqual, isPlainObject, type JsonObject } from '../util/json.js';
import {
  validateLabelValue,
  validateNamespaceName,
  validateObjectName,
  validateQualifiedName,
} from './name-rules.js';
import {
  fieldNames,
  isStringType,
  MANAGED_FIELDS_ENTRY,
  OBJECT_META,
  OWNER_REFERENCE,
  type FieldDescription,
  type FieldType,
  type ObjectDescription,
  type ObjectMetaField,
} from './object-meta-description.js';
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

/** ObjectMeta's fields that may not change on update, in declaration order. */
const IMMUTABLE_FIELDS = fieldNames(OBJECT_META).filter((name) => (OBJECT_META.fields[name] as FieldDescription).immutable === true);

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

  errs.push(...validateCommonFields(m));
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
  for (const key of IMMUTABLE_FIELDS) {
    // Absent compares equal to the empty value: "" for strings, null (Go's nil) for numbers.
    const empty = isStringType(OBJECT_META.fields[key].type) ? '' : null;
    const now = isAbsent(m[key]) ? empty : m[key];
    const before = isAbsent(old[key]) ? empty : old[key];
    if (!deepEqual(now, before)) errs.push(fieldError.invalid(`metadata.${key}`, now, 'field is immutable'));
  }

  errs.push(...validateCommonFields(m));
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

/**
 * Type errors of a described object's scalar fields (and opaque objects), grouped by type:
 * strings, then integers, then booleans, then objects, each in declaration order. Lists and
 * maps are left to their own rules.
 */
function scalarTypeErrors(object: ObjectDescription, value: JsonObject, base: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, check] of typeChecksOf(object)) {
    const v = value[key];
    if (!isAbsent(v) && !check.ok(v)) errs.push(fieldError.typeInvalid(`${base}.${key}`, v, check.message));
  }
  return errs;
}

interface TypeCheck {
  applies: (t: FieldType) => boolean;
  ok: (v: unknown) => boolean;
  message: string;
}

const TYPE_CHECKS: readonly TypeCheck[] = [
  { applies: isStringType, ok: (v) => typeof v === 'string', message: 'must be of type string' },
  { applies: (t) => t === 'int64', ok: (v) => Number.isSafeInteger(v), message: 'must be of type integer' },
  { applies: (t) => t === 'boolean', ok: (v) => typeof v === 'boolean', message: 'must be of type boolean' },
  { applies: (t) => t === 'fieldsV1', ok: isPlainObject, message: 'must be of type object' },
];

const typeChecks = new Map<ObjectDescription, readonly (readonly [string, TypeCheck])[]>();

/** The (field, check) pairs of an object, in the order above; worked out once per object. */
function typeChecksOf(object: ObjectDescription): readonly (readonly [string, TypeCheck])[] {
  let pairs = typeChecks.get(object);
  if (!pairs) {
    const fields = Object.entries(object.fields);
    pairs = TYPE_CHECKS.flatMap((check) => fields.filter(([, f]) => check.applies(f.type)).map(([key]) => [key, check] as const));
    typeChecks.set(object, pairs);
  }
  return pairs;
}

/** The ObjectMeta fields that are not scalars: each has its own rule below. */
type CompositeMetaField = {
  [K in ObjectMetaField]: (typeof OBJECT_META.fields)[K]['type'] extends 'stringMap' | 'stringList' | { readonly listOf: ObjectDescription } ? K : never;
}[ObjectMetaField];

function validateCommonFields(m: JsonObject): FieldError[] {
  const errs: FieldError[] = scalarTypeErrors(OBJECT_META, m, 'metadata');
  if (typeof m.generation === 'number' && m.generation < 0) {
    errs.push(fieldError.invalid('metadata.generation', m.generation, 'must be greater than or equal to 0'));
  }
  for (const key of COMPOSITE_FIELDS) errs.push(...COMPOSITE_RULES[key](m[key]));
  return errs;
}

const COMPOSITE_RULES: { readonly [K in CompositeMetaField]: (value: unknown) => FieldError[] } = {
  labels: validateLabels,
  annotations: validateAnnotations,
  ownerReferences: validateOwnerReferences,
  finalizers: validateFinalizers,
  managedFields: validateManagedFields,
};

/** The composite fields in declaration order, the order their errors come in. */
const COMPOSITE_FIELDS = fieldNames(OBJECT_META).filter((name): name is CompositeMetaField => Object.hasOwn(COMPOSITE_RULES, name));

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
    errs.push(...scalarTypeErrors(OWNER_REFERENCE, ref, base));
    // Absent reads as empty; a value of the wrong type (reported above) as unknown.
    const text = (key: keyof typeof OWNER_REFERENCE.fields): string | undefined => {
      const v = ref[key];
      if (isAbsent(v)) return '';
      return typeof v === 'string' ? v : undefined;
    };
    const apiVersion = text('apiVersion');
    const kind = text('kind');
    const name = text('name');
    const uid = text('uid');
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

const OPERATIONS: readonly string[] = MANAGED_FIELDS_ENTRY.fields.operation.type.enum;
const FIELDS_TYPES: readonly string[] = MANAGED_FIELDS_ENTRY.fields.fieldsType.type.enum;

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
    errs.push(...scalarTypeErrors(MANAGED_FIELDS_ENTRY, entry, base));
    // The operation is required; the fields type may be left empty.
    const op = entry.operation;
    if (!OPERATIONS.includes(op as string) && (isAbsent(op) || typeof op === 'string')) {
      errs.push(fieldError.notSupported(`${base}.operation`, isAbsent(op) ? '' : op, OPERATIONS));
    }
    const ft = entry.fieldsType;
    if (typeof ft === 'string' && ft !== '' && !FIELDS_TYPES.includes(ft)) {
      errs.push(fieldError.notSupported(`${base}.fieldsType`, ft, FIELDS_TYPES));
    }
  });
  return errs;
}
