import type {
  DeleteOptions,
  DeleteResult,
  GetOptions,
  JsonList,
  ListOptions,
  PatchOptions,
  PatchType,
  RequestContext,
  ResourceEndpoint,
  SubresourceEndpoint,
  Table,
  TableOptions,
  WatchOptions,
  WatchStream,
  WriteOptions,
  WriteResult,
} from '../../ports/resource-api.port.js';
import { fieldManagerFor } from '../apply/index.js';
import { badRequest } from '../errors/api-error.js';
import type { KubeList, KubeObject, WatchEvent } from '../meta/types.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { decodeBody, formatTimestamp, reconcileNamespace } from '../registry/object-decoding.js';
import type { GenericStore, StoreWriteOptions } from '../registry/store.js';
import { convertToTable } from '../table/table-convertor.js';
import {
  checkPatchType,
  validateCreateOptions,
  validateDeleteOptions,
  validateListOptions,
  validatePatchOptions,
  validateUpdateOptions,
  validateWatchOptions,
  type ValidWriteOptions,
} from './options.js';
import { applied, checkAppliedConfiguration, nameMismatch, patched, replacement, type Producer, type Writer } from './updated-objects.js';
import { VersionView } from './version-view.js';
import { mappedStream } from '../watch/mapped-stream.js';
import type { SelectorScope } from '../registry/store-reads.js';

/**
 * The request layer of a stored type, for one served version: what the transports call (the
 * ResourceEndpoint port). It checks the request's address and options, decodes bodies in its
 * version, picks the field manager, turns each write verb into a create or an updated-object
 * producer, and hands that to the store, which works in the hub version. Nothing here reads
 * or writes storage itself.
 *
 * The status subresource is the same class over the store with the status strategy.
 */
export class StoredEndpoint implements ResourceEndpoint {
  readonly definition: ResourceDefinition;
  private readonly subresources = new Map<string, SubresourceEndpoint>();
  private readonly scope: SelectorScope | undefined;

  constructor(
    readonly store: GenericStore,
    readonly view: VersionView = new VersionView(store.definition),
  ) {
    this.definition = view.definition;
    const selectorView = view.selectorView();
    this.scope = selectorView && { selectableFields: ['metadata.name', 'metadata.namespace', ...view.definition.selectableFields], view: selectorView };
  }

  /** Serves a subresource of this type (status, scale, or a handler's). */
  addSubresource(endpoint: SubresourceEndpoint): void {
    if (this.subresources.has(endpoint.name)) {
      throw new Error(`${this.definition.plural} already has a subresource ${endpoint.name}`);
    }
    this.subresources.set(endpoint.name, endpoint);
  }

  subresourceNames(): string[] {
    return [...this.subresources.keys()];
  }

  subresource(name: string): SubresourceEndpoint | undefined {
    return this.subresources.get(name);
  }

  // ---------------------------------------------------------------- reads

  async get(ctx: RequestContext, namespace: string | undefined, name: string, opts: GetOptions = {}): Promise<KubeObject> {
    this.checkItemAddress(namespace, name);
    return this.view.out(await this.store.get(namespace, name, opts.resourceVersion));
  }

  async list(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<KubeList> {
    const list = await this.store.list(namespace, validateListOptions(opts), this.scope);
    return this.view.isHub ? list : { ...list, apiVersion: this.definition.apiVersion, items: list.items.map((o) => this.view.out(o)) };
  }

  async listJson(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<JsonList> {
    if (this.view.isHub) return this.store.listJson(namespace, validateListOptions(opts));
    const { items, ...list } = await this.list(ctx, namespace, opts);
    return { list: { ...list, items: [] }, items: items.map((o) => JSON.stringify(o)) };
  }

  async watch(ctx: RequestContext, namespace: string | undefined, opts?: WatchOptions): Promise<WatchStream> {
    const stream = await this.store.watch(namespace, validateWatchOptions(opts), ctx.signal, this.scope);
    return this.view.isHub ? stream : mappedStream(stream, (e) => this.eventOut(e));
  }

  private eventOut(e: WatchEvent): WatchEvent {
    if (e.type === 'ERROR') return e;
    if (e.type === 'BOOKMARK') return { type: 'BOOKMARK', object: { ...e.object, apiVersion: this.definition.apiVersion } as KubeObject };
    return { type: e.type, object: this.view.out(e.object as KubeObject) };
  }

  convertToTable(objects: readonly KubeObject[], opts: TableOptions): Table {
    return convertToTable(this.definition, objects, this.store.parts.clock.now(), opts);
  }

  // ---------------------------------------------------------------- writes

  async create(ctx: RequestContext, namespace: string | undefined, body: unknown, opts?: WriteOptions): Promise<WriteResult> {
    const valid = validateCreateOptions(opts);
    const decoded = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, decoded, namespace);
    const writer = this.writer(ctx, valid);
    const requested = decoded.metadata.managedFields;
    const checked = this.view.decode(decoded, valid.fieldValidation);
    const result = await this.store.create(ctx, this.view.toStored(checked.object, undefined), this.storeOptions(valid), (admitted) =>
      this.view.recordFields(admitted, undefined, (obj) => this.view.fields.create(obj, requested, writer.manager, writer.time)),
    );
    return this.out(result, checked.warnings);
  }

  async update(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts?: WriteOptions,
  ): Promise<WriteResult> {
    this.checkItemAddress(namespace, name);
    const valid = validateUpdateOptions(opts);
    const decoded = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, decoded, namespace);
    if (decoded.metadata.name === undefined || decoded.metadata.name === '') decoded.metadata.name = name;
    if (decoded.metadata.name !== name) throw nameMismatch(decoded.metadata.name, name);
    const checked = this.view.decode(decoded, valid.fieldValidation);
    return this.write(ctx, namespace, name, replacement(checked.object, this.writer(ctx, valid)), valid, false, checked.warnings);
  }

