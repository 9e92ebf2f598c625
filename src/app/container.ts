import { Container, type ResolutionContext } from 'inversify';
import { CryptoIdSource } from '../adapters/system/crypto-id-source.js';
import { SystemClock } from '../adapters/system/system-clock.js';
import type { ApiRegistry } from '../domain/registry/api-registry.js';
import type { GenericRegistry } from '../domain/registry/generic-registry.js';
import type { HandlerEndpoint } from '../domain/registry/handler-endpoint.js';
import type { RegistryOptions } from '../domain/registry/registry-environment.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { ID_SOURCE, type IdSource } from '../ports/id-source.port.js';
import { OBJECT_STORE, type ObjectStore } from '../ports/object-store.port.js';
import { RESOURCE_API, type ResourceApi } from '../ports/resource-api.port.js';
import { ReviewEndpoint } from '../adapters/auth/self-reviews.js';
import { HTTP_TRANSPORT, HTTP_TRANSPORT_OPTIONS, HttpTransport, type HttpTransportOptions } from '../adapters/http/index.js';
import { AUTHENTICATOR, type Authenticator } from '../ports/authenticator.port.js';
import { AUTHORIZER, type Authorizer } from '../ports/authorizer.port.js';
import { bindAccessControl } from './access-bindings.js';
import { ApiServerMetrics } from '../adapters/metrics/api-server-metrics.js';
import { MeteredObjectStore } from '../adapters/metrics/metered-object-store.js';
import { Logger } from '../adapters/logging/logger.js';
import { RequestLog } from '../adapters/logging/request-log.js';
import { AuditPolicyChecker } from '../adapters/logging/audit/audit-policy.js';
import { AuditLogFile, AuditLogStream } from '../adapters/logging/audit/audit-log.js';
import { Auditor } from '../adapters/logging/audit/auditor.js';
import type { AuditEvent, AuditSink } from '../ports/audit.port.js';
import { ResourceKeys } from '../domain/registry/keys.js';
import type { RequestObserver } from '../ports/request-observer.port.js';
import { makeApiRegistry, makeGenericRegistry, makeHandlerEndpoint, makeHandlerSubresource } from './registry-factories.js';
import type { ResourceRegistration, ServerConfig, StorageChoice } from './server-config.js';
import { openStorage, storageIdentity } from './storage-spec.js';
import { storageSizeProbe } from './storage-size.js';
import {
  BACKING_STORE,
  HANDLER_ENDPOINT,
  REGISTRY_OPTIONS,
  RESOURCE_REGISTRY,
  RESOURCE_STORE,
  SERVER_CONFIG,
  LOGGER,
  METRICS,
  AUDIT_SINK,
  resourceName,
} from './tokens.js';

/**
 * The composition root: one container per built server. It binds every port to its adapter,
 * and every served type to its store and its registry (named by `resourceName`), all in
 * singleton scope: a server's objects are made once, and two servers share nothing. The only
 * place that knows all adapters.
 *
 * Nothing is made before it is resolved, so a store no served type uses is never opened.
 * Unbinding the container (`unbindAllAsync()`, which ApiServer.stop does) closes every backing
 * store it opened or was given, once each.
 */
export function buildContainer(config: ServerConfig): Container {
  checkSubresources(config);
  const container = new Container();
  container.bind<ServerConfig>(SERVER_CONFIG).toConstantValue(config);
  if (config.clock) container.bind<Clock>(CLOCK).toConstantValue(config.clock);
  else container.bind<Clock>(CLOCK).to(SystemClock).inSingletonScope();
  if (config.ids) container.bind<IdSource>(ID_SOURCE).toConstantValue(config.ids);
  else container.bind<IdSource>(ID_SOURCE).to(CryptoIdSource).inSingletonScope();
  container.bind<Partial<RegistryOptions>>(REGISTRY_OPTIONS).toConstantValue(config.registryOptions);
  bindObservability(container, config);

  const stores = new BackingStores(container, config);
  const defaultStore = stores.bind(config.defaultStorage);
  container
    .bind<ObjectStore>(OBJECT_STORE)
    .toResolvedValue((store: ObjectStore) => store, [{ serviceIdentifier: BACKING_STORE, name: defaultStore }])
    .inSingletonScope();
  for (const reg of config.resources) bindResource(container, config, stores, reg);
  const access = bindAccessControl(container, config);
  container
    .bind<ApiRegistry>(RESOURCE_API)
    .toDynamicValue((ctx) => composeApi(ctx, config, access.reviews))
    .inSingletonScope();
  container
    .bind<HttpTransportOptions>(HTTP_TRANSPORT_OPTIONS)
    .toDynamicValue((ctx) => ({
      authenticator: access.authenticating ? ctx.get<Authenticator>(AUTHENTICATOR) : undefined,
      authorizer: access.authorizing ? ctx.get<Authorizer>(AUTHORIZER) : undefined,
      openapi: config.openApiInfo,
      onInternalError: (_err, _req, report) => {
        ctx.get<Logger>(LOGGER).error('Internal error', report);
      },
      ...observabilityOptions(container, config),
    }))
    .inSingletonScope();
  container.bind<HttpTransport>(HTTP_TRANSPORT).to(HttpTransport).inSingletonScope();
  return container;
}

