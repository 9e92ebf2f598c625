import type { UserInfo } from '../domain/resource/strategy.js';

/** What an authenticator may look at: the request headers, names lower-cased. */
export interface AuthenticationRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Establishes who sent a request. A transport calls it once per request, before anything else
 * of the request is read.
 *
 * - Resolves the user when the request carries credentials this authenticator accepts.
 * - Resolves `undefined` when the credentials are missing or not valid: the transport answers
 *   401 Unauthorized (where a path needs authentication) and tells the client nothing more.
 * - Rejects only when it cannot decide (a backing service is down); the transport answers 5xx.
 *
 * Implementations compare secrets in constant time and never log them.
 */
export interface Authenticator {
  authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined>;
}

export const AUTHENTICATOR = Symbol.for('apiserver-kit.Authenticator');
