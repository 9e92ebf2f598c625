/**
 * kubectl's client-side apply keeps its last configuration in an annotation. When kubectl
 * moves an object to server-side apply (manager `kubectl`), Kubernetes lets it take over the
 * fields that configuration set and that still hold its values, without conflicts, and keeps
 * the annotation in step so that a later client-side apply still works.
 */

import { deepClone, deepEqual } from '../util/json.js';
import { compareObjects } from './compare.js';
import type { FieldSet } from './field-set.js';
import { canonicalJson, getOwn, isPlainObject, setOwn, type JsonObject } from './json-values.js';
import { fieldSetOf } from './object-field-set.js';
import type { Shape } from './shape.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The manager whose server-side applies take over from client-side apply. */
export const KUBECTL_MANAGER = 'kubectl';

/** All annotations of an object together may not exceed this many bytes. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function annotationsOf(obj: JsonObject | undefined): JsonObject | undefined {
  const meta = obj ? getOwn(obj, 'metadata') : undefined;
  const annotations = isPlainObject(meta) ? getOwn(meta, 'annotations') : undefined;
  return isPlainObject(annotations) ? annotations : undefined;
}

/** The client-side apply annotation of an object, when it has a non-empty one. */
export function lastAppliedOf(obj: JsonObject | undefined): string | undefined {
  const v = annotationsOf(obj) ? getOwn(annotationsOf(obj)!, LAST_APPLIED_ANNOTATION) : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The fields a client-side-applied configuration set that the live object still holds with
 * the same values: conflicts on them do not stop kubectl's server-side apply. Undefined when
 * there is no usable annotation.
 */
export function fieldsFromLastApplied(live: JsonObject, shape: Shape, apiVersion: string): FieldSet | undefined {
  const text = lastAppliedOf(live);
  if (text === undefined) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(last) || getOwn(last, 'apiVersion') !== apiVersion) return undefined;
  const cmp = compareObjects(last, live, shape);
  return fieldSetOf(last, shape).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * Rewrites the annotation of `result` (in place) from the applied configuration, as kubectl
 * writes it: JSON with sorted keys and a final newline, the annotation itself left out. When
 * the annotations would grow too large, the annotation is dropped instead.
 */
export function syncLastApplied(result: JsonObject, applied: JsonObject): void {
  const copy = deepClone(applied);
  const copyAnnotations = annotationsOf(copy);
  if (copyAnnotations) {
    delete copyAnnotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(copyAnnotations).length === 0) delete (getOwn(copy, 'metadata') as JsonObject).annotations;
  }
  const value = `${canonicalJson(copy)}\n`;
  let meta = getOwn(result, 'metadata');
  if (!isPlainObject(meta)) {
    meta = {};
    setOwn(result, 'metadata', meta);
  }
  let annotations = getOwn(meta as JsonObject, 'annotations');
  if (!isPlainObject(annotations)) {
    annotations = {};
    setOwn(meta as JsonObject, 'annotations', annotations);
  }
  const a = annotations as JsonObject;
  if (deepEqual(a[LAST_APPLIED_ANNOTATION], value)) return;
  setOwn(a, LAST_APPLIED_ANNOTATION, value);
  let size = 0;
  for (const [k, v] of Object.entries(a)) size += byteLength(k) + (typeof v === 'string' ? byteLength(v) : 0);
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete a[LAST_APPLIED_ANNOTATION];
}
