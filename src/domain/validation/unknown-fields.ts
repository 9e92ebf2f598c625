import type { z } from 'zod';
import { fieldNames, nestedObject, OBJECT_META } from '../meta/object-meta-description.js';
import { isPlainObject, type JsonObject } from '../util/json.js';
import { appendFieldPath } from './zod-field-errors.js';

/**
 * Unknown fields: what a client sent that the type does not declare, reported with the paths
 * Kubernetes' strict decoding uses (`spec.bogus`, `spec.items[0].x`, `metadata.bogus`).
 *
 * There is no function to drop unknown body fields: zod objects strip undeclared keys while
 * parsing, so the parse output already lacks them. Only metadata, which zod does not parse,
 * needs {@link withoutUnknownMetadataFields}.
 */

/** The keys of ObjectMeta a client may send, from the metadata description. */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set(fieldNames(OBJECT_META));

/** The known keys of the objects in ObjectMeta's lists (owner references, managed-fields entries), by field. */
const NESTED_META_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  fieldNames(OBJECT_META).flatMap((name) => {
    const nested = nestedObject(OBJECT_META.fields[name]);
    return nested ? [[name, new Set(fieldNames(nested))] as const] : [];
  }),
);

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The paths present in `input` but absent from `parsed`, the zod output for that input.
 *
 * Zod objects drop undeclared keys and defaults only add keys, so whatever the client sent and
 * the output lacks is unknown. Objects are compared key by key (input order), arrays index by
 * index; where either side is not a container the walk stops. Keys whose input value is
 * `undefined` (not expressible in JSON) are ignored. A schema that renames or removes keys in a
 * transform makes those keys look unknown. Never throws.
 */
export function findUnknownFields(input: unknown, parsed: unknown, basePath = ''): string[] {
  const out: string[] = [];
  diff(input, parsed, basePath, out);
  return out;
}

function diff(input: unknown, parsed: unknown, path: string, out: string[]): void {
  if (isPlainObject(input)) {
    if (!isPlainObject(parsed)) return;
    for (const key of Object.keys(input)) {
      if (input[key] === undefined) continue;
      const child = appendFieldPath(path, key);
      if (!hasOwn(parsed, key)) out.push(child);
      else diff(input[key], parsed[key], child, out);
    }
  } else if (Array.isArray(input) && Array.isArray(parsed)) {
    const n = Math.min(input.length, parsed.length);
    for (let i = 0; i < n; i++) diff(input[i], parsed[i], appendFieldPath(path, i), out);
  }
}

/**
 * The paths in `input` that `schema` does not declare, read from the schema itself. For when
 * there is no parse output (the parse failed); {@link findUnknownFields} is exact otherwise.
 *
 * Follows objects (undeclared keys of a stripping object are unknown; a catchall schema covers
 * extra keys; a strict object's extra keys are left to zod, which reports them), arrays,
 * tuples, records, and wrappers (optional, nullable, default, prefault, catch, readonly, lazy,
 * the input side of pipes). A union is followed into the alternative that accepts the value or
 * that the discriminator selects; otherwise, and for intersections, transforms and any other
 * schema, the walk stops: nothing below is reported. Never throws.
 */
export function findUnknownFieldsBySchema(schema: z.ZodType, input: unknown, basePath = ''): string[] {
  const out: string[] = [];
  walk(schema, input, basePath, out);
  return out;
}

interface Def {
  type: string;
  [k: string]: unknown;
}

