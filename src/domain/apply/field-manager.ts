/**
 * Field manager names: the `fieldManager` parameter of a write, or (for writes other than
 * apply) a name taken from the client's User-Agent, as Kubernetes does: `kubectl/v1.33.0
 * (linux/amd64) kubernetes/abc123` manages fields as `kubectl`.
 */

import { invalid, type ApiError } from '../errors/api-error.js';
import { fieldError, toStatusCause, type FieldError } from '../resource/field-error.js';

/** The longest manager name, in UTF-8 bytes. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

function utf8Length(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Whether a character is printable as Go's unicode.IsPrint says: no controls, no separators but the space. */
function isPrintable(ch: string): boolean {
  return ch === ' ' || !/[\p{C}\p{Z}]/u.test(ch);
}

/** The manager name a User-Agent stands for: what precedes the first `/`, printable characters only, at most 128 bytes. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  if (!userAgent) return '';
  const product = userAgent.split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of product) {
    if (!isPrintable(ch)) continue;
    const n = utf8Length(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The manager of a write: the `fieldManager` parameter when given, else the one from the User-Agent. */
export function fieldManagerFor(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent);
}

/** Problems with a manager name: too long, or holding characters that are not printable. */
export function validateFieldManager(name: string, field = 'fieldManager'): FieldError[] {
  const errors: FieldError[] = [];
  let bytes = 0;
  for (const ch of name) bytes += utf8Length(ch);
  if (bytes > FIELD_MANAGER_MAX_LENGTH) errors.push(fieldError.tooLong(field, FIELD_MANAGER_MAX_LENGTH));
  let position = 0;
  for (const ch of name) {
    if (!isPrintable(ch)) {
      const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      errors.push(fieldError.invalid(field, name, `invalid character ${code} (at position ${position})`));
    }
    position += utf8Length(ch);
  }
  return errors;
}

/**
 * Checks the options of a PATCH as Kubernetes does: an apply needs a field manager; `force`
 * belongs to apply only; a manager name must be valid. Returns the Invalid error (422, kind
 * `PatchOptions.meta.k8s.io`) to throw, or undefined.
 */
export function patchOptionsError(opts: { apply: boolean; fieldManager?: string; force?: boolean }): ApiError | undefined {
  const errors: FieldError[] = [];
  if (!opts.apply && opts.force !== undefined) errors.push(fieldError.forbidden('force', 'may not be specified for non-apply patch'));
  if (opts.apply && !opts.fieldManager) errors.push(fieldError.required('fieldManager', 'is required for apply patch'));
  errors.push(...validateFieldManager(opts.fieldManager ?? ''));
  if (errors.length === 0) return undefined;
  return invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', errors.map(toStatusCause));
}

/** Checks the field manager of a create or update (PUT): the Invalid error to throw, or undefined. */
export function writeOptionsError(kind: 'CreateOptions' | 'UpdateOptions', fieldManager: string | undefined): ApiError | undefined {
  const errors = validateFieldManager(fieldManager ?? '');
  if (errors.length === 0) return undefined;
  return invalid({ group: 'meta.k8s.io', kind }, '', errors.map(toStatusCause));
}
