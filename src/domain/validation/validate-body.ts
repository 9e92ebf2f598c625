import { badRequest, type ApiError } from '../errors/api-error.js';
import { fieldError, type FieldError } from '../resource/field-error.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { isPlainObject, type JsonObject } from '../util/json.js';
import { findUnknownFields, findUnknownFieldsBySchema, findUnknownMetadataFields, withoutUnknownMetadataFields } from './unknown-fields.js';
import { appendFieldPath, zodIssuesToFieldErrors } from './zod-field-errors.js';

/** The fields every object has outside its body schema. */
const ENVELOPE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export interface BodyValidation {
  /**
   * Without errors: the object with its body replaced by the zod output (defaults applied,
   * undeclared fields dropped), apiVersion and kind as given, metadata without unknown keys.
   * With errors: the input object itself.
   */
  value: Record<string, unknown>;
  /** Schema violations, with Kubernetes field paths (`spec.replicas`). */
  errors: FieldError[];
  /**
   * Fields the type does not declare, in the order the client sent them (top-level keys,
   * `metadata.*`, and within the body). Reported whether or not there are errors.
   */
  unknownFields: string[];
}

/**
 * Checks an object's body (everything but apiVersion, kind and metadata) against
 * `def.bodySchema`, and finds the fields the type does not know.
 *
 * A null where the schema does not accept null counts as absent, as Kubernetes prunes such
 * nulls before defaulting: `spec: null` (an empty `spec:` in YAML) gets the spec defaults, and a
 * required field sent as null is reported as Required. Null list items are not pruned.
 *
 * Metadata is not validated here (see validateObjectMeta); only its unknown keys are reported
 * and dropped. Does not mutate `obj`; the returned value shares unchanged parts with it. A
 * non-object `obj` yields one FieldValueTypeInvalid error at the root. Exceptions thrown by
 * the schema's own refinements or transforms (programming errors) propagate.
 */
export function validateBody(def: ResourceDefinition, obj: Record<string, unknown>): BodyValidation {
  if (!isPlainObject(obj)) {
    return { value: obj, errors: [fieldError.typeInvalid('', obj, 'must be of type object')], unknownFields: [] };
  }
  let body: JsonObject = {};
  for (const key of Object.keys(obj)) {
    if (!ENVELOPE_FIELDS.has(key) && obj[key] !== undefined) body[key] = obj[key];
  }
  let result = def.bodySchema.safeParse(body);
  // Kubernetes prunes nulls of fields that are not nullable before defaulting, so `spec:` left
  // empty in YAML gets the defaults. Each round removes the nulls zod rejected; the bound only
  // guards against a schema that keeps finding new ones.
  for (let round = 0; round < MAX_NULL_PRUNING_ROUNDS && !result.success; round++) {
    const pruned = withoutRejectedNulls(body, result.error.issues);
    if (pruned === body) break;
    body = pruned;
    result = def.bodySchema.safeParse(body);
  }
  const bodyUnknown = result.success ? findUnknownFields(body, result.data) : findUnknownFieldsBySchema(def.bodySchema, body);
  const unknownFields = inClientOrder(obj, bodyUnknown, findUnknownMetadataFields(obj.metadata));

  if (!result.success) {
    return { value: obj, errors: zodIssuesToFieldErrors(result.error.issues, body), unknownFields };
  }
  const value: JsonObject = {};
  if (obj.apiVersion !== undefined) value.apiVersion = obj.apiVersion;
  if (obj.kind !== undefined) value.kind = obj.kind;
  if (obj.metadata !== undefined) value.metadata = isPlainObject(obj.metadata) ? withoutUnknownMetadataFields(obj.metadata) : obj.metadata;
  const parsed = result.data as JsonObject;
  for (const key of Object.keys(parsed)) if (parsed[key] !== undefined) value[key] = parsed[key];
  return { value, errors: [], unknownFields };
}

const MAX_NULL_PRUNING_ROUNDS = 8;

/** A copy of `body` without the object properties whose null value an issue rejected; `body` itself when there are none. */
function withoutRejectedNulls(body: JsonObject, issues: readonly { path: PropertyKey[] }[]): JsonObject {
  let out = body;
  for (const issue of issues) {
    const path = issue.path;
    if (path.length === 0 || !isNullAt(out, path)) continue;
    out = removeAt(out, path) as JsonObject;
  }
  return out;
}

function isNullAt(root: unknown, path: readonly PropertyKey[]): boolean {
  let current = root;
  for (const segment of path.slice(0, -1)) {
    if (isPlainObject(current) && typeof segment === 'string') current = current[segment];
    else if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else return false;
  }
  const last = path[path.length - 1];
  // Only object properties: a null list item has no absent form to fall back to.
  return isPlainObject(current) && typeof last === 'string' && Object.prototype.hasOwnProperty.call(current, last) && current[last] === null;
}

/** Copy-on-write removal along `path`; the caller checked the path exists. */
function removeAt(node: unknown, path: readonly PropertyKey[]): unknown {
  const [head, ...rest] = path;
  if (Array.isArray(node) && typeof head === 'number') {
    const copy = [...node];
    copy[head] = removeAt(node[head], rest);
    return copy;
  }
  const copy = { ...(node as JsonObject) };
  if (rest.length === 0) delete copy[head as string];
  else copy[head as string] = removeAt(copy[head as string], rest);
  return copy;
}

function inClientOrder(obj: JsonObject, bodyUnknown: string[], metaUnknown: string[]): string[] {
  const keys = Object.keys(obj);
  const roots = keys.map((k) => appendFieldPath('', k));
  const rank = (path: string): number => {
    const i = roots.findIndex((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
    return i < 0 ? keys.length : i;
  };
  const metaRank = keys.indexOf('metadata');
  const ranked = [
    ...bodyUnknown.map((path) => ({ path, rank: rank(path) })),
    ...metaUnknown.map((path) => ({ path, rank: metaRank })),
  ];
  // Array.prototype.sort is stable: paths under one top-level key keep their walk order.
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.path);
}

/** The warning text Kubernetes sends for an unknown field under fieldValidation=Warn. */
export function formatUnknownFieldWarning(path: string): string {
  return `unknown field "${path}"`;
}

/**
 * The BadRequest Kubernetes answers under fieldValidation=Strict:
 * `strict decoding error: unknown field "spec.bogus", unknown field "spec.other"`.
 * With `target`, prefixed as the API server does for create and update bodies:
 * `Widget in version "v1" cannot be handled as a Widget: strict decoding error: ...`.
 * Repeated paths are reported once.
 */
export function strictDecodingError(paths: readonly string[], target?: { kind: string; version: string }): ApiError {
  const list = [...new Set(paths)].map(formatUnknownFieldWarning).join(', ');
  const message = `strict decoding error: ${list}`;
  if (!target) return badRequest(message);
  return badRequest(`${target.kind} in version ${JSON.stringify(target.version)} cannot be handled as a ${target.kind}: ${message}`);
}
