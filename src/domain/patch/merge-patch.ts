/**
 * JSON Merge Patch (RFC 7396): what `kubectl patch --type=merge`, `kubectl label`/`annotate`,
 * `kubectl scale` and client-side `kubectl apply` send as `application/merge-patch+json`.
 *
 * Pure and defensive: inputs are never mutated, keys such as `__proto__` and `constructor` are
 * plain keys, and failures are ApiErrors.
 */

import { ApiError, badRequest } from '../errors/api-error.js';
import { deepEqual } from '../util/json.js';

type JsonObject = Record<string, unknown>;

/**
 * Applies a merge patch to a target and returns the result, a new value that shares nothing
 * with either input. The rules are RFC 7396's:
 *
 * - a patch that is an object merges member by member: a `null` member deletes the target's
 *   member (if any), any other member is merged recursively into the target's member;
 * - a target that is not an object is treated as `{}` when the patch is an object;
 * - a patch that is not an object (array, string, number, boolean, null) replaces the target
 *   as a whole, so arrays are never merged element-wise.
 *
 * So nulls nested in an object the target did not have disappear (`{}` patched with
 * `{"a":{"b":null}}` is `{"a":{}}`), while nulls inside arrays are kept. Members whose value is
 * `undefined` are treated as absent, as they would be on the wire.
 *
 * Throws BadRequest when the target or the patch is not JSON (undefined at the top, functions,
 * bigints, NaN, class instances, cycles, nesting too deep for the stack). Whether the result is
 * an acceptable object (a merge patch of `null` yields `null`) is the caller's question.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  try {
    // Copying both up front validates them as JSON; after that both are ours to take from.
    return mergeInto(cloneJson(target, 'the document to patch'), cloneJson(patch, 'the merge patch'));
  } catch (err) {
    throw asApiError(err);
  }
}

/**
 * Computes a merge patch that turns `from` into `to`: for two objects, members only in `from`
 * become `null`, members only in `to` or with a different value carry the new value, nested
 * objects recurse, equal members are left out (equal objects give `{}`). When either side is
 * not an object the patch is `to` itself. The result shares nothing with the inputs.
 *
 * Limit, inherent to RFC 7396: a merge patch cannot set a member to `null` (null means
 * delete), so `applyMergePatch(from, createMergePatch(from, to))` equals `to` only when `to`
 * holds no `null` member values inside objects. Throws BadRequest for non-JSON input.
 */
export function createMergePatch(from: unknown, to: unknown): unknown {
  try {
    return diff(cloneJson(from, 'the source of the merge patch'), cloneJson(to, 'the target of the merge patch'));
  } catch (err) {
    throw asApiError(err);
  }
}

/** Merges `patch` into `target`; both are private copies, so both may be mutated and reused. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      if (Object.hasOwn(out, key)) delete out[key];
      continue;
    }
    setOwn(out, key, mergeInto(Object.hasOwn(out, key) ? out[key] : undefined, value));
  }
  return out;
}

/** The patch from `from` to `to`, private copies: the result may reuse parts of `to`. */
function diff(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to;
  const out: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) setOwn(out, key, null);
  }
  for (const key of Object.keys(to)) {
    const next = to[key];
    if (!Object.hasOwn(from, key)) {
      setOwn(out, key, next);
      continue;
    }
    const prev = from[key];
    if (deepEqual(prev, next)) continue;
    setOwn(out, key, isObject(prev) && isObject(next) ? diff(prev, next) : next);
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDropped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** Sets an own data property; plain assignment of `__proto__` would replace the prototype. */
function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * A deep copy of a JSON value from own enumerable members only. Members JSON cannot carry
 * (undefined, functions, symbols) are dropped and such array items become null, as
 * JSON.stringify does; anything else that is not JSON is rejected.
 */
function cloneJson(value: unknown, what: string): unknown {
  const clone = (v: unknown): unknown => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (!Number.isFinite(v)) throw badRequest(`${what} is not JSON: it contains ${v}`);
        return v;
      case 'object': {
        if (v === null) return null;
        if (Array.isArray(v)) {
          const items: unknown[] = [];
          for (let i = 0; i < v.length; i++) items.push(isDropped(v[i]) ? null : clone(v[i]));
          return items;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          throw badRequest(`${what} is not JSON: it contains a non-plain object`);
        }
        const out: JsonObject = {};
        for (const key of Object.keys(v)) {
          const member = (v as JsonObject)[key];
          if (!isDropped(member)) setOwn(out, key, clone(member));
        }
        return out;
      }
      default:
        throw badRequest(`${what} is not JSON: it contains a ${typeof v}`);
    }
  };
  if (isDropped(value)) throw badRequest(`${what} is not JSON: it is ${typeof value}`);
  return clone(value);
}

/** Anything thrown below becomes an ApiError: the contract is that nothing else escapes. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof RangeError) {
    return badRequest('the merge patch or the document it applies to is nested too deeply');
  }
  return badRequest('the merge patch could not be applied: the patch or the document is not valid JSON');
}
