import type {
  FieldValidation,
  KubeList,
  KubeObject,
  Preconditions,
  PropagationPolicy,
  WatchEvent,
} from '../domain/meta/types.js';
import type { ResourceDefinition } from '../domain/resource/resource-definition.js';
import type { UserInfo } from '../domain/resource/strategy.js';
import type { StorageUsage } from './object-store.port.js';

/**
 * The driving port: the resource API that transports (the HTTP adapter, the in-process client)
 * call. The domain implements it with one generic registry per stored type, or with user code
 * for handler-backed types.
 *
 * Every method rejects with `ApiError` (src/domain/errors) for anything a client did wrong or
 * anything that failed; transports map that to their wire form.
 */
export interface ResourceApi {
  /** Every served type, for discovery and OpenAPI. */
  resources(): readonly ServedResource[];
  /** The endpoint of one type, by group, version and plural; undefined when not served. */
  endpoint(group: string, version: string, plural: string): ResourceEndpoint | undefined;
  /** Resolves when every backing store is usable; rejects with why not (readyz). */
  ready(): Promise<void>;
  /** Damaged data the backing stores skipped, one line each (readyz details). Optional. */
  storageProblems?(): string[];
  /** What the backing stores that measure it hold, with their quotas (readyz details). Optional. */
  storageUsage?(): Promise<Array<StorageUsage & { store: string }>>;
}

/** One served type and what it supports, as discovery shows it. */
export interface ServedResource {
  definition: ResourceDefinition;
  /** Kubernetes verbs: get, list, watch, create, update, patch, delete, deletecollection. */
  verbs: readonly string[];
  subresources: readonly ServedSubresource[];
}

export interface ServedSubresource {
  name: string;
  /** The kind the subresource speaks: the parent's kind for status, `Scale` for scale. */
  kind: string;
  group: string;
  version: string;
  verbs: readonly string[];
}

/** Per request facts a transport passes down. */
export interface RequestContext {
  user?: UserInfo;
  userAgent?: string;
  /** Aborted when the client goes away; long operations (watch) stop then. */
  signal?: AbortSignal;
}

export interface GetOptions {
  resourceVersion?: string;
}

/*
 * Options are passed as the client gave them. The domain validates every value with one set of
 * rules (src/domain/request/options.ts), whatever the transport: a value a transport could not
 * even type (a limit that is not a number) is the transport's 400; a typed value that is not
 * allowed is the domain's 422 Invalid against the meta.k8s.io options kind.
 */

/** A dryRun directive: `true` or `['All']` (the only value Kubernetes defines). */
export type DryRun = boolean | readonly string[];

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** 0 or unset: no limit. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  /** `Exact` or `NotOlderThan`; needs resourceVersion. */
  resourceVersionMatch?: 'Exact' | 'NotOlderThan' | (string & {});
  /** Forbidden for lists; here so that a transport can pass what the client sent. */
  sendInitialEvents?: boolean;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** Only `NotOlderThan`, and only with sendInitialEvents. */
  resourceVersionMatch?: 'NotOlderThan' | (string & {});
  allowWatchBookmarks?: boolean;
  /** Needs allowWatchBookmarks and resourceVersionMatch=NotOlderThan. */
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export interface WriteOptions {
  dryRun?: DryRun;
  fieldManager?: string;
  /** Unknown fields: Strict rejects, Warn (the default) warns, Ignore drops silently. */
  fieldValidation?: FieldValidation | (string & {});
}

export type PatchType = 'json' | 'merge' | 'apply' | 'strategic';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  dryRun?: DryRun;
  preconditions?: Preconditions;
  propagationPolicy?: PropagationPolicy | (string & {});
  /** Deprecated in Kubernetes in favour of propagationPolicy; both may not be set. */
  orphanDependents?: boolean;
  /** A negative value counts as 1, as in Kubernetes. */
  gracePeriodSeconds?: number;
}

/** The result of a write: the object, whether it was created, and warnings for the client. */
export interface WriteResult<T = KubeObject> {
  object: T;
  created: boolean;
  warnings: string[];
}

/** The result of a delete: the object (deleted, or marked for deletion) and whether it is gone. */
export interface DeleteResult<T = KubeObject> {
  object: T;
  /** False when finalizers keep the object: it now carries a deletionTimestamp. */
  deleted: boolean;
  warnings: string[];
}

/**
 * A list whose items come as their JSON text, for transports that only write the list out:
 * `list` is the list with no items, `items` the JSON of each item, in order.
 */
export interface JsonList {
  readonly list: KubeList;
  readonly items: readonly string[];
}

/** A stream of watch events; ends at timeout, on close(), or after an ERROR event. */
export interface WatchStream<T extends KubeObject = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

/**
 * The verbs of one type. A handler-backed type may leave verbs out: calling one answers
 * MethodNotAllowed. `namespace` is required for namespaced types on item verbs and may be
 * undefined for lists and watches across all namespaces; it is ignored for cluster-scoped types.
 */
export interface ResourceEndpoint {
  readonly definition: ResourceDefinition;
  get(ctx: RequestContext, namespace: string | undefined, name: string, opts?: GetOptions): Promise<KubeObject>;
  list(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<KubeList>;
  /**
   * Optional: the same list as `list` (same options, errors, resourceVersion and continue
   * token), its items as JSON text, so that a store's JSON can go out without being parsed.
   */
  listJson?(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<JsonList>;
  watch(ctx: RequestContext, namespace: string | undefined, opts?: WatchOptions): Promise<WatchStream>;
  create(ctx: RequestContext, namespace: string | undefined, body: unknown, opts?: WriteOptions): Promise<WriteResult>;
  update(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts?: WriteOptions,
  ): Promise<WriteResult>;
  patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions,
  ): Promise<WriteResult>;
  delete(ctx: RequestContext, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<DeleteResult>;
  deleteCollection(
    ctx: RequestContext,
    namespace: string | undefined,
    listOpts?: ListOptions,
    opts?: DeleteOptions,
  ): Promise<KubeList>;
  /** A subresource of this type (`status`, `scale`, or a handler's), or undefined. */
  subresource(name: string): SubresourceEndpoint | undefined;
  /** Renders objects as a meta.k8s.io/v1 Table using the type's columns and the server's clock. */
  convertToTable(objects: readonly KubeObject[], opts: TableOptions): Table;
}

export interface SubresourceEndpoint {
  readonly name: string;
  get?(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject>;
  update?(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts?: WriteOptions,
  ): Promise<WriteResult>;
  patch?(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions,
  ): Promise<WriteResult>;
  /** POST to the subresource (an action). */
  create?(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts?: WriteOptions,
  ): Promise<WriteResult>;
}

export interface TableOptions {
  /** `None`, `Metadata` (the default: PartialObjectMetadata) or `Object`. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /**
   * Accepted for symmetry with kubectl's `-o wide`; every column is always sent, and clients
   * hide those with priority > 0 unless asked (as Kubernetes does).
   */
  wide?: boolean;
  /** Set on the list metadata of the table. */
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export const RESOURCE_API = Symbol.for('apiserver-kit.ResourceApi');
