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
  JsonList,
} from '../../ports/resource-api.port.js';
import { knownJson } from '../../ports/known-json.js';
import { isStorageError, type ListItem, type ObjectStore, type StoreEvent, type StoreWatch } from '../../ports/object-store.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { IdSource } from '../../ports/id-source.port.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  gone,
  isApiError,
  notFound,
  serviceUnavailable,
  STALE_OBJECT_MESSAGE,
  timeout,
  unsupportedMediaType,
} from '../errors/api-error.js';
import { statusFromError } from '../errors/status.js';
import type { KubeList, KubeObject, WatchEvent } from '../meta/types.js';
import { applyPatchOfType } from '../patch/index.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import type { StrategyContext } from '../resource/strategy.js';
import { fieldsOf, parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from '../selectors/index.js';
import { convertToTable } from '../table/table-convertor.js';
import { fieldManagerFor, patchOptionsError, writeOptionsError } from '../apply/index.js';
import { deepClone, deepEqual, isPlainObject } from '../util/json.js';
import { EventQueue } from '../watch/event-queue.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { ResourceKeys } from './keys.js';
import { storageErrorToApi, tooLargeResourceVersion } from './storage-errors.js';
import {
  admitCreate,
  admitUpdate,
  checkResourceVersion,
  decodeBody,
  formatTimestamp,
  groupResource,
  reconcileNamespace,
  type UpdateScope,
} from './object-preparation.js';
import { DEFAULT_REGISTRY_OPTIONS, type RegistryEnvironment, type RegistryOptions } from './registry-environment.js';
import { formatResourceVersion, parseResourceVersion } from './resource-version.js';
import { FieldTracker } from './field-tracking.js';
import { ScaleSubresourceEndpoint } from './scale-subresource.js';
import { StatusSubresourceEndpoint } from './status-subresource.js';

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_NAME_SUFFIX = 5;
const GENERATE_NAME_MAX_BASE = 63 - GENERATE_NAME_SUFFIX;

/** A function that computes the next state of an object from the stored one. */
export type UpdateFn = (old: KubeObject) => { object: KubeObject; warnings: string[]; precondition: boolean };

/**
 * The one generic registry: Kubernetes' create/get/list/update/patch/delete/watch semantics for
 * any stored type, with the per-type behaviour coming from the definition's strategy.
 */
export class GenericRegistry implements ResourceEndpoint {
  readonly keys: ResourceKeys;
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly options: RegistryOptions;
  private readonly subresources = new Map<string, SubresourceEndpoint>();
  private readonly selectableFields: string[];
  /** Keeps metadata.managedFields on every write, and merges server-side apply. */
  readonly fields: FieldTracker;

  constructor(
    readonly definition: ResourceDefinition,
    env: RegistryEnvironment,
  ) {
    this.keys = new ResourceKeys(definition);
    this.store = env.store;
    this.clock = env.clock;
    this.ids = env.ids;
    this.options = { ...DEFAULT_REGISTRY_OPTIONS, ...(env.options ?? {}) };
    this.selectableFields = ['metadata.name', 'metadata.namespace', ...definition.selectableFields];
    this.fields = new FieldTracker(definition);
    if (definition.subresources.status) this.subresources.set('status', new StatusSubresourceEndpoint(this));
    if (definition.subresources.scale) this.subresources.set('scale', new ScaleSubresourceEndpoint(this));
  }

  /** Adds a custom subresource (withSubResourceAndHandler). */
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
    const rv = parseResourceVersion(opts.resourceVersion);
    if (rv !== undefined && rv > 0) await this.waitForRevision(rv);
    const obj = await this.storeCall(() => this.store.get(this.keys.item(namespace, name)), name);
    if (!obj) throw notFound(groupResource(this.definition), name);
    return obj;
  }

  async list(ctx: RequestContext, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList> {
    const { list, items } = await this.collect(namespace, opts, (item, labels, fields) =>
      this.matches(item.object, labels, fields) ? item.object : undefined,
    );
    list.items = items;
    return list;
  }

  async listJson(ctx: RequestContext, namespace: string | undefined, opts: ListOptions = {}): Promise<JsonList> {
    return this.collect(namespace, opts, (item, labels, fields) => {
      // Without selectors the object itself is never needed: a store's JSON goes out as it is.
      if (!labels.empty || !fields.empty) {
        if (!this.matches(item.object, labels, fields)) return undefined;
      }
      return item.json ?? knownJson(item.object) ?? JSON.stringify(item.object);
    });
  }

  /**
   * A list's pages read from the store, filtered and cut to the limit; `take` turns each
   * stored item into what the caller lists (undefined: the selectors leave it out).
   */
  private async collect<T>(
    namespace: string | undefined,
    opts: ListOptions,
    take: (item: ListItem, labels: LabelSelector, fields: FieldSelector) => T | undefined,
  ): Promise<{ list: KubeList; items: T[] }> {
    const labels = parseLabelSelector(opts.labelSelector ?? '');
    const fields = parseFieldSelector(opts.fieldSelector ?? '', this.selectableFields);
    const limit = this.parseLimit(opts.limit);
    const prefix = this.keys.collection(namespace);

    let revision: number | undefined;
    let startKey = prefix;
    if (opts.continue) {
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== '' && opts.resourceVersion !== '0') {
        throw badRequest('specifying resource version is not allowed when using continue');
      }
      const pos = decodeContinue(opts.continue);
      revision = pos.revision;
      startKey = prefix + pos.start;
    } else {
      revision = await this.listRevision(opts.resourceVersion, opts.resourceVersionMatch, limit);
    }

    // A selector pinning metadata.name reads one key, not the collection.
    const pinnedName = fields.exactValue('metadata.name');
    let pinnedKey: string | undefined;
    if (pinnedName !== undefined && (namespace !== undefined || !this.definition.namespaced)) {
      pinnedKey = this.keys.item(namespace, pinnedName);
      if (pinnedKey >= startKey) startKey = pinnedKey;
      else startKey = pinnedKey + '\u0000';
    }

    const items: T[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (;;) {
      const chunk = limit ? Math.max(limit - items.length, Math.min(limit * 2, 500)) : undefined;
      const page = await this.listPage(prefix, { revision, startKey, limit: chunk });
      revision = page.revision;
      let stopped = false;
      for (const item of page.items) {
        if (pinnedKey !== undefined && item.key !== pinnedKey) {
          // Past the one key the selector allows: nothing further can match.
          more = false;
          stopped = true;
          break;
        }
        lastKey = item.key;
        const taken = take(item, labels, fields);
        if (taken !== undefined) items.push(taken);
        if (limit && items.length >= limit) {
          stopped = true;
          more = page.more || item !== page.items[page.items.length - 1];
          break;
        }
      }
      if (stopped || !page.more) break;
      startKey = (lastKey ?? startKey) + '\u0000';
    }

    const list: KubeList = {
      apiVersion: this.definition.apiVersion,
      kind: `${this.definition.kind}List`,
      metadata: { resourceVersion: formatResourceVersion(revision ?? 0) },
      items: [],
    };
    if (more && lastKey !== undefined && revision !== undefined) {
      list.metadata.continue = encodeContinue({ revision, start: (lastKey + '\u0000').slice(prefix.length) });
    }
    return { list, items };
  }

  async watch(ctx: RequestContext, namespace: string | undefined, opts: WatchOptions = {}): Promise<WatchStream> {
    const labels = parseLabelSelector(opts.labelSelector ?? '');
    const fields = parseFieldSelector(opts.fieldSelector ?? '', this.selectableFields);
    const rv = parseResourceVersion(opts.resourceVersion);
    if (opts.resourceVersionMatch !== undefined && opts.resourceVersionMatch !== 'NotOlderThan') {
      throw badRequest(`resourceVersionMatch "${opts.resourceVersionMatch}" is not supported for watch`);
    }
    if (opts.timeoutSeconds !== undefined && (!Number.isFinite(opts.timeoutSeconds) || opts.timeoutSeconds < 0)) {
      throw badRequest('timeoutSeconds must be a non-negative number');
    }
    if (opts.sendInitialEvents && !opts.allowWatchBookmarks) {
      throw badRequest('sendInitialEvents requires allowWatchBookmarks=true');
    }
    const prefix = this.keys.collection(namespace);
    const initial = opts.sendInitialEvents ?? (rv === undefined || rv === 0);

    let fromRevision: number;
    let initialObjects: KubeObject[] = [];
    if (initial) {
      const snapshot = await this.listPage(prefix, {});
      fromRevision = snapshot.revision;
      initialObjects = snapshot.items.map((i) => i.object).filter((o) => this.matches(o, labels, fields));
      if (rv !== undefined && rv > fromRevision) await this.waitForRevision(rv);
    } else {
      fromRevision = rv as number;
      await this.waitForRevision(fromRevision);
    }

    const queue = new EventQueue(this.options.watchQueueLimit, () => {
      storeWatch?.stop();
      queue.push({
        type: 'ERROR',
        object: statusFromError(gone('the watch fell too far behind the event stream; re-list and watch again')),
      });
      queue.end();
    });
    let lastRevision = fromRevision;
    for (const obj of initialObjects) queue.push({ type: 'ADDED', object: obj });
    if (opts.sendInitialEvents && opts.allowWatchBookmarks) {
      queue.push(this.bookmark(fromRevision, true));
    }

    let storeWatch: StoreWatch | undefined;
    try {
      storeWatch = await this.store.watch(prefix, fromRevision, {
        event: (e) => {
          lastRevision = e.revision;
          const out = this.transformEvent(e, labels, fields);
          if (out) queue.push(out);
        },
        error: (err) => {
          queue.push({ type: 'ERROR', object: statusFromError(this.storageErrorToApi(err, '')) });
          queue.end();
        },
      });
    } catch (err) {
      queue.close();
      if (isStorageError(err, 'Expired')) {
        const oldest = await this.store.oldestRevision().catch(() => 0);
        throw expired(`too old resource version: ${fromRevision} (${oldest})`);
      }
      throw this.storageErrorToApi(err, '');
    }
    const sw = storeWatch;
    queue.onClose(() => sw.stop());

    if (opts.allowWatchBookmarks) {
      let cancelBookmark: (() => void) | undefined;
      let lastBookmark = fromRevision;
      const tick = (): void => {
        if (queue.isEnded) return;
        const progress = Math.max(lastRevision, sw.progress());
        if (progress > lastBookmark || queue.backlog === 0) {
          lastBookmark = progress;
          queue.push(this.bookmark(progress, false));
        }
        cancelBookmark = this.clock.setTimer(this.options.bookmarkIntervalMs, tick);
      };
      cancelBookmark = this.clock.setTimer(this.options.bookmarkIntervalMs, tick);
      queue.onClose(() => cancelBookmark?.());
    }
    if (opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0) {
      const cancel = this.clock.setTimer(opts.timeoutSeconds * 1000, () => queue.end());
      queue.onClose(cancel);
    }
    if (ctx.signal) {
      const signal = ctx.signal;
      if (signal.aborted) queue.close();
      const onAbort = (): void => queue.close();
      signal.addEventListener('abort', onAbort, { once: true });
      queue.onClose(() => signal.removeEventListener('abort', onAbort));
    }
    return queue;
  }

  private bookmark(revision: number, initialEventsEnd: boolean): WatchEvent {
    const metadata: KubeObject['metadata'] = { resourceVersion: formatResourceVersion(revision) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    return { type: 'BOOKMARK', object: { apiVersion: this.definition.apiVersion, kind: this.definition.kind, metadata } };
  }

  /**
   * Turns a store change into what a filtered watcher sees: an object that starts matching
   * the selectors is ADDED for it, one that stops matching is DELETED.
   */
  private transformEvent(e: StoreEvent, labels: LabelSelector, fields: FieldSelector): WatchEvent | undefined {
    if (labels.empty && fields.empty) return { type: e.type, object: e.object };
    if (e.type === 'ADDED') return this.matches(e.object, labels, fields) ? { type: 'ADDED', object: e.object } : undefined;
    if (e.type === 'DELETED') {
      const last = e.prevObject ?? e.object;
      return this.matches(last, labels, fields) ? { type: 'DELETED', object: e.object } : undefined;
    }
    const now = this.matches(e.object, labels, fields);
    const before = e.prevObject ? this.matches(e.prevObject, labels, fields) : false;
    if (now && before) return { type: 'MODIFIED', object: e.object };
    if (now) return { type: 'ADDED', object: e.object };
    if (before) return { type: 'DELETED', object: e.object };
    return undefined;
  }

  private matches(obj: KubeObject, labels: LabelSelector, fields: FieldSelector): boolean {
    if (!labels.empty && !labels.matches(obj.metadata.labels)) return false;
    if (!fields.empty && !fields.matches(fieldsOf(obj as Record<string, unknown>, this.selectableFields))) return false;
    return true;
  }

  // ---------------------------------------------------------------- writes

  async create(ctx: RequestContext, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    const decoded = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, decoded, namespace);
    return this.createDecoded(ctx, decoded, opts);
  }

  /** Creates an object already decoded and namespaced (also used by create-on-update and apply). */
  async createDecoded(ctx: RequestContext, decoded: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    const optionsError = writeOptionsError('CreateOptions', opts.fieldManager);
    if (optionsError) throw optionsError;
    const manager = fieldManagerFor(opts.fieldManager, ctx.userAgent);
    return this.createAdmitted(decoded, opts, (candidate, sctx) => {
      const requested = candidate.metadata.managedFields;
      const admitted = admitCreate(this.definition, candidate, sctx, opts.fieldValidation, { uid: this.ids.uid() });
      this.fields.create(admitted.object, requested, manager, formatTimestamp(sctx.now));
      return admitted;
    }, ctx);
  }

  /**
   * Stores a new object: `admit` turns each candidate (a fresh copy of `decoded`, its name
   * generated when it has a generateName) into the object to store; a generated name that is
   * taken is tried again with another suffix.
   */
  private async createAdmitted(
    decoded: KubeObject,
    opts: { dryRun?: boolean },
    admit: (candidate: KubeObject, sctx: StrategyContext) => { object: KubeObject; warnings: string[] },
    ctx: RequestContext,
  ): Promise<WriteResult> {
    const meta = decoded.metadata;
    const generated = (meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '';
    const sctx = this.strategyContext(ctx, 'create', undefined, opts.dryRun);
    for (let attempt = 0; ; attempt++) {
      // Only a generated name is ever tried again; a fixed name can use the decoded body itself.
      const candidate = generated ? deepClone(decoded) : decoded;
      if (generated) candidate.metadata.name = this.generateName(meta.generateName as string);
      const admitted = admit(candidate, sctx);
      const obj = admitted.object;
      const name = obj.metadata.name as string;
      const key = this.keys.item(obj.metadata.namespace, name);
      if (opts.dryRun) {
        const existing = await this.storeCall(() => this.store.get(key), name);
        if (existing) {
          if (generated && attempt < 8) continue;
          throw alreadyExists(groupResource(this.definition), name);
        }
        return { object: obj, created: true, warnings: admitted.warnings };
      }
      try {
        const stored = await this.store.create(key, obj);
        return { object: stored, created: true, warnings: admitted.warnings };
      } catch (err) {
        if (isStorageError(err, 'KeyExists')) {
          if (generated && attempt < 8) continue;
          throw alreadyExists(groupResource(this.definition), name);
        }
        throw this.storageErrorToApi(err, name);
      }
    }
  }

  async update(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.updateWithScope(ctx, namespace, name, body, opts, 'main');
  }

  /** PUT semantics for the main resource or the status subresource. */
  async updateWithScope(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions,
    scope: UpdateScope,
  ): Promise<WriteResult> {
    this.checkItemAddress(namespace, name);
    const decoded = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, decoded, namespace);
    if (decoded.metadata.name === undefined || decoded.metadata.name === '') decoded.metadata.name = name;
    if (decoded.metadata.name !== name) {
      throw badRequest(`the name of the object (${decoded.metadata.name}) does not match the name on the URL (${name})`);
    }
    const optionsError = writeOptionsError('UpdateOptions', opts.fieldManager);
    if (optionsError) throw optionsError;
    const manager = fieldManagerFor(opts.fieldManager, ctx.userAgent);
    const requestedRv = decoded.metadata.resourceVersion;
    const strategy = this.definition.strategy;
    const key = this.keys.item(namespace, name);
    const existing = await this.storeCall(() => this.store.get(key), name);
    if (!existing) {
      if (scope === 'main' && strategy.allowCreateOnUpdate) {
        if (requestedRv !== undefined && requestedRv !== '') {
          throw notFound(groupResource(this.definition), name);
        }
        return this.createDecoded(ctx, decoded, opts);
      }
      throw notFound(groupResource(this.definition), name);
    }
    const sctx = this.strategyContext(ctx, 'update', scope === 'status' ? 'status' : undefined, opts.dryRun);
    return this.guaranteedUpdate(name, key, existing, opts.dryRun ?? false, (old) => {
      checkResourceVersion(this.definition, requestedRv, old, strategy.allowUnconditionalUpdate ?? false);
      const admitted = admitUpdate(this.definition, deepClone(decoded), old, sctx, opts.fieldValidation, scope);
      const sub = scope === 'status' ? 'status' : undefined;
      this.fields.update(admitted.object, old, decoded.metadata.managedFields, manager, formatTimestamp(sctx.now), sub);
      return { ...admitted, precondition: requestedRv !== undefined && requestedRv !== '' };
    });
  }

  async patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<WriteResult> {
    return this.patchWithScope(ctx, namespace, name, type, patch, opts, 'main');
  }

  async patchWithScope(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions,
    scope: UpdateScope,
  ): Promise<WriteResult> {
    this.checkItemAddress(namespace, name);
    checkPatchType(type);
    const optionsError = patchOptionsError({ apply: type === 'apply', fieldManager: opts.fieldManager, force: opts.force });
    if (optionsError) throw optionsError;
    if (type === 'apply') return this.applyWithScope(ctx, namespace, name, patch, opts, scope);
    const manager = fieldManagerFor(opts.fieldManager, ctx.userAgent);
    const key = this.keys.item(namespace, name);
    const existing = await this.storeCall(() => this.store.get(key), name);
    if (!existing) throw notFound(groupResource(this.definition), name);
    const sctx = this.strategyContext(ctx, 'update', scope === 'status' ? 'status' : undefined, opts.dryRun);
    return this.guaranteedUpdate(name, key, existing, opts.dryRun ?? false, (old) => {
      const patched = applyPatch(type, old, patch);
      const decoded = decodeBody(this.definition, patched);
      if (decoded.metadata.name !== name) {
        throw badRequest(`the name of the object (${String(decoded.metadata.name)}) does not match the name on the URL (${name})`);
      }
      if (this.definition.namespaced && decoded.metadata.namespace !== old.metadata.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const requestedRv = decoded.metadata.resourceVersion;
      const precondition = requestedRv !== undefined && requestedRv !== '' && requestedRv !== old.metadata.resourceVersion;
      if (precondition) throw conflict(groupResource(this.definition), name, STALE_OBJECT_MESSAGE);
      decoded.metadata.resourceVersion = old.metadata.resourceVersion;
      const requested = decoded.metadata.managedFields;
      const admitted = admitUpdate(this.definition, decoded, old, sctx, opts.fieldValidation, scope);
      const sub = scope === 'status' ? 'status' : undefined;
      this.fields.update(admitted.object, old, requested, manager, formatTimestamp(sctx.now), sub);
      const pinned = patchNamesResourceVersion(type, patch);
      return { ...admitted, precondition: pinned };
    });
  }

  /**
   * Server-side apply: merges the applied configuration into the live object by field
   * ownership (conflicts answer 409 unless forced) and creates the object when it is missing.
   */
  private async applyWithScope(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: PatchOptions,
    scope: UpdateScope,
  ): Promise<WriteResult> {
    const manager = opts.fieldManager as string;
    const force = opts.force ?? false;
    const sub = scope === 'status' ? 'status' : undefined;
    // An applied configuration names its type and object itself; nothing is filled in.
    if (isPlainObject(body) && (typeof body.apiVersion !== 'string' || typeof body.kind !== 'string')) {
      throw badRequest(`invalid object type: an applied configuration must set apiVersion and kind (${this.definition.apiVersion}, ${this.definition.kind})`);
    }
    const applied = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, applied, namespace);
    if (applied.metadata.name !== name) {
      throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    const requestedRv = applied.metadata.resourceVersion;
    const pinned = requestedRv !== undefined && requestedRv !== '';
    const key = this.keys.item(namespace, name);
    const existing = await this.storeCall(() => this.store.get(key), name);
    if (!existing) {
      if (scope === 'status') throw notFound(groupResource(this.definition), name);
      if (pinned) throw notFound(groupResource(this.definition), name);
      return this.createAdmitted(applied, opts, (candidate, sctx) => {
        const merged = this.fields.apply(undefined, candidate, manager, force, formatTimestamp(sctx.now));
        const decoded = decodeBody(this.definition, merged.object);
        const admitted = admitCreate(this.definition, decoded, sctx, opts.fieldValidation, { uid: this.ids.uid() });
        this.fields.settle(admitted.object, merged.managedFields, undefined);
        return admitted;
      }, ctx);
    }
    const sctx = this.strategyContext(ctx, 'update', sub, opts.dryRun);
    return this.guaranteedUpdate(name, key, existing, opts.dryRun ?? false, (old) => {
      if (pinned && requestedRv !== old.metadata.resourceVersion) {
        throw conflict(groupResource(this.definition), name, STALE_OBJECT_MESSAGE);
      }
      const merged = this.fields.apply(old, deepClone(applied), manager, force, formatTimestamp(sctx.now), sub);
      const decoded = decodeBody(this.definition, merged.object);
      decoded.metadata.resourceVersion = old.metadata.resourceVersion;
      const admitted = admitUpdate(this.definition, decoded, old, sctx, opts.fieldValidation, scope);
      this.fields.settle(admitted.object, merged.managedFields, old);
      return { ...admitted, precondition: pinned };
    });
  }

  /**
   * Read-modify-write with compare-and-swap: `fn` computes the new object from the stored one;
   * when another writer got in between, the write is retried on the fresh object, unless the
   * client pinned a resourceVersion (then the answer is Conflict). An update that changes
   * nothing is not written. An object being deleted whose last finalizer goes away is deleted.
   */
  async guaranteedUpdate(name: string, key: string, first: KubeObject, dryRun: boolean, fn: UpdateFn): Promise<WriteResult> {
    let current: KubeObject | undefined = first;
    for (let attempt = 0; ; attempt++) {
      if (!current) throw notFound(groupResource(this.definition), name);
      const { object, warnings, precondition } = fn(current);
      if (deepEqual(object, current)) return { object: current, created: false, warnings };
      const revision = Number(current.metadata.resourceVersion);
      const finishing = object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length === 0;
      if (dryRun) return { object, created: false, warnings };
      try {
        if (finishing) {
          const gone = await this.store.delete(key, revision);
          return { object: gone, created: false, warnings };
        }
        const stored = await this.store.update(key, object, revision);
        return { object: stored, created: false, warnings };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && !precondition && attempt < this.options.conflictRetries) {
          current = await this.storeCall(() => this.store.get(key), name);
          continue;
        }
        if (isStorageError(err, 'Conflict')) throw conflict(groupResource(this.definition), name, STALE_OBJECT_MESSAGE);
        throw this.storageErrorToApi(err, name);
      }
    }
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    this.checkItemAddress(namespace, name);
    checkDeleteOptions(opts);
    const key = this.keys.item(namespace, name);
    const gr = groupResource(this.definition);
    const pre = opts.preconditions ?? {};
    for (let attempt = 0; ; attempt++) {
      const existing = await this.storeCall(() => this.store.get(key), name);
      if (!existing) throw notFound(gr, name);
      if (pre.uid !== undefined && pre.uid !== existing.metadata.uid) {
        throw conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`);
      }
      if (pre.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata.resourceVersion) {
        throw conflict(
          gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
        );
      }
      const revision = Number(existing.metadata.resourceVersion);
      try {
        if ((existing.metadata.finalizers ?? []).length > 0) {
          // Finalizers keep the object: mark it and let their owners finish.
          if (existing.metadata.deletionTimestamp !== undefined) return { object: existing, deleted: false, warnings: [] };
          const marked = deepClone(existing) as KubeObject;
          marked.metadata.deletionTimestamp = formatTimestamp(this.clock.now());
          marked.metadata.deletionGracePeriodSeconds = 0;
          if ((marked.metadata.generation ?? 0) > 0) marked.metadata.generation = (marked.metadata.generation ?? 0) + 1;
          if (opts.dryRun) return { object: marked, deleted: false, warnings: [] };
          const stored = await this.store.update(key, marked, revision);
          return { object: stored, deleted: false, warnings: [] };
        }
        if (opts.dryRun) return { object: existing, deleted: true, warnings: [] };
        const removed = await this.store.delete(key, revision);
        return { object: removed, deleted: true, warnings: [] };
      } catch (err) {
        if ((isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound')) && attempt < this.options.conflictRetries) continue;
        throw this.storageErrorToApi(err, name);
      }
    }
  }

  async deleteCollection(
    ctx: RequestContext,
    namespace: string | undefined,
    listOpts: ListOptions = {},
    opts: DeleteOptions = {},
  ): Promise<KubeList> {
    checkDeleteOptions(opts);
    const list = await this.list(ctx, namespace, { ...listOpts, limit: undefined, continue: undefined });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        const res = await this.delete(ctx, item.metadata.namespace, item.metadata.name as string, {
          ...opts,
          preconditions: undefined,
        });
        items.push(res.object);
      } catch (err) {
        // Deleted by someone else in the meantime: that is what was asked.
        if (isApiError(err) && err.reason === 'NotFound') continue;
        throw err;
      }
    }
    return { ...list, items };
  }

  convertToTable(objects: readonly KubeObject[], opts: TableOptions): Table {
    return convertToTable(this.definition, objects, this.clock.now(), opts);
  }

  // ---------------------------------------------------------------- helpers

  strategyContext(ctx: RequestContext, operation: StrategyContext['operation'], subresource: string | undefined, dryRun?: boolean): StrategyContext {
    return { operation, subresource, dryRun: dryRun ?? false, now: this.clock.now(), user: ctx.user };
  }

  checkItemAddress(namespace: string | undefined, name: string): void {
    if (typeof name !== 'string' || name === '') throw badRequest('name is required');
    if (name.includes('/') || name === '.' || name === '..') throw badRequest(`invalid name ${JSON.stringify(name)}`);
    if (this.definition.namespaced && (namespace === undefined || namespace === '')) {
      throw badRequest(`a namespace is required for ${this.definition.plural}.${this.definition.group}`);
    }
    if (namespace !== undefined && namespace.includes('/')) throw badRequest(`invalid namespace ${JSON.stringify(namespace)}`);
  }

  private generateName(base: string): string {
    const prefix = base.length > GENERATE_NAME_MAX_BASE ? base.slice(0, GENERATE_NAME_MAX_BASE) : base;
    return prefix + this.ids.randomString(GENERATE_NAME_SUFFIX, GENERATE_NAME_ALPHABET);
  }

  private parseLimit(limit: number | undefined): number | undefined {
    if (limit === undefined) return undefined;
    if (!Number.isSafeInteger(limit) || limit < 0) throw badRequest(`limit must be a non-negative integer, got ${limit}`);
    return limit === 0 ? undefined : limit;
  }

  /** The revision a list reads at, from resourceVersion and resourceVersionMatch. */
  private async listRevision(
    resourceVersion: string | undefined,
    match: ListOptions['resourceVersionMatch'] | string | undefined,
    limit: number | undefined,
  ): Promise<number | undefined> {
    const rv = parseResourceVersion(resourceVersion);
    if (match !== undefined && (match as string) !== '') {
      if (rv === undefined) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (match === 'Exact') {
        if (rv === 0) throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
        return rv;
      }
      if (match !== 'NotOlderThan') {
        throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
      }
      if (rv > 0) await this.waitForRevision(rv);
      return undefined;
    }
    if (rv === undefined || rv === 0) return undefined;
    // Without a match, a paged list at a resourceVersion reads exactly there; otherwise any
    // state at least as new will do.
    if (limit) return rv;
    await this.waitForRevision(rv);
    return undefined;
  }

  private async listPage(prefix: string, o: { revision?: number; startKey?: string; limit?: number }) {
    try {
      return await this.store.list(prefix, o);
    } catch (err) {
      if (isStorageError(err, 'Expired')) {
        throw expired(
          'The provided continue parameter or resourceVersion is too old to display a consistent list result. Start a new list without them.',
        );
      }
      if (isStorageError(err, 'TooLarge')) {
        throw tooLargeResourceVersion(o.revision ?? 0);
      }
      throw this.storageErrorToApi(err, '');
    }
  }

  /** Waits until the store has reached `revision` (another process may be ahead), else 504. */
  private async waitForRevision(revision: number): Promise<void> {
    const deadline = this.clock.now().getTime() + this.options.tooLargeResourceVersionWaitMs;
    for (;;) {
      const current = await this.storeCall(() => this.store.currentRevision(), '');
      if (current >= revision) return;
      if (this.clock.now().getTime() >= deadline) throw tooLargeResourceVersion(revision, current);
      await new Promise<void>((resolve) => this.clock.setTimer(50, resolve));
    }
  }

  async storeCall<T>(fn: () => Promise<T>, name: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.storageErrorToApi(err, name);
    }
  }

  storageErrorToApi(err: unknown, name: string): ApiError | unknown {
    return storageErrorToApi(err, groupResource(this.definition), name);
  }
}

function checkPatchType(type: PatchType): void {
  if (type === 'json' || type === 'merge' || type === 'apply') return;
  if (type === 'strategic') {
    throw unsupportedMediaType(
      'strategic merge patch is not supported for custom resources; use application/merge-patch+json or application/json-patch+json',
    );
  }
  throw unsupportedMediaType(`unsupported patch type ${JSON.stringify(type)}`);
}

function applyPatch(type: PatchType, old: KubeObject, patch: unknown): unknown {
  const result = applyPatchOfType(type === 'json' ? 'json' : 'merge', old, patch);
  if (!isPlainObject(result)) throw badRequest('the patch did not produce a JSON object');
  return result;
}

/** Whether a patch itself names a resourceVersion (a client precondition). */
function patchNamesResourceVersion(type: PatchType, patch: unknown): boolean {
  if (type === 'merge') {
    return isPlainObject(patch) && isPlainObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string';
  }
  if (type === 'json' && Array.isArray(patch)) {
    return patch.some((op) => isPlainObject(op) && op.path === '/metadata/resourceVersion' && (op.op === 'replace' || op.op === 'add'));
  }
  return false;
}

function checkDeleteOptions(opts: DeleteOptions): void {
  if (opts.gracePeriodSeconds !== undefined && (!Number.isSafeInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw badRequest('gracePeriodSeconds must be a non-negative integer');
  }
  if (
    opts.propagationPolicy !== undefined &&
    !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy as string)
  ) {
    throw badRequest(
      `propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Orphan", "Background", "Foreground"`,
    );
  }
}

