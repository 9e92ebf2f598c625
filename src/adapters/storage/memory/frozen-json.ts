import type { KubeObject } from '../../../domain/meta/types.js';

/**
 * A deeply frozen copy of `obj`'s JSON form, stamped with `resourceVersion`.
 *
 * The JSON round trip both detaches the copy from the caller and makes the memory store hold
 * exactly what a durable store would read back (no `undefined` members, no class instances),
 * so adapters agree on what comes out.
 *
 * @throws TypeError when `obj` is not a JSON object with an object `metadata`, or cannot be
 *   serialised (cycles, BigInt).
 */
export function frozenCopy(obj: KubeObject, resourceVersion: string): Readonly<KubeObject> {
  const copy = JSON.parse(JSON.stringify(obj)) as unknown;
  if (!isRecord(copy) || !isRecord(copy.metadata)) {
    throw new TypeError('a stored object must be a JSON object with an object metadata');
  }
  copy.metadata.resourceVersion = resourceVersion;
  return deepFreeze(copy) as KubeObject;
}

/**
 * `obj` (already frozen) with another resourceVersion; only the top level and `metadata` are
 * new, the rest is shared, so this is cheap for large objects.
 */
export function withResourceVersion(obj: Readonly<KubeObject>, resourceVersion: string): Readonly<KubeObject> {
  const metadata = Object.freeze({ ...obj.metadata, resourceVersion });
  return Object.freeze({ ...obj, metadata });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
