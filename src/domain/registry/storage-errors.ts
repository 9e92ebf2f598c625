import { isStorageError } from '../../ports/object-store.port.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
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
 */
export function storageErrorToApi(err: unknown, gr: GroupResource, name: string): ApiError | unknown {
  if (isApiError(err)) return err;
  if (!isStorageError(err)) return err;
  switch (err.code) {
    case 'NotFound':
      return notFound(gr, name);
    case 'KeyExists':
      return alreadyExists(gr, name);
    case 'Conflict':
      return conflict(gr, name, STALE_OBJECT_MESSAGE);
    case 'Expired':
      return expired(`too old resource version: the history of ${gr.resource} no longer holds it`);
    case 'TooLarge':
      return tooLargeResourceVersion(err.revision ?? 0);
    case 'InvalidKey':
      return badRequest(`the storage cannot hold ${gr.resource} "${name}": ${err.message}`);
    case 'Unavailable':
      return serviceUnavailable('the storage backend is unavailable; try again later', 1);
  }
}

/** 504 for a resourceVersion newer than the store has reached, as Kubernetes answers it. */
export function tooLargeResourceVersion(requested: number, current?: number): ApiError {
  const err = timeout(`Too large resource version: ${requested}, current resource version: ${current ?? 'unknown'}`, 1);
  err.details!.causes = [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }];
  return err;
}
