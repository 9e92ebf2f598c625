import { isStorageError } from '../../ports/object-store.port.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  formatGroupResource,
  insufficientStorage,
  isApiError,
  notFound,
  serviceUnavailable,
  STALE_OBJECT_MESSAGE,
  timeout,
  type GroupResource,
} from '../errors/api-error.js';

/**
 * The one place where a storage failure becomes what a client sees. `name` is the object the
 * request was about ('' for collections). ApiErrors pass through; anything that is neither an
 * ApiError nor a StorageError is returned as it is (an internal failure).
 *
 * The client's message is short and names no store, key, file or backing-store error; the
 * StorageError stays on the ApiError as its `cause`, for the log.
 *
 * `Unavailable` is a 503 without `retryAfterSeconds`: kube-apiserver asks clients to come back
 * later (Retry-After) only when it sheds load or shuts down, never for a storage failure
 * (an etcd error reaches the client as it is, a storage deadline as a 504 without a delay).
 * client-go retries a 5xx that carries Retry-After up to 10 times, so a delay here would turn
 * a storage outage into a client that hangs instead of failing.
 *
 * `NoSpace` is a 507 InsufficientStorage (a full device, or the quota, which the message names);
 * `Damaged` a 503 saying writes are refused: the server works, but will not write into data it
 * found damaged until an operator repairs it and restarts (kube-apiserver over a corrupt etcd
 * answers etcd's error as a 500; 503 says "not now" without claiming a bug).
 */
export function storageErrorToApi(err: unknown, gr: GroupResource, name: string): ApiError | unknown {
  if (isApiError(err)) return err;
  if (!isStorageError(err)) return err;
  const cause = { cause: err };
  switch (err.code) {
    case 'NotFound':
      return rebuilt(notFound(gr, name), cause);
    case 'KeyExists':
      return rebuilt(alreadyExists(gr, name), cause);
    case 'Conflict':
      return rebuilt(conflict(gr, name, STALE_OBJECT_MESSAGE), cause);
    case 'Expired':
      return rebuilt(expired(`too old resource version: the history of ${gr.resource} no longer holds it`), cause);
    case 'TooLarge':
      return rebuilt(tooLargeResourceVersion(err.requestedRevision ?? 0, err.revision), cause);
    case 'InvalidKey':
      return rebuilt(
        badRequest(`the storage cannot hold ${formatGroupResource(gr)} "${name}": its name or namespace is too long for it, or uses characters it cannot keep`),
        cause,
      );
    case 'Unavailable':
      return rebuilt(serviceUnavailable('the storage backend is unavailable'), cause);
    case 'NoSpace':
      return rebuilt(
        insufficientStorage(
          err.quotaBytes === undefined
            ? 'no space left on the storage device'
            : `the storage quota of ${err.quotaBytes} bytes is reached; delete objects to make room`,
        ),
        cause,
      );
    case 'Damaged':
      return rebuilt(serviceUnavailable('the storage is damaged; writes are refused until it is repaired'), cause);
  }
}

/**
 * 504 for a resourceVersion newer than the store has reached, as Kubernetes' watch cache
 * answers it after waiting for the revision: with `retryAfterSeconds: 1` (client-go does not
 * retry a 504, so the delay never makes a client hang).
 */
export function tooLargeResourceVersion(requested: number, current?: number): ApiError {
  const err = timeout(`Too large resource version: ${requested}, current resource version: ${current ?? 'unknown'}`, 1);
  err.details!.causes = [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }];
  return err;
}

/** `api` with `cause` attached (the standard, non-enumerable `cause` of the constructor). */
function rebuilt(api: ApiError, options: { cause: unknown }): ApiError {
  return new ApiError(api.reason, api.code, api.message, api.details, options);
}
