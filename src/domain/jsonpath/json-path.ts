/**
 * JSONPath as Kubernetes uses it for printer columns (`additionalPrinterColumns[].jsonPath`)
 * and `kubectl get -o jsonpath`: a single expression, optionally wrapped in `{...}`, evaluated
 * against a plain JSON object.
 *
 * Supported:
 * - `.a.b`, `$.a`, `@.a`; `\.` escapes a dot inside a name (`.metadata.labels.app\.kubernetes\.io/name`);
 * - `['a.b']` / `["a.b"]`: a member whose name is taken literally, dots included;
 * - `[0]`, `[-1]` (from the end), `[1:3]`, `[:2]`, `[-2:]`, `[::2]` (slices never fail: out of
 *   range parts are clipped), `[*]` and `.*` (every item or member), unions `[0,2]`, `['a','b']`;
 * - `..` recursive descent (`..name`, `..*`, `..[0]`);
 * - filters on arrays: `[?(@.type=="Ready")]`, with `==`, `!=`, `<`, `>`, `<=`, `>=` against
 *   string, number, `true`/`false`/`null` literals or other paths (`@` the item, `$` the root),
 *   and existence tests `[?(@.name)]`.
 *
 * Evaluation, like Kubernetes' printer columns (which allow missing keys), never fails for a
 * valid path: a missing member, an index out of range or a step applied to the wrong kind of
 * value contributes no result. Only an invalid path is an error.
 *
 * Differences from k8s.io/client-go/util/jsonpath, deliberate: `['a.b']` names the member
 * `a.b` (client-go splits it at the dot), slices clip instead of failing, a filter comparing
 * values of different types does not match (client-go fails the whole evaluation), and
 * `range`/`end` templates and text outside the braces are not supported.
 */

import { ApiError, badRequest } from '../errors/api-error.js';
import { deepEqual } from '../util/json.js';

/** A parsed path, ready to evaluate many times. */
export interface CompiledJsonPath {
  /** The path as given. */
  readonly source: string;
  /**
   * Every value the path selects in `obj`, in document order (object members in their own
   * key order). The values are the objects' own, not copies: do not mutate them.
   */
  evaluate(obj: unknown): unknown[];
}

type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number }
  | { kind: 'union'; members: Array<string | number> }
  | { kind: 'recursive' }
  | { kind: 'filter'; left: Operand; op: CompareOp | 'exists'; right: Operand | undefined };

type Operand =
  | { kind: 'path'; from: 'item' | 'root'; steps: Step[] }
  | { kind: 'literal'; value: string | number | boolean | null };

type JsonObject = Record<string, unknown>;

/**
 * Parses a JSONPath once for repeated evaluation. Throws BadRequest, naming the path and what
 * is wrong with it, when it is not a valid expression of the supported syntax.
 */
export function compileJsonPath(path: string): CompiledJsonPath {
  const steps = parsePath(path);
  return {
    source: path,
    evaluate(obj: unknown): unknown[] {
      try {
        return run([obj], steps, obj);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        // Only a cyclic or absurdly deep object gets here (stack overflow on `..`).
        throw badRequest(`JSONPath ${JSON.stringify(path)} cannot be evaluated: the object is nested too deeply`);
      }
    },
  };
}

/**
 * Evaluates a JSONPath against `obj` and returns every selected value (empty when nothing
 * matches). Throws BadRequest when the path is invalid. See {@link compileJsonPath} to parse a
 * path once and evaluate it many times.
 */
export function evaluateJsonPath(obj: unknown, path: string): unknown[] {
  return compileJsonPath(path).evaluate(obj);
}

// ---------------------------------------------------------------------------------------------
// Parsing

const NAME_TERMINATORS = new Set([
  '.', '[', ']', '(', ')', '=', '!', '<', '>', ',', "'", '"', '{', '}', '@', '$', '&', '|', '?',
]);

class PathSyntaxError extends Error {}

