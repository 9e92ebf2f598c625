import type { ServedResource } from '../../../ports/resource-api.port.js';
import { groupVersionString, type ServedGroup } from './served-groups.js';

/**
 * The discovery documents of Kubernetes (apimachinery's metav1 APIVersions, APIGroupList,
 * APIGroup, APIResourceList, and apidiscovery.k8s.io's aggregated APIGroupDiscoveryList),
 * built from the served resources. Pure functions: the routes choose which one to send.
 */

export type AggregatedVersion = 'v2' | 'v2beta1';

/** The Content-Type that makes clients use an aggregated discovery body: it must match exactly. */
export function aggregatedContentType(version: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** `APIGroupDiscoveryList` for the given groups. */
export function aggregatedDiscovery(groups: readonly ServedGroup[], version: AggregatedVersion = 'v2'): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name },
      versions: g.versions.map((v) => ({
        version: v.version,
        resources: v.resources.map(aggregatedResource),
        freshness: 'Current',
      })),
    })),
  };
}

function aggregatedResource(r: ServedResource): object {
  const d = r.definition;
  const out: Record<string, unknown> = {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: [...r.verbs],
  };
  if (d.shortNames.length > 0) out.shortNames = [...d.shortNames];
  if (d.categories.length > 0) out.categories = [...d.categories];
  if (r.subresources.length > 0) {
    out.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: [...s.verbs],
    }));
  }
  return out;
}

/** `APIGroupList` (legacy `/apis`). */
export function apiGroupList(groups: readonly ServedGroup[]): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupBody) };
}

/** `APIGroup` (`/apis/{group}`). */
export function apiGroup(group: ServedGroup): object {
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupBody(group) };
}

function groupBody(g: ServedGroup): object {
  const versions = g.versions.map((v) => ({ groupVersion: groupVersionString(g.name, v.version), version: v.version }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** `APIVersions` (legacy `/api`): the core group's versions; empty when none is served. */
export function apiVersions(core: ServedGroup | undefined, serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: core ? core.versions.map((v) => v.version) : [],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `APIResourceList` (`/apis/{group}/{version}`), subresources as `plural/subresource` entries. */
export function apiResourceList(group: string, version: string, resources: readonly ServedResource[]): object {
  const entries: object[] = [];
  for (const r of resources) {
    const d = r.definition;
    const main: Record<string, unknown> = {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...r.verbs],
    };
    if (d.shortNames.length > 0) main.shortNames = [...d.shortNames];
    if (d.categories.length > 0) main.categories = [...d.categories];
    entries.push(main);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${d.plural}/${s.name}`, singularName: '', namespaced: d.namespaced };
      if (s.group !== d.group || s.version !== d.version) {
        sub.group = s.group;
        sub.version = s.version;
      }
      sub.kind = s.kind;
      sub.verbs = [...s.verbs];
      entries.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionString(group, version), resources: entries };
}
