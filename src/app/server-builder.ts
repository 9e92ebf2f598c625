import type { KubeObject } from '../domain/meta/types.js';
import type { RegistryOptions } from '../domain/registry/registry-environment.js';
import type { ResourceHandler, SubresourceHandler } from '../domain/registry/handler-endpoint.js';
import type { RequestContext } from '../ports/resource-api.port.js';
import type { ObjectOf, ResourceDefinition } from '../domain/resource/resource-definition.js';
import type { Clock } from '../ports/clock.port.js';
import type { IdSource } from '../ports/id-source.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { ApiServer } from './api-server.js';
import { executeCommand } from './cli.js';
import { DEFAULT_STORAGE, parseStorageSpec } from './storage-spec.js';
import type { DelegatedAuthenticationConfig, DelegatedAuthorizationConfig, ObservabilityConfig, OutputWriter, RequestHeaderConfig, ResourceRegistration, ServerConfig, StorageChoice } from './server-config.js';
import type { Authenticator } from '../ports/authenticator.port.js';
import type { Authorizer } from '../ports/authorizer.port.js';
import { checkPolicy, type Policy } from '../adapters/auth/policy-authorizer.js';
import { checkAuditPolicy, readAuditPolicyFile, type AuditPolicy } from '../adapters/logging/audit/audit-policy.js';
import type { AuditSink } from '../ports/audit.port.js';

/**
 * Composes a server: resource types, their storage, and how the server is reached. The
 * builder only records choices; `build()` wires them into a container and returns the server.
 *
 * ```ts
 * const server = new ServerBuilder()
 *   .withResource(Widget)
 *   .withResourceMemoryStorage(Gadget)
 *   .withBindPort(6443)
 *   .build();
 * await server.start();
 * ```
 */
export class ServerBuilder {
  private servingHosts: string[] | undefined;
  private readonly config: ServerConfig = {
    resources: [],
    subresourceHandlers: [],
    defaultStorage: DEFAULT_STORAGE,
    bindAddress: '127.0.0.1',
    bindPort: 6443,
    bearerTokens: [],
    access: { tokenFiles: [], authenticators: [], policies: [], authorizers: [] },
    tls: { kind: 'self-signed', certDir: '.apiserver-kit/certs' },
    openApiInfo: { title: 'apiserver-kit', version: '0.1.0' },
    output: { write: (text: string) => process.stdout.write(text) },
    registryOptions: {},
    observability: {
      metrics: true,
      logFormat: 'text',
      verbosity: 0,
      maxRequestsInflight: 400,
      maxMutatingRequestsInflight: 200,
      shutdownDelaySeconds: 0,
    },
  };

  /** Serves a type, stored in the server's default storage (see withStorage). */
  withResource<R extends ResourceDefinition<any, any>>(def: R): this {
    return this.add({ definition: def, storage: { kind: 'default' } });
  }

  /** Serves a type stored in memory of its own: lost on restart, fast, for tests and caches. */
  withResourceMemoryStorage<R extends ResourceDefinition<any, any>>(def: R): this {
    return this.add({ definition: def, storage: { kind: 'memory' } });
  }

  /**
   * Serves a type stored as one JSON file per object under `dir` (written atomically;
   * revisions persisted). Types given the same directory share one store.
   */
  withResourceFileStorage<R extends ResourceDefinition<any, any>>(def: R, dir: string): this {
    return this.add({ definition: def, storage: { kind: 'spec', spec: `file:${dir}` } });
  }

  /** Serves a type in a store given as an object or as a --storage spec (e.g. `sqlite:x.db`). */
  withResourceStorage<R extends ResourceDefinition<any, any>>(def: R, storage: ObjectStore | string): this {
    return this.add({ definition: def, storage: typeof storage === 'string' ? { kind: 'spec', spec: storage } : { kind: 'store', store: storage } });
  }

  /** Serves a type whose verbs user code implements; nothing is stored by the kit. */
  withResourceAndHandler<R extends ResourceDefinition<any, any>>(def: R, handler: ResourceHandler<ObjectOf<R>>): this {
    return this.add({ definition: def, storage: { kind: 'handler', handler: handler as unknown as ResourceHandler } });
  }