function parsePath(path: string): Step[] {
  if (typeof path !== 'string') throw badRequest('invalid JSONPath: expected a string');
  try {
    let text = path.trim();
    if (text.startsWith('{')) {
      if (!text.endsWith('}')) throw new PathSyntaxError('unclosed "{"');
      text = text.slice(1, -1).trim();
    }
    if (text === '') throw new PathSyntaxError('empty expression');
    let start = 0;
    if (text[0] === '$' || text[0] === '@') start = 1;
    // `.`, `$` and `@` alone select the whole object.
    if (text.slice(start) === '.' || text.slice(start) === '') return [];
    return parseSteps(text, start, text.length);
  } catch (err) {
    if (err instanceof PathSyntaxError) {
      throw badRequest(`invalid JSONPath ${JSON.stringify(path)}: ${err.message}`);
    }
    throw err;
  }
}

/** Parses the steps in text[pos, end). */
function parseSteps(text: string, pos: number, end: number): Step[] {
  const steps: Step[] = [];
  while (pos < end) {
    const c = text[pos];
    if (c === '.' && text[pos + 1] === '.') {
      pos += 2;
      steps.push({ kind: 'recursive' });
      if (pos >= end) throw new PathSyntaxError('".." must be followed by a name, "*" or "["');
      if (text[pos] === '.') throw new PathSyntaxError('too many dots');
      if (text[pos] === '[') continue;
      pos = parseName(text, pos, end, steps);
    } else if (c === '.') {
      pos += 1;
      if (pos >= end) throw new PathSyntaxError('"." must be followed by a name or "*"');
      // `.['a']` is a common spelling of `['a']`.
      if (text[pos] === '[') continue;
      pos = parseName(text, pos, end, steps);
    } else if (c === '[') {
      pos = parseBracket(text, pos, end, steps);
    } else {
      throw new PathSyntaxError(`unexpected ${JSON.stringify(c)} at offset ${pos}`);
    }
  }
  return steps;
}

/** A member name (or `*`) starting at pos; returns the position after it. */
function parseName(text: string, pos: number, end: number, steps: Step[]): number {
  if (text[pos] === '*') {
    steps.push({ kind: 'wildcard' });
    return pos + 1;
  }
  let name = '';
  let i = pos;
  while (i < end) {
    const c = text[i];
    if (c === '\\') {
      if (i + 1 >= end) throw new PathSyntaxError('"\\" at the end of the path');
      name += text[i + 1];
      i += 2;
      continue;
    }
    if (NAME_TERMINATORS.has(c) || /\s/.test(c)) break;
    name += c;
    i++;
  }
  if (name === '') throw new PathSyntaxError(`expected a name at offset ${pos}`);
  steps.push({ kind: 'field', name });
  return i;
}

/** A bracket step starting at text[pos] === '['; returns the position after its `]`. */
function parseBracket(text: string, pos: number, end: number, steps: Step[]): number {
  const close = findClosing(text, pos, end);
  const inner = text.slice(pos + 1, close).trim();
  if (inner === '') throw new PathSyntaxError('empty "[]"');
  if (inner[0] === '?') {
    steps.push(parseFilter(inner));
  } else if (inner === '*') {
    steps.push({ kind: 'wildcard' });
  } else {
    const parts = splitTopLevel(inner, ',').map((p) => p.trim());
    if (parts.length === 1) {
      steps.push(parseSubscript(parts[0]));
    } else {
      const members = parts.map((p) => {
        const s = parseSubscript(p);
        if (s.kind === 'field') return s.name;
        if (s.kind === 'index') return s.index;
        throw new PathSyntaxError(`a union may hold only names and indexes, not ${JSON.stringify(p)}`);
      });
      steps.push({ kind: 'union', members });
    }
  }
  return close + 1;
}

const INTEGER = /^[+-]?\d+$/;
const SLICE = /^([+-]?\d+)?:([+-]?\d+)?(?::([+-]?\d+)?)?$/;

