import type { KubeObject } from '../../../domain/meta/types.js';
import { isPlainObject } from '../../../domain/util/json.js';

/** Marks a file as an object file of this store, and its layout version. */
export const OBJECT_FILE_FORMAT = 'apiserver-kit/filesystem-object/v1';

/** What one object file holds. */
export interface ObjectFile {
  key: string;
  /** The revision of the object's last write; also its resourceVersion. */
  revision: number;
  object: KubeObject;
}

/**
 * The text of an object file: pretty-printed JSON, readable by people and by `jq`:
 *
 * ```json
 * {
 *   "format": "apiserver-kit/filesystem-object/v1",
 *   "key": "/demo.example.com/widgets/default/foo",
 *   "revision": 12,
 *   "object": { "apiVersion": "...", "kind": "Widget", "metadata": { "resourceVersion": "12", ... }, ... }
 * }
 * ```
 *
 * The key is stored so that a file copied or moved to another path is noticed, not served
 * under a key it was never written for. `object.metadata.resourceVersion` is written as
 * served, for readers; the `revision` field is what counts.
 */
export function encodeObjectFile(file: ObjectFile): string {
  return JSON.stringify({ format: OBJECT_FILE_FORMAT, key: file.key, revision: file.revision, object: file.object }, null, 2) + '\n';
}

/** Parses an object file; a string result says why the text is not one. */
export function decodeObjectFile(text: string): ObjectFile | string {
  if (text.length === 0) return 'the file is empty';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `the file is not valid JSON (${(err as Error).message}), perhaps truncated`;
  }
  if (!isPlainObject(value)) return 'the file is not a JSON object';
  if (value.format !== OBJECT_FILE_FORMAT) {
    return typeof value.format === 'string'
      ? `unknown format ${JSON.stringify(value.format)} (this build reads ${OBJECT_FILE_FORMAT})`
      : `the file is not an object file of this store (no "format": "${OBJECT_FILE_FORMAT}")`;
  }
  const { key, revision, object } = value;
  if (typeof key !== 'string') return 'the file has no string "key"';
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) {
    return 'the file has no positive integer "revision"';
  }
  if (!isPlainObject(object) || !isPlainObject(object.metadata)) return 'the file has no "object" with an object "metadata"';
  (object.metadata as Record<string, unknown>).resourceVersion = String(revision);
  return { key, revision, object: object as KubeObject };
}
