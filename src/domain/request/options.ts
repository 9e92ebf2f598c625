import { badRequest, invalid, unsupportedMediaType } from '../errors/api-error.js';
import type { FieldValidation, Preconditions, PropagationPolicy } from '../meta/types.js';
import { fieldError, toStatusCause, type FieldError } from '../resource/field-error.js';
import { validateFieldManager } from '../apply/field-manager.js';
import type {
  DeleteOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  WatchOptions,
  WriteOptions,
} from '../../ports/resource-api.port.js';

/**
 * The one set of request option rules, for every transport: the HTTP adapter only turns query
 * strings and bodies into typed values, the in-process client passes them as they are, and
 * both get the same answer for the same mistake. Option values that are not allowed answer
 * 422 Invalid against the options kind of meta.k8s.io (`CreateOptions.meta.k8s.io "" is
 * invalid: ...`), as Kubernetes' meta/v1 validation does; malformed values that cannot be
 * options at all (a limit that is not an integer) answer 400.
 */

/** Write options after validation: every field has its effective value. */
export interface ValidWriteOptions {
  dryRun: boolean;
  /** The manager named by the request, or undefined (the User-Agent names it then). */
  fieldManager: string | undefined;
  fieldValidation: FieldValidation;
}

export interface ValidPatchOptions extends ValidWriteOptions {
  force: boolean;
}

export interface ValidDeleteOptions {
  dryRun: boolean;
  preconditions: Preconditions;
  propagationPolicy: PropagationPolicy | undefined;
  /** Whole seconds; a negative request counts as 1, as in Kubernetes. */
  gracePeriodSeconds: number | undefined;
}

export interface ValidListOptions {
  labelSelector: string;
  fieldSelector: string;
  /** undefined: no limit. */
  limit: number | undefined;
  continue: string | undefined;
  resourceVersion: string | undefined;
  resourceVersionMatch: 'Exact' | 'NotOlderThan' | undefined;
}

export interface ValidWatchOptions {
  labelSelector: string;
  fieldSelector: string;
  resourceVersion: string | undefined;
  allowWatchBookmarks: boolean;
  /** undefined: the default, initial events only for a watch from resourceVersion 0 or none. */
  sendInitialEvents: boolean | undefined;
  /** undefined or 0: no timeout. */
  timeoutSeconds: number | undefined;
}

const FIELD_VALIDATION: readonly FieldValidation[] = ['Ignore', 'Strict', 'Warn'];
const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];
const DRY_RUN_VALUES = ['All'];

function throwIfInvalid(kind: string, errors: FieldError[]): void {
  if (errors.length > 0) throw invalid({ group: 'meta.k8s.io', kind }, '', errors.map(toStatusCause));
}

/** A dryRun directive: true or ['All'] is a dry run; false, undefined or [] is not. */
function dryRunOf(value: WriteOptions['dryRun'], errors: FieldError[]): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  const values = [...value];
  if (values.some((v) => !DRY_RUN_VALUES.includes(v))) {
    errors.push(fieldError.notSupported('dryRun', values, DRY_RUN_VALUES));
    return false;
  }
  return values.length > 0;
}

function fieldValidationOf(value: string | undefined, errors: FieldError[]): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (!(FIELD_VALIDATION as readonly string[]).includes(value)) {
    errors.push(fieldError.notSupported('fieldValidation', value, ['', ...FIELD_VALIDATION]));
    return 'Warn';
  }
  return value as FieldValidation;
}

function writeOptionsOf(opts: WriteOptions, errors: FieldError[]): ValidWriteOptions {
  const manager = opts.fieldManager === '' ? undefined : opts.fieldManager;
  if (manager !== undefined) errors.push(...validateFieldManager(manager));
  return {
    dryRun: dryRunOf(opts.dryRun, errors),
    fieldManager: manager,
    fieldValidation: fieldValidationOf(opts.fieldValidation, errors),
  };
}

export function validateCreateOptions(opts: WriteOptions = {}): ValidWriteOptions {
  const errors: FieldError[] = [];
  const out = writeOptionsOf(opts, errors);
  throwIfInvalid('CreateOptions', errors);
  return out;
}

export function validateUpdateOptions(opts: WriteOptions = {}): ValidWriteOptions {
  const errors: FieldError[] = [];
  const out = writeOptionsOf(opts, errors);
  throwIfInvalid('UpdateOptions', errors);
  return out;
}

