import { isStorageError } from '../../ports/object-store.port.js';
import type { DeleteResult, JsonList, RequestContext, WatchStream, WriteResult } from '../../ports/resource-api.port.js';
import { alreadyExists, conflict, invalid, isApiError, notFound, STALE_OBJECT_MESSAGE } from '../errors/api-error.js';
import type { FieldValidation, KubeList, KubeObject } from '../meta/types.js';
import type { ValidDeleteOptions, ValidListOptions, ValidWatchOptions } from '../request/options.js';
import { fieldError, toStatusCause } from '../resource/field-error.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import type { StrategyContext } from '../resource/strategy.js';
import { deepClone, deepEqual } from '../util/json.js';
import { formatTimestamp, groupResource } from './object-decoding.js';
import type { RegistryEnvironment } from './registry-environment.js';
import { admitCreate, admitUpdate, mainUpdateStrategy, type Admitted, type UpdateStrategy } from './rest-strategy.js';
import { StoreParts } from './store-parts.js';
import { StoreReads, type SelectorScope } from './store-reads.js';

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_NAME_SUFFIX = 5;
const GENERATE_NAME_MAX_BASE = 63 - GENERATE_NAME_SUFFIX;
const GENERATED_NAME_ATTEMPTS = 8;

/** How a write is carried out; validated request options plus what the request is. */
export interface StoreWriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** The subresource the request came through (`scale`, `status`), for strategies. */
  subresource?: string;
}

/**
 * What an update wants, as a function of the stored object: PUT, every patch type, apply and
 * scale are producers of this, and the store does the rest the same way for all of them.
 */
export interface UpdatedObjectInfo {
  /**
   * The object the request asks for, given the stored one (undefined: there is none, and the
   * store creates when it may). Its metadata.resourceVersion, when set, must be the stored
   * one's (a client precondition); unset means an unconditional update. Called again with
   * the fresh object when another writer got in first.
   */
  updatedObject(old: KubeObject | undefined): KubeObject;
  /** Runs on the admitted object before it is written (old undefined: a create), e.g. to record managedFields. */
  finish?(admitted: KubeObject, old: KubeObject | undefined): void;
}

/**
 * The generic store of one type, in the shape of Kubernetes' generic registry store: one
 * store per resource, its strategies fixed when it is built, every write a compare-and-swap
 * on the backing object store. Requests reach it through the request layer
 * (src/domain/request), which validates options, decodes bodies and turns each verb into a
 * create or an {@link UpdatedObjectInfo}.
 */
export class GenericStore {
  readonly definition: ResourceDefinition;
  private readonly reads: StoreReads;

  private constructor(
    readonly parts: StoreParts,
    readonly updateStrategy: UpdateStrategy,
  ) {
    this.definition = parts.definition;
    this.reads = new StoreReads(parts);
  }

  static create(definition: ResourceDefinition, env: RegistryEnvironment): GenericStore {
    return new GenericStore(new StoreParts(definition, env), mainUpdateStrategy(definition));
  }

  /** The same store with another update strategy (the status subresource's). */
  withUpdateStrategy(strategy: UpdateStrategy): GenericStore {
    return new GenericStore(this.parts, strategy);
  }

  // ---------------------------------------------------------------- reads

  get(namespace: string | undefined, name: string, resourceVersion?: string): Promise<KubeObject> {
    return this.reads.get(namespace, name, resourceVersion);
  }

  list(namespace: string | undefined, opts: ValidListOptions, scope?: SelectorScope): Promise<KubeList> {
    return this.reads.list(namespace, opts, scope);
  }

  listJson(namespace: string | undefined, opts: ValidListOptions): Promise<JsonList> {
    return this.reads.listJson(namespace, opts);
  }

  watch(namespace: string | undefined, opts: ValidWatchOptions, signal?: AbortSignal, scope?: SelectorScope): Promise<WatchStream> {
    return this.reads.watch(namespace, opts, signal, scope);
  }

  // ---------------------------------------------------------------- writes

  strategyContext(ctx: RequestContext, operation: StrategyContext['operation'], opts: { dryRun: boolean; subresource?: string }): StrategyContext {
    return {
      operation,
      subresource: opts.subresource ?? this.updateStrategy.subresource,
      dryRun: opts.dryRun,
      now: this.parts.clock.now(),
      user: ctx.user,
    };
  }

