import type { Container } from 'inversify';
import { AlwaysAllowAuthorizer } from '../adapters/auth/always-allow-authorizer.js';
import { AuthenticatorChain } from '../adapters/auth/authenticator-chain.js';
import { AuthorizerChain } from '../adapters/auth/authorizer-chain.js';
import { BEARER_TOKEN_OPTIONS, BearerTokenAuthenticator, type BearerTokenOptions } from '../adapters/auth/bearer-token-authenticator.js';
import { CertificateAuthority } from '../adapters/auth/certificate-authority.js';
import { ClientCertificateAuthenticator } from '../adapters/auth/client-certificate-authenticator.js';
import { PolicyAuthorizer } from '../adapters/auth/policy-authorizer.js';
import { RequestHeaderAuthenticator } from '../adapters/auth/request-header-authenticator.js';
import { ReviewEndpoint, SELF_REVIEW_DEFINITIONS, selfReviewEndpoints } from '../adapters/auth/self-reviews.js';
import { readTokenFile } from '../adapters/auth/token-file.js';
import { AuthenticationLookup } from '../adapters/auth/authentication-lookup.js';
import { MainServerClient } from '../adapters/auth/delegation/main-server-client.js';
import { SubjectAccessReviewAuthorizer } from '../adapters/auth/subject-access-review-authorizer.js';
import { TokenReviewAuthenticator } from '../adapters/auth/token-review-authenticator.js';
import { Logger } from '../adapters/logging/logger.js';
import { mainServerConnection } from './delegation.js';
import { AUTHENTICATOR, type Authenticator } from '../ports/authenticator.port.js';
import { AUTHORIZER, type Authorizer } from '../ports/authorizer.port.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import type { ServerConfig } from './server-config.js';
import {
  ACCESS_REVIEWER,
  AUTHENTICATION_LOOKUP,
  CLIENT_CERTIFICATE_AUTHORITY,
  HANDLER_ENDPOINT,
  LOGGER,
  TOKEN_AUTHENTICATOR,
  TOKEN_REVIEWER,
  resourceName,
} from './tokens.js';

/** What the access bindings decided, for the rest of the container. */
export interface AccessBindings {
  /** Whether requests are authenticated (AUTHENTICATOR is bound). */
  authenticating: boolean;
  /** Whether requests are authorized (AUTHORIZER is bound); otherwise everything is allowed. */
  authorizing: boolean;
  /**
   * The binding names (HANDLER_ENDPOINT) of the self reviews, served when authenticating unless
   * the builder serves those types itself.
   */
  reviews: string[];
}

/**
 * Binds authentication and authorization (README "Access control"):
 *
 * - TOKEN_AUTHENTICATOR: the `--token`s (in `system:masters`) and the token files' tokens;
 * - CLIENT_CERTIFICATE_AUTHORITY named `client` and `requestheader`: the CA files, read once;
 * - AUTHENTICATOR: the chain front proxy, client certificates, tokens, the builder's own, then
 *   anonymous (only with an authorizer: without one everybody could do everything);
 * - AUTHORIZER: always-allowed paths and groups, the bootstrap rules, the policies, the
 *   builder's authorizers; bound only when a policy or an authorizer is given;
 * - the self reviews (SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview) as
 *   handler endpoints of their groups, whenever requests are authenticated.
 */
