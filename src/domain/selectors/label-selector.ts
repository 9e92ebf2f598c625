/**
 * Label selectors: the string form sent as `?labelSelector=` and the structured form
 * (`metav1.LabelSelector`: matchLabels + matchExpressions) found in object specs. Both become
 * one `LabelSelector`, a conjunction of requirements, with Kubernetes' matching rules and
 * canonical string form.
 */

import { badRequest, type ApiError } from '../errors/api-error.js';
import { validateLabelValue, validateQualifiedName } from '../meta/name-rules.js';

export type LabelOperator =
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'Equals'
  | 'NotEquals'
  | 'GreaterThan'
  | 'LessThan';

/** One condition on one label key. Instances handed out by this module are frozen. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /**
   * In and NotIn: one or more values; Equals, NotEquals: exactly one; GreaterThan, LessThan:
   * one decimal integer; Exists, DoesNotExist: none.
   */
  readonly values: string[];
}

/** A conjunction of label requirements. */
export interface LabelSelector {
  /** Sorted by key (stable), as Kubernetes sorts them. */
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector restricts nothing: it matches every label set. */
  readonly empty: boolean;
  /**
   * Whether a label set satisfies every requirement. Missing labels (undefined) are the empty
   * set: `!key` and `key notin (...)` hold for it, everything positive fails.
   */
  matches(labels: Record<string, string> | undefined): boolean;
  /**
   * The canonical string form, parseable by `parseLabelSelector` and by Kubernetes:
   * requirements in key order joined by ',', values of a set sorted, `==` written as `=`.
   * The empty selector is ''.
   */
  toString(): string;
}

/** `metav1.LabelSelector`: an AND of exact labels and expressions. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorExpression[];
}

/** `metav1.LabelSelectorRequirement`. */
export interface LabelSelectorExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

// ---------------------------------------------------------------- selector

class RequirementSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  readonly empty: boolean;

  constructor(requirements: LabelRequirement[]) {
    // Kubernetes sorts by key only; a stable sort keeps same-key requirements in input order.
    const sorted = [...requirements].sort((a, b) => compareStrings(a.key, b.key));
    this.requirements = Object.freeze(sorted);
    this.empty = sorted.length === 0;
    Object.freeze(this);
  }

  matches(labels: Record<string, string> | undefined): boolean {
    for (const r of this.requirements) if (!requirementMatches(r, labels)) return false;
    return true;
  }

  toString(): string {
    return this.requirements.map(formatRequirement).join(',');
  }
}

/** The `nil` metav1.LabelSelector: selects nothing, prints as ''. */
class NothingSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[] = Object.freeze([]);
  readonly empty = false;

  constructor() {
    Object.freeze(this);
  }

  matches(): boolean {
    return false;
  }

  toString(): string {
    return '';
  }
}

const EVERYTHING: LabelSelector = new RequirementSelector([]);
const NOTHING: LabelSelector = new NothingSelector();

/** The selector that matches every label set (also what '' parses to). Shared and immutable. */
export function everything(): LabelSelector {
  return EVERYTHING;
}

/**
 * The selector that matches no label set: what an absent (null) metav1.LabelSelector means.
 * Its `empty` is false and its string form is ''. Shared and immutable.
 */
export function nothing(): LabelSelector {
  return NOTHING;
}

function requirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  return Object.freeze({ key, operator, values: Object.freeze(values) as string[] });
}

function hasLabel(labels: Record<string, string> | undefined, key: string): boolean {
  // Own properties only: a label key like "constructor" must not find Object.prototype's.
  return labels !== undefined && labels !== null && Object.prototype.hasOwnProperty.call(labels, key);
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const present = hasLabel(labels, r.key);
  const value = present ? (labels as Record<string, string>)[r.key] : undefined;
  switch (r.operator) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
    case 'Equals':
      return present && r.values.includes(value as string);
    case 'NotIn':
    case 'NotEquals':
      return !present || !r.values.includes(value as string);
    case 'GreaterThan':
    case 'LessThan': {
      if (!present || r.values.length !== 1) return false;
      const have = parseInt64(value as string);
      const want = parseInt64(r.values[0]);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'GreaterThan' ? have > want : have < want;
    }
    default:
      return false;
  }
}

