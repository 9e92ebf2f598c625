/**
 * JSON Patch (RFC 6902), as `kubectl patch --type=json` and client-node's default patch send it
 * (`application/json-patch+json`), with JSON Pointers (RFC 6901) for paths.
 *
 * Pure and defensive: inputs are never mutated, keys such as `__proto__` and `constructor` are
 * plain keys, and every failure is an ApiError with a message that says what failed.
 */

import { ApiError, badRequest, requestEntityTooLarge } from '../errors/api-error.js';
import { deepEqual } from '../util/json.js';

/** One decoded operation. */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: unknown };

export interface JsonPatchOptions {
  /**
   * The most operations one patch may carry; more is RequestEntityTooLarge.
   * Default {@link MAX_JSON_PATCH_OPERATIONS}.
   */
  maxOperations?: number;
  /**
   * The most bytes (of JSON, approximately) all `copy` operations of one patch may add
   * together. Without a bound, a few dozen copies of the root double a document into gigabytes.
   * Default {@link MAX_JSON_PATCH_COPY_BYTES}.
   */
  maxCopyBytes?: number;
}

/** Kubernetes' bound on the operations of one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** Kubernetes' default bound on the bytes copy operations may add (--json-patch-max-copy-bytes). */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

type JsonObject = Record<string, unknown>;

/**
 * Splits a JSON Pointer into its unescaped reference tokens: `""` is the whole document (no
 * tokens), `"/a~1b/~0c"` is `["a/b", "~c"]`. Throws BadRequest when the pointer is not a string,
 * does not start with `/`, or has a `~` not followed by `0` or `1`.
 */
export function parseJsonPointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw badRequest(`invalid JSON pointer: expected a string`);
  if (pointer === '') return [];
  if (pointer[0] !== '/') {
    throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}: must be empty or start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) {
        throw badRequest(
          `invalid JSON pointer ${JSON.stringify(pointer)}: "~" must be followed by "0" or "1"`,
        );
      }
      // ~1 first, so that "~01" becomes "~1" and not "/".
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** Joins reference tokens into a JSON Pointer, escaping `~` and `/`. */
export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * Checks that `patch` is a JSON Patch document and returns its operations: an array of objects,
 * each with a known `op`, a valid `path` (and `from` for move and copy) and a `value` where the
 * op needs one (null is a value; a missing or undefined member is not). Members an operation
 * does not use are ignored, as RFC 6902 asks. Throws BadRequest for a malformed patch and
 * RequestEntityTooLarge for one with more than `maxOperations` operations.
 */
export function decodeJsonPatch(patch: unknown, options: JsonPatchOptions = {}): JsonPatchOperation[] {
  try {
    return decode(patch, options);
  } catch (err) {
    throw asApiError(err);
  }
}

/**
 * Applies a JSON Patch to a document and returns the patched document, a new value: neither
 * `doc` nor `patch` is changed, and the result shares nothing with them. Operations apply in
 * order and all or nothing.
 *
 * Semantics are RFC 6902's: `add` on an existing member replaces it and on an array index
 * inserts (`-` appends); `remove`, `replace` and `test` need the target to exist; `move` may not
 * move a value into its own child; `test` compares with JSON equality (key order does not
 * matter, `1` equals `1.0`, `"1"` does not). Array indexes are decimal without leading zeros and
 * must be within bounds (up to the length for add). The empty path is the whole document.
 *
 * Every failure throws an ApiError: BadRequest for a malformed patch, Invalid (422, as
 * Kubernetes answers) for an operation that does not apply, with what failed (e.g.
 * `replace operation does not apply: doc is missing path: "/spec/x": missing value` or
 * `testing value /spec/color failed: test failed`), or RequestEntityTooLarge for too many
 * operations. Values that are not JSON (functions, bigints, NaN, class instances, cycles) are
 * rejected as BadRequest.
 */
export function applyJsonPatch(doc: unknown, patch: unknown, options: JsonPatchOptions = {}): unknown {
  try {
    const ops = decode(patch, options);
    const budget: CopyBudget = {
      limit: options.maxCopyBytes ?? MAX_JSON_PATCH_COPY_BYTES,
      used: 0,
    };
    let root = cloneJson(doc, 'the document to patch');
    for (const op of ops) root = applyOperation(root, op, budget);
    return root;
  } catch (err) {
    throw asApiError(err);
  }
}

function decode(patch: unknown, options: JsonPatchOptions): JsonPatchOperation[] {
  if (!Array.isArray(patch)) {
    throw badRequest('invalid JSON patch: expected an array of operations');
  }
  const max = options.maxOperations ?? MAX_JSON_PATCH_OPERATIONS;
  if (patch.length > max) {
    throw requestEntityTooLarge(
      `the allowed maximum operations in a JSON patch is ${max}, got ${patch.length}`,
    );
  }
  // An index loop, not map: map would skip the holes of a sparse array.
  const ops: JsonPatchOperation[] = [];
  for (let i = 0; i < patch.length; i++) ops.push(decodeOperation(patch[i], i));
  return ops;
}

