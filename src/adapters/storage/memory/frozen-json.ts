import type { KubeObject } from '../../../domain/meta/types.js';
import { deepFreeze } from '../../../domain/util/json.js';
import { rememberJson } from '../../../ports/known-json.js';
import { assertStorableObject } from '../shared/argument-checks.js';

/**
 * `obj` as stored: with `resourceVersion` set in its metadata, as JSON text, and as a deeply
 * frozen object equal to that text's parse (the text remembered with it, see
 * src/ports/known-json.ts). Storing the JSON form makes the memory store hold exactly what a
 * durable store would read back (no `undefined` members, no class instances), so adapters
 * agree on what comes out.
 *
 * @throws TypeError when `obj` is not a JSON object with an object `metadata`, or cannot be
 *   serialised (cycles, BigInt).
 */
export function storedForm(obj: KubeObject, resourceVersion: string): { json: string; object: Readonly<KubeObject> } {
  assertStorableObject(obj);
  const stamped = { ...obj, metadata: { ...obj.metadata, resourceVersion } };
  const json = JSON.stringify(stamped);
  // V8 builds a long JSON.stringify result as a tree of pieces; reading a character flattens
  // it into one string, which takes about a fifth less memory for as long as it is stored.
  json.charCodeAt(0);
  return { json, object: frozenFromJson(json, stamped) };
}

/**
 * A deeply frozen object for stored JSON text, the text remembered with it (see
 * src/ports/known-json.ts). `source`, when given, is a value whose JSON is `text`: copying it
 * is cheaper than parsing, and is used when it holds only plain JSON values.
 */
export function frozenFromJson(text: string, source?: unknown): Readonly<KubeObject> {
  const copied = source === undefined ? undefined : plainCopy(source, 0);
  if (copied !== undefined) {
    rememberJson(copied, text);
    return Object.freeze(copied) as KubeObject;
  }
  const parsed = JSON.parse(text) as unknown;
  if (!isRecord(parsed)) throw new TypeError('a stored object must be a JSON object');
  rememberJson(parsed, text);
  return deepFreeze(parsed) as KubeObject;
}

/**
 * `obj` (already frozen) with another resourceVersion; only the top level and `metadata` are
 * new, the rest is shared, so this is cheap for large objects.
 */
export function withResourceVersion(obj: Readonly<KubeObject>, resourceVersion: string): Readonly<KubeObject> {
  const metadata = Object.freeze({ ...obj.metadata, resourceVersion });
  return Object.freeze({ ...obj, metadata });
}

const NOT_PLAIN = Symbol('not plain JSON');
const MAX_COPY_DEPTH = 200;

/**
 * A copy of an object made only of what JSON.parse makes (plain objects, arrays, strings,
 * finite numbers but -0, booleans, null), so it equals the parse of the object's JSON; all
 * but the object itself is frozen (the caller records the JSON on it first). Undefined when
 * the object holds anything else (a Date, an undefined member, NaN, a cycle), which is then
 * left to JSON.parse.
 */
function plainCopy(value: unknown, depth: number): object | undefined {
  if (!isRecord(value)) return undefined;
  const out = copyObject(value, depth);
  return out === NOT_PLAIN ? undefined : out;
}

function copy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth > MAX_COPY_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copy(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return Object.freeze(out);
  }
  const out = copyObject(value as Record<string, unknown>, depth);
  return out === NOT_PLAIN ? NOT_PLAIN : Object.freeze(out);
}

/** The members of a plain object copied (not frozen itself), or NOT_PLAIN. */
function copyObject(src: Record<string, unknown>, depth: number): Record<string, unknown> | typeof NOT_PLAIN {
  const proto = Object.getPrototypeOf(src) as unknown;
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) {
    const member = copy(src[key], depth + 1);
    if (member === NOT_PLAIN) return NOT_PLAIN;
    if (key === '__proto__') Object.defineProperty(out, key, { value: member, enumerable: true, writable: true, configurable: true });
    else out[key] = member;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
