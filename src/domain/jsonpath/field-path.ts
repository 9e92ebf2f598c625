/**
 * Simple dotted field paths (`.spec.replicas`), as a CRD's scale subresource names its
 * `specReplicasPath`, `statusReplicasPath` and `labelSelectorPath`: no brackets, no wildcards,
 * members of nested objects only. For anything richer, see json-path.ts.
 *
 * Members are own properties only: `constructor` or `__proto__` in a path is a member name
 * like any other and never reaches a prototype.
 */

import { badRequest } from '../errors/api-error.js';

type JsonObject = Record<string, unknown>;

/**
 * Splits a simple field path into member names: `.spec.replicas` is `["spec", "replicas"]`,
 * `.` alone is `[]` (the object itself). Throws BadRequest unless the path starts with `.` and
 * every segment is non-empty and free of `[`, `]`, `*` and whitespace.
 */
export function parseFieldPath(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('.')) {
    throw badRequest(`invalid field path ${JSON.stringify(path)}: must start with "."`);
  }
  if (path === '.') return [];
  const segments = path.slice(1).split('.');
  for (const segment of segments) {
    if (segment === '') {
      throw badRequest(`invalid field path ${JSON.stringify(path)}: empty segment`);
    }
    if (/[[\]*\s]/.test(segment)) {
      throw badRequest(
        `invalid field path ${JSON.stringify(path)}: only dotted member names are allowed, not ${JSON.stringify(segment)}`,
      );
    }
  }
  return segments;
}

/**
 * The value at `segments` below `obj`, or undefined when a member is missing or a step meets
 * something that is not an object (arrays included). A present `null` is returned as null.
 */
export function getAtPath(obj: unknown, segments: readonly string[]): unknown {
  let cur = obj;
  for (const segment of segments) {
    if (!isObject(cur) || !Object.hasOwn(cur, segment)) return undefined;
    cur = cur[segment];
  }
  return cur;
}

/**
 * Sets the value at `segments` below `obj`, mutating `obj`: missing (or null) intermediate
 * members become empty objects. Throws BadRequest when `segments` is empty, when `obj` is not
 * an object, or when an intermediate member holds something other than an object, naming it
 * (`.spec is not an object`); nothing is changed then.
 */
export function setAtPath(obj: unknown, segments: readonly string[], value: unknown): void {
  if (segments.length === 0) throw badRequest('cannot set a value at the root of an object');
  if (!isObject(obj)) throw badRequest(`cannot set ${display(segments)}: the target is not an object`);
  // Check the whole way first, so that a failure leaves obj untouched.
  let probe: unknown = obj;
  for (let i = 0; i < segments.length - 1; i++) {
    probe = isObject(probe) && Object.hasOwn(probe, segments[i]) ? probe[segments[i]] : undefined;
    if (probe === undefined || probe === null) break;
    if (!isObject(probe)) {
      throw badRequest(`cannot set ${display(segments)}: ${display(segments.slice(0, i + 1))} is not an object`);
    }
  }
  let cur: JsonObject = obj;
  for (let i = 0; i < segments.length - 1; i++) {
    const next = Object.hasOwn(cur, segments[i]) ? cur[segments[i]] : undefined;
    if (isObject(next)) {
      cur = next;
    } else {
      const created: JsonObject = {};
      setOwn(cur, segments[i], created);
      cur = created;
    }
  }
  setOwn(cur, segments[segments.length - 1], value);
}

/**
 * Removes the member at `segments` below `obj`, mutating `obj`. Returns whether something was
 * removed; a missing path is not an error. An empty path removes nothing.
 */
export function deleteAtPath(obj: unknown, segments: readonly string[]): boolean {
  if (segments.length === 0) return false;
  const parent = getAtPath(obj, segments.slice(0, -1));
  const last = segments[segments.length - 1];
  if (!isObject(parent) || !Object.hasOwn(parent, last)) return false;
  delete parent[last];
  return true;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own data property; plain assignment of `__proto__` would replace the prototype. */
function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

function display(segments: readonly string[]): string {
  return '.' + segments.join('.');
}