/**
 * Binds the log (LOGGER, always: `--log-format`, `-v`, onto the output writer) and, when metrics
 * are on, METRICS: one registry per server, measuring requests through the transport and each
 * stored type's store through a MeteredObjectStore.
 */
function bindObservability(container: Container, config: ServerConfig): void {
  const o = config.observability;
  container
    .bind<Logger>(LOGGER)
    .toDynamicValue(() => new Logger({ format: o.logFormat, verbosity: o.verbosity, output: config.output }))
    .inSingletonScope();
  const audit = o.audit;
  if (audit?.policy && (audit.logPath !== undefined || audit.sinks.length > 0)) {
    container
      .bind<AuditSink>(AUDIT_SINK)
      .toDynamicValue(() => {
        const sinks = [...audit.sinks];
        if (audit.logPath === '-') sinks.unshift(new AuditLogStream(config.output));
        else if (audit.logPath !== undefined) {
          const metrics = container.isBound(METRICS) ? container.get<ApiServerMetrics>(METRICS) : undefined;
          sinks.unshift(
            new AuditLogFile(audit.logPath, {
              maxSizeMiB: audit.maxSizeMiB,
              maxBackups: audit.maxBackups,
              maxAgeDays: audit.maxAgeDays,
              compress: audit.compress,
              onError: metrics ? () => metrics.auditError('log') : undefined,
            }),
          );
        }
        if (sinks.length === 1) return sinks[0]!;
        return {
          write: (event: AuditEvent) => {
            for (const s of sinks) s.write(event);
          },
          close: async () => {
            await Promise.all(sinks.map((s) => s.close()));
          },
        };
      })
      .inSingletonScope()
      .onDeactivation((sink) => sink.close());
  }
  if (o.metrics) {
    container
      .bind<ApiServerMetrics>(METRICS)
      .toDynamicValue(
        () =>
          new ApiServerMetrics(() => container.get<ResourceApi>(RESOURCE_API), {
            storageCountSeconds: o.storageCountSeconds,
            processMetrics: o.processMetrics,
          }),
      )
      .inSingletonScope();
  }
}

/** A type's store, measured when metrics are on. */
function metered(container: Container, definition: ResourceRegistration['definition'], store: ObjectStore): ObjectStore {
  if (!container.isBound(METRICS)) return store;
  const resource = definition.group === '' ? definition.plural : `${definition.plural}.${definition.group}`;
  return new MeteredObjectStore(store, container.get<ApiServerMetrics>(METRICS), resource, new ResourceKeys(definition).all());
}

/** What the transport needs for metrics, request logs and in-flight limits. */
function observabilityOptions(container: Container, config: ServerConfig): Partial<HttpTransportOptions> {
  const o = config.observability;
  const observers: RequestObserver[] = [];
  let metrics: ApiServerMetrics | undefined;
  if (container.isBound(METRICS)) {
    metrics = container.get<ApiServerMetrics>(METRICS);
    observers.push(metrics);
  }
  observers.push(new RequestLog(container.get<Logger>(LOGGER)));
  if (container.isBound(AUDIT_SINK)) {
    observers.push(
      new Auditor(new AuditPolicyChecker(o.audit!.policy!), container.get<AuditSink>(AUDIT_SINK), {
        onLevel: metrics ? (level) => metrics!.auditLevel(level) : undefined,
        onEvent: metrics ? () => metrics!.auditEvent() : undefined,
      }),
    );
  }
  return {
    observers,
    metrics,
    inflightLimits: { readOnly: o.maxRequestsInflight, mutating: o.maxMutatingRequestsInflight },
  };
}

