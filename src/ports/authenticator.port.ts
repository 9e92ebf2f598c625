import type { UserInfo } from '../domain/resource/strategy.js';

/** What an authenticator may look at. */
export interface AuthenticationRequest {
  /** The request headers, names lower-cased (repeated headers as arrays, as Node gives them). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The client certificate chain the TLS connection presented, leaf first, each certificate
   * as DER. Absent on plain connections and when the client sent no certificate. The transport
   * has not verified it: the TLS server requests a certificate and accepts any, and each
   * authenticator verifies it against the CA it trusts. The same array object is passed for
   * every request of one connection, so an authenticator may cache by it (a WeakMap).
   */
  readonly clientCertificates?: readonly Uint8Array[];
}

/**
 * What one authenticator concluded about a request:
 * - `{ user }`: the request carries credentials it accepts;
 * - `{ error }`: it carries credentials of the kind this authenticator checks, and they are not
 *   valid (a bearer token nobody issued, a certificate that does not verify). The message is for
 *   logs, never shown to the client;
 * - `undefined`: nothing this authenticator checks was presented.
 */
export type AuthenticationResult = { user: UserInfo; error?: undefined } | { error: string; user?: undefined } | undefined;

/**
 * Establishes who sent a request. A transport calls it once per request, before anything else
 * of the request is read, and answers 401 Unauthorized unless the result names a user.
 *
 * Several authenticators are combined as in k8s.io/apiserver (a chain: the first to name a
 * user wins; anonymous only when none saw credentials at all). An authenticator rejects only
 * when it cannot decide (a backing service is down, a timeout); the chain treats that as a
 * failure of that authenticator, so the client gets 401, never a request as someone else.
 *
 * Implementations compare secrets in constant time and never log them.
 */
export interface Authenticator {
  authenticate(request: AuthenticationRequest): Promise<AuthenticationResult>;
}

export const AUTHENTICATOR = Symbol.for('apiserver-kit.Authenticator');

/** The user of requests no authenticator accepted, when anonymous requests are allowed. */
export const ANONYMOUS_USER = 'system:anonymous';
/** The group of anonymous requests. */
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
/** The group every authenticated user is in. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
