import type { ServedResource } from '../../../ports/resource-api.port.js';
import { compareVersionPriority } from '../../../domain/resource/version-priority.js';

export interface ServedVersion {
  version: string;
  resources: readonly ServedResource[];
}

export interface ServedGroup {
  /** `''` for the core group. */
  name: string;
  /** Preferred first. */
  versions: readonly ServedVersion[];
}

/**
 * The served resources grouped by API group and version: groups in the order their first
 * resource was registered, versions by Kubernetes' version priority, resources as registered.
 */
export function groupServedResources(resources: readonly ServedResource[]): ServedGroup[] {
  const groups = new Map<string, Map<string, ServedResource[]>>();
  for (const r of resources) {
    const d = r.definition;
    let versions = groups.get(d.group);
    if (!versions) {
      versions = new Map();
      groups.set(d.group, versions);
    }
    let list = versions.get(d.version);
    if (!list) {
      list = [];
      versions.set(d.version, list);
    }
    list.push(r);
  }
  return [...groups].map(([name, versions]) => ({
    name,
    versions: [...versions]
      .sort(([a], [b]) => compareVersionPriority(a, b))
      .map(([version, list]) => ({ version, resources: list })),
  }));
}

export function groupVersionString(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
