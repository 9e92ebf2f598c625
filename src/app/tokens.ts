import type { ResourceDefinition } from '../domain/resource/resource-definition.js';

/** Inversify tokens of the composition root (the ports' own tokens live beside the ports). */
export const SERVER_CONFIG = Symbol.for('apiserver-kit.ServerConfig');

/** The generic registry's tunables (`Partial<RegistryOptions>`), one value per server. */
export const REGISTRY_OPTIONS = Symbol.for('apiserver-kit.RegistryOptions');

/**
 * One backing store (an `ObjectStore`) the server opened or was given, named by
 * {@link backingStoreName}. Types that name the same store resolve the same binding, so each
 * backing store is opened once, shares one revision counter, and is closed once when the
 * server's container is unbound on stop.
 */
export const BACKING_STORE = Symbol.for('apiserver-kit.BackingStore');

/** The `ObjectStore` one stored type lives in, named by {@link resourceName}. */
export const RESOURCE_STORE = Symbol.for('apiserver-kit.ResourceStore');

/** The `GenericRegistry` of one stored type, named by {@link resourceName}. */
export const RESOURCE_REGISTRY = Symbol.for('apiserver-kit.ResourceRegistry');

/** The `HandlerEndpoint` of one handler-backed type, named by {@link resourceName}. */
export const HANDLER_ENDPOINT = Symbol.for('apiserver-kit.HandlerEndpoint');

/** The binding name of a type's per-resource objects: `plural.group/version` (`plural/version` in the core group). */
export function resourceName(definition: Pick<ResourceDefinition, 'plural' | 'group' | 'version'>): string {
  const { plural, group, version } = definition;
  return group === '' ? `${plural}/${version}` : `${plural}.${group}/${version}`;
}

/** The static-token authenticator (`--token` and `--token-auth-file`), when there are tokens. */
export const TOKEN_AUTHENTICATOR = Symbol.for('apiserver-kit.TokenAuthenticator');

/**
 * The CAs client certificates are verified against (`--client-ca-file`,
 * `--requestheader-client-ca-file`): `CertificateAuthority[]`, named `client` and `requestheader`.
 */
export const CLIENT_CERTIFICATE_AUTHORITY = Symbol.for('apiserver-kit.ClientCertificateAuthority');

/** The server's metrics (`ApiServerMetrics`), when metrics are on. */
export const METRICS = Symbol.for('apiserver-kit.Metrics');

/** The server's log (`Logger`). */
export const LOGGER = Symbol.for('apiserver-kit.Logger');

/** Where the server's audit events go (`AuditSink`), when auditing is on; closed on stop. */
export const AUDIT_SINK = Symbol.for('apiserver-kit.AuditSink');

/** The ConfigMap lookup (`AuthenticationLookup`), when delegated authentication reads it. */
export const AUTHENTICATION_LOOKUP = Symbol.for('apiserver-kit.AuthenticationLookup');

/** The delegated reviewers (`TokenReviewAuthenticator`, `SubjectAccessReviewAuthorizer`), when configured. */
export const TOKEN_REVIEWER = Symbol.for('apiserver-kit.TokenReviewer');
export const ACCESS_REVIEWER = Symbol.for('apiserver-kit.AccessReviewer');