  /**
   * Stores a new object: `decoded` is namespaced and named (or has a generateName). A
   * generated name that is taken is tried again with another suffix.
   */
  async create(
    ctx: RequestContext,
    decoded: KubeObject,
    opts: StoreWriteOptions,
    finish?: (admitted: KubeObject) => void,
  ): Promise<WriteResult> {
    const p = this.parts;
    const meta = decoded.metadata;
    const generated = (meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '';
    const sctx = this.strategyContext(ctx, 'create', { dryRun: opts.dryRun, subresource: opts.subresource });
    for (let attempt = 0; ; attempt++) {
      // Only a generated name is ever tried again; a fixed name can use the decoded body itself.
      const candidate = generated ? deepClone(decoded) : decoded;
      if (generated) candidate.metadata.name = this.generateName(meta.generateName as string);
      const admitted = admitCreate(this.definition, candidate, sctx, opts.fieldValidation, p.ids.uid());
      finish?.(admitted.object);
      const obj = admitted.object;
      const name = obj.metadata.name as string;
      const key = p.keys.item(obj.metadata.namespace, name);
      const retry = generated && attempt < GENERATED_NAME_ATTEMPTS;
      if (opts.dryRun) {
        if (await p.call(() => p.backing.get(key), name)) {
          if (retry) continue;
          throw alreadyExists(groupResource(this.definition), name);
        }
        return { object: obj, created: true, warnings: admitted.warnings };
      }
      try {
        const stored = await p.backing.create(key, obj);
        return { object: stored, created: true, warnings: admitted.warnings };
      } catch (err) {
        if (isStorageError(err, 'KeyExists')) {
          if (retry) continue;
          throw alreadyExists(groupResource(this.definition), name);
        }
        throw p.apiError(err, name);
      }
    }
  }

  /**
   * Read-modify-write with compare-and-swap: the new object comes from `info`; when another
   * writer got in between, it is computed again from the fresh object, and a client's
   * resourceVersion precondition then fails with Conflict. An update that changes nothing is
   * not written. An object being deleted whose last finalizer goes away is deleted. A missing
   * object is created when the strategy allows it (or `forceAllowCreate`, for apply).
   */
  async update(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    info: UpdatedObjectInfo,
    opts: StoreWriteOptions,
    forceAllowCreate = false,
  ): Promise<WriteResult> {
    const p = this.parts;
    const gr = groupResource(this.definition);
    const key = p.keys.item(namespace, name);
    const strategy = this.updateStrategy;
    const sctx = this.strategyContext(ctx, 'update', opts);
    let current = await p.call(() => p.backing.get(key), name);
    for (let attempt = 0; ; attempt++) {
      if (!current) {
        if (!(strategy.allowCreateOnUpdate || forceAllowCreate)) throw notFound(gr, name);
        const obj = info.updatedObject(undefined);
        const rv = obj.metadata.resourceVersion;
        // A precondition on an object that does not exist cannot hold.
        if (rv !== undefined && rv !== '') throw notFound(gr, name);
        const finish = info.finish;
        return this.create(ctx, obj, opts, finish ? (admitted) => finish(admitted, undefined) : undefined);
      }
      const old: KubeObject = current;
      const candidate = info.updatedObject(old);
      this.checkResourceVersion(candidate, old);
      const admitted: Admitted = admitUpdate(this.definition, strategy, candidate, old, sctx, opts.fieldValidation);
      info.finish?.(admitted.object, old);
      const { object, warnings } = admitted;
      if (deepEqual(object, old)) return { object: old, created: false, warnings };
      if (opts.dryRun) return { object, created: false, warnings };
      const revision = Number(old.metadata.resourceVersion);
      const finishing = object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length === 0;
      try {
        const stored = finishing ? await p.backing.delete(key, revision) : await p.backing.update(key, object, revision);
        return { object: stored, created: false, warnings };
      } catch (err) {
        if ((isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound')) && attempt < p.options.conflictRetries) {
          current = await p.call(() => p.backing.get(key), name);
          continue;
        }
        // A Conflict past the retries keeps the store's error as its cause, like every other.
        throw p.apiError(err, name);
      }
    }
  }

  /** An update names the stored resourceVersion, or none where the strategy allows that. */
  private checkResourceVersion(candidate: KubeObject, old: KubeObject): void {
    const requested = candidate.metadata.resourceVersion;
    const name = old.metadata.name ?? '';
    if (requested === undefined || requested === '') {
      if (!this.updateStrategy.allowUnconditionalUpdate) {
        throw invalid({ group: this.definition.group, kind: this.definition.kind }, name, [
          toStatusCause(fieldError.invalid('metadata.resourceVersion', 0, 'must be specified for an update')),
        ]);
      }
      return;
    }
    if (requested !== old.metadata.resourceVersion) throw conflict(groupResource(this.definition), name, STALE_OBJECT_MESSAGE);
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, opts: ValidDeleteOptions): Promise<DeleteResult> {
    const p = this.parts;
    const key = p.keys.item(namespace, name);
    const gr = groupResource(this.definition);
    const pre = opts.preconditions;
    for (let attempt = 0; ; attempt++) {
      const existing = await p.call(() => p.backing.get(key), name);
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
          marked.metadata.deletionTimestamp = formatTimestamp(p.clock.now());
          marked.metadata.deletionGracePeriodSeconds = 0;
          if ((marked.metadata.generation ?? 0) > 0) marked.metadata.generation = (marked.metadata.generation ?? 0) + 1;
          if (opts.dryRun) return { object: marked, deleted: false, warnings: [] };
          return { object: await p.backing.update(key, marked, revision), deleted: false, warnings: [] };
        }
        if (opts.dryRun) return { object: existing, deleted: true, warnings: [] };
        return { object: await p.backing.delete(key, revision), deleted: true, warnings: [] };
      } catch (err) {
        if ((isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound')) && attempt < p.options.conflictRetries) continue;
        throw p.apiError(err, name);
      }
    }
  }

  /** Deletes every object the list options select, one by one (each with its own event). */
  async deleteCollection(
    ctx: RequestContext,
    namespace: string | undefined,
    listOpts: ValidListOptions,
    opts: ValidDeleteOptions,
    scope?: SelectorScope,
  ): Promise<KubeList> {
    const list = await this.list(namespace, { ...listOpts, limit: undefined, continue: undefined }, scope);
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        const res = await this.delete(ctx, item.metadata.namespace, item.metadata.name as string, { ...opts, preconditions: {} });
        items.push(res.object);
      } catch (err) {
        // Deleted by someone else in the meantime: that is what was asked.
        if (isApiError(err) && err.reason === 'NotFound') continue;
        throw err;
      }
    }
    return { ...list, items };
  }

  private generateName(base: string): string {
    const prefix = base.length > GENERATE_NAME_MAX_BASE ? base.slice(0, GENERATE_NAME_MAX_BASE) : base;
    return prefix + this.parts.ids.randomString(GENERATE_NAME_SUFFIX, GENERATE_NAME_ALPHABET);
  }
}
