import type { KubeObject } from '../../../domain/meta/types.js';
import { assertStorableObject } from '../shared/argument-checks.js';

/**
 * Values in etcd are the JSON of the object without `metadata.resourceVersion`: the revision
 * lives in etcd's own `mod_revision`, and is put back on every read. (An object written by
 * another tool with a resourceVersion in it reads the same: the stored one is overwritten.)
 */

/** The bytes to store for `obj`. Throws a TypeError for values JSON cannot hold. */
export function encodeValue(obj: KubeObject): Buffer {
  assertStorableObject(obj);
  const { resourceVersion: _dropped, ...metadata } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata }), 'utf8');
}

/** A fresh object from stored bytes, its resourceVersion set to `revision`. */
export function decodeValue(value: Buffer, revision: number | string, key: string): KubeObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new Error(`etcd: the value under ${key} is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`etcd: the value under ${key} is not a JSON object`);
  }
  const obj = parsed as KubeObject;
  const metadata = obj.metadata !== null && typeof obj.metadata === 'object' ? obj.metadata : {};
  obj.metadata = { ...metadata, resourceVersion: String(revision) };
  return obj;
}
