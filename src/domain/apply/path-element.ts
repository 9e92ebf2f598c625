/**
 * One step of a field path, as structured-merge-diff names them: a field of an object, the item
 * of a map-list with given key fields, the item of a set with a given value, or (never written
 * by Kubernetes for typed objects, since atomic lists are owned whole) a list index.
 *
 * In the FieldsV1 wire format a step is written `f:name`, `k:{"type":"Ready"}` (key fields
 * sorted by name, values as JSON), `v:"value"` or `i:0`. In messages it is written `.name`,
 * `[type="Ready"]`, `[="value"]` or `[0]`.
 */

import { canonicalJson, compareStrings, compareValues, isPlainObject } from './json-values.js';

export type PathElement =
  | { readonly type: 'field'; readonly name: string }
  | { readonly type: 'key'; readonly fields: readonly (readonly [string, unknown])[]; spelling?: string }
  | { readonly type: 'value'; readonly value: unknown; spelling?: string }
  | { readonly type: 'index'; readonly index: number };

/** A path from the object's root: `[field spec, field replicas]` is `.spec.replicas`. */
export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { type: 'field', name };
}

/** A map-list item by its key fields; the fields are sorted by name. */
export function keyElement(fields: Iterable<readonly [string, unknown]>): PathElement {
  const sorted = [...fields].sort((a, b) => compareStrings(a[0], b[0]));
  // `spelling` caches the FieldsV1 text (steps are immutable, and the same step is spelled many times).
  return { type: 'key', fields: sorted, spelling: undefined };
}

export function valueElement(value: unknown): PathElement {
  return { type: 'value', value, spelling: undefined };
}

export function indexElement(index: number): PathElement {
  return { type: 'index', index };
}

/** The FieldsV1 spelling of a step: `f:spec`, `k:{"name":"a"}`, `v:"x"`, `i:0`. */
export function serializePathElement(pe: PathElement): string {
  switch (pe.type) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return (pe.spelling ??= `k:{${pe.fields.map(([n, v]) => `${JSON.stringify(n)}:${canonicalJson(v)}`).join(',')}}`);
    case 'value':
      return (pe.spelling ??= `v:${canonicalJson(pe.value)}`);
    case 'index':
      return `i:${pe.index}`;
  }
}

/** Why a FieldsV1 key could not be read. */
export class PathElementSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathElementSyntaxError';
  }
}

/**
 * Reads a FieldsV1 key. Returns undefined for a prefix this engine does not know (a future
 * format may add some; they are dropped, as Kubernetes does); throws PathElementSyntaxError
 * for a known prefix with a malformed body.
 */
export function parsePathElement(text: string): PathElement | undefined {
  if (text.length < 2 || text[1] !== ':') throw new PathElementSyntaxError(`invalid path element ${JSON.stringify(text)}`);
  const body = text.slice(2);
  switch (text[0]) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return valueElement(parseJson(text, body));
    case 'k': {
      const parsed = parseJson(text, body);
      if (!isPlainObject(parsed)) throw new PathElementSyntaxError(`key path element ${JSON.stringify(text)} is not a JSON object`);
      return keyElement(Object.entries(parsed));
    }
    case 'i': {
      if (!/^(0|[1-9][0-9]*)$/.test(body)) throw new PathElementSyntaxError(`invalid index path element ${JSON.stringify(text)}`);
      return indexElement(Number(body));
    }
    default:
      return undefined;
  }
}

function parseJson(text: string, body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new PathElementSyntaxError(`path element ${JSON.stringify(text)} does not hold valid JSON`);
  }
}

const TYPE_ORDER = { field: 0, key: 1, value: 2, index: 3 } as const;

/** The order steps are written in: fields by name, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.type !== b.type) return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  switch (a.type) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key': {
      const fb = (b as typeof a).fields;
      for (let i = 0; i < Math.min(a.fields.length, fb.length); i++) {
        const c = compareStrings(a.fields[i][0], fb[i][0]) || compareValues(a.fields[i][1], fb[i][1]);
        if (c !== 0) return c;
      }
      return a.fields.length - fb.length;
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index;
  }
}

/** A value as Kubernetes prints it inside a path: strings quoted, others as they are. */
function printValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(',')}]`;
  if (isPlainObject(v)) return Object.keys(v).map((k) => `${k}=${printValue(v[k])}`).join('');
  return String(v);
}

/** A step as messages show it: `.replicas`, `[type="Ready"]`, `[="x"]`, `[0]`. */
export function formatPathElement(pe: PathElement): string {
  switch (pe.type) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([n, v]) => `${n}=${printValue(v)}`).join(',')}]`;
    case 'value':
      return `[=${printValue(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** A path as conflict messages show it: `.spec.conditions[type="Ready"].status`. */
export function formatFieldPath(path: FieldPath): string {
  return path.map(formatPathElement).join('');
}
