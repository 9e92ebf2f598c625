import type { KubeObject } from '../domain/meta/types.js';
import { ApiRegistry } from '../domain/registry/api-registry.js';
import { GenericRegistry } from '../domain/registry/generic-registry.js';
import {
  HandlerEndpoint,
  HandlerSubresourceEndpoint,
  type ResourceHandler,
  type SubresourceHandler,
} from '../domain/registry/handler-endpoint.js';
import type { RegistryEnvironment } from '../domain/registry/registry-environment.js';
import type { ResourceDefinition } from '../domain/resource/resource-definition.js';
import type { Clock } from '../ports/clock.port.js';

// The composition root builds the domain's registries only through these functions, one per
// kind, so that a change to a registry constructor is made in one place. The container's
// bindings (container.ts) call them; the domain itself knows nothing of the container.

/** The generic registry of one stored type. */
export function makeGenericRegistry(definition: ResourceDefinition, env: RegistryEnvironment): GenericRegistry {
  return new GenericRegistry(definition, env);
}

/** The endpoint of one type whose verbs user code implements. */
export function makeHandlerEndpoint(definition: ResourceDefinition, handler: ResourceHandler, clock: Clock): HandlerEndpoint {
  return new HandlerEndpoint(definition, handler, clock);
}

/** A custom subresource served by user code, under the registry of its parent type. */
export function makeHandlerSubresource(
  name: string,
  parent: GenericRegistry,
  handler: SubresourceHandler<KubeObject>,
): HandlerSubresourceEndpoint {
  return new HandlerSubresourceEndpoint(name, parent, handler);
}

/** The server's ResourceApi, empty; the container adds every served type to it. */
export function makeApiRegistry(): ApiRegistry {
  return new ApiRegistry();
}