function parseSubscript(part: string): Step {
  if (part === '') throw new PathSyntaxError('empty subscript');
  if (part[0] === "'" || part[0] === '"') {
    const [name, next] = readQuoted(part, 0);
    if (next !== part.length) throw new PathSyntaxError(`unexpected text after ${part.slice(0, next)}`);
    return { kind: 'field', name };
  }
  const compact = part.replace(/\s+/g, '');
  if (INTEGER.test(compact)) return { kind: 'index', index: toInt(compact) };
  const m = SLICE.exec(compact);
  if (m) {
    const step = m[3] === undefined ? 1 : toInt(m[3]);
    if (step <= 0) throw new PathSyntaxError('a slice step must be greater than 0');
    return {
      kind: 'slice',
      start: m[1] === undefined ? undefined : toInt(m[1]),
      end: m[2] === undefined ? undefined : toInt(m[2]),
      step,
    };
  }
  throw new PathSyntaxError(`invalid array subscript ${JSON.stringify(part)}`);
}

function toInt(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new PathSyntaxError(`index ${s} is too large`);
  return n;
}

const OPERATORS: CompareOp[] = ['==', '!=', '<=', '>=', '<', '>'];

function parseFilter(inner: string): Step {
  const body = inner.slice(1).trim();
  if (body[0] !== '(' || body[body.length - 1] !== ')') {
    throw new PathSyntaxError('a filter must look like [?(...)]');
  }
  const expr = body.slice(1, -1).trim();
  if (expr === '') throw new PathSyntaxError('empty filter');
  const found = findOperator(expr);
  if (!found) {
    const left = parseOperand(expr);
    if (left.kind !== 'path') throw new PathSyntaxError(`filter ${JSON.stringify(expr)} tests no path`);
    return { kind: 'filter', left, op: 'exists', right: undefined };
  }
  const left = parseOperand(expr.slice(0, found.at).trim());
  const right = parseOperand(expr.slice(found.at + found.op.length).trim());
  return { kind: 'filter', left, op: found.op, right };
}

/** The first comparison operator outside quotes and brackets. */
function findOperator(expr: string): { at: number; op: CompareOp } | undefined {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "'" || c === '"') {
      i = readQuoted(expr, i)[1] - 1;
    } else if (c === '\\') {
      i++;
    } else if (c === '[' || c === '(') {
      depth++;
    } else if (c === ']' || c === ')') {
      depth--;
    } else if (depth === 0 && '=!<>'.includes(c)) {
      const op = OPERATORS.find((o) => expr.startsWith(o, i));
      if (!op) throw new PathSyntaxError(`unknown operator at ${JSON.stringify(expr.slice(i))}`);
      return { at: i, op };
    }
  }
  return undefined;
}

const NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function parseOperand(text: string): Operand {
  if (text === '') throw new PathSyntaxError('a filter comparison is missing an operand');
  const c = text[0];
  if (c === "'" || c === '"') {
    const [value, next] = readQuoted(text, 0);
    if (next !== text.length) throw new PathSyntaxError(`unexpected text after ${text.slice(0, next)}`);
    return { kind: 'literal', value };
  }
  if (NUMBER.test(text)) return { kind: 'literal', value: Number(text) };
  if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true' };
  if (text === 'null') return { kind: 'literal', value: null };
  if (c === '@' || c === '$') {
    return { kind: 'path', from: c === '$' ? 'root' : 'item', steps: parseSteps(text, 1, text.length) };
  }
  if (c === '.' || c === '[') return { kind: 'path', from: 'item', steps: parseSteps(text, 0, text.length) };
  throw new PathSyntaxError(`invalid filter operand ${JSON.stringify(text)}`);
}

