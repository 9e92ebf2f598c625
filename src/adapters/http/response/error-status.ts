import { ApiError, isApiError, type StatusReason } from '../../../domain/errors/api-error.js';
import { statusFromError } from '../../../domain/errors/status.js';
import type { StatusObject } from '../../../domain/meta/types.js';

/** The reason Kubernetes gives each HTTP code, for errors that arrive with only a code. */
const REASON_BY_CODE: Readonly<Record<number, StatusReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An error as the client sees it: the Status body, its HTTP code and extra headers. */
export interface ErrorResponse {
  code: number;
  status: StatusObject;
  headers: Record<string, string>;
  /** True when the error was not an ApiError: an unforeseen failure (its report carries the stack). */
  unexpected: boolean;
}

/**
 * Turns anything thrown while serving a request into a Status. ApiErrors keep their reason,
 * code and details. HTTP errors raised by Koa or Node for malformed requests (with a 4xx
 * `status` and `expose`) keep their code. Anything else is a 500 whose body says nothing about
 * what went wrong.
 *
 * `Retry-After` is sent exactly when the Status asks for a delay (`details.retryAfterSeconds`
 * above 0), as kube-apiserver writes it. The errors decide: a 429 (load shedding) asks for one,
 * the 504 for a too-large resourceVersion too; a 503 for failed storage does not, because
 * client-go retries a 5xx with Retry-After up to 10 times and the client would hang instead of
 * failing.
 */
export function errorResponse(err: unknown): ErrorResponse {
  const api = toApiError(err);
  const status = statusFromError(api ?? err);
  const headers: Record<string, string> = {};
  const retry = status.details?.retryAfterSeconds;
  if (typeof retry === 'number' && Number.isInteger(retry) && retry > 0) headers['Retry-After'] = String(retry);
  return { code: status.code, status, headers, unexpected: api === undefined };
}

function toApiError(err: unknown): ApiError | undefined {
  if (isApiError(err)) return err;
  if (typeof err === 'object' && err !== null) {
    const e = err as { status?: unknown; expose?: unknown; message?: unknown };
    const code = typeof e.status === 'number' ? e.status : undefined;
    if (code !== undefined && code >= 400 && code < 500 && e.expose === true) {
      const reason = REASON_BY_CODE[code] ?? 'BadRequest';
      return new ApiError(reason, REASON_BY_CODE[code] ? code : 400, typeof e.message === 'string' ? e.message : 'bad request');
    }
  }
  return undefined;
}