function formatRequirement(r: LabelRequirement): string {
  // Sort a copy: the requirement's own order is left as it was given.
  const values = [...r.values].sort(compareStrings).join(',');
  switch (r.operator) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Equals':
      return `${r.key}=${values}`;
    case 'NotEquals':
      return `${r.key}!=${values}`;
    case 'GreaterThan':
      return `${r.key}>${values}`;
    case 'LessThan':
      return `${r.key}<${values}`;
    case 'In':
      return `${r.key} in (${values})`;
    case 'NotIn':
      return `${r.key} notin (${values})`;
    default:
      return r.key;
  }
}

// Byte-wise order for ASCII, which is all label keys and values can hold; as Go's sort.Strings.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A base-10 int64 as Go's strconv.ParseInt reads it (optional sign), else undefined. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

// ---------------------------------------------------------------- validation

/** Problems with one requirement, phrased for a message; empty when it is valid. */
function requirementProblems(key: string, operator: LabelOperator, values: readonly string[]): string[] {
  const problems: string[] = [];
  const keyErrs = validateQualifiedName(key);
  if (keyErrs.length > 0) problems.push(`invalid label key "${key}": ${keyErrs.join('; ')}`);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) problems.push("for 'in', 'notin' operators, values set can't be empty");
      break;
    case 'Equals':
    case 'NotEquals':
      if (values.length !== 1) problems.push('exact-match compatibility requires one single value');
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) problems.push('values set must be empty for exists and does not exist');
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1) problems.push("for 'Gt', 'Lt' operators, exactly one value is required");
      for (const v of values) {
        if (parseInt64(v) === undefined) {
          problems.push(`for 'Gt', 'Lt' operators, the value must be an integer, not "${v}"`);
        }
      }
      break;
  }
  for (const v of values) {
    const valueErrs = validateLabelValue(v);
    if (valueErrs.length > 0) problems.push(`invalid label value "${v}" for key "${key}": ${valueErrs.join('; ')}`);
  }
  return problems;
}

// ---------------------------------------------------------------- lexer

