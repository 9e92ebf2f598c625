import type {
  DeleteOptions,
  DeleteResult,
  GetOptions,
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
import type { Clock } from '../../ports/clock.port.js';
import { badRequest, invalid, methodNotAllowed, notFound } from '../errors/api-error.js';
import type { KubeList, KubeObject, WatchEvent } from '../meta/types.js';
import { validateObjectMeta } from '../meta/validate-object-meta.js';
import { applyPatchOfType } from '../patch/index.js';
import { toStatusCause } from '../resource/field-error.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { fieldsOf, parseFieldSelector, parseLabelSelector } from '../selectors/index.js';
import { convertToTable } from '../table/table-convertor.js';
import { isPlainObject } from '../util/json.js';
import { formatUnknownFieldWarning, strictDecodingError, validateBody } from '../validation/validate-body.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { decodeBody, groupResource, reconcileNamespace } from './object-decoding.js';
import {
  checkPatchType,
  validateCreateOptions,
  validateDeleteOptions,
  validateListOptions,
  validatePatchOptions,
  validateUpdateOptions,
  validateWatchOptions,
  type ValidWriteOptions,
} from '../request/options.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * User code behind a resource type that is not (only) stored: each verb it implements is
 * served; the others answer MethodNotAllowed. Objects it returns get apiVersion and kind
 * filled in. Objects it receives are decoded and validated against the type's schemas first.
 */
export interface ResourceHandler<T extends KubeObject = KubeObject> {
  get?(ctx: RequestContext, namespace: string | undefined, name: string): MaybePromise<T | undefined>;
  list?(ctx: RequestContext, namespace: string | undefined): MaybePromise<T[]>;
  create?(ctx: RequestContext, namespace: string | undefined, obj: T, opts: WriteOptions): MaybePromise<T>;
  update?(ctx: RequestContext, namespace: string | undefined, name: string, obj: T, opts: WriteOptions): MaybePromise<T>;
  delete?(ctx: RequestContext, namespace: string | undefined, name: string, opts: DeleteOptions): MaybePromise<T | undefined>;
  watch?(ctx: RequestContext, namespace: string | undefined, opts: WatchOptions): MaybePromise<AsyncIterable<WatchEvent<T>>>;
}

/**
 * A custom subresource of a stored type (withSubResourceAndHandler). The handler gets the
 * parent object as stored now; what it returns is the response body.
 */
export interface SubresourceHandler<P extends KubeObject = KubeObject> {
  /** The kind of what the subresource returns, for discovery; default the parent's kind. */
  kind?: string;
  get?(ctx: RequestContext, parent: P): MaybePromise<unknown>;
  /** POST: an action on the parent. */
  create?(ctx: RequestContext, parent: P, body: unknown, opts: WriteOptions): MaybePromise<unknown>;
  /** PUT. */
  update?(ctx: RequestContext, parent: P, body: unknown, opts: WriteOptions): MaybePromise<unknown>;
}

/** Verbs a handler-backed type serves, from the methods its handler has. */
export function handlerVerbs(h: ResourceHandler): string[] {
  const verbs: string[] = [];
  if (h.get || h.list) verbs.push('get');
  if (h.list) verbs.push('list');
  if (h.watch) verbs.push('watch');
  if (h.create) verbs.push('create');
  if (h.update) verbs.push('update');
  if (h.update && (h.get || h.list)) verbs.push('patch');
  if (h.delete) verbs.push('delete');
  if (h.delete && h.list) verbs.push('deletecollection');
  return verbs;
}

export class HandlerEndpoint implements ResourceEndpoint {
  private readonly selectable: string[];

  constructor(
    readonly definition: ResourceDefinition,
    private readonly handler: ResourceHandler,
    readonly clock: Clock,
  ) {
    this.selectable = ['metadata.name', 'metadata.namespace', ...definition.selectableFields];
  }

  private unsupported(verb: string): never {
    throw methodNotAllowed(`${verb} is not supported on ${this.definition.plural}.${this.definition.group}`);
  }

  private complete(obj: KubeObject): KubeObject {
    if (!isPlainObject(obj)) throw new Error(`handler for ${this.definition.plural} returned a non-object`);
    return { ...obj, apiVersion: this.definition.apiVersion, kind: this.definition.kind, metadata: obj.metadata ?? {} };
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string, _opts?: GetOptions): Promise<KubeObject> {
    let found: KubeObject | undefined;
    if (this.handler.get) {
      found = await this.handler.get(ctx, namespace, name);
    } else if (this.handler.list) {
      const all = await this.handler.list(ctx, namespace);
      found = all.find((o) => o.metadata?.name === name && (!this.definition.namespaced || o.metadata?.namespace === namespace));
    } else {
      this.unsupported('get');
    }
    if (!found) throw notFound(groupResource(this.definition), name);
    return this.complete(found);
  }

  async list(ctx: RequestContext, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList> {
    if (!this.handler.list) this.unsupported('list');
    const valid = validateListOptions(opts);
    const labels = parseLabelSelector(valid.labelSelector);
    const fields = parseFieldSelector(valid.fieldSelector, this.selectable);
    const all = (await this.handler.list(ctx, namespace))
      .map((o) => this.complete(o))
      .filter((o) => !this.definition.namespaced || namespace === undefined || o.metadata.namespace === namespace)
      .filter((o) => labels.matches(o.metadata.labels))
      .filter((o) => fields.matches(fieldsOf(o as Record<string, unknown>, this.selectable)))
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    let start = 0;
    if (valid.continue) {
      const pos = decodeContinue(valid.continue);
      start = all.findIndex((o) => sortKey(o) >= pos.start);
      if (start < 0) start = all.length;
    }
    const limit = valid.limit;
    const page = limit ? all.slice(start, start + limit) : all.slice(start);
    const list: KubeList = {
      apiVersion: this.definition.apiVersion,
      kind: `${this.definition.kind}List`,
      metadata: { resourceVersion: '0' },
      items: page,
    };
    const next = limit ? all[start + limit] : undefined;
    if (next) list.metadata.continue = encodeContinue({ revision: 1, start: sortKey(next) });
    return list;
  }

  async watch(ctx: RequestContext, namespace: string | undefined, opts: WatchOptions = {}): Promise<WatchStream> {
    if (!this.handler.watch) this.unsupported('watch');
    validateWatchOptions(opts);
    const source = await this.handler.watch(ctx, namespace, opts);
    const iterator = source[Symbol.asyncIterator]();
    let closed = false;
    const complete = (e: WatchEvent): WatchEvent =>
      e.type === 'ERROR' || e.type === 'BOOKMARK' ? e : { type: e.type, object: this.complete(e.object as KubeObject) };
    return {
      close: () => {
        closed = true;
        void iterator.return?.();
      },
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          if (closed) return { value: undefined, done: true };
          const r = await iterator.next();
          return r.done ? r : { value: complete(r.value), done: false };
        },
        return: async () => {
          closed = true;
          await iterator.return?.();
          return { value: undefined, done: true };
        },
      }),
    };
  }

  private decode(namespace: string | undefined, body: unknown, opts: ValidWriteOptions): { obj: KubeObject; warnings: string[] } {
    const decoded = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, decoded, namespace);
    const result = validateBody(this.definition, decoded as Record<string, unknown>);
    const metaErrors = validateObjectMeta(decoded.metadata, { namespaced: this.definition.namespaced, validateName: this.definition.validateName });
    const mode = opts.fieldValidation;
    if (result.unknownFields.length > 0 && mode === 'Strict') throw strictDecodingError(result.unknownFields);
    const errors = [...metaErrors, ...result.errors];
    if (errors.length > 0) {
      throw invalid({ group: this.definition.group, kind: this.definition.kind }, decoded.metadata.name ?? '', errors.map(toStatusCause));
    }
    const warnings = mode === 'Warn' ? result.unknownFields.map(formatUnknownFieldWarning) : [];
    return { obj: result.value as KubeObject, warnings };
  }

  async create(ctx: RequestContext, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    if (!this.handler.create) this.unsupported('create');
    const { obj, warnings } = this.decode(namespace, body, validateCreateOptions(opts));
    const out = await this.handler.create(ctx, namespace, obj, opts);
    return { object: this.complete(out), created: true, warnings };
  }

  async update(ctx: RequestContext, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    if (!this.handler.update) this.unsupported('update');
    const { obj, warnings } = this.decode(namespace, body, validateUpdateOptions(opts));
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    const out = await this.handler.update(ctx, namespace, name, obj, opts);
    return { object: this.complete(out), created: false, warnings };
  }

  async patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<WriteResult> {
    if (!this.handler.update) this.unsupported('patch');
    checkPatchType(type);
    validatePatchOptions(type, opts);
    if (type === 'apply') this.unsupported('apply patch');
    const patched = applyPatchOfType(type, await this.get(ctx, namespace, name), patch);
    const { force: _force, ...writeOpts } = opts;
    return this.update(ctx, namespace, name, patched, writeOpts);
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    if (!this.handler.delete) this.unsupported('delete');
    validateDeleteOptions(opts);
    const out = await this.handler.delete(ctx, namespace, name, opts);
    if (!out) throw notFound(groupResource(this.definition), name);
    return { object: this.complete(out), deleted: true, warnings: [] };
  }

  async deleteCollection(
    ctx: RequestContext,
    namespace: string | undefined,
    listOpts: ListOptions = {},
    opts: DeleteOptions = {},
  ): Promise<KubeList> {
    if (!this.handler.delete || !this.handler.list) this.unsupported('deletecollection');
    const list = await this.list(ctx, namespace, { ...listOpts, limit: undefined, continue: undefined });
    const items: KubeObject[] = [];
    for (const o of list.items) {
      const res = await this.delete(ctx, o.metadata.namespace, o.metadata.name ?? '', opts).catch(() => undefined);
      if (res) items.push(res.object);
    }
    return { ...list, items };
  }

  subresource(_name: string): SubresourceEndpoint | undefined {
    return undefined;
  }

  convertToTable(objects: readonly KubeObject[], opts: TableOptions): Table {
    return convertToTable(this.definition, objects, this.clock.now(), opts);
  }
}

function sortKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** Serves a SubresourceHandler on top of the parent type's endpoint. */
export class HandlerSubresourceEndpoint implements SubresourceEndpoint {
  readonly get?: SubresourceEndpoint['get'];
  readonly create?: SubresourceEndpoint['create'];
  readonly update?: SubresourceEndpoint['update'];

  constructor(
    readonly name: string,
    private readonly parent: ResourceEndpoint,
    private readonly handler: SubresourceHandler,
  ) {
    const h = handler;
    if (h.get) {
      this.get = async (ctx, ns, n) => (await h.get!(ctx, await this.parent.get(ctx, ns, n))) as KubeObject;
    }
    if (h.create) {
      this.create = async (ctx, ns, n, body, opts = {}) => ({
        object: (await h.create!(ctx, await this.parent.get(ctx, ns, n), body, opts)) as KubeObject,
        created: true,
        warnings: [],
      });
    }
    if (h.update) {
      this.update = async (ctx, ns, n, body, opts = {}) => ({
        object: (await h.update!(ctx, await this.parent.get(ctx, ns, n), body, opts)) as KubeObject,
        created: false,
        warnings: [],
      });
    }
  }

  verbs(): string[] {
    const v: string[] = [];
    if (this.handler.get) v.push('get');
    if (this.handler.create) v.push('create');
    if (this.handler.update) v.push('update');
    return v;
  }

  kind(): string | undefined {
    return this.handler.kind;
  }
}