  async patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions,
  ): Promise<WriteResult> {
    this.checkItemAddress(namespace, name);
    checkPatchType(type);
    const valid = validatePatchOptions(type, opts);
    const writer = this.writer(ctx, valid);
    if (type !== 'apply') return this.write(ctx, namespace, name, patched(name, type, patch, writer), valid, false);
    checkAppliedConfiguration(this.view, patch);
    const config = decodeBody(this.definition, patch);
    reconcileNamespace(this.definition, config, namespace);
    if (config.metadata.name !== name) throw nameMismatch(config.metadata.name, name);
    // Apply creates a missing object through the main resource only.
    const mayCreate = this.store.updateStrategy.subresource === undefined;
    return this.write(ctx, namespace, name, applied(config, valid.force, writer), valid, mayCreate);
  }

  /** An update through a producer, its answer in this version. */
  async write(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    producer: Producer,
    valid: ValidWriteOptions,
    forceAllowCreate: boolean,
    warnings: string[] = [],
    subresource?: string,
  ): Promise<WriteResult> {
    const result = await this.store.update(ctx, namespace, name, producer, this.storeOptions(valid, subresource), forceAllowCreate);
    return this.out(result, [...warnings, ...producer.warnings]);
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.checkItemAddress(namespace, name);
    const result = await this.store.delete(ctx, namespace, name, validateDeleteOptions(opts));
    return { ...result, object: this.view.out(result.object) };
  }

  async deleteCollection(
    ctx: RequestContext,
    namespace: string | undefined,
    listOpts?: ListOptions,
    opts?: DeleteOptions,
  ): Promise<KubeList> {
    const valid = validateDeleteOptions(opts);
    const list = await this.store.deleteCollection(ctx, namespace, validateListOptions(listOpts), valid, this.scope);
    return this.view.isHub ? list : { ...list, apiVersion: this.definition.apiVersion, items: list.items.map((o) => this.view.out(o)) };
  }

  // ---------------------------------------------------------------- helpers

  private out(result: WriteResult, warnings: string[]): WriteResult {
    return { ...result, object: this.view.out(result.object), warnings: warnings.length ? [...warnings, ...result.warnings] : result.warnings };
  }

  /** Who writes: the request's field manager, or the one its User-Agent names. */
  writer(ctx: RequestContext, valid: ValidWriteOptions, subresource?: string): Writer {
    return {
      view: this.view,
      manager: fieldManagerFor(valid.fieldManager, ctx.userAgent),
      time: formatTimestamp(this.store.parts.clock.now()),
      subresource: subresource ?? this.store.updateStrategy.subresource,
      fieldValidation: valid.fieldValidation,
    };
  }

  storeOptions(valid: ValidWriteOptions, subresource?: string): StoreWriteOptions {
    // A body of another version was checked in its version; the hub's schema only validates.
    const fieldValidation = this.view.isHub ? valid.fieldValidation : 'Ignore';
    return { dryRun: valid.dryRun, fieldValidation, subresource };
  }

  /** The name and namespace of an item request are ones a key can be made of. */
  checkItemAddress(namespace: string | undefined, name: string): void {
    if (typeof name !== 'string' || name === '') throw badRequest('name is required');
    if (name.includes('/') || name === '.' || name === '..') throw badRequest(`invalid name ${JSON.stringify(name)}`);
    if (this.definition.namespaced && (namespace === undefined || namespace === '')) {
      throw badRequest(`a namespace is required for ${this.definition.plural}.${this.definition.group}`);
    }
    if (namespace !== undefined && namespace.includes('/')) throw badRequest(`invalid namespace ${JSON.stringify(namespace)}`);
  }
}