export function bindAccessControl(container: Container, config: ServerConfig): AccessBindings {
  const access = config.access;
  const delegatedAuthn = access.delegatedAuthentication;
  const delegatedAuthz = access.delegatedAuthorization;
  const authorizing = access.policies.length > 0 || access.authorizers.length > 0 || delegatedAuthz !== undefined;
  const hasTokens = config.bearerTokens.length > 0 || access.tokenFiles.length > 0;
  const authenticating =
    authorizing ||
    hasTokens ||
    delegatedAuthn !== undefined ||
    access.clientCaFile !== undefined ||
    access.requestHeader !== undefined ||
    access.authenticators.length > 0;
  const lookup = delegatedAuthn !== undefined && !delegatedAuthn.skipLookup && (access.clientCaFile === undefined || access.requestHeader === undefined);
  bindDelegation(container, config, lookup);

  if (access.clientCaFile !== undefined) {
    const file = access.clientCaFile;
    container
      .bind<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY)
      .toResolvedValue(() => CertificateAuthority.fromFile(file))
      .inSingletonScope()
      .whenNamed('client');
  }
  if (access.requestHeader !== undefined) {
    const file = access.requestHeader.clientCaFile;
    container
      .bind<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY)
      .toResolvedValue(() => CertificateAuthority.fromFile(file))
      .inSingletonScope()
      .whenNamed('requestheader');
  }
  if (hasTokens) {
    container.bind<BearerTokenOptions>(BEARER_TOKEN_OPTIONS).toDynamicValue(() => ({
      tokens: [
        ...config.bearerTokens.map((t) => ({ token: t.token, user: { username: t.username, groups: ['system:masters'] } })),
        ...access.tokenFiles.flatMap((file) => readTokenFile(file)),
      ],
    }));
    container.bind<Authenticator>(TOKEN_AUTHENTICATOR).to(BearerTokenAuthenticator).inSingletonScope();
  }
  if (authenticating) {
    container
      .bind<Authenticator>(AUTHENTICATOR)
      .toDynamicValue((ctx) => {
        const chain: Authenticator[] = [];
        const header = access.requestHeader;
        if (header) {
          chain.push(
            new RequestHeaderAuthenticator({
              ca: ctx.get<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY, { name: 'requestheader' }),
              allowedNames: header.allowedNames,
              usernameHeaders: header.usernameHeaders,
              uidHeaders: header.uidHeaders,
              groupHeaders: header.groupHeaders,
              extraHeaderPrefixes: header.extraHeaderPrefixes,
            }),
          );
        }
        const fromCluster = lookup ? ctx.get<AuthenticationLookup>(AUTHENTICATION_LOOKUP) : undefined;
        if (!header && fromCluster) chain.push(fromCluster.requestHeaderAuthenticator);
        if (access.clientCaFile !== undefined) {
          chain.push(new ClientCertificateAuthenticator(ctx.get<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY, { name: 'client' })));
        } else if (fromCluster) chain.push(fromCluster.clientCertificateAuthenticator);
        if (hasTokens) chain.push(ctx.get<Authenticator>(TOKEN_AUTHENTICATOR));
        if (delegatedAuthn) chain.push(ctx.get<Authenticator>(TOKEN_REVIEWER));
        chain.push(...access.authenticators);
        return new AuthenticatorChain(chain, { anonymous: authorizing && access.anonymous !== false });
      })
      .inSingletonScope();
  }
  if (authorizing) {
    container
      .bind<Authorizer>(AUTHORIZER)
      .toDynamicValue(
        (ctx) =>
          new AuthorizerChain(
            [
              ...access.policies.map((p) => (typeof p === 'string' ? PolicyAuthorizer.fromFile(p) : new PolicyAuthorizer(p))),
              ...access.authorizers,
              ...(delegatedAuthz ? [ctx.get<Authorizer>(ACCESS_REVIEWER)] : []),
            ],
            { alwaysAllowPaths: access.alwaysAllowPaths, alwaysAllowGroups: access.alwaysAllowGroups },
          ),
      )
      .inSingletonScope();
  }

  const reviews: string[] = [];
  if (authenticating) {
    const taken = new Set(config.resources.map((r) => resourceName(r.definition)));
    for (const [i, definition] of SELF_REVIEW_DEFINITIONS.entries()) {
      const name = resourceName(definition);
      if (taken.has(name)) continue;
      container
        .bind<ReviewEndpoint>(HANDLER_ENDPOINT)
        .toResolvedValue(
          (clock: Clock) => {
            const authorizer = authorizing ? container.get<AuthorizerChain>(AUTHORIZER) : new AlwaysAllowAuthorizer();
            return selfReviewEndpoints(authorizer, clock)[i];
          },
          [CLOCK],
        )
        .inSingletonScope()
        .whenNamed(name);
      reviews.push(name);
    }
  }
  return { authenticating, authorizing, reviews };
}