  /**
   * Serves a review type (as TokenReview or SubjectAccessReview): create only, objects carry no
   * name and are not stored; `review` gets the decoded object (checked against the type's
   * schema) and returns it with its status.
   */
  withReviewResource<R extends ResourceDefinition<any, any>>(
    def: R,
    review: (ctx: RequestContext, obj: ObjectOf<R>) => ObjectOf<R> | Promise<ObjectOf<R>>,
  ): this {
    const handler: ResourceHandler = { create: (ctx, _ns, obj) => review(ctx, obj as ObjectOf<R>) as KubeObject | Promise<KubeObject> };
    return this.add({ definition: def, storage: { kind: 'handler', handler, review: true } });
  }

  /** Adds a custom subresource served by user code to a type served by this builder. */
  withSubResourceAndHandler<R extends ResourceDefinition<any, any>>(
    def: R,
    name: string,
    handler: SubresourceHandler<ObjectOf<R>>,
  ): this {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`subresource name "${name}" must be a DNS label`);
    if (name === 'status' || name === 'scale') throw new Error(`subresource "${name}" is built in; declare it in the definition`);
    this.config.subresourceHandlers.push({ definition: def, name, handler: handler as unknown as SubresourceHandler<KubeObject> });
    return this;
  }

  /**
   * The backing store behind withResource: an ObjectStore, or a spec as `--storage` takes it
   * (`memory`, `file:DIR`, `sqlite:FILE`). Default: SQLite in `.apiserver-kit/apiserver.db`.
   * Every type on it shares one revision counter.
   */
  withStorage(storage: ObjectStore | string): this {
    if (typeof storage === 'string') parseStorageSpec(storage);
    this.config.defaultStorage = storage;
    return this;
  }

  /**
   * `--storage-quota-bytes`, as etcd's `--quota-backend-bytes`: the most bytes of objects (their
   * stored JSON) each memory, file or SQLite store opened from a spec holds. A create or update
   * beyond it gets 507 InsufficientStorage naming the quota; deletes still work; readyz's
   * storage check shows the size. Not for etcd (set etcd's own quota) nor for store objects
   * given to withStorage (give them their `quotaBytes` option).
   */
  withStorageQuotaBytes(bytes: number): this {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`the storage quota must be a positive number of bytes, got ${bytes}`);
    this.config.storageQuotaBytes = bytes;
    return this;
  }

  withBindAddress(address: string): this {
    this.config.bindAddress = address;
    return this;
  }

  /** The port to listen on; 0 picks a free one (read it from `server.url` after start). */
  withBindPort(port: number): this {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${port}`);
    this.config.bindPort = port;
    return this;
  }

  /** Requires `Authorization: Bearer <token>` on every API request (health checks excepted). */
  withBearerToken(token: string, username = 'admin'): this {
    if (!token) throw new Error('a bearer token may not be empty');
    this.config.bearerTokens.push({ token, username });
    return this;
  }

  /**
   * Accepts the tokens of a kube-apiserver static token file (`token,user,uid,"group1,group2"`
   * per line); read when the server is built.
   */
  withTokenAuthFile(path: string): this {
    this.config.access.tokenFiles.push(path);
    return this;
  }

  /** Accepts client certificates signed by the CAs of this PEM file: the common name is the user, the organizations its groups. */
  withClientCaFile(path: string): this {
    this.config.access.clientCaFile = path;
    return this;
  }

  /**
   * Trusts a front proxy (kube-apiserver's aggregator): the `X-Remote-User`, `X-Remote-Group`
   * and `X-Remote-Extra-*` headers (or the ones named) name the user, on connections whose
   * client certificate verifies against `clientCaFile` and has one of `allowedNames` as common
   * name (any, when none are given). TLS serving asks clients for certificates from then on.
   */
  withRequestHeader(options: Partial<RequestHeaderConfig> & { clientCaFile: string }): this {
    this.config.access.requestHeader = { ...options, allowedNames: [...(options.allowedNames ?? [])] };
    return this;
  }

  /** Adds an authenticator, asked after the front proxy, client certificates and tokens. */
  withAuthenticator(authenticator: Authenticator): this {
    this.config.access.authenticators.push(authenticator);
    return this;
  }

  /**
   * Whether requests without credentials are served as `system:anonymous` (then the authorizer
   * decides) or refused with 401. Default true, as kube-apiserver; without an authorizer
   * anonymous requests are always refused (everyone would be allowed everything).
   */
  withAnonymousAuth(enabled: boolean): this {
    this.config.access.anonymous = enabled;
    return this;
  }

  /** Authorizes with a policy (a YAML or JSON file, or the object): README "Access control". */
  withAuthorizationPolicy(policy: string | Policy): this {
    this.config.access.policies.push(typeof policy === 'string' ? policy : checkPolicy(structuredClone(policy)));
    return this;
  }

  /** Adds an authorizer, asked after the policies; the first to allow or deny decides. */
  withAuthorizer(authorizer: Authorizer): this {
    this.config.access.authorizers.push(authorizer);
    return this;
  }

  /** Non-resource paths anyone may get (`/healthz`, or `/debug/*` as a prefix). Default /healthz, /readyz, /livez. */
  withAlwaysAllowPaths(paths: string[]): this {
    this.config.access.alwaysAllowPaths = [...paths];
    return this;
  }

  /**
   * Delegated authentication, as an extension API server behind kube-apiserver (README
   * "Running behind kube-apiserver"): bearer tokens are put to the main API server as
   * TokenReviews (answers kept `cacheTtlSeconds`, default 10), and unless `skipLookup`, the
   * client CA and front proxy are read from its `kube-system/extension-apiserver-authentication`
   * ConfigMap and followed (for what `withClientCaFile` / `withRequestHeader` do not set). The
   * main server is the `kubeconfig`'s, or without one the pod's (service account, in-cluster).
   */
  withDelegatedAuthentication(options: DelegatedAuthenticationConfig = {}): this {
    this.config.access.delegatedAuthentication = { ...options };
    return this;
  }

  /**
   * Delegated authorization: requests not allowed by the always-allowed paths and groups (nor
   * the policies) are put to the main API server as SubjectAccessReviews; allows kept
   * `allowedTtlSeconds`, refusals `deniedTtlSeconds` (both default 10).
   */
  withDelegatedAuthorization(options: DelegatedAuthorizationConfig = {}): this {
    this.config.access.delegatedAuthorization = { ...options };
    return this;
  }

  /**
   * More DNS names and IP addresses for the self-signed serving certificate (beside localhost,
   * 127.0.0.1 and ::1), e.g. the Service name the aggregator calls: `demo-apiserver.demo.svc`.
   */
  withServingHosts(hosts: string[]): this {
    this.servingHosts = [...hosts];
    if (this.config.tls.kind === 'self-signed') this.config.tls = { ...this.config.tls, hosts: [...hosts] };
    return this;
  }

  /** Groups whose users may do anything. Default system:masters. */
  withAlwaysAllowGroups(groups: string[]): this {
    this.config.access.alwaysAllowGroups = [...groups];
    return this;
  }

  /** Serves TLS with this certificate and key (PEM files). */
  withCertKey(certFile: string, keyFile: string): this {
    this.config.tls = { kind: 'files', certFile, keyFile };
    return this;
  }

  /** Where a self-signed serving certificate is generated and kept when none is given. */
  withCertDir(dir: string): this {
    this.config.tls = { kind: 'self-signed', certDir: dir, ...(this.servingHosts ? { hosts: [...this.servingHosts] } : {}) };
    return this;
  }

  /** Serves plain HTTP. For tests and for use behind a TLS-terminating proxy only. */
  withInsecureServing(): this {
    this.config.tls = { kind: 'none' };
    return this;
  }

  /** Where the server prints its `serving on ...` line and its log. */
  withOutputWriter(output: OutputWriter): this {
    this.config.output = output;
    return this;
  }

  /** Title and version of the OpenAPI documents. */
  withOpenApiInfo(info: { title: string; version: string; description?: string }): this {
    this.config.openApiInfo = { ...info };
    return this;
  }

  withClock(clock: Clock): this {
    this.config.clock = clock;
    return this;
  }

  withIdSource(ids: IdSource): this {
    this.config.ids = ids;
    return this;
  }

  /** Tunables of the generic registry (watch buffer, bookmark interval, ...). */
  withRegistryOptions(options: Partial<RegistryOptions>): this {
    this.config.registryOptions = { ...this.config.registryOptions, ...options };
    return this;
  }

  /**
   * Metrics, request logs, in-flight limits and the shutdown delay (README "Observability");
   * unset fields keep their values.
   */
  withObservability(options: Partial<ObservabilityConfig>): this {
    const o = { ...this.config.observability, ...options };
    for (const key of ['verbosity', 'maxRequestsInflight', 'maxMutatingRequestsInflight'] as const) {
      if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new Error(`${key} must be a non-negative integer, got ${o[key]}`);
    }
    if (!Number.isFinite(o.shutdownDelaySeconds) || o.shutdownDelaySeconds < 0) {
      throw new Error(`shutdownDelaySeconds must be a non-negative number, got ${o.shutdownDelaySeconds}`);
    }
    if (o.logFormat !== 'text' && o.logFormat !== 'json') throw new Error(`logFormat must be text or json, got "${o.logFormat}"`);
    this.config.observability = o;
    return this;
  }

  /**
   * The audit policy (`--audit-policy-file`): an audit.k8s.io/v1 Policy, or the path of one in
   * YAML or JSON, read and checked now. Requests are audited when there is also a log
   * (withAuditLog) or a sink (withAuditSink).
   */
  withAuditPolicy(policy: string | AuditPolicy): this {
    const checked = typeof policy === 'string' ? readAuditPolicyFile(policy) : checkAuditPolicy(policy);
    this.config.observability.audit = { sinks: [], ...this.config.observability.audit, policy: checked };
    return this;
  }

  /**
   * The audit log (`--audit-log-path`): JSON lines of audit.k8s.io/v1 Events in `path`, or on
   * the output writer with `-`; rotated by size (`maxSizeMiB`, default 100), keeping
   * `maxBackups` rotated files (0: all) no older than `maxAgeDays` (0: any age), gzipped with
   * `compress`.
   */
  withAuditLog(path: string, options: { maxSizeMiB?: number; maxBackups?: number; maxAgeDays?: number; compress?: boolean } = {}): this {
    if (path === '') throw new Error('the audit log path must not be empty');
    for (const key of ['maxSizeMiB', 'maxBackups', 'maxAgeDays'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new Error(`audit log ${key} must be a non-negative number, got ${v}`);
    }
    this.config.observability.audit = { sinks: [], ...this.config.observability.audit, logPath: path, ...options };
    return this;
  }

  /** Another place audit events go (a webhook, a test's buffer); closed when the server stops. */
  withAuditSink(sink: AuditSink): this {
    const audit = { sinks: [], ...this.config.observability.audit };
    this.config.observability.audit = { ...audit, sinks: [...audit.sinks, sink] };
    return this;
  }

  /** Wires everything; the server is not listening until `start()`. */
  build(): ApiServer {
    return new ApiServer(structuredCloneConfig(this.config));
  }

  /**
   * Runs the command line (`--secure-port`, `--storage`, ...; see `--help`) on top of what
   * the builder holds: flags override builder settings. Resolves when the server has stopped.
   */
  executeCommand(argv: string[] = process.argv.slice(2)): Promise<number> {
    return executeCommand(this, argv);
  }

  /** The recorded configuration (for the CLI, which applies flags on top). */
  currentConfig(): Readonly<ServerConfig> {
    return this.config;
  }

  private add(reg: ResourceRegistration): this {
    const d = reg.definition;
    if (this.config.resources.some((r) => r.definition.group === d.group && r.definition.version === d.version && r.definition.plural === d.plural)) {
      throw new Error(`${d.plural}.${d.group}/${d.version} is registered twice`);
    }
    this.config.resources.push(reg);
    return this;
  }
}

/** A shallow copy: later builder calls do not change a server already built. */
function structuredCloneConfig(c: ServerConfig): ServerConfig {
  return {
    ...c,
    resources: [...c.resources],
    subresourceHandlers: [...c.subresourceHandlers],
    bearerTokens: [...c.bearerTokens],
    access: {
      ...c.access,
      tokenFiles: [...c.access.tokenFiles],
      authenticators: [...c.access.authenticators],
      policies: [...c.access.policies],
      authorizers: [...c.access.authorizers],
      requestHeader: c.access.requestHeader ? { ...c.access.requestHeader } : undefined,
      delegatedAuthentication: c.access.delegatedAuthentication ? { ...c.access.delegatedAuthentication } : undefined,
      delegatedAuthorization: c.access.delegatedAuthorization ? { ...c.access.delegatedAuthorization } : undefined,
    },
    tls: { ...c.tls },
    openApiInfo: { ...c.openApiInfo },
    registryOptions: { ...c.registryOptions },
    observability: { ...c.observability, audit: c.observability.audit ? { ...c.observability.audit, sinks: [...c.observability.audit.sinks] } : undefined },
  };
}

export type { StorageChoice };
