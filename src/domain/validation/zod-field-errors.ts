import type { z } from 'zod';
import { describeValue, fieldError, type FieldError, type FieldErrorReason } from '../resource/field-error.js';
import { isPlainObject } from '../util/json.js';

/**
 * Turns zod 4 issues into Kubernetes field errors, so a schema failure reads like the API
 * server's own validation: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
 */

type Issue = z.core.$ZodIssue;

// Keys that read unambiguously after a dot; anything else (dots, slashes, spaces, an empty
// key) is rendered in brackets, the way Kubernetes renders map keys: `spec.selector[app.kubernetes.io/name]`.
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Appends one segment to a field path: numbers as `[i]`, plain identifiers as `.key`, other
 * string keys as `[key]`. An empty base gives a root path (`spec`, `[0]`, `[a.b]`).
 */
export function appendFieldPath(base: string, segment: PropertyKey): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  const key = typeof segment === 'symbol' ? (segment.description ?? '') : segment;
  if (PLAIN_KEY.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${key}]`;
}

/** Renders a path of segments after an optional base: `spec.conditions[0].type`. */
export function formatFieldPath(segments: readonly PropertyKey[], basePath = ''): string {
  let path = basePath;
  for (const segment of segments) path = appendFieldPath(path, segment);
  return path;
}

const FIELD_ERROR_REASONS: ReadonlySet<string> = new Set<FieldErrorReason>([
  'FieldValueRequired',
  'FieldValueInvalid',
  'FieldValueNotSupported',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueDuplicate',
  'FieldValueNotFound',
  'FieldValueTypeInvalid',
  'InternalError',
]);

/**
 * Maps zod issues to field errors.
 *
 * - `input` is the value that was parsed; each issue's offending value is looked up in it by
 *   the issue's path (zod only carries the input when asked to), so messages show what the
 *   client sent.
 * - `basePath` prefixes every field path (e.g. `spec` when the issues come from a spec schema).
 * - A missing value (nothing at the issue's path, also for enums) is FieldValueRequired; a value
 *   of the wrong type is FieldValueTypeInvalid; enum and literal misses are
 *   FieldValueNotSupported; too long strings FieldValueTooLong; too long arrays
 *   FieldValueTooMany; bounds, formats and unions FieldValueInvalid; keys rejected by a strict
 *   object FieldValueForbidden. A `custom` issue (refine / superRefine) is FieldValueInvalid
 *   with the issue's message, unless its `params.reason` names a FieldErrorReason; then that
 *   reason is used (`params.supported` gives the values for FieldValueNotSupported,
 *   `params.max` the limit for FieldValueTooLong / FieldValueTooMany).
 *
 * Never throws for any issue list; unknown issue codes become FieldValueInvalid with zod's
 * message.
 */
export function zodIssuesToFieldErrors(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  basePath = '',
): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) out.push(...mapIssue(issue, input, basePath));
  return out;
}

function mapIssue(issue: Issue, input: unknown, basePath: string): FieldError[] {
  const path = Array.isArray(issue.path) ? issue.path : [];
  const field = formatFieldPath(path, basePath);
  const found = lookup(input, path);
  // Zod carries the value itself only with reportInput; prefer what the client sent.
  const value = found.present ? found.value : (issue as { input?: unknown }).input;
  const present = found.present || value !== undefined;

  switch (issue.code) {
    case 'invalid_type':
      // z.undefined() / z.never() in a shape mean the field must be absent.
      if (issue.expected === 'undefined' || issue.expected === 'never') return [fieldError.forbidden(field, 'may not be set')];
      if (!present || issue.expected === 'nonoptional') return [fieldError.required(field)];
      return [fieldError.typeInvalid(field, value, `must be of type ${typeName(issue.expected)}`)];

    case 'invalid_value':
      // A missing enum field fails as a value miss in zod; for the client it is a missing value.
      if (!present && !issue.values.includes(undefined)) return [fieldError.required(field)];
      return [fieldError.notSupported(field, value, issue.values)];

    case 'too_big':
      return [tooBig(issue, field, value)];

    case 'too_small':
      return [tooSmall(issue, field, value)];

    case 'invalid_format':
      return [fieldError.invalid(field, value, formatDetail(issue))];

    case 'not_multiple_of':
      return [fieldError.invalid(field, value, `must be a multiple of ${issue.divisor}`)];

    case 'unrecognized_keys':
      return (issue.keys ?? []).map((key) => fieldError.forbidden(appendFieldPath(field, key), 'field not declared in the schema'));

    case 'invalid_union':
      return invalidUnion(issue, field, value);

    case 'invalid_key': {
      // The key is what is wrong, not the value stored under it.
      const key = path.length > 0 ? path[path.length - 1] : undefined;
      const keyText = typeof key === 'symbol' ? (key.description ?? '') : key;
      const inner = (issue.issues ?? []).flatMap((i) => mapIssue(i, keyText, '')).map((e) => ({ ...e, field }));
      return inner.length > 0 ? inner : [fieldError.invalid(field, keyText, 'invalid key')];
    }

    case 'invalid_element':
      return (issue.issues ?? []).flatMap((i) => mapIssue(i, value, field));

    case 'custom':
      return [customIssue(issue, field, value)];

    default:
      return [fieldError.invalid(field, value, (issue as { message?: string }).message ?? 'invalid value')];
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'int':
    case 'bigint':
      return 'integer';
    case 'record':
    case 'map':
      return 'object';
    case 'tuple':
    case 'set':
      return 'array';
    default:
      return expected;
  }
}

function plural(n: number | bigint, one: string, many: string): string {
  return `${n} ${Number(n) === 1 ? one : many}`;
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (value instanceof Set || value instanceof Map) return value.size;
  return undefined;
}

function tooBig(issue: z.core.$ZodIssueTooBig, field: string, value: unknown): FieldError {
  const max = issue.maximum;
  switch (issue.origin) {
    case 'string':
      if (issue.exact) return fieldError.invalid(field, value, `must be exactly ${plural(max, 'character', 'characters')}`);
      return fieldError.tooLong(field, Number(max));
    case 'array':
    case 'set': {
      if (issue.exact) return fieldError.invalid(field, value, `must have exactly ${plural(max, 'item', 'items')}`);
      const actual = lengthOf(value);
      return actual === undefined
        ? fieldError.invalid(field, value, `must have at most ${plural(max, 'item', 'items')}`)
        : fieldError.tooMany(field, actual, Number(max));
    }
    default:
      return fieldError.invalid(field, value, `must be less than ${issue.inclusive === false ? '' : 'or equal to '}${max}`);
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall, field: string, value: unknown): FieldError {
  const min = issue.minimum;
  switch (issue.origin) {
    case 'string':
    case 'array':
    case 'set': {
      const isString = issue.origin === 'string';
      // Kubernetes reports an empty string or list where content is needed as a missing value.
      if (lengthOf(value) === 0 && Number(min) > 0) return fieldError.required(field);
      const unit = isString ? plural(min, 'character', 'characters') : plural(min, 'item', 'items');
      if (issue.exact) return fieldError.invalid(field, value, `must ${isString ? 'be' : 'have'} exactly ${unit}`);
      return fieldError.invalid(field, value, `must ${isString ? 'be' : 'have'} at least ${unit}`);
    }
    default:
      return fieldError.invalid(field, value, `must be greater than ${issue.inclusive === false ? '' : 'or equal to '}${min}`);
  }
}

const FORMAT_NAMES: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  emoji: 'an emoji',
  uuid: 'a UUID',
  guid: 'a GUID',
  datetime: 'an RFC 3339 date-time',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (HH:MM[:SS])',
  duration: 'an ISO 8601 duration',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 CIDR',
  cidrv6: 'an IPv6 CIDR',
  base64: 'base64 data',
  base64url: 'base64url data',
  json_string: 'a JSON string',
  jwt: 'a JWT',
  e164: 'an E.164 phone number',
};

function formatDetail(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const extra = issue as unknown as Record<string, unknown>;
  switch (issue.format) {
    case 'regex':
      return `must match the pattern '${regexSource(issue.pattern)}'`;
    case 'starts_with':
      return `must start with ${JSON.stringify(String(extra.prefix ?? ''))}`;
    case 'ends_with':
      return `must end with ${JSON.stringify(String(extra.suffix ?? ''))}`;
    case 'includes':
      return `must include ${JSON.stringify(String(extra.includes ?? ''))}`;
    case 'lowercase':
      return 'must be lowercase';
    case 'uppercase':
      return 'must be uppercase';
    default: {
      const name = FORMAT_NAMES[issue.format];
      return name ? `must be ${name}` : `must be a valid ${issue.format}`;
    }
  }
}

function regexSource(pattern: string | undefined): string {
  if (!pattern) return '';
  // zod renders the RegExp literal (`/^a+$/i`); users wrote the part between the slashes.
  const m = /^\/(.*)\/[a-z]*$/s.exec(pattern);
  return m ? m[1] : pattern;
}

function invalidUnion(issue: z.core.$ZodIssueInvalidUnion, field: string, value: unknown): FieldError[] {
  const u = issue as unknown as {
    errors?: Issue[][];
    discriminator?: string;
    options?: unknown[];
    inclusive?: boolean;
  };
  if (u.inclusive === false) {
    return [fieldError.invalid(field, value, 'must match exactly one of the allowed schemas, but matches several')];
  }
  if (u.discriminator !== undefined && Array.isArray(u.options)) {
    // Recent zod versions point the path at the discriminator already; older ones at the union.
    const path = issue.path ?? [];
    const atDiscriminator = path.length > 0 && path[path.length - 1] === u.discriminator;
    const discField = atDiscriminator ? field : appendFieldPath(field, u.discriminator);
    const discValue = atDiscriminator ? value : isPlainObject(value) ? value[u.discriminator] : undefined;
    if (discValue === undefined) return [fieldError.required(discField)];
    return [fieldError.notSupported(discField, discValue, u.options)];
  }
  const branches = Array.isArray(u.errors) ? u.errors : [];
  const isRootTypeMiss = (b: Issue[]) => b.length === 1 && b[0].code === 'invalid_type' && (b[0].path?.length ?? 0) === 0;
  if (branches.length > 0 && branches.every(isRootTypeMiss)) {
    if (value === undefined) return [fieldError.required(field)];
    const types = [...new Set(branches.map((b) => typeName((b[0] as z.core.$ZodIssueInvalidType).expected)))];
    return [fieldError.typeInvalid(field, value, `must be of type ${types.join(' or ')}`)];
  }
  // When only one alternative accepted the value's type, its complaints are the useful ones.
  const near = branches.filter((b) => !isRootTypeMiss(b));
  if (near.length === 1) return zodIssuesToFieldErrors(near[0], value, field);
  return [fieldError.invalid(field, value, 'does not match any of the allowed schemas')];
}

function customIssue(issue: z.core.$ZodIssueCustom, field: string, value: unknown): FieldError {
  const params = isPlainObject(issue.params) ? issue.params : {};
  const detail = typeof issue.message === 'string' && issue.message ? issue.message : 'invalid value';
  const reason = typeof params.reason === 'string' && FIELD_ERROR_REASONS.has(params.reason) ? (params.reason as FieldErrorReason) : 'FieldValueInvalid';
  const max = typeof params.max === 'number' ? params.max : undefined;
  switch (reason) {
    case 'FieldValueRequired':
      return fieldError.required(field, detail);
    case 'FieldValueForbidden':
      return fieldError.forbidden(field, detail);
    case 'FieldValueTypeInvalid':
      return fieldError.typeInvalid(field, value, detail);
    case 'FieldValueNotSupported':
      if (Array.isArray(params.supported)) return fieldError.notSupported(field, value, params.supported);
      return { reason, field, message: `Unsupported value: ${describeValue(value)}: ${detail}` };
    case 'FieldValueDuplicate':
      return fieldError.duplicate(field, value);
    case 'FieldValueNotFound':
      return { reason, field, message: `Not found: ${describeValue(value)}` };
    case 'FieldValueTooLong':
      return max !== undefined ? fieldError.tooLong(field, max) : { reason, field, message: `Too long: ${detail}` };
    case 'FieldValueTooMany': {
      const actual = lengthOf(value);
      return max !== undefined && actual !== undefined
        ? fieldError.tooMany(field, actual, max)
        : { reason, field, message: `Too many: ${detail}` };
    }
    case 'InternalError':
      return { reason, field, message: `Internal error: ${detail}` };
    default:
      return fieldError.invalid(field, value, detail);
  }
}

interface Lookup {
  present: boolean;
  value: unknown;
}

function lookup(root: unknown, path: readonly PropertyKey[]): Lookup {
  let current: unknown = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') {
      if (segment < 0 || segment >= current.length) return { present: false, value: undefined };
      current = current[segment];
    } else if (isPlainObject(current) && typeof segment !== 'symbol' && Object.prototype.hasOwnProperty.call(current, segment)) {
      current = current[segment as string];
    } else {
      return { present: false, value: undefined };
    }
  }
  return { present: current !== undefined, value: current };
}