/**
 * Binds the delegated reviewers and the ConfigMap lookup (README "Running behind
 * kube-apiserver"): TOKEN_REVIEWER (TokenReview), ACCESS_REVIEWER (SubjectAccessReview) and
 * AUTHENTICATION_LOOKUP, each with its own connection to the main API server (read from the
 * kubeconfig or the service account when first needed), closed when the container is unbound.
 */
function bindDelegation(container: Container, config: ServerConfig, lookup: boolean): void {
  const access = config.access;
  const authn = access.delegatedAuthentication;
  const authz = access.delegatedAuthorization;
  const seconds = (s: number | undefined, fallback: number): number => Math.round((s ?? fallback) * 1000);
  const warn = (msg: string): void => container.get<Logger>(LOGGER).error(msg, 'delegation');
  if (authn) {
    container
      .bind<TokenReviewAuthenticator>(TOKEN_REVIEWER)
      .toDynamicValue(
        () =>
          new TokenReviewAuthenticator(new MainServerClient(mainServerConnection(authn)), {
            cacheTtlMs: seconds(authn.cacheTtlSeconds, 10),
            timeoutMs: seconds(authn.timeoutSeconds, 10),
            onError: (reason) => warn(`Unable to authenticate the request: ${reason}`),
          }),
      )
      .inSingletonScope()
      .onDeactivation((r) => r.close());
  }
  if (authn && lookup) {
    container
      .bind<AuthenticationLookup>(AUTHENTICATION_LOOKUP)
      .toDynamicValue(
        () =>
          new AuthenticationLookup(new MainServerClient(mainServerConnection(authn)), {
            clientCa: access.clientCaFile === undefined,
            requestHeader: access.requestHeader === undefined,
            refreshMs: seconds(authn.lookupRefreshSeconds, 10),
            timeoutMs: seconds(authn.timeoutSeconds, 10),
            onProblem: (message) => warn(message),
          }),
      )
      .inSingletonScope()
      .onDeactivation((l) => l.stop());
  }
  if (authz) {
    container
      .bind<SubjectAccessReviewAuthorizer>(ACCESS_REVIEWER)
      .toDynamicValue(
        () =>
          new SubjectAccessReviewAuthorizer(new MainServerClient(mainServerConnection(authz)), {
            allowedTtlMs: seconds(authz.allowedTtlSeconds, 10),
            deniedTtlMs: seconds(authz.deniedTtlSeconds, 10),
            timeoutMs: seconds(authz.timeoutSeconds, 10),
            onError: (reason) => warn(`Unable to authorize the request: ${reason}`),
          }),
      )
      .inSingletonScope()
      .onDeactivation((r) => r.close());
  }
}

/** The CAs the TLS server asks clients for certificates of (none: it asks for none). */
export function clientCertificateAuthorities(container: Container): CertificateAuthority[] {
  const out: CertificateAuthority[] = [];
  for (const name of ['client', 'requestheader']) {
    if (container.isBound(CLIENT_CERTIFICATE_AUTHORITY, { name })) out.push(container.get<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY, { name }));
  }
  return out;
}

/**
 * The ConfigMap lookup, when delegated authentication reads it: read once before serving
 * (failing the start unless tolerated), then followed.
 */
export async function startAuthenticationLookup(container: Container, config: ServerConfig): Promise<AuthenticationLookup | undefined> {
  if (!container.isBound(AUTHENTICATION_LOOKUP)) return undefined;
  const lookup = container.get<AuthenticationLookup>(AUTHENTICATION_LOOKUP);
  try {
    await lookup.start();
  } catch (err) {
    const message = `unable to read kube-system/extension-apiserver-authentication: ${(err as Error).message}`;
    if (!config.access.delegatedAuthentication?.tolerateLookupFailure) throw new Error(message);
    container.get<Logger>(LOGGER).error(`${message}; starting without it (--authentication-tolerate-lookup-failure)`, 'delegation');
  }
  return lookup;
}
