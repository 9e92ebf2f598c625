import { Container, type ResolutionContext } from 'inversify';
import { MemoryObjectStore } from '../adapters/storage/memory/memory-object-store.js';
import { CryptoIdSource } from '../adapters/system/crypto-id-source.js';
import { SystemClock } from '../adapters/system/system-clock.js';
import { ApiRegistry } from '../domain/registry/api-registry.js';
import { GenericRegistry } from '../domain/registry/generic-registry.js';
import { HandlerEndpoint, HandlerSubresourceEndpoint } from '../domain/registry/handler-endpoint.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { ID_SOURCE, type IdSource } from '../ports/id-source.port.js';
import { OBJECT_STORE, type ObjectStore } from '../ports/object-store.port.js';
import { RESOURCE_API } from '../ports/resource-api.port.js';
import { BEARER_TOKEN_OPTIONS, BearerTokenAuthenticator, type BearerTokenOptions } from '../adapters/auth/bearer-token-authenticator.js';
import { HTTP_TRANSPORT, HTTP_TRANSPORT_OPTIONS, HttpTransport, type HttpTransportOptions } from '../adapters/http/index.js';
import { AUTHENTICATOR, type Authenticator } from '../ports/authenticator.port.js';
import type { ServerConfig } from './server-config.js';
import { SERVER_CONFIG } from './tokens.js';

/**
 * The composition root: binds every port to its adapter for one server. The only place that
 * knows all adapters.
 */
export function buildContainer(config: ServerConfig): Container {
  const container = new Container();
  container.bind<ServerConfig>(SERVER_CONFIG).toConstantValue(config);
  if (config.clock) container.bind<Clock>(CLOCK).toConstantValue(config.clock);
  else container.bind<Clock>(CLOCK).to(SystemClock).inSingletonScope();
  if (config.ids) container.bind<IdSource>(ID_SOURCE).toConstantValue(config.ids);
  else container.bind<IdSource>(ID_SOURCE).to(CryptoIdSource).inSingletonScope();
  container
    .bind<ObjectStore>(OBJECT_STORE)
    .toResolvedValue(() => config.stores.open(config.defaultStorage))
    .inSingletonScope();
  container
    .bind<ApiRegistry>(RESOURCE_API)
    .toDynamicValue((ctx) => composeApi(ctx, config))
    .inSingletonScope();
  if (config.bearerTokens.length > 0) {
    container.bind<BearerTokenOptions>(BEARER_TOKEN_OPTIONS).toConstantValue({
      tokens: config.bearerTokens.map((t) => ({ token: t.token, user: { username: t.username, groups: ['system:masters'] } })),
    });
    container.bind<Authenticator>(AUTHENTICATOR).to(BearerTokenAuthenticator).inSingletonScope();
  }
  container
    .bind<HttpTransportOptions>(HTTP_TRANSPORT_OPTIONS)
    .toDynamicValue((ctx) => ({
      authenticator: config.bearerTokens.length > 0 ? ctx.get<Authenticator>(AUTHENTICATOR) : undefined,
      openapi: config.openApiInfo,
      onInternalError: (err, req) => {
        config.output.write(`internal error serving ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}\n`);
      },
    }))
    .inSingletonScope();
  container.bind<HttpTransport>(HTTP_TRANSPORT).to(HttpTransport).inSingletonScope();
  return container;
}

function composeApi(ctx: ResolutionContext, config: ServerConfig): ApiRegistry {
  const clock = ctx.get<Clock>(CLOCK);
  const ids = ctx.get<IdSource>(ID_SOURCE);
  const api = new ApiRegistry();
  const byDefinition = new Map<object, GenericRegistry | HandlerEndpoint>();
  for (const reg of config.resources) {
    const s = reg.storage;
    if (s.kind === 'handler') {
      const endpoint = new HandlerEndpoint(reg.definition, s.handler, clock);
      api.addHandler(endpoint, s.handler);
      byDefinition.set(reg.definition, endpoint);
      continue;
    }
    const store =
      s.kind === 'default'
        ? ctx.get<ObjectStore>(OBJECT_STORE)
        : s.kind === 'memory'
          ? new MemoryObjectStore()
          : s.kind === 'spec'
            ? config.stores.open(s.spec)
            : s.store;
    const registry = new GenericRegistry(reg.definition, { store, clock, ids, options: config.registryOptions });
    api.addStored(registry, store);
    byDefinition.set(reg.definition, registry);
  }
  for (const sub of config.subresourceHandlers) {
    const parent = byDefinition.get(sub.definition);
    if (!(parent instanceof GenericRegistry)) {
      throw new Error(
        `withSubResourceAndHandler(${sub.definition.kind}, "${sub.name}"): register ${sub.definition.kind} with withResource first`,
      );
    }
    parent.addSubresource(new HandlerSubresourceEndpoint(sub.name, parent, sub.handler));
  }
  return api;
}
