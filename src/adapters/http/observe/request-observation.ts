import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { tooManyRequests } from '../../../domain/errors/api-error.js';
import type { UserInfo } from '../../../domain/resource/strategy.js';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP } from '../../../ports/authenticator.port.js';
import type { AuthorizationResult, RequestAttributes } from '../../../ports/authorizer.port.js';
import type { ObservedRequest, RequestObservation, RequestObserver } from '../../../ports/request-observer.port.js';
import { requestAttributes } from '../access/request-attributes.js';

interface ObservedState {
  user?: UserInfo;
  /** The request's attributes, built once by the observation filter. */
  attributes?: RequestAttributes;
  observations?: RequestObservation[];
  watchBytes?: number;
  throttled?: boolean;
  /** Set by the authorization filter. */
  authorization?: AuthorizationResult;
  /** Set by the error filter: an unexpected failure (not an ApiError). */
  panicked?: boolean;
  /** The request body, as the resource handler read it. */
  requestBody?: Uint8Array;
}

const PLACEHOLDER_USER: UserInfo = { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };

/** An Audit-Id a client may send (kube-apiserver keeps the client's): a bounded token, no header tricks. */
const AUDIT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The first filter: gives every response its `Audit-Id` (the client's when it sent a sound one,
 * else a new UUID), tells the observers (metrics, request log, audit) about the request when it
 * arrives, and how it ended (code, body bytes, latency, user) once the answer is decided: for a
 * watch, when its stream ends.
 */
export function observationFilter(observers: readonly RequestObserver[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const start = process.hrtime.bigint();
    const state = ctx.state as ObservedState;
    const attributes = requestAttributes(PLACEHOLDER_USER, ctx.method, ctx.path, ctx.querystring);
    state.attributes = attributes;
    const given = ctx.get('Audit-Id');
    const auditId = AUDIT_ID.test(given) ? given : randomUUID();
    ctx.set('Audit-Id', auditId);
    const observations: RequestObservation[] = [];
    if (observers.length > 0) {
      const req: ObservedRequest = {
        attributes,
        method: ctx.method,
        path: ctx.path,
        query: ctx.querystring,
        userAgent: ctx.get('User-Agent'),
        contentType: ctx.get('Content-Type'),
        remoteAddress: ctx.req.socket?.remoteAddress ?? '',
        forwardedFor: ctx.get('X-Forwarded-For'),
        realIp: ctx.get('X-Real-Ip'),
        longRunning: isLongRunning(attributes),
        auditId,
      };
      for (const o of observers) {
        const obs = o.begin(req);
        if (obs) observations.push(obs);
      }
      state.observations = observations;
    }
    try {
      await next();
    } finally {
      if (observations.length > 0) {
        const streamed = ctx.respond === false;
        const outcome = {
          code: streamed ? ctx.res.statusCode : ctx.status,
          responseBytes: streamed ? (state.watchBytes ?? 0) : (ctx.length ?? 0),
          durationSeconds: Number(process.hrtime.bigint() - start) / 1e9,
          user: state.user,
          throttled: state.throttled,
          authorization: state.authorization,
          panicked: state.panicked,
          requestBody: state.requestBody,
          responseBody: streamed ? undefined : () => ({ body: ctx.body, contentType: ctx.response.get('Content-Type') }),
        };
        for (const o of observations) o.end(outcome);
      }
    }
  };
}

/**
 * Tells the observers that authentication is done (the user known, or none when the server
 * authenticates nobody); the transport runs it right after the authentication filter.
 */
export function authenticatedFilter() {
  return (ctx: Context, next: Next): Promise<void> => {
    const state = ctx.state as ObservedState;
    for (const o of state.observations ?? []) o.authenticated?.(state.user);
    return next();
  };
}

/** Keeps the request body the handler read, for the observers (audit at level Request and above). */
export function recordRequestBody(ctx: Context, body: Uint8Array): void {
  (ctx.state as ObservedState).requestBody = body;
}

/**
 * Called when a watch is about to stream (its 200 headers go out next): tells the observers the
 * response started and returns the hook the watch calls for each frame it writes, when the
 * request is observed.
 */
export function watchFrameHook(ctx: Context): ((bytes: number) => void) | undefined {
  const state = ctx.state as ObservedState;
  const observations = state.observations;
  if (!observations || observations.length === 0) return undefined;
  for (const o of observations) o.responseStarted?.(200);
  return (bytes) => {
    state.watchBytes = (state.watchBytes ?? 0) + bytes;
    for (const o of observations) o.watchEvent?.(bytes);
  };
}

/** Watches are long-running: held open, never counted against the in-flight limits. */
function isLongRunning(a: RequestAttributes): boolean {
  return a.resourceRequest && a.verb === 'watch';
}

export interface InflightLimits {
  /** Read-only requests (get, list, and non-resource GETs) at once; 0: no limit. */
  readOnly: number;
  /** Mutating requests at once; 0: no limit. */
  mutating: number;
}

/**
 * kube-apiserver's max-in-flight filter: beyond `limits` a request answers 429 TooManyRequests
 * with `Retry-After: 1` before anything of it is read. Watches are not counted. Observers are
 * told the counts whenever they change.
 */
export function maxInflightFilter(limits: InflightLimits, observers: readonly RequestObserver[]) {
  let readOnly = 0;
  let mutating = 0;
  const report = (): void => {
    for (const o of observers) o.inflight?.(readOnly, mutating);
  };
  return async (ctx: Context, next: Next): Promise<void> => {
    const state = ctx.state as ObservedState;
    const a = state.attributes ?? requestAttributes(PLACEHOLDER_USER, ctx.method, ctx.path, ctx.querystring);
    if (isLongRunning(a)) return next();
    const mutates = a.resourceRequest ? !['get', 'list', 'watch'].includes(a.verb) : !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method);
    const limit = mutates ? limits.mutating : limits.readOnly;
    const current = mutates ? mutating : readOnly;
    if (limit > 0 && current >= limit) {
      state.throttled = true;
      throw tooManyRequests('Too many requests, please try again later.', 1);
    }
    if (mutates) mutating++;
    else readOnly++;
    report();
    try {
      await next();
    } finally {
      if (mutates) mutating--;
      else readOnly--;
      report();
    }
  };
}
