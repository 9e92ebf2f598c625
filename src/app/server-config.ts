import type { KubeObject } from '../domain/meta/types.js';
import type { ResourceHandler, SubresourceHandler } from '../domain/registry/handler-endpoint.js';
import type { RegistryOptions } from '../domain/registry/registry-environment.js';
import type { ResourceDefinition } from '../domain/resource/resource-definition.js';
import type { Clock } from '../ports/clock.port.js';
import type { IdSource } from '../ports/id-source.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import type { Authenticator } from '../ports/authenticator.port.js';
import type { Authorizer } from '../ports/authorizer.port.js';
import type { Policy } from '../adapters/auth/policy-authorizer.js';
import type { AuditPolicy } from '../adapters/logging/audit/audit-policy.js';
import type { AuditSink } from '../ports/audit.port.js';

export interface OutputWriter {
  write(text: string): unknown;
}

/** Where one type's objects live. */
export type ResourceStorage =
  | { kind: 'default' }
  | { kind: 'memory' }
  | { kind: 'spec'; spec: string }
  | { kind: 'store'; store: ObjectStore }
  | { kind: 'handler'; handler: ResourceHandler; /** A review type (create only, objects without names). */ review?: boolean };

export interface ResourceRegistration {
  definition: ResourceDefinition;
  storage: ResourceStorage;
}

export interface SubresourceRegistration {
  definition: ResourceDefinition;
  name: string;
  handler: SubresourceHandler<KubeObject>;
}

/** The default store: a --storage spec or a store object. */
export type StorageChoice = string | ObjectStore;

export type TlsConfig =
  | { kind: 'self-signed'; certDir: string; /** More DNS names and IPs for it (`--tls-sans`). */ hosts?: string[] }
  | { kind: 'files'; certFile: string; keyFile: string }
  | { kind: 'none' };

/** Everything the builder and the command line decide; read by the composition root. */
export interface ServerConfig {
  resources: ResourceRegistration[];
  subresourceHandlers: SubresourceRegistration[];
  defaultStorage: StorageChoice;
  /** `--storage-quota-bytes`, for every memory, file and SQLite store the server opens from a spec. */
  storageQuotaBytes?: number;
  bindAddress: string;
  bindPort: number;
  bearerTokens: Array<{ token: string; username: string }>;
  access: AccessConfig;
  tls: TlsConfig;
  openApiInfo: { title: string; version: string; description?: string };
  output: OutputWriter;
  registryOptions: Partial<RegistryOptions>;
  observability: ObservabilityConfig;
  clock?: Clock;
  ids?: IdSource;
}

/** The front proxy (requestheader) settings, with kube-apiserver's flag names. */
export interface RequestHeaderConfig {
  clientCaFile: string;
  allowedNames: string[];
  usernameHeaders?: string[];
  uidHeaders?: string[];
  groupHeaders?: string[];
  extraHeaderPrefixes?: string[];
}

/** Who may reach the server and what they may do (README "Access control"). */
export interface AccessConfig {
  /** `--anonymous-auth`; unset: true, as in kube-apiserver. Only in effect with an authorizer. */
  anonymous?: boolean;
  /** `--token-auth-file`s. */
  tokenFiles: string[];
  /** `--client-ca-file`. */
  clientCaFile?: string;
  /** `--requestheader-*`. */
  requestHeader?: RequestHeaderConfig;
  /** Authenticators given to the builder, asked after the built-in ones. */
  authenticators: Authenticator[];
  /** `--authorization-policy-file`s (or policies given as objects). */
  policies: Array<string | Policy>;
  /** Authorizers given to the builder, asked after the policies. */
  authorizers: Authorizer[];
  /** `--authorization-always-allow-paths`; unset: /healthz, /readyz, /livez. */
  alwaysAllowPaths?: string[];
  /** `--authorization-always-allow-groups`; unset: system:masters. */
  alwaysAllowGroups?: string[];
  /** `--authentication-kubeconfig` (or in-cluster): TokenReview and the ConfigMap lookup. */
  delegatedAuthentication?: DelegatedAuthenticationConfig;
  /** `--authorization-kubeconfig` (or in-cluster): SubjectAccessReview. */
  delegatedAuthorization?: DelegatedAuthorizationConfig;
}

/** Where the main API server is: a kubeconfig, or (none given) the pod's service account. */
export interface MainServerConfig {
  kubeconfig?: string;
  /** In-cluster: the service account folder (default /var/run/secrets/kubernetes.io/serviceaccount). */
  serviceAccountDir?: string;
  /** In-cluster: the environment KUBERNETES_SERVICE_HOST and _PORT are read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** How long the main server may take to answer, in seconds (default 10). */
  timeoutSeconds?: number;
}

/** Delegated authentication (README "Running behind kube-apiserver"). */
export interface DelegatedAuthenticationConfig extends MainServerConfig {
  /** `--authentication-token-webhook-cache-ttl` in seconds (default 10). */
  cacheTtlSeconds?: number;
  /** `--authentication-skip-lookup`: do not read kube-system/extension-apiserver-authentication. */
  skipLookup?: boolean;
  /** `--authentication-tolerate-lookup-failure`: start even when the ConfigMap cannot be read. */
  tolerateLookupFailure?: boolean;
  /** How often the ConfigMap is read again, in seconds (default 10). */
  lookupRefreshSeconds?: number;
}

/** Delegated authorization (README "Running behind kube-apiserver"). */
export interface DelegatedAuthorizationConfig extends MainServerConfig {
  /** `--authorization-webhook-cache-authorized-ttl` in seconds (default 10). */
  allowedTtlSeconds?: number;
  /** `--authorization-webhook-cache-unauthorized-ttl` in seconds (default 10). */
  deniedTtlSeconds?: number;
}

/** Metrics, logs, load protection and shutdown (README "Observability"). */
export interface ObservabilityConfig {
  /** Serve `/metrics` and measure requests and stores. Default true. */
  metrics: boolean;
  /** How long a count of stored objects is reused, in seconds (default 60, as kube-apiserver). */
  storageCountSeconds?: number;
  /** Node's process and event-loop metrics. Default true. */
  processMetrics?: boolean;
  /** `--log-format`. Default text. */
  logFormat: 'text' | 'json';
  /** `-v`: 3 and above logs every request. Default 0. */
  verbosity: number;
  /** `--max-requests-inflight` (default 400); 0: no limit. */
  maxRequestsInflight: number;
  /** `--max-mutating-requests-inflight` (default 200); 0: no limit. */
  maxMutatingRequestsInflight: number;
  /** `--shutdown-delay-duration` in seconds: readyz fails this long before the listener closes. Default 0. */
  shutdownDelaySeconds: number;
  /** The audit log (README "Observability"); events are written when there are a policy and a log or sink. */
  audit?: AuditConfig;
}

/** `--audit-policy-file`, `--audit-log-*`, and sinks given to the builder. */
export interface AuditConfig {
  policy?: AuditPolicy;
  /** `--audit-log-path`: a file of JSON lines, or `-` for the output writer (standard output). */
  logPath?: string;
  /** `--audit-log-maxsize` in MiB (0: 100). */
  maxSizeMiB?: number;
  /** `--audit-log-maxbackup` (0: keep all). */
  maxBackups?: number;
  /** `--audit-log-maxage` in days (0: keep all). */
  maxAgeDays?: number;
  /** `--audit-log-compress`: gzip rotated files. */
  compress?: boolean;
  /** More sinks, given to the builder. */
  sinks: AuditSink[];
}
