import type { ResourceDefinition } from '../resource/resource-definition.js';

/**
 * Storage keys of a type: `/{group}/{plural}/{namespace}/{name}` for namespaced types and
 * `/{group}/{plural}/{name}` for cluster-scoped ones. Keys do not include the version: every
 * version of a type shares one storage form.
 */
export class ResourceKeys {
  private readonly root: string;

  constructor(private readonly def: ResourceDefinition) {
    this.root = `/${def.group || 'core'}/${def.plural}/`;
  }

  /** The prefix of every object of the type, in all namespaces. */
  all(): string {
    return this.root;
  }

  /** The prefix for a collection: one namespace, or everything when namespace is undefined. */
  collection(namespace: string | undefined): string {
    if (!this.def.namespaced || namespace === undefined || namespace === '') return this.root;
    return `${this.root}${namespace}/`;
  }

  item(namespace: string | undefined, name: string): string {
    return this.def.namespaced ? `${this.root}${namespace}/${name}` : `${this.root}${name}`;
  }
}
