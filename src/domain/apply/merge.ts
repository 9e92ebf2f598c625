/**
 * Merges an applied configuration into the live object: objects per key, sets per value,
 * map-lists per key (an applied item merged into the live item with the same key), and
 * scalars and atomic values replaced by the applied ones. A list keeps its live items where
 * they were and takes the applied items in the applied order.
 *
 * An applied `null` removes the value unless the schema says the field is nullable (a CRD's
 * non-nullable nulls are pruned the same way).
 */

import { getOwn, isPlainObject, setOwn, type JsonObject } from './json-values.js';
import { indexItems, type IndexedItem } from './list-item.js';
import { childShape, walkOf, type ListShape, type MapShape, type Shape } from './shape.js';
import { deepClone } from '../util/json.js';

/** The merged value; undefined when nothing is left (an applied null on a non-nullable field). */
export function mergeObjects(live: unknown, applied: unknown, shape: Shape): unknown {
  return merge(live, applied, shape);
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

function merge(l: unknown, r: unknown, shape: Shape): unknown {
  if (r === undefined) return l === undefined ? undefined : deepClone(l);
  if (r === null) return shape.nullable ? null : undefined;
  const wl = walkOf(shape, l);
  const wr = walkOf(shape, r);
  const mismatched = l !== undefined && l !== null && wl.as !== wr.as;
  if (mismatched || wr.as === 'leaf' || (isEmptyValue(l) && isEmptyValue(r))) return deepClone(r);
  if (wr.as === 'map') return mergeMap(l, r as JsonObject, wr.shape);
  return mergeList(l, r as unknown[], wr.shape);
}

function mergeMap(l: unknown, r: JsonObject, shape: MapShape): JsonObject {
  const lm = isPlainObject(l) ? l : {};
  const out: JsonObject = {};
  const keys = [...Object.keys(lm), ...Object.keys(r).filter((k) => getOwn(lm, k) === undefined)];
  for (const key of keys) {
    const v = merge(getOwn(lm, key), getOwn(r, key), childShape(shape, key));
    if (v !== undefined) setOwn(out, key, v);
  }
  return out;
}

function mergeList(l: unknown, r: unknown[], shape: ListShape): unknown[] {
  const live = Array.isArray(l) ? indexItems(shape, l) : [];
  const applied = indexItems(shape, r);
  const appliedByKey = new Map<string, IndexedItem>();
  for (const it of applied) if (it.key !== undefined && !appliedByKey.has(it.key)) appliedByKey.set(it.key, it);
  // A key held by several live items is not merged: the applied item replaces them all.
  const liveCount = new Map<string, number>();
  for (const it of live) if (it.key !== undefined) liveCount.set(it.key, (liveCount.get(it.key) ?? 0) + 1);
  const liveByKey = new Map<string, unknown>();
  for (const it of live) if (it.key !== undefined && liveCount.get(it.key) === 1) liveByKey.set(it.key, it.value);

  const out: unknown[] = [];
  const emitted = new Set<string>();
  const emitApplied = (it: IndexedItem) => {
    if (it.key === undefined || emitted.has(it.key)) return;
    emitted.add(it.key);
    const v = merge(liveByKey.get(it.key), it.value, shape.items);
    if (v !== undefined) out.push(v);
  };
  // Keys in both lists, in the applied order: a live item holding one is placed when its turn
  // in that order comes, so that shared items follow the applied order.
  const liveKeys = new Set(live.map((it) => it.key));
  const shared = applied.filter((it) => it.key !== undefined && liveKeys.has(it.key)).map((it) => it.key!);
  let nextShared = 0;
  let j = 0;
  for (const it of live) {
    if (it.key === undefined || !appliedByKey.has(it.key)) {
      out.push(deepClone(it.value));
      continue;
    }
    while (nextShared < shared.length && emitted.has(shared[nextShared])) nextShared++;
    if (emitted.has(it.key) || shared[nextShared] !== it.key) continue;
    while (j < applied.length && !emitted.has(it.key)) emitApplied(applied[j++]);
  }
  while (j < applied.length) emitApplied(applied[j++]);
  return out;
}
