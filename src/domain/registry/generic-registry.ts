import type { SubresourceEndpoint } from '../../ports/resource-api.port.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { StoredEndpoint } from '../request/stored-endpoint.js';
import { ScaleEndpoint, statusSubresource } from '../request/subresources.js';
import { VersionView } from '../request/version-view.js';
import type { RegistryEnvironment } from './registry-environment.js';
import { GenericStore } from './store.js';

/**
 * The registry of one stored type, assembled: its generic store (in the hub version, its
 * strategies fixed at build), and over it the request layer of every served version with the
 * status and scale subresources that version declares. This is what the composition root
 * builds for each stored type and serves through the ResourceApi.
 *
 * The registry itself is the hub version's endpoint; `endpoints()` are the served ones.
 */
export class GenericRegistry extends StoredEndpoint {
  private readonly served: StoredEndpoint[];

  constructor(definition: ResourceDefinition, env: RegistryEnvironment) {
    const hub = definition.versions.hub;
    const store = GenericStore.create(hub, env);
    super(store);
    this.served = hub.versions.served.map((def) => (def.version === hub.version ? this : new StoredEndpoint(store, new VersionView(def))));
    for (const endpoint of this.served) {
      const def = endpoint.definition;
      if (def.subresources.status) endpoint.addSubresource(statusSubresource(endpoint));
      if (def.subresources.scale) endpoint.addSubresource(new ScaleEndpoint(endpoint));
    }
    if (!hub.served) {
      if (hub.subresources.status) this.addSubresource(statusSubresource(this));
      if (hub.subresources.scale) this.addSubresource(new ScaleEndpoint(this));
    }
  }

  /** The endpoint of every served version, in declaration order. */
  endpoints(): readonly StoredEndpoint[] {
    return this.served;
  }

  /** A custom subresource, served in every version (the handler sees the parent in the hub version). */
  override addSubresource(endpoint: SubresourceEndpoint): void {
    super.addSubresource(endpoint);
    for (const other of this.served ?? []) if (other !== this && !['status', 'scale'].includes(endpoint.name)) other.addSubresource(endpoint);
  }
}