function defOf(schema: unknown): Def | undefined {
  const def = (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
  return def && typeof def.type === 'string' ? def : undefined;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

function unwrap(schema: unknown): Def | undefined {
  let def = defOf(schema);
  // Bounded: a lazy schema that returns itself must not hang the server.
  for (let i = 0; def && i < 64; i++) {
    if (WRAPPERS.has(def.type)) def = defOf(def.innerType);
    else if (def.type === 'lazy' && typeof def.getter === 'function') def = defOf((def.getter as () => unknown)());
    else if (def.type === 'pipe') {
      const inner = defOf(def.in);
      // A preprocess step changes the data before the schema sees it: nothing to say about it.
      if (!inner || inner.type === 'transform') return undefined;
      def = inner;
    } else return def;
  }
  return undefined;
}

function walk(schema: unknown, value: unknown, path: string, out: string[]): void {
  let def: Def | undefined;
  try {
    def = unwrap(schema);
  } catch {
    return;
  }
  if (!def || value === undefined || value === null) return;
  switch (def.type) {
    case 'object': {
      if (!isPlainObject(value)) return;
      const shape = (isPlainObject(def.shape) ? def.shape : {}) as JsonObject;
      const catchall = def.catchall === undefined ? undefined : defOf(def.catchall);
      for (const key of Object.keys(value)) {
        if (value[key] === undefined) continue;
        const child = appendFieldPath(path, key);
        if (hasOwn(shape, key)) walk(shape[key], value[key], child, out);
        else if (catchall === undefined) out.push(child);
        else if (catchall.type !== 'never') walk(def.catchall, value[key], child, out);
      }
      return;
    }
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => walk(def.element, v, appendFieldPath(path, i), out));
      return;
    case 'tuple':
      if (Array.isArray(value)) {
        const items = Array.isArray(def.items) ? def.items : [];
        value.forEach((v, i) => {
          const item = i < items.length ? items[i] : def.rest;
          if (item) walk(item, v, appendFieldPath(path, i), out);
        });
      }
      return;
    case 'record':
      if (isPlainObject(value)) {
        for (const key of Object.keys(value)) walk(def.valueType, value[key], appendFieldPath(path, key), out);
      }
      return;
    case 'union': {
      const option = pickUnionOption(def, value);
      if (option !== undefined) walk(option, value, path, out);
      return;
    }
    default:
      return;
  }
}

function pickUnionOption(def: Def, value: unknown): unknown {
  const options = Array.isArray(def.options) ? def.options : [];
  for (const option of options) {
    try {
      if ((option as z.ZodType).safeParse(value).success) return option;
    } catch {
      // A throwing refinement in one alternative says nothing about the others.
    }
  }
  if (typeof def.discriminator !== 'string' || !isPlainObject(value)) return undefined;
  const tag = value[def.discriminator];
  for (const option of options) {
    const od = unwrap(option);
    if (od?.type !== 'object' || !isPlainObject(od.shape)) continue;
    const lit = unwrap((od.shape as JsonObject)[def.discriminator]);
    if (lit?.type === 'literal' && Array.isArray(lit.values) && lit.values.includes(tag)) return option;
    if (lit?.type === 'enum' && isPlainObject(lit.entries) && Object.values(lit.entries).includes(tag)) return option;
  }
  return undefined;
}

/**
 * The metadata keys Kubernetes' ObjectMeta does not declare, as `metadata.bogus`, and unknown
 * keys inside owner references and managed-fields entries
 * (`metadata.ownerReferences[0].bogus`). Anything that is not an object contributes nothing;
 * type errors are the metadata validator's concern. Never throws.
 */
export function findUnknownMetadataFields(meta: unknown, basePath = 'metadata'): string[] {
  const out: string[] = [];
  if (!isPlainObject(meta)) return out;
  for (const key of Object.keys(meta)) {
    if (meta[key] === undefined) continue;
    const child = appendFieldPath(basePath, key);
    if (!OBJECT_META_FIELDS.has(key)) out.push(child);
    else {
      const known = NESTED_META_FIELDS.get(key);
      if (known) listEntries(meta[key], known, child, out);
    }
  }
  return out;
}

function listEntries(list: unknown, known: ReadonlySet<string>, path: string, out: string[]): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (!isPlainObject(entry)) return;
    for (const key of Object.keys(entry)) {
      if (entry[key] !== undefined && !known.has(key)) out.push(appendFieldPath(appendFieldPath(path, i), key));
    }
  });
}

/**
 * A copy of `meta` without the keys {@link findUnknownMetadataFields} reports. Owner references
 * and managed-fields entries are copied shallowly; other values are shared with `meta`.
 */
export function withoutUnknownMetadataFields(meta: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) continue;
    const value = meta[key];
    const known = NESTED_META_FIELDS.get(key);
    copy[key] = known ? pruneEntries(value, known) : value;
  }
  return copy;
}

function pruneEntries(list: unknown, known: ReadonlySet<string>): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((entry) => {
    if (!isPlainObject(entry)) return entry;
    const kept: JsonObject = {};
    for (const key of Object.keys(entry)) if (known.has(key)) kept[key] = entry[key];
    return kept;
  });
}
