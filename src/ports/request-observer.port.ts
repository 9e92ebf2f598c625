import type { UserInfo } from '../domain/resource/strategy.js';
import type { AuthorizationResult, RequestAttributes } from './authorizer.port.js';

/**
 * What a transport tells observers (metrics, request logs, audit) about one request when it
 * arrives. `attributes` are the request's attributes as Kubernetes' request info builds them
 * (verb, group, version, resource, subresource, namespace, name; `user` is not known yet and
 * is anonymous here: the outcome carries the authenticated one).
 */
export interface ObservedRequest {
  attributes: RequestAttributes;
  /** The HTTP method as sent (GET, POST, ...). */
  method: string;
  /** The path, without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  userAgent: string;
  /** The request's Content-Type (an apply patch is `application/apply-patch+yaml`). */
  contentType: string;
  /** The client's address. */
  remoteAddress: string;
  /** The X-Forwarded-For header as sent (empty when absent). */
  forwardedFor: string;
  /** The X-Real-Ip header as sent (empty when absent). */
  realIp: string;
  /** A watch: held open until the client, the server or a timeout ends it. */
  longRunning: boolean;
  /** This request's audit ID (the `Audit-Id` response header). */
  auditId: string;
}

/** How a request ended. */
export interface RequestOutcome {
  /** The status code sent (for a watch, the code its stream began with). */
  code: number;
  /** Bytes of the response body (for a watch, of every frame written). */
  responseBytes: number;
  /** From arrival to the end of the answer. */
  durationSeconds: number;
  /** The authenticated user, when authentication ran and succeeded. */
  user?: UserInfo;
  /** The request was refused by the in-flight limits (429). */
  throttled?: boolean;
  /** What the authorizer decided, when one was asked. */
  authorization?: AuthorizationResult;
  /** The server failed unexpectedly (not an API error): answered 500 or cut the stream. */
  panicked?: boolean;
  /** The request body as read, when the request had one and it was read. */
  requestBody?: Uint8Array;
  /** The response body as sent (a string or bytes) and its Content-Type; none for watches. */
  responseBody?: () => { body: unknown; contentType: string };
}

/** Per-request hooks an observer returns from `begin`. */
export interface RequestObservation {
  /** Authentication is done (`user` undefined when the server authenticates nobody); authorization is next. */
  authenticated?(user: UserInfo | undefined): void;
  /** A watch sent its response headers (`code`) and begins to stream. */
  responseStarted?(code: number): void;
  /** One watch event written to the client, `bytes` long. */
  watchEvent?(bytes: number): void;
  /** Called once, when the request is over. Must not throw. */
  end(outcome: RequestOutcome): void;
}

/**
 * Sees every request a transport serves: told when it arrives (`begin`) and when it ends.
 * Observers must be cheap and must never throw: they run on every request.
 */
export interface RequestObserver {
  begin(request: ObservedRequest): RequestObservation | undefined;
  /** The number of requests now counted against the in-flight limits (watches excluded). */
  inflight?(readOnly: number, mutating: number): void;
}

/** A text exposition of metrics, served at `/metrics`. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

export const REQUEST_OBSERVERS = Symbol.for('apiserver-kit.RequestObservers');
export const METRICS_EXPOSITION = Symbol.for('apiserver-kit.MetricsExposition');
