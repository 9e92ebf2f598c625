import { notAcceptable } from '../../../domain/errors/api-error.js';
import type { KubeList, KubeObject, ListMeta } from '../../../domain/meta/types.js';
import type { ResourceEndpoint, Table, TableOptions } from '../../../ports/resource-api.port.js';
import type { MetaVersion, OutputFormat } from '../negotiation/output-format.js';

/** How a response body should be shaped, beside the negotiated format. */
export interface TransformContext {
  /** The endpoint whose objects these are; renders tables. */
  endpoint: ResourceEndpoint;
  /** `includeObject` of the request. */
  tableOptions: Pick<TableOptions, 'includeObject'>;
}

/**
 * Shapes a response body into the negotiated format: the body itself, a Table, or
 * PartialObjectMetadata(List). A Status is never transformed. Asking a list for
 * PartialObjectMetadata (or an object for the List form) is 406, as in Kubernetes.
 */
export function transformOutput(body: unknown, format: OutputFormat, tc: TransformContext): unknown {
  if (format.kind === 'object' || isStatus(body)) return body;
  const list = isList(body) ? body : undefined;
  if (format.kind === 'partial') {
    if (format.list !== (list !== undefined)) {
      throw notAcceptable(
        list
          ? 'you requested PartialObjectMetadata, but the requested object is a list'
          : 'you requested PartialObjectMetadataList, but the requested object is not a list',
      );
    }
    return list ? partialList(list, format.version) : partialObject(body as KubeObject, format.version);
  }
  const table = list
    ? tableOf(list.items, tc, list.metadata)
    : tableOf([body as KubeObject], tc, { resourceVersion: (body as KubeObject).metadata?.resourceVersion });
  return withMetaVersion(table, format.version);
}

/** A one-object Table (a watch event under `as=Table`). */
export function tableOfObject(obj: KubeObject, version: MetaVersion, tc: TransformContext): Table {
  return withMetaVersion(tableOf([obj], tc, { resourceVersion: obj.metadata?.resourceVersion }), version);
}

/** A Table without rows carrying only a resourceVersion: a BOOKMARK under `as=Table`. */
export function emptyTable(resourceVersion: string | undefined, version: MetaVersion): Table {
  const metadata: Table['metadata'] = {};
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  return withMetaVersion({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: [], rows: [] }, version);
}

export function partialObject(obj: KubeObject, version: MetaVersion): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata ?? {} };
}

function partialList(list: KubeList, version: MetaVersion): KubeList {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: list.metadata ?? {},
    items: list.items.map((o) => partialObject(o, version)),
  };
}

function tableOf(objects: readonly KubeObject[], tc: TransformContext, listMeta: ListMeta | undefined): Table {
  const meta = cleanListMeta(listMeta);
  const parentKind = tc.endpoint.definition.kind;
  // Subresources such as scale speak another kind: they get a table of their own.
  if (objects.some((o) => o.kind !== undefined && o.kind !== parentKind)) {
    return objects.every(isScale) ? scaleTable(objects, tc, meta) : defaultTable(objects, tc, meta);
  }
  return tc.endpoint.convertToTable(objects, { ...tc.tableOptions, wide: true, listMeta: meta });
}

function defaultTable(objects: readonly KubeObject[], tc: TransformContext, listMeta: Table['metadata']): Table {
  const include = tc.tableOptions.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'The name of the object.', priority: 0 },
      { name: 'Created At', type: 'date', format: '', description: 'When the object was created.', priority: 0 },
    ],
    rows: objects.map((o) => {
      const row: Table['rows'][number] = { cells: [o.metadata?.name ?? '', o.metadata?.creationTimestamp ?? '<unknown>'] };
      if (include === 'Object') row.object = o;
      else if (include === 'Metadata') row.object = partialObject(o, 'v1');
      return row;
    }),
  };
}

/** autoscaling/v1 Scale: the columns `kubectl get --subresource=scale` shows for any resource. */
function scaleTable(objects: readonly KubeObject[], tc: TransformContext, listMeta: Table['metadata']): Table {
  const include = tc.tableOptions.includeObject ?? 'Metadata';
  const replicas = (o: KubeObject, part: 'spec' | 'status'): number => {
    const v = (o[part] as { replicas?: unknown } | undefined)?.replicas;
    return typeof v === 'number' ? v : 0;
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'The name of the scaled object.', priority: 0 },
      { name: 'Desired', type: 'integer', format: '', description: 'The desired number of replicas.', priority: 0 },
      { name: 'Available', type: 'integer', format: '', description: 'The observed number of replicas.', priority: 0 },
    ],
    rows: objects.map((o) => {
      const row: Table['rows'][number] = { cells: [o.metadata?.name ?? '', replicas(o, 'spec'), replicas(o, 'status')] };
      if (include === 'Object') row.object = o;
      else if (include === 'Metadata') row.object = partialObject(o, 'v1');
      return row;
    }),
  };
}

function isScale(o: KubeObject): boolean {
  return o.kind === 'Scale' && o.apiVersion === 'autoscaling/v1';
}

function withMetaVersion(table: Table, version: MetaVersion): Table {
  if (version === 'v1') return table;
  return { ...table, apiVersion: `meta.k8s.io/${version}` as 'meta.k8s.io/v1' };
}

function cleanListMeta(meta: ListMeta | undefined): Table['metadata'] {
  const out: Table['metadata'] = {};
  if (!meta) return out;
  if (meta.resourceVersion !== undefined) out.resourceVersion = meta.resourceVersion;
  if (meta.continue !== undefined && meta.continue !== '') out.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) out.remainingItemCount = meta.remainingItemCount;
  return out;
}

export function isStatus(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}

function isList(body: unknown): body is KubeList {
  return typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items);
}
