import type { StatusObject } from '../meta/types.js';
import { ApiError, internalError, isApiError } from './api-error.js';

/**
 * The `Status` form of an error, with the list metadata it carries (a fresh `continue`) in
 * `metadata`. Anything that is not an ApiError becomes a generic
 * InternalError: its message may hold internals and is not shown.
 */
export function statusFromError(err: unknown): StatusObject {
  const e: ApiError = isApiError(err) ? err : internalError();
  const status: StatusObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    code: e.code,
  };
  if (e.details) status.details = { ...e.details };
  if (e.listMeta) status.metadata = { ...e.listMeta };
  return status;
}
