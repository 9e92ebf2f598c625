import type { UserInfo } from '../../domain/resource/strategy.js';
import {
  ANONYMOUS_USER,
  AUTHENTICATED_GROUP,
  UNAUTHENTICATED_GROUP,
  type AuthenticationRequest,
  type AuthenticationResult,
  type Authenticator,
} from '../../ports/authenticator.port.js';

export interface AuthenticatorChainOptions {
  /** `--anonymous-auth`: requests with no credentials at all become `system:anonymous`. */
  anonymous: boolean;
  /** Told why a request was refused (for a log); never the client. */
  onFailure?: (reason: string) => void;
}

/**
 * Authenticators asked in order, as k8s.io/apiserver's union: the first that names a user
 * wins, and its user is also put in `system:authenticated`. When none does: credentials that
 * some authenticator found invalid (or an authenticator that failed) make the request
 * unauthenticated, so a wrong token is a 401 and never an anonymous request; without any
 * credentials the request is anonymous (`system:anonymous` in `system:unauthenticated`) when
 * that is allowed, and unauthenticated otherwise.
 */
export class AuthenticatorChain implements Authenticator {
  constructor(
    readonly authenticators: readonly Authenticator[],
    private readonly options: AuthenticatorChainOptions,
  ) {}

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    const errors: string[] = [];
    for (const authenticator of this.authenticators) {
      let result: AuthenticationResult;
      try {
        result = await authenticator.authenticate(request);
      } catch (err) {
        errors.push(`an authenticator failed: ${(err as Error)?.message ?? String(err)}`);
        continue;
      }
      if (result?.user) return { user: withAuthenticatedGroup(result.user) };
      if (result?.error) errors.push(result.error);
    }
    if (errors.length > 0) {
      const reason = errors.join('; ');
      this.options.onFailure?.(reason);
      return { error: reason };
    }
    if (this.options.anonymous) return { user: anonymousUser() };
    return undefined;
  }
}

export function anonymousUser(): UserInfo {
  return { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
}

/** Adds `system:authenticated` unless the user is in it or in `system:unauthenticated` already. */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  const groups = user.groups ?? [];
  if (groups.includes(AUTHENTICATED_GROUP) || groups.includes(UNAUTHENTICATED_GROUP)) return { ...user, groups: [...groups] };
  return { ...user, groups: [...groups, AUTHENTICATED_GROUP] };
}