function decodeOperation(raw: unknown, i: number): JsonPatchOperation {
  const where = `invalid JSON patch: operation ${i}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest(`${where}: expected an object`);
  }
  const o = raw as JsonObject;
  const op = own(o, 'op');
  if (op === undefined) throw badRequest(`${where}: missing "op"`);
  if (typeof op !== 'string' || !OPS.has(op)) {
    throw badRequest(`${where}: unknown op ${safeStringify(op)}`);
  }
  const path = own(o, 'path');
  if (path === undefined) throw badRequest(`${where} (${op}): missing "path"`);
  if (typeof path !== 'string') throw badRequest(`${where} (${op}): "path" must be a string`);
  checkPointer(path, `${where} (${op}): "path"`);

  switch (op) {
    case 'remove':
      return { op, path };
    case 'move':
    case 'copy': {
      const from = own(o, 'from');
      if (from === undefined) throw badRequest(`${where} (${op}): missing "from"`);
      if (typeof from !== 'string') throw badRequest(`${where} (${op}): "from" must be a string`);
      checkPointer(from, `${where} (${op}): "from"`);
      return { op, from, path };
    }
    default: {
      const value = own(o, 'value');
      if (value === undefined) throw badRequest(`${where} (${op}): missing "value"`);
      return { op: op as 'add' | 'replace' | 'test', path, value };
    }
  }
}

function checkPointer(pointer: string, what: string): void {
  try {
    parseJsonPointer(pointer);
  } catch (err) {
    throw badRequest(`${what}: ${(err as Error).message}`);
  }
}

interface CopyBudget {
  limit: number;
  used: number;
}

function applyOperation(root: unknown, op: JsonPatchOperation, budget: CopyBudget): unknown {
  const tokens = parseJsonPointer(op.path);
  switch (op.op) {
    case 'add':
      return add(root, tokens, op.path, cloneJson(op.value, `the value of add at ${quote(op.path)}`), 'add');
    case 'remove':
      remove(root, tokens, op.path, 'remove');
      return root;
    case 'replace':
      return replace(root, tokens, op.path, cloneJson(op.value, `the value of replace at ${quote(op.path)}`));
    case 'test':
      return test(root, tokens, op.path, op.value);
    case 'move':
      return move(root, parseJsonPointer(op.from), op.from, tokens, op.path);
    case 'copy':
      return copy(root, parseJsonPointer(op.from), op.from, tokens, op.path, budget);
  }
}

function add(root: unknown, tokens: string[], path: string, value: unknown, opName: string): unknown {
  if (tokens.length === 0) return value;
  const parent = resolve(root, tokens.slice(0, -1));
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : arrayIndex(key, path, opName);
    if (index > parent.length) {
      throw notApplicable(outOfBounds(opName, path, index, parent.length));
    }
    parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    setOwn(parent, key, value);
  } else {
    throw notApplicable(missingPath(opName, path));
  }
  return root;
}

function remove(root: unknown, tokens: string[], path: string, opName: string): unknown {
  if (tokens.length === 0) {
    throw notApplicable(`${opName} operation does not apply: the whole document cannot be removed`);
  }
  const parent = resolve(root, tokens.slice(0, -1));
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, path, opName);
    if (index >= parent.length) throw notApplicable(outOfBounds(opName, path, index, parent.length));
    return parent.splice(index, 1)[0];
  }
  if (isObject(parent) && Object.hasOwn(parent, key)) {
    const removed = parent[key];
    delete parent[key];
    return removed;
  }
  throw notApplicable(missingPath(opName, path));
}

function replace(root: unknown, tokens: string[], path: string, value: unknown): unknown {
  if (tokens.length === 0) return value;
  const parent = resolve(root, tokens.slice(0, -1));
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, path, 'replace');
    if (index >= parent.length) throw notApplicable(outOfBounds('replace', path, index, parent.length));
    parent[index] = value;
  } else if (isObject(parent) && Object.hasOwn(parent, key)) {
    setOwn(parent, key, value);
  } else {
    throw notApplicable(missingPath('replace', path));
  }
  return root;
}

function test(root: unknown, tokens: string[], path: string, expected: unknown): unknown {
  const found = lookup(root, tokens);
  if (!found.exists) throw notApplicable(missingPath('test', path));
  if (!deepEqual(found.value, expected)) throw notApplicable(`testing value ${path} failed: test failed`);
  return root;
}

function move(root: unknown, fromTokens: string[], from: string, tokens: string[], path: string): unknown {
  if (!lookup(root, fromTokens).exists) throw notApplicable(missingFrom('move', from));
  if (from === path) return root;
  if (isPrefix(fromTokens, tokens)) {
    throw notApplicable(
      `move operation does not apply: cannot move ${quote(from)} into its own child ${quote(path)}`,
    );
  }
  const value = remove(root, fromTokens, from, 'move');
  return add(root, tokens, path, value, 'move');
}

function copy(
  root: unknown,
  fromTokens: string[],
  from: string,
  tokens: string[],
  path: string,
  budget: CopyBudget,
): unknown {
  const found = lookup(root, fromTokens);
  if (!found.exists) throw notApplicable(missingFrom('copy', from));
  const value = cloneJson(found.value, `the value at ${quote(from)}`, budget);
  if (budget.used > budget.limit) {
    throw notApplicable(
      `copy operation does not apply: the copies of this patch add about ${budget.used} bytes, more than the limit of ${budget.limit}`,
    );
  }
  return add(root, tokens, path, value, 'copy');
}

/** The container the tokens lead to, or undefined when a step is missing. */
function resolve(root: unknown, tokens: readonly string[]): unknown {
  const found = lookup(root, tokens);
  return found.exists ? found.value : undefined;
}

function lookup(root: unknown, tokens: readonly string[]): { exists: boolean; value?: unknown } {
  let cur = root;
  for (const token of tokens) {
    if (Array.isArray(cur)) {
      if (!ARRAY_INDEX.test(token)) return { exists: false };
      const index = Number(token);
      if (index >= cur.length) return { exists: false };
      cur = cur[index];
    } else if (isObject(cur) && Object.hasOwn(cur, token)) {
      cur = cur[token];
    } else {
      return { exists: false };
    }
  }
  return { exists: true, value: cur };
}

function arrayIndex(token: string, path: string, opName: string): number {
  if (!ARRAY_INDEX.test(token) || !Number.isSafeInteger(Number(token))) {
    throw notApplicable(
      `${opName} operation does not apply: ${JSON.stringify(token)} is not a valid array index in path ${quote(path)}`,
    );
  }
  return Number(token);
}

function isPrefix(prefix: readonly string[], tokens: readonly string[]): boolean {
  return prefix.length < tokens.length && prefix.every((t, i) => t === tokens[i]);
}

/**
 * An operation that does not apply to the document: 422 Invalid, as kube-apiserver answers every
 * failure of applying a well-formed JSON patch (a failed `test` among them). A patch that is not
 * well-formed stays 400. Kubernetes' message for this is generic; this one says what failed.
 */
function notApplicable(message: string): ApiError {
  return new ApiError('Invalid', 422, message);
}

function missingPath(opName: string, path: string): string {
  return `${opName} operation does not apply: doc is missing path: ${quote(path)}: missing value`;
}

function missingFrom(opName: string, from: string): string {
  return `${opName} operation does not apply: doc is missing from path: ${quote(from)}: missing value`;
}

function outOfBounds(opName: string, path: string, index: number, length: number): string {
  return `${opName} operation does not apply: index ${index} is out of bounds (array length ${length}) at path ${quote(path)}`;
}

function quote(pointer: string): string {
  return JSON.stringify(pointer);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own member, or undefined; inherited names such as `constructor` are not members. */
function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
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
 * A deep copy of a JSON value, built only from own enumerable members. Members whose value
 * JSON cannot carry (undefined, functions, symbols) are dropped and such array items become
 * null, as JSON.stringify does; anything else that is not JSON is rejected. With a budget, adds
 * the approximate JSON size of the value to it.
 */
function cloneJson(value: unknown, what: string, budget?: CopyBudget): unknown {
  const clone = (v: unknown): unknown => {
    switch (typeof v) {
      case 'string':
        if (budget) budget.used += v.length + 2;
        return v;
      case 'boolean':
        if (budget) budget.used += 5;
        return v;
      case 'number':
        if (!Number.isFinite(v)) throw badRequest(`${what} is not JSON: it contains ${v}`);
        if (budget) budget.used += String(v).length;
        return v;
      case 'object': {
        if (v === null) {
          if (budget) budget.used += 4;
          return null;
        }
        if (budget) {
          budget.used += 2;
          // Stop early: a copy bomb must fail before it fills memory, not after.
          if (budget.used > budget.limit) return null;
        }
        if (Array.isArray(v)) {
          const items: unknown[] = [];
          for (let i = 0; i < v.length; i++) items.push(isDropped(v[i]) ? clone(null) : clone(v[i]));
          return items;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          throw badRequest(`${what} is not JSON: it contains a ${describe(v)}`);
        }
        const out: JsonObject = {};
        for (const key of Object.keys(v)) {
          const member = (v as JsonObject)[key];
          if (isDropped(member)) continue;
          if (budget) budget.used += key.length + 4;
          setOwn(out, key, clone(member));
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

function isDropped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function describe(v: object): string {
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? name : 'non-plain object';
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return 'value';
  }
}

/** Anything thrown below becomes an ApiError: the contract is that nothing else escapes. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof RangeError) {
    return badRequest('the JSON patch or the document it applies to is nested too deeply');
  }
  return badRequest('the JSON patch could not be applied: the patch or the document is not valid JSON');
}