/** The patch types this kit applies; strategic merge is refused as Kubernetes refuses it for custom resources. */
export function checkPatchType(type: PatchType | string): asserts type is 'json' | 'merge' | 'apply' {
  if (type === 'json' || type === 'merge' || type === 'apply') return;
  if (type === 'strategic') {
    throw unsupportedMediaType(
      'strategic merge patch is not supported for custom resources; use application/merge-patch+json or application/json-patch+json',
    );
  }
  throw unsupportedMediaType(`unsupported patch type ${JSON.stringify(type)}`);
}

export function validatePatchOptions(type: PatchType, opts: PatchOptions = {}): ValidPatchOptions {
  const errors: FieldError[] = [];
  const out = writeOptionsOf(opts, errors);
  if (type !== 'apply') {
    if (opts.force !== undefined) errors.push(fieldError.forbidden('force', 'may not be specified for non-apply patch'));
  } else if (out.fieldManager === undefined) {
    errors.push(fieldError.required('fieldManager', 'is required for apply patch'));
  }
  throwIfInvalid('PatchOptions', errors);
  return { ...out, force: opts.force ?? false };
}

export function validateDeleteOptions(opts: DeleteOptions = {}): ValidDeleteOptions {
  const errors: FieldError[] = [];
  let policy = opts.propagationPolicy;
  if (policy !== undefined && !(PROPAGATION_POLICIES as readonly string[]).includes(policy)) {
    errors.push(fieldError.notSupported('propagationPolicy', policy, [...PROPAGATION_POLICIES, 'nil']));
  }
  if (opts.orphanDependents !== undefined) {
    if (policy !== undefined) {
      errors.push(fieldError.invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
    } else {
      policy = opts.orphanDependents ? 'Orphan' : 'Background';
    }
  }
  const dryRun = dryRunOf(opts.dryRun, errors);
  const grace = opts.gracePeriodSeconds;
  if (grace !== undefined && !Number.isSafeInteger(grace)) {
    errors.push(fieldError.invalid('gracePeriodSeconds', grace, 'must be an integer'));
  }
  throwIfInvalid('DeleteOptions', errors);
  return {
    dryRun,
    preconditions: { ...(opts.preconditions ?? {}) },
    propagationPolicy: policy as PropagationPolicy | undefined,
    gracePeriodSeconds: grace === undefined ? undefined : grace < 0 ? 1 : grace,
  };
}

function limitOf(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0) throw badRequest(`limit must be a non-negative integer, got ${limit}`);
  return limit === 0 ? undefined : limit;
}

export function validateListOptions(opts: ListOptions = {}): ValidListOptions {
  const errors: FieldError[] = [];
  const match = nonEmpty(opts.resourceVersionMatch);
  const rv = nonEmpty(opts.resourceVersion);
  const cont = nonEmpty(opts.continue);
  if (match !== undefined) {
    if (rv === undefined) errors.push(fieldError.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (cont !== undefined) errors.push(fieldError.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errors.push(fieldError.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    }
    if (match === 'Exact' && rv === '0') {
      errors.push(fieldError.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
  }
  if (opts.sendInitialEvents !== undefined) errors.push(fieldError.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  throwIfInvalid('ListOptions', errors);
  if (cont !== undefined && rv !== undefined && rv !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
  return {
    labelSelector: opts.labelSelector ?? '',
    fieldSelector: opts.fieldSelector ?? '',
    limit: limitOf(opts.limit),
    continue: cont,
    resourceVersion: rv,
    resourceVersionMatch: match as ValidListOptions['resourceVersionMatch'],
  };
}

export function validateWatchOptions(opts: WatchOptions = {}): ValidWatchOptions {
  const errors: FieldError[] = [];
  const match = nonEmpty(opts.resourceVersionMatch);
  if (opts.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errors.push(fieldError.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match !== undefined) {
    if (opts.sendInitialEvents === undefined) {
      errors.push(fieldError.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    }
    if (match !== 'NotOlderThan') errors.push(fieldError.notSupported('resourceVersionMatch', match, ['NotOlderThan']));
  }
  throwIfInvalid('ListOptions', errors);
  const timeout = opts.timeoutSeconds;
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 0)) {
    throw badRequest('timeoutSeconds must be a non-negative integer');
  }
  if (opts.sendInitialEvents === true && !opts.allowWatchBookmarks) {
    throw badRequest('sendInitialEvents requires allowWatchBookmarks=true');
  }
  return {
    labelSelector: opts.labelSelector ?? '',
    fieldSelector: opts.fieldSelector ?? '',
    resourceVersion: nonEmpty(opts.resourceVersion),
    allowWatchBookmarks: opts.allowWatchBookmarks ?? false,
    sendInitialEvents: opts.sendInitialEvents,
    timeoutSeconds: timeout === 0 ? undefined : timeout,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
