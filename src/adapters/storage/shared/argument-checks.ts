import type { KubeObject } from '../../../domain/meta/types.js';
import { isPlainObject } from '../../../domain/util/json.js';

/**
 * The checks every store makes of what its caller passed, worded alike. A failed check is a
 * TypeError (the caller's mistake), never a StorageError: the port's errors name conditions of
 * the stored data, not bad arguments.
 */

/** `obj` is a JSON object with an object `metadata`: the least any store can hold. */
export function assertStorableObject(obj: unknown): asserts obj is KubeObject {
  if (!isPlainObject(obj)) throw new TypeError('a stored object must be a JSON object');
  if (!isPlainObject(obj.metadata)) throw new TypeError('a stored object must have an object metadata');
}

/** `value`, a safe integer of at least 0 (a revision, a limit that may be 0). */
export function nonNegativeInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${what} must be a non-negative integer, got ${value}`);
  return value;
}

/** `value`, a safe integer of at least 1. */
export function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${what} must be a positive integer, got ${value}`);
  return value;
}