type TokenKind =
  | 'identifier'
  | 'in'
  | 'notin'
  | '!'
  | '='
  | '=='
  | '!='
  | '>'
  | '<'
  | '('
  | ')'
  | ','
  | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const SYMBOLS = new Set(['!', '=', '==', '!=', '>', '<', '(', ')', ',']);

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSymbolChar(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

/**
 * Splits a selector into tokens. Operators are read greedily (`!=` before `!`, `==` before
 * `=`); an identifier is any run of characters that are neither whitespace nor operator
 * characters, so what it may contain is left to key and value validation.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (isWhitespace(ch)) {
      i++;
    } else if (isSymbolChar(ch)) {
      const two = text.slice(i, i + 2);
      const sym = two.length === 2 && SYMBOLS.has(two) ? two : ch;
      tokens.push({ kind: sym as TokenKind, text: sym });
      i += sym.length;
    } else {
      let j = i;
      while (j < text.length && !isWhitespace(text[j]) && !isSymbolChar(text[j])) j++;
      const word = text.slice(i, j);
      tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'identifier', text: word });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function shown(t: Token): string {
  return t.kind === 'end' ? 'end of string' : `'${t.text}'`;
}

// ---------------------------------------------------------------- parser

const OPERATOR_TOKENS: Partial<Record<TokenKind, LabelOperator>> = {
  in: 'In',
  notin: 'NotIn',
  '=': 'Equals',
  '==': 'Equals',
  '!=': 'NotEquals',
  '>': 'GreaterThan',
  '<': 'LessThan',
};

/** A problem inside one requirement; `parse` adds the Kubernetes prefix and makes it a 400. */
class RequirementError extends Error {}

/**
 * A recursive-descent reader over the token list. `in` and `notin` are keywords only where an
 * operator is expected; as keys and values they are plain words (`in in (in)` is valid).
 */
class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const first = this.peekWord();
      if (first.kind === 'end') return out;
      if (first.kind !== 'identifier' && first.kind !== '!') {
        throw badRequest(`found ${shown(first)}, expected: !, identifier, or end of string`);
      }
      try {
        out.push(this.requirement());
      } catch (err) {
        if (err instanceof RequirementError) throw badRequest(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const sep = this.next();
      if (sep.kind === 'end') return out;
      if (sep.kind !== ',') throw badRequest(`found ${shown(sep)}, expected: ',' or end of string`);
      const after = this.peekWord();
      if (after.kind !== 'identifier' && after.kind !== '!') {
        throw badRequest(`found ${shown(after)}, expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let tok = this.nextWord();
    const negated = tok.kind === '!';
    if (negated) tok = this.nextWord();
    if (tok.kind !== 'identifier') throw new RequirementError(`found ${shown(tok)}, expected: identifier`);
    const key = tok.text;
    const keyErrs = validateQualifiedName(key);
    if (keyErrs.length > 0) throw new RequirementError(`invalid label key "${key}": ${keyErrs.join('; ')}`);

    // `!key` takes no operator; whatever follows is the caller's to reject.
    if (negated) return requirement(key, 'DoesNotExist', []);
    const la = this.peek();
    if (la.kind === 'end' || la.kind === ',') return requirement(key, 'Exists', []);

    const opTok = this.next();
    const operator = OPERATOR_TOKENS[opTok.kind];
    if (operator === undefined) {
      throw new RequirementError(`found ${shown(opTok)}, expected: in, notin, =, ==, !=, >, <`);
    }
    const values = operator === 'In' || operator === 'NotIn' ? this.valueSet() : [this.exactValue()];
    const problems = requirementProblems(key, operator, values);
    if (problems.length > 0) throw new RequirementError(problems.join('; '));
    return requirement(key, operator, values);
  }

  /** `( v, v, ... )`; a missing value between separators is the empty value, as in Kubernetes. */
  private valueSet(): string[] {
    const open = this.nextWord();
    if (open.kind !== '(') throw new RequirementError(`found ${shown(open)}, expected: '('`);
    const values = new Set<string>();
    for (;;) {
      const slot = this.peekWord();
      if (slot.kind === 'identifier') {
        values.add(slot.text);
        this.pos++;
      } else if (slot.kind === ',' || slot.kind === ')') {
        values.add('');
      } else {
        throw new RequirementError(`found ${shown(slot)}, expected: ',', ')' or identifier`);
      }
      const sep = this.next();
      if (sep.kind === ')') return [...values].sort(compareStrings);
      if (sep.kind !== ',') throw new RequirementError(`found ${shown(sep)}, expected: ',' or ')'`);
    }
  }

  /** The value after `=`, `!=`, `>` or `<`; nothing before ',' or the end is the empty value. */
  private exactValue(): string {
    const la = this.peekWord();
    if (la.kind === 'end' || la.kind === ',') return '';
    const tok = this.nextWord();
    if (tok.kind !== 'identifier') throw new RequirementError(`found ${shown(tok)}, expected: identifier`);
    return tok.text;
  }

  private peek(): Token {
    return this.tokens[Math.min(this.pos, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private peekWord(): Token {
    return asWord(this.peek());
  }

  private nextWord(): Token {
    return asWord(this.next());
  }
}

function asWord(t: Token): Token {
  return t.kind === 'in' || t.kind === 'notin' ? { kind: 'identifier', text: t.text } : t;
}

// ---------------------------------------------------------------- public entry points

/**
 * Parses the string form of a label selector, as sent in `?labelSelector=` (already
 * URL-decoded): comma-separated requirements, each one of `key`, `!key`, `key=value`,
 * `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`, `key>N`, `key<N`.
 * Whitespace between tokens is ignored; '' (or only whitespace) is `everything()`.
 *
 * Keys must be qualified names and values label values (possibly empty: `key=`, `key in (a,)`);
 * `>`/`<` take a decimal int64. As in Kubernetes, `key in ()` means the single empty value.
 * Set values are sorted and deduplicated; requirements are sorted by key.
 *
 * Throws only a BadRequest ApiError, whose message names the offending token or part, for any
 * input that is not a valid selector.
 */
export function parseLabelSelector(text: string): LabelSelector {
  if (typeof text !== 'string') throw badRequest('label selector must be a string');
  const requirements = new Parser(tokenize(text)).parse();
  return requirements.length === 0 ? EVERYTHING : new RequirementSelector(requirements);
}

const OBJECT_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Converts a structured `metav1.LabelSelector` into a selector, with Kubernetes'
 * `LabelSelectorAsSelector` semantics: each matchLabels entry is an Equals requirement, each
 * matchExpressions entry keeps its operator (In and NotIn need values, Exists and DoesNotExist
 * take none). `{}` selects everything; `null`/`undefined` selects nothing (`nothing()`).
 *
 * Input is checked at run time, since it usually comes from a decoded body: anything invalid
 * (bad key or value, unknown operator, wrong value count, wrong types) throws a BadRequest
 * ApiError naming the offending field, e.g. `matchExpressions[1].values`.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return NOTHING;
  if (typeof sel !== 'object' || Array.isArray(sel)) throw invalidObject('', 'must be an object');
  const out: LabelRequirement[] = [];

  const { matchLabels, matchExpressions } = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  if (matchLabels !== undefined && matchLabels !== null) {
    if (typeof matchLabels !== 'object' || Array.isArray(matchLabels)) {
      throw invalidObject('matchLabels', 'must be a map of label keys to values');
    }
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') throw invalidObject(`matchLabels[${key}]`, 'must be a string');
      const problems = requirementProblems(key, 'Equals', [value]);
      if (problems.length > 0) throw invalidObject(`matchLabels[${key}]`, problems.join('; '));
      out.push(requirement(key, 'Equals', [value]));
    }
  }

  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) throw invalidObject('matchExpressions', 'must be a list');
    matchExpressions.forEach((expr: unknown, i: number) => {
      const path = `matchExpressions[${i}]`;
      if (typeof expr !== 'object' || expr === null || Array.isArray(expr)) throw invalidObject(path, 'must be an object');
      const { key, operator, values } = expr as { key?: unknown; operator?: unknown; values?: unknown };
      if (typeof key !== 'string') throw invalidObject(`${path}.key`, 'must be a string');
      if (typeof operator !== 'string' || !OBJECT_OPERATORS.has(operator)) {
        throw invalidObject(`${path}.operator`, `${JSON.stringify(operator ?? null)} is not a valid label selector operator`);
      }
      let vals: string[] = [];
      if (values !== undefined && values !== null) {
        if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
          throw invalidObject(`${path}.values`, 'must be a list of strings');
        }
        vals = [...(values as string[])];
      }
      const problems = requirementProblems(key, operator as LabelOperator, vals);
      if (problems.length > 0) throw invalidObject(path, problems.join('; '));
      out.push(requirement(key, operator as LabelOperator, vals));
    });
  }
  return out.length === 0 ? EVERYTHING : new RequirementSelector(out);
}

/**
 * The string form of a structured `metav1.LabelSelector`, as Kubernetes writes it into a scale
 * subresource's `status.selector`: `labelSelectorFromObject(sel).toString()`. A null or
 * undefined selector gives ''. Throws BadRequest for an invalid selector.
 */
export function formatLabelSelectorObject(sel: LabelSelectorObject | null | undefined): string {
  return labelSelectorFromObject(sel).toString();
}

function invalidObject(path: string, message: string): ApiError {
  return badRequest(path ? `invalid label selector: ${path}: ${message}` : `invalid label selector: ${message}`);
}