/** Reads a quoted string at text[pos]; returns its value and the position after the quote. */
function readQuoted(text: string, pos: number): [string, number] {
  const quote = text[pos];
  let value = '';
  let i = pos + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return [value, i + 1];
    if (c === '\\') {
      const e = text[i + 1];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PathSyntaxError('invalid \\u escape');
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new PathSyntaxError('unterminated quoted string');
}

/** The index of the `]` closing the `[` at pos, skipping quoted text and nested brackets. */
function findClosing(text: string, pos: number, end: number): number {
  let depth = 0;
  for (let i = pos; i < end; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i = readQuoted(text, i)[1] - 1;
    } else if (c === '[') {
      depth++;
    } else if (c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new PathSyntaxError('unclosed "["');
}

function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i = readQuoted(text, i)[1] - 1;
    } else if (c === '[' || c === '(') {
      depth++;
    } else if (c === ']' || c === ')') {
      depth--;
    } else if (c === sep && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function run(inputs: unknown[], steps: readonly Step[], root: unknown): unknown[] {
  let current = inputs;
  for (const step of steps) {
    if (current.length === 0) break;
    current = applyStep(current, step, root);
  }
  return current;
}

function applyStep(inputs: unknown[], step: Step, root: unknown): unknown[] {
  const out: unknown[] = [];
  for (const value of inputs) {
    switch (step.kind) {
      case 'field':
        if (isObject(value) && Object.hasOwn(value, step.name)) out.push(value[step.name]);
        break;
      case 'wildcard':
        // Loops, not push(...spread): spreading a huge array overflows the argument limit.
        if (Array.isArray(value)) for (const item of value) out.push(item);
        else if (isObject(value)) for (const member of Object.values(value)) out.push(member);
        break;
      case 'index':
        if (Array.isArray(value)) {
          const i = step.index < 0 ? step.index + value.length : step.index;
          if (i >= 0 && i < value.length) out.push(value[i]);
        }
        break;
      case 'slice':
        if (Array.isArray(value)) {
          const len = value.length;
          const clip = (n: number | undefined, dflt: number) =>
            n === undefined ? dflt : Math.min(len, Math.max(0, n < 0 ? n + len : n));
          const from = clip(step.start, 0);
          const to = clip(step.end, len);
          for (let i = from; i < to; i += step.step) out.push(value[i]);
        }
        break;
      case 'union':
        for (const member of step.members) {
          const single: Step =
            typeof member === 'string' ? { kind: 'field', name: member } : { kind: 'index', index: member };
          for (const selected of applyStep([value], single, root)) out.push(selected);
        }
        break;
      case 'recursive':
        collectContainers(value, out);
        break;
      case 'filter':
        if (Array.isArray(value)) {
          for (const item of value) if (matches(step, item, root)) out.push(item);
        }
        break;
    }
  }
  return out;
}

/** The value, when it is an object or array, and every object or array below it, pre-order. */
function collectContainers(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) {
    out.push(value);
    for (const item of value) collectContainers(item, out);
  } else if (isObject(value)) {
    out.push(value);
    for (const member of Object.values(value)) collectContainers(member, out);
  }
}

function matches(filter: Extract<Step, { kind: 'filter' }>, item: unknown, root: unknown): boolean {
  const lefts = operandValues(filter.left, item, root);
  if (filter.op === 'exists') return lefts.length > 0;
  const rights = filter.right ? operandValues(filter.right, item, root) : [];
  // Comparing sets of values has no obvious meaning; like Kubernetes, compare one with one.
  if (lefts.length !== 1 || rights.length !== 1) return false;
  return compare(lefts[0], filter.op, rights[0]);
}

function operandValues(operand: Operand, item: unknown, root: unknown): unknown[] {
  if (operand.kind === 'literal') return [operand.value];
  return run([operand.from === 'root' ? root : item], operand.steps, root);
}

function compare(left: unknown, op: CompareOp, right: unknown): boolean {
  switch (op) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
  }
  const comparable =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const l = left as number | string;
  const r = right as number | string;
  switch (op) {
    case '<':
      return l < r;
    case '>':
      return l > r;
    case '<=':
      return l <= r;
    case '>=':
      return l >= r;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
