import type { ResourceApi, ResourceEndpoint, ServedResource, ServedSubresource } from '../../ports/resource-api.port.js';
import type { ObjectStore, StorageUsage } from '../../ports/object-store.port.js';
import type { GenericRegistry } from './generic-registry.js';
import { StoredEndpoint } from '../request/stored-endpoint.js';
import { VersionedHandlerEndpoint } from './versioned-handler-endpoint.js';
import { HandlerEndpoint, HandlerSubresourceEndpoint, handlerVerbs, type ResourceHandler } from './handler-endpoint.js';

const STORED_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * The ResourceApi of a server: every served type by group, version and plural. Built once at
 * startup; read-only afterwards.
 */
export class ApiRegistry implements ResourceApi {
  private readonly byPath = new Map<string, ResourceEndpoint>();
  private readonly stores = new Set<ObjectStore>();
  private readonly handlers = new Map<ResourceEndpoint, ResourceHandler>();

  /** Serves a stored type through its generic registry. */
  addStored(registry: GenericRegistry, store: ObjectStore): void {
    // One endpoint per served version, all over the registry's one store.
    for (const endpoint of registry.endpoints()) this.add(endpoint);
    this.stores.add(store);
  }

  /** Serves a handler-backed type. */
  addHandler(endpoint: HandlerEndpoint, handler: ResourceHandler): void {
    // User code works in the hub version; every other served version converts around it.
    for (const def of endpoint.definition.versions.served) {
      const served = def === endpoint.definition ? endpoint : new VersionedHandlerEndpoint(def, endpoint);
      this.add(served);
      this.handlers.set(served, handler);
    }
  }

  private add(endpoint: ResourceEndpoint): void {
    const d = endpoint.definition;
    const path = pathKey(d.group, d.version, d.plural);
    if (this.byPath.has(path)) throw new Error(`resource ${d.plural}.${d.group}/${d.version} is registered twice`);
    for (const other of this.byPath.values()) {
      const o = other.definition;
      if (o.group === d.group && o.version === d.version && o.kind === d.kind) {
        throw new Error(`kind ${d.kind} of ${d.group}/${d.version} is registered twice`);
      }
    }
    this.byPath.set(path, endpoint);
  }

  resources(): readonly ServedResource[] {
    const out: ServedResource[] = [];
    for (const endpoint of this.byPath.values()) {
      const d = endpoint.definition;
      const handler = this.handlers.get(endpoint);
      const verbs = handler ? handlerVerbs(handler) : STORED_VERBS;
      const subresources: ServedSubresource[] = [];
      if (endpoint instanceof StoredEndpoint) {
        for (const name of endpoint.subresourceNames()) {
          const sub = endpoint.subresource(name);
          if (name === 'status') {
            subresources.push({ name, kind: d.kind, group: d.group, version: d.version, verbs: ['get', 'patch', 'update'] });
          } else if (name === 'scale') {
            subresources.push({ name, kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
          } else if (sub instanceof HandlerSubresourceEndpoint) {
            subresources.push({ name, kind: sub.kind() ?? d.kind, group: d.group, version: d.version, verbs: sub.verbs() });
          }
        }
      }
      out.push({ definition: d, verbs, subresources });
    }
    return out;
  }

  endpoint(group: string, version: string, plural: string): ResourceEndpoint | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  async ready(): Promise<void> {
    await Promise.all([...this.stores].map((s) => s.ready()));
  }

  storageProblems(): string[] {
    return [...this.stores].flatMap((s) => (s.problems?.() ?? []).map((p) => `${s.name}: ${p}`));
  }

  async storageUsage(): Promise<Array<StorageUsage & { store: string }>> {
    const usages = await Promise.all([...this.stores].map(async (s) => ({ store: s.name, usage: await s.usage?.() })));
    return usages.flatMap(({ store, usage }) => (usage === undefined ? [] : [{ store, ...usage }]));
  }

  /** Every distinct backing store, for shutdown. */
  backingStores(): ObjectStore[] {
    return [...this.stores];
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}
