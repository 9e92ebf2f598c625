import type { StatusCause } from '../errors/api-error.js';

/**
 * A field-level validation error, as strategies and validators report them. The registry
 * gathers them into one Invalid error with a cause each.
 */
export interface FieldError {
  /** Kubernetes cause reason, e.g. `FieldValueInvalid`. */
  reason: FieldErrorReason;
  /** Field path: `spec.replicas`, `spec.conditions[0].type`, `metadata.labels[app]`. */
  field: string;
  /** Human-readable text without the path, e.g. `Invalid value: -1: must be greater than or equal to 0`. */
  message: string;
}

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueNotFound'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

/** Renders a value the way Kubernetes field errors do: strings quoted, others as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'null';
  try {
    const text = JSON.stringify(value);
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return String(value);
  }
}

/** Constructors for field errors, with the message wording clients expect. */
export const fieldError = {
  required(field: string, detail?: string): FieldError {
    return { reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${describeValue(value)}: ${detail}` };
  },
  notSupported(field: string, value: unknown, supported: readonly unknown[]): FieldError {
    const list = supported.map((s) => describeValue(s)).join(', ');
    return {
      reason: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${describeValue(value)}: supported values: ${list}`,
    };
  },
  forbidden(field: string, detail: string): FieldError {
    return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
  },
  tooLong(field: string, maxLength: number): FieldError {
    return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${maxLength} bytes` };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return { reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${describeValue(value)}` };
  },
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${describeValue(value)}: ${detail}` };
  },
};

export function toStatusCause(e: FieldError): StatusCause {
  return { reason: e.reason, message: e.message, field: e.field };
}
