/**
 * JSON value helpers the apply engine needs beyond src/domain/util/json.ts: a total order on
 * values (to sort set items and list keys the way managed fields are written), a canonical
 * encoding (sorted object keys), and own-property access that never reaches a prototype.
 */

import { isPlainObject, type JsonObject } from '../util/json.js';

export { isPlainObject, type JsonObject };

/** Whether `obj` has `key` as an own property (so `constructor` or `__proto__` are plain names). */
export function hasOwn(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The own property `key` of `obj`, or undefined. */
export function getOwn(obj: JsonObject, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets an own data property, also for names such as `__proto__`. */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  // Only __proto__ is an accessor on Object.prototype; any other name can be assigned.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * JSON text with object keys sorted, so that equal values always encode alike (Kubernetes
 * writes list keys and set values in managed fields that way).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort(compareStrings);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rank of a JSON type in the total order: numbers, strings, booleans, arrays, objects, null. */
function typeRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isPlainObject(v)) return 4;
  return 5;
}

/** A total order on JSON values, also across types. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length - lb.length;
    }
    case 4: {
      const oa = a as JsonObject;
      const ob = b as JsonObject;
      const ka = Object.keys(oa).sort(compareStrings);
      const kb = Object.keys(ob).sort(compareStrings);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c = compareStrings(ka[i], kb[i]) || compareValues(oa[ka[i]], ob[kb[i]]);
        if (c !== 0) return c;
      }
      return ka.length - kb.length;
    }
    default:
      return 0;
  }
}

/** Whether a value is a JSON scalar (string, number, boolean). Null is not. */
export function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** A copy of an object without `metadata.managedFields` (which no manager ever owns). */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  const meta = getOwn(obj, 'metadata');
  if (!isPlainObject(meta) || !hasOwn(meta, 'managedFields')) return obj;
  const copy: JsonObject = {};
  for (const k of Object.keys(obj)) setOwn(copy, k, obj[k]);
  const metaCopy: JsonObject = {};
  for (const k of Object.keys(meta)) if (k !== 'managedFields') setOwn(metaCopy, k, meta[k]);
  setOwn(copy, 'metadata', metaCopy);
  return copy;
}