/** Binds one served type: its store and generic registry, or its handler endpoint. */
function bindResource(container: Container, config: ServerConfig, stores: BackingStores, reg: ResourceRegistration): void {
  const { definition, storage } = reg;
  const name = resourceName(definition);
  if (storage.kind === 'handler') {
    container
      .bind<HandlerEndpoint>(HANDLER_ENDPOINT)
      .toResolvedValue(
        (clock: Clock) =>
          storage.review
            ? new ReviewEndpoint(definition, (ctx, obj) => Promise.resolve(storage.handler.create!(ctx, undefined, obj, {})) as Promise<Record<string, unknown>>, clock)
            : makeHandlerEndpoint(definition, storage.handler, clock),
        [CLOCK],
      )
      .inSingletonScope()
      .whenNamed(name);
    return;
  }
  const backing =
    storage.kind === 'default'
      ? OBJECT_STORE
      : {
          serviceIdentifier: BACKING_STORE,
          name:
            storage.kind === 'memory'
              ? stores.bindMemory(name)
              : stores.bind(storage.kind === 'spec' ? storage.spec : storage.store),
        };
  container
    .bind<ObjectStore>(RESOURCE_STORE)
    .toResolvedValue((store: ObjectStore) => store, [backing])
    .inSingletonScope()
    .whenNamed(name);
  const subresources = config.subresourceHandlers.filter((sub) => sub.definition === definition);
  container
    .bind<GenericRegistry>(RESOURCE_REGISTRY)
    .toResolvedValue(
      (store: ObjectStore, clock: Clock, ids: IdSource, options: Partial<RegistryOptions>) => {
        // The registry works through the metered store (when metrics are on); RESOURCE_STORE stays the backing store.
        const registry = makeGenericRegistry(definition, { store: metered(container, definition, store), clock, ids, options });
        for (const sub of subresources) registry.addSubresource(makeHandlerSubresource(sub.name, registry, sub.handler));
        return registry;
      },
      [{ serviceIdentifier: RESOURCE_STORE, name }, CLOCK, ID_SOURCE, REGISTRY_OPTIONS],
    )
    .inSingletonScope()
    .whenNamed(name);
}

/** The server's ResourceApi: every served type, in the order the builder was given them, then the self reviews. */
function composeApi(ctx: ResolutionContext, config: ServerConfig, reviews: readonly string[]): ApiRegistry {
  const api = makeApiRegistry();
  for (const { definition, storage } of config.resources) {
    const name = resourceName(definition);
    if (storage.kind === 'handler') {
      api.addHandler(ctx.get<HandlerEndpoint>(HANDLER_ENDPOINT, { name }), storage.handler);
    } else {
      api.addStored(ctx.get<GenericRegistry>(RESOURCE_REGISTRY, { name }), ctx.get<ObjectStore>(RESOURCE_STORE, { name }));
    }
  }
  for (const name of reviews) {
    const endpoint = ctx.get<ReviewEndpoint>(HANDLER_ENDPOINT, { name });
    api.addHandler(endpoint, endpoint.reviewHandler);
  }
  return api;
}

/** A custom subresource needs a stored type of this server to hang from. */
function checkSubresources(config: ServerConfig): void {
  for (const sub of config.subresourceHandlers) {
    const parent = config.resources.find((r) => r.definition === sub.definition);
    if (!parent || parent.storage.kind === 'handler') {
      throw new Error(
        `withSubResourceAndHandler(${sub.definition.kind}, "${sub.name}"): register ${sub.definition.kind} with withResource first`,
      );
    }
  }
}

/**
 * Binds each distinct backing store once, as BACKING_STORE named by what identifies it: a
 * spec's storage identity (the same file, directory or etcd prefix is one store), a given
 * store object's own name, or one memory store per type that asked for memory of its own.
 * Every binding closes its store when the container is unbound.
 */
class BackingStores {
  private readonly bound = new Set<string>();
  private readonly objects = new Map<ObjectStore, string>();

  constructor(
    private readonly container: Container,
    private readonly config: ServerConfig,
  ) {}

  /** Binds the store a spec or object names (once); returns its binding name. */
  bind(choice: StorageChoice): string {
    if (typeof choice === 'string') {
      const id = storageIdentity(choice);
      return this.add(id, () => {
        const store = openStorage(choice, this.config.output, { quotaBytes: this.config.storageQuotaBytes });
        // Measured on disk once opened (apiserver_storage_size_bytes), when metrics are on.
        const probe = storageSizeProbe(choice);
        if (probe && this.container.isBound(METRICS)) this.container.get<ApiServerMetrics>(METRICS).measureStorageSize(id, probe);
        return store;
      });
    }
    let name = this.objects.get(choice);
    if (name === undefined) {
      name = `object#${this.objects.size + 1}`;
      this.objects.set(choice, name);
    }
    return this.add(name, () => choice);
  }

  /** Binds a memory store of the type `resource`'s own; returns its binding name. */
  bindMemory(resource: string): string {
    return this.add(`memory:${resource}`, () => openStorage('memory', this.config.output, { quotaBytes: this.config.storageQuotaBytes }));
  }

  private add(name: string, open: () => ObjectStore): string {
    if (this.bound.has(name)) return name;
    this.bound.add(name);
    this.container
      .bind<ObjectStore>(BACKING_STORE)
      .toResolvedValue(open)
      .inSingletonScope()
      .whenNamed(name)
      .onDeactivation((store) => store.close());
    return name;
  }
}
