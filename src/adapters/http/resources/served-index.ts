import type { ResourceApi, ServedResource } from '../../../ports/resource-api.port.js';
import { groupServedResources, type ServedGroup } from '../discovery/served-groups.js';

/**
 * What the ResourceApi serves, read once on first use (the set of served types is fixed once
 * a server serves): grouped for discovery and OpenAPI, and by path for verb checks.
 */
export class ServedIndex {
  private snapshot: { groups: ServedGroup[]; byPath: Map<string, ServedResource> } | undefined;

  constructor(private readonly api: ResourceApi) {}

  groups(): readonly ServedGroup[] {
    return this.load().groups;
  }

  group(name: string): ServedGroup | undefined {
    return this.load().groups.find((g) => g.name === name);
  }

  resource(group: string, version: string, plural: string): ServedResource | undefined {
    return this.load().byPath.get(`${group}/${version}/${plural}`);
  }

  private load() {
    if (!this.snapshot) {
      const resources = this.api.resources();
      const byPath = new Map<string, ServedResource>();
      for (const r of resources) byPath.set(`${r.definition.group}/${r.definition.version}/${r.definition.plural}`, r);
      this.snapshot = { groups: groupServedResources(resources), byPath };
    }
    return this.snapshot;
  }
}
