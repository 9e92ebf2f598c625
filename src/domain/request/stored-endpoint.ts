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
import type { KubeList, KubeObject } from '../meta/types.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { decodeBody, formatTimestamp, reconcileNamespace } from '../registry/object-decoding.js';
import type { GenericStore, StoreWriteOptions } from '../registry/store.js';
import { convertToTable } from '../table/table-convertor.js';
import { FieldTracker } from './field-tracking.js';
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
import { applied, checkAppliedConfiguration, nameMismatch, patched, replacement, type Writer } from './updated-objects.js';

/**
 * The request layer of a stored type: what the transports call (the ResourceEndpoint port).
 * It checks the request's address and options, decodes bodies, picks the field manager, turns
 * each write verb into a create or an updated-object producer, and hands that to the store.
 * Nothing here reads or writes storage itself.
 *
 * One instance serves the main resource; the status subresource is the same class over the
 * store with the status strategy.
 */
export class StoredEndpoint implements ResourceEndpoint {
  readonly definition: ResourceDefinition;
  private readonly subresources = new Map<string, SubresourceEndpoint>();

  constructor(
    readonly store: GenericStore,
    readonly fields: FieldTracker = new FieldTracker(store.definition),
  ) {
    this.definition = store.definition;
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

  get(ctx: RequestContext, namespace: string | undefined, name: string, opts: GetOptions = {}): Promise<KubeObject> {
    this.checkItemAddress(namespace, name);
    return this.store.get(namespace, name, opts.resourceVersion);
  }

  list(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<KubeList> {
    return this.store.list(namespace, validateListOptions(opts));
  }

  listJson(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<JsonList> {
    return this.store.listJson(namespace, validateListOptions(opts));
  }

  watch(ctx: RequestContext, namespace: string | undefined, opts?: WatchOptions): Promise<WatchStream> {
    return this.store.watch(namespace, validateWatchOptions(opts), ctx.signal);
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
    return this.store.create(ctx, decoded, this.storeOptions(valid), (admitted) =>
      writer.fields.create(admitted, requested, writer.manager, writer.time),
    );
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
    return this.store.update(ctx, namespace, name, replacement(decoded, this.writer(ctx, valid)), this.storeOptions(valid));
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
    if (type !== 'apply') {
      return this.store.update(ctx, namespace, name, patched(this.definition, name, type, patch, writer), this.storeOptions(valid));
    }
    checkAppliedConfiguration(this.definition, patch);
    const config = decodeBody(this.definition, patch);
    reconcileNamespace(this.definition, config, namespace);
    if (config.metadata.name !== name) throw nameMismatch(config.metadata.name, name);
    // Apply creates a missing object through the main resource only.
    const mayCreate = this.store.updateStrategy.subresource === undefined;
    return this.store.update(ctx, namespace, name, applied(this.definition, config, valid.force, writer), this.storeOptions(valid), mayCreate);
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.checkItemAddress(namespace, name);
    return this.store.delete(ctx, namespace, name, validateDeleteOptions(opts));
  }

  async deleteCollection(
    ctx: RequestContext,
    namespace: string | undefined,
    listOpts?: ListOptions,
    opts?: DeleteOptions,
  ): Promise<KubeList> {
    const valid = validateDeleteOptions(opts);
    return this.store.deleteCollection(ctx, namespace, validateListOptions(listOpts), valid);
  }

  // ---------------------------------------------------------------- helpers

  /** Who writes: the request's field manager, or the one its User-Agent names. */
  writer(ctx: RequestContext, valid: ValidWriteOptions, subresource?: string): Writer {
    return {
      fields: this.fields,
      manager: fieldManagerFor(valid.fieldManager, ctx.userAgent),
      time: formatTimestamp(this.store.parts.clock.now()),
      subresource: subresource ?? this.store.updateStrategy.subresource,
    };
  }

  storeOptions(valid: ValidWriteOptions, subresource?: string): StoreWriteOptions {
    return { dryRun: valid.dryRun, fieldValidation: valid.fieldValidation, subresource };
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
