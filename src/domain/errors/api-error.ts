/**
 * Typed API errors. The domain throws these; only transports turn them into a wire format
 * (the HTTP adapter into a `Status` body). Each carries the Kubernetes `reason` and the HTTP
 * code that reason stands for, so the in-process client and HTTP clients see the same thing.
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'ServiceUnavailable'
  | 'InsufficientStorage';

/** One reason a field was rejected, as in `Status.details.causes`. */
export interface StatusCause {
  /** A machine-readable cause, e.g. `FieldValueRequired`. */
  reason: string;
  /** A human-readable description, without the field path. */
  message: string;
  /** The field path, e.g. `spec.replicas` or `metadata.labels[app]`. */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The list metadata a Status may carry (`Status.metadata`). */
export interface StatusListMeta {
  continue?: string;
  remainingItemCount?: number;
}

/**
 * Marks API errors, so that one thrown by user code holding another copy of the package (or a
 * module a loader instantiated twice) is still answered as its Status, not as a 500.
 */
const API_ERROR = Symbol.for('apiserver-kit.ApiError');

export class ApiError extends Error {
  readonly [API_ERROR] = true;
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: StatusDetails | undefined;
  /**
   * List metadata the Status carries in its `metadata`: the fresh `continue` token of an
   * expired one (Kubernetes' way to let a client go on with an inconsistent list).
   */
  readonly listMeta: StatusListMeta | undefined;

  /**
   * `options.cause`: what went wrong underneath (a StorageError, say), as the standard `cause`.
   * It is for logs only: transports never show it to clients. `options.listMeta`: see {@link listMeta}.
   */
  constructor(
    reason: StatusReason,
    code: number,
    message: string,
    details?: StatusDetails,
    options?: { cause?: unknown; listMeta?: StatusListMeta },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.reason = reason;
    this.code = code;
    this.details = details;
    this.listMeta = options?.listMeta;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [API_ERROR]?: unknown })[API_ERROR] === true;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** A group and resource, as used in error messages: `widgets.demo.example.com`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function formatGroupResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** A group and kind: `Widget.demo.example.com`. */
export interface GroupKind {
  group: string;
  kind: string;
}

export function formatGroupKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError('NotFound', 404, `${formatGroupResource(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError('AlreadyExists', 409, `${formatGroupResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** An optimistic-concurrency or precondition failure on one object. */
export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError(
    'Conflict',
    409,
    `Operation cannot be fulfilled on ${formatGroupResource(gr)} "${name}": ${why}`,
    { name, group: gr.group, kind: gr.resource },
  );
}

export const STALE_OBJECT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** Field-level validation failure (422). */
export function invalid(gk: GroupKind, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
  return new ApiError('Invalid', 422, `${formatGroupKind(gk)} "${name}" is invalid: ${joined}`, {
    name,
    group: gk.group,
    kind: gk.kind,
    causes,
  });
}

export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError('BadRequest', 400, message, causes ? { causes } : undefined);
}

/**
 * The requested resourceVersion (or continue token) is older than the kept history. `listMeta`:
 * for an expired continue token, the token that goes on from the same key at a newer revision.
 */
export function expired(message: string, listMeta?: StatusListMeta): ApiError {
  return new ApiError('Expired', 410, message, undefined, listMeta ? { listMeta } : undefined);
}

/** A watch that cannot go on (history gone, consumer too slow): the client must re-list. */
export function gone(message: string): ApiError {
  return new ApiError('Gone', 410, message);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError('MethodNotAllowed', 405, message);
}

export function notAcceptable(message: string): ApiError {
  return new ApiError('NotAcceptable', 406, message);
}

export function unsupportedMediaType(message: string): ApiError {
  return new ApiError('UnsupportedMediaType', 415, message);
}

export function requestEntityTooLarge(message: string): ApiError {
  return new ApiError('RequestEntityTooLarge', 413, message);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError('Unauthorized', 401, message);
}

export function forbidden(message: string): ApiError {
  return new ApiError('Forbidden', 403, message);
}

export function tooManyRequests(message: string, retryAfterSeconds = 1): ApiError {
  return new ApiError('TooManyRequests', 429, message, { retryAfterSeconds });
}

/** An unexpected failure. The message must not carry internals: transports show it as is. */
export function internalError(message = 'an internal error occurred'): ApiError {
  return new ApiError('InternalError', 500, message);
}

export function timeout(message: string, retryAfterSeconds?: number): ApiError {
  return new ApiError('Timeout', 504, message, retryAfterSeconds ? { retryAfterSeconds } : undefined);
}

export function serviceUnavailable(message: string, retryAfterSeconds?: number): ApiError {
  return new ApiError(
    'ServiceUnavailable',
    503,
    message,
    retryAfterSeconds ? { retryAfterSeconds } : undefined,
  );
}

/**
 * 507: the storage has no room for the write (its device is full, or its quota is reached).
 * metav1 names no reason for it; `InsufficientStorage` is the HTTP status's own name, which
 * kubectl prints as `Error from server (InsufficientStorage): ...`.
 */
export function insufficientStorage(message: string): ApiError {
  return new ApiError('InsufficientStorage', 507, message);
}
