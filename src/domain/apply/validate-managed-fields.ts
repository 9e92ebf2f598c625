/**
 * Validation of managedFields a client writes, with Kubernetes' wording, for the registry's
 * metadata validation.
 */

import type { FieldError } from '../resource/field-error.js';
import { fieldError } from '../resource/field-error.js';
import { validateFieldManager } from './field-manager.js';
import { parseFieldsV1 } from './fields-v1.js';
import { isPlainObject } from './json-values.js';

const MAX_SUBRESOURCE_NAME_LENGTH = 256;

export function validateManagedFields(entries: unknown, field = 'metadata.managedFields'): FieldError[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) return [fieldError.typeInvalid(field, entries, 'must be of type array')];
  const errors: FieldError[] = [];
  entries.forEach((entry, i) => {
    const at = `${field}[${i}]`;
    if (!isPlainObject(entry)) {
      errors.push(fieldError.typeInvalid(at, entry, 'must be of type object'));
      return;
    }
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') {
      errors.push(fieldError.invalid(`${at}.operation`, entry.operation ?? '', 'must be `Apply` or `Update`'));
    }
    if (entry.fieldsType !== undefined && entry.fieldsType !== '' && entry.fieldsType !== 'FieldsV1') {
      errors.push(fieldError.invalid(`${at}.fieldsType`, entry.fieldsType, 'must be `FieldsV1`'));
    }
    if (entry.manager !== undefined && typeof entry.manager !== 'string') {
      errors.push(fieldError.typeInvalid(`${at}.manager`, entry.manager, 'must be of type string'));
    } else {
      errors.push(...validateFieldManager((entry.manager as string | undefined) ?? '', `${at}.manager`));
    }
    if (typeof entry.subresource === 'string' && entry.subresource.length > MAX_SUBRESOURCE_NAME_LENGTH) {
      errors.push(fieldError.tooLong(`${at}.subresource`, MAX_SUBRESOURCE_NAME_LENGTH));
    }
    if (entry.time !== undefined && (typeof entry.time !== 'string' || Number.isNaN(Date.parse(entry.time)))) {
      errors.push(fieldError.invalid(`${at}.time`, entry.time, 'must be an RFC 3339 time'));
    }
    try {
      parseFieldsV1(entry.fieldsV1);
    } catch (err) {
      errors.push(fieldError.invalid(`${at}.fieldsV1`, '', (err as Error).message));
    }
  });
  return errors;
}
