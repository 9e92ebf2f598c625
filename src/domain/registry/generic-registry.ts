import type { ResourceDefinition } from '../resource/resource-definition.js';
import { StoredEndpoint } from '../request/stored-endpoint.js';
import { ScaleEndpoint, statusSubresource } from '../request/subresources.js';
import type { RegistryEnvironment } from './registry-environment.js';
import { GenericStore } from './store.js';

/**
 * The registry of one stored type, assembled: its generic store (strategies fixed at build),
 * the request layer over it, and the status and scale subresources the type declares. This is
 * what the composition root builds for each stored type and serves through the ResourceApi.
 */
export class GenericRegistry extends StoredEndpoint {
  constructor(definition: ResourceDefinition, env: RegistryEnvironment) {
    super(GenericStore.create(definition, env));
    if (definition.subresources.status) this.addSubresource(statusSubresource(this));
    if (definition.subresources.scale) this.addSubresource(new ScaleEndpoint(this));
  }
}
