/**
 * Field selectors: `?fieldSelector=metadata.name=web,spec.color!=red`. A conjunction of
 * equality terms over a fixed set of selectable fields, read as Kubernetes' fields package
 * reads them, including its backslash escapes in values.
 */

import { badRequest } from '../errors/api-error.js';

export type FieldOperator = '=' | '!=';

/** One term. Instances handed out by this module are frozen. */
export interface FieldRequirement {
  readonly field: string;
  /** `==` in the input is read as `=`. */
  readonly operator: FieldOperator;
  /** The unescaped value; may be empty. */
  readonly value: string;
}

/** A conjunction of field terms. */
export interface FieldSelector {
  /** In canonical order (the order of their input text, sorted as strings, as Kubernetes does). */
  readonly requirements: readonly FieldRequirement[];
  /** True when the selector restricts nothing. */
  readonly empty: boolean;
  /**
   * Whether every term holds for these field values (as produced by `fieldsOf`). A field
   * missing from the record counts as ''.
   */
  matches(fields: Record<string, string>): boolean;
  /**
   * The value a `field=value` term pins this field to, so a caller can read one key instead
   * of scanning; undefined when no `=` term names the field. With several `=` terms on the
   * field the first is returned (the selector still has to be matched in full).
   */
  exactValue(field: string): string | undefined;
  /** Canonical form: terms joined by ',', `==` written `=`, values escaped. '' when empty. */
  toString(): string;
}

class TermSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;

  constructor(requirements: FieldRequirement[]) {
    this.requirements = Object.freeze(requirements);
    this.empty = requirements.length === 0;
    Object.freeze(this);
  }

  matches(fields: Record<string, string>): boolean {
    for (const r of this.requirements) {
      const equal = fieldValue(fields, r.field) === r.value;
      if (r.operator === '=' ? !equal : equal) return false;
    }
    return true;
  }

  exactValue(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

const EVERY_FIELD: FieldSelector = new TermSelector([]);

function fieldValue(fields: Record<string, string> | undefined, field: string): string {
  // Own properties only, so a field named like an Object.prototype member reads as missing.
  if (fields === undefined || fields === null || !Object.prototype.hasOwnProperty.call(fields, field)) return '';
  const v = fields[field];
  return typeof v === 'string' ? v : '';
}

/**
 * Splits on commas that are not escaped. A backslash protects the next character whatever it
 * is; whether that escape is allowed is decided when the value is unescaped.
 */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (escaped) escaped = false;
    else if (ch === '\\') escaped = true;
    else if (ch === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

// At each position `!=` is tried before `==` before `=`, so the leftmost operator splits a
// term and a field name never contains one.
const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): { field: string; op: (typeof TERM_OPERATORS)[number]; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, raw: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(raw: string, term: string): string {
  let out = '';
  let escaped = false;
  for (const ch of raw) {
    if (escaped) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${ch} in '${term}'`);
      }
      out += ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === ',' || ch === '=') {
      throw badRequest(`invalid field selector: unescaped character in value: '${ch}' in '${term}' (write \\${ch})`);
    } else {
      out += ch;
    }
  }
  if (escaped) throw badRequest(`invalid field selector: invalid escape sequence: \\ at the end of '${term}'`);
  return out;
}

/**
 * Escapes a literal value for a field selector: `\` `,` `=` get a backslash. The inverse of
 * what `parseFieldSelector` does to values.
 */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}

/**
 * Parses a field selector (already URL-decoded): comma-separated terms `field=value`,
 * `field==value` or `field!=value`. In values, `\,` `\=` and `\\` stand for `,` `=` and `\`;
 * any other escape, an unescaped `,` or `=` in a value (e.g. `a==b=c`) or a trailing
 * backslash is rejected. Empty terms are skipped, so '' (and ',') select everything. Nothing
 * is trimmed: as in Kubernetes, `a = b` names the field `a `.
 *
 * Every field must be one of `supportedFields`, else the error is
 * `field label not supported: <field>`. Throws only BadRequest ApiErrors.
 */
export function parseFieldSelector(text: string, supportedFields: readonly string[]): FieldSelector {
  if (typeof text !== 'string') throw badRequest('field selector must be a string');
  if (text === '') return EVERY_FIELD;
  // Kubernetes sorts the raw terms before reading them; doing the same gives its canonical order.
  const terms = splitTerms(text)
    .filter((t) => t !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const supported = new Set(supportedFields);
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    const parts = splitTerm(term);
    if (!parts) {
      throw badRequest(`invalid field selector: can't understand '${term}': expected field=value, field==value or field!=value`);
    }
    const value = unescapeValue(parts.raw, term);
    if (!supported.has(parts.field)) throw badRequest(`field label not supported: ${parts.field}`);
    requirements.push(Object.freeze({ field: parts.field, operator: parts.op === '!=' ? '!=' : '=', value }));
  }
  return requirements.length === 0 ? EVERY_FIELD : new TermSelector(requirements);
}

/**
 * Reads dotted paths (`metadata.name`, `spec.color`; a leading '.' is allowed) from an object
 * as the strings a field selector compares: strings as they are, numbers, bigints and
 * booleans in their usual text form, anything else (missing, null, objects, arrays) as ''.
 * The result has one entry per path, keyed by the path exactly as given.
 */
export function fieldsOf(obj: Record<string, unknown>, paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of paths) out[path] = readPath(obj, path);
  return out;
}

function readPath(obj: unknown, path: string): string {
  const segments = (path.startsWith('.') ? path.slice(1) : path).split('.');
  let cur: unknown = obj;
  for (const seg of segments) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return '';
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  switch (typeof cur) {
    case 'string':
      return cur;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(cur);
    default:
      return '';
  }
}
