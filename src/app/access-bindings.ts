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
import { AUTHENTICATOR, type Authenticator } from '../ports/authenticator.port.js';
import { AUTHORIZER, type Authorizer } from '../ports/authorizer.port.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import type { ServerConfig } from './server-config.js';
import { CLIENT_CERTIFICATE_AUTHORITY, HANDLER_ENDPOINT, TOKEN_AUTHENTICATOR, resourceName } from './tokens.js';

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
  const authorizing = access.policies.length > 0 || access.authorizers.length > 0;
  const hasTokens = config.bearerTokens.length > 0 || access.tokenFiles.length > 0;
  const authenticating =
    authorizing || hasTokens || access.clientCaFile !== undefined || access.requestHeader !== undefined || access.authenticators.length > 0;

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
        if (access.clientCaFile !== undefined) {
          chain.push(new ClientCertificateAuthenticator(ctx.get<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY, { name: 'client' })));
        }
        if (hasTokens) chain.push(ctx.get<Authenticator>(TOKEN_AUTHENTICATOR));
        chain.push(...access.authenticators);
        return new AuthenticatorChain(chain, { anonymous: authorizing && access.anonymous !== false });
      })
      .inSingletonScope();
  }
  if (authorizing) {
    container
      .bind<Authorizer>(AUTHORIZER)
      .toDynamicValue(
        () =>
          new AuthorizerChain(
            [...access.policies.map((p) => (typeof p === 'string' ? PolicyAuthorizer.fromFile(p) : new PolicyAuthorizer(p))), ...access.authorizers],
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

/** The CAs the TLS server asks clients for certificates of (none: it asks for none). */
export function clientCertificateAuthorities(container: Container): CertificateAuthority[] {
  const out: CertificateAuthority[] = [];
  for (const name of ['client', 'requestheader']) {
    if (container.isBound(CLIENT_CERTIFICATE_AUTHORITY, { name })) out.push(container.get<CertificateAuthority>(CLIENT_CERTIFICATE_AUTHORITY, { name }));
  }
  return out;
}
