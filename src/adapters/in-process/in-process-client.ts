import { methodNotAllowed, notFound } from '../../domain/errors/api-error.js';
import type { KubeList, KubeObject, WatchEvent } from '../../domain/meta/types.js';
import type { InputObjectOf, ObjectOf, ResourceDefinition } from '../../domain/resource/resource-definition.js';
import type {
  DeleteOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  RequestContext,
  ResourceApi,
  ResourceEndpoint,
  SubresourceEndpoint,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../../ports/resource-api.port.js';

/** A Scale object as the scale subresource speaks it (autoscaling/v1). */
export interface Scale extends KubeObject {
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

export interface InProcessClientOptions {
  /**
   * Identity and user agent passed to strategies, as an HTTP request would carry them. The
   * user agent names the field manager of writes without one (default `apiserver-kit-client`).
   */
  context?: RequestContext;
  /** Called with each warning the server returns (unknown fields, strategy warnings). */
  onWarning?: (warning: string, kind: string) => void;
}

/** A watch as the in-process client hands it out: typed events, and close(). */
export interface TypedWatch<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

/**
 * A client that drives the same resource API the HTTP adapter serves, in the same process and
 * without HTTP: the way to test a domain. Failures reject with the same ApiError (reason,
 * code, details) an HTTP client would see as a Status. Objects it returns are private copies
 * the caller may change.
 */
export class InProcessClient {
  constructor(
    private readonly api: ResourceApi,
    private readonly options: InProcessClientOptions = {},
  ) {}

  /**
   * A typed client for one resource type. For namespaced types, `namespace` scopes every verb;
   * without it, lists and watches span all namespaces and item verbs use the object's
   * namespace or `default`.
   */
  resource<R extends ResourceDefinition<any, any>>(def: R, namespace?: string): ResourceClient<ObjectOf<R>, InputObjectOf<R>> {
    const endpoint = this.api.endpoint(def.group, def.version, def.plural);
    if (!endpoint) throw notFound({ group: def.group, resource: def.plural }, '');
    return new ResourceClient(endpoint, this.options, namespace);
  }
}

/** Names the field manager of writes that give none, as an HTTP client's User-Agent does. */
export const DEFAULT_USER_AGENT = 'apiserver-kit-client';

function copy<T>(v: T): T {
  return structuredClone(v);
}

export class ResourceClient<T extends KubeObject, I> {
  constructor(
    private readonly endpoint: ResourceEndpoint,
    private readonly options: InProcessClientOptions,
    private readonly ns: string | undefined,
  ) {}

  /** The same client scoped to one namespace. */
  namespace(namespace: string): ResourceClient<T, I> {
    return new ResourceClient(this.endpoint, this.options, namespace);
  }

  /** The context of one call; a call to a deprecated version reports its warning. */
  private get ctx(): RequestContext {
    const def = this.endpoint.definition;
    if (def.deprecationWarning) this.options.onWarning?.(def.deprecationWarning, def.kind);
    return { userAgent: DEFAULT_USER_AGENT, ...(this.options.context ?? {}) };
  }

  private itemNamespace(obj?: unknown): string | undefined {
    if (!this.endpoint.definition.namespaced) return undefined;
    if (this.ns !== undefined) return this.ns;
    const fromObj = (obj as KubeObject | undefined)?.metadata?.namespace;
    return fromObj ?? 'default';
  }

  private collectionNamespace(): string | undefined {
    return this.endpoint.definition.namespaced ? this.ns : undefined;
  }

  private result<O>(r: WriteResult): O {
    for (const w of r.warnings) this.options.onWarning?.(w, this.endpoint.definition.kind);
    return copy(r.object) as O;
  }

  async create(obj: I, opts?: WriteOptions): Promise<T> {
    return this.result(await this.endpoint.create(this.ctx, this.itemNamespace(obj), obj, opts));
  }

  async get(name: string, opts?: GetOptions): Promise<T> {
    return copy(await this.endpoint.get(this.ctx, this.itemNamespace(), name, opts)) as T;
  }

  async list(opts?: ListOptions): Promise<KubeList<T>> {
    return copy(await this.endpoint.list(this.ctx, this.collectionNamespace(), opts)) as KubeList<T>;
  }

  /** PUT: replaces the object named by obj.metadata.name. */
  async update(obj: T | I, opts?: WriteOptions): Promise<T> {
    const name = (obj as KubeObject).metadata?.name ?? '';
    return this.result(await this.endpoint.update(this.ctx, this.itemNamespace(obj), name, obj, opts));
  }

  /** JSON merge patch (RFC 7396). */
  async mergePatch(name: string, patch: Record<string, unknown>, opts?: PatchOptions): Promise<T> {
    return this.result(await this.endpoint.patch(this.ctx, this.itemNamespace(), name, 'merge', patch, opts));
  }

  /** JSON patch (RFC 6902). */
  async jsonPatch(name: string, ops: ReadonlyArray<Record<string, unknown>>, opts?: PatchOptions): Promise<T> {
    return this.result(await this.endpoint.patch(this.ctx, this.itemNamespace(), name, 'json', ops, opts));
  }

  /**
   * Server-side apply: merges `obj` (a full or partial configuration naming apiVersion, kind
   * and metadata.name) into the stored object by field ownership, creating it when missing.
   * Conflicts with fields other managers own reject with Conflict unless `force`.
   */
  async apply(obj: I | Record<string, unknown>, opts: PatchOptions & { fieldManager: string }): Promise<T> {
    const name = (obj as KubeObject).metadata?.name ?? '';
    return this.result(await this.endpoint.patch(this.ctx, this.itemNamespace(obj), name, 'apply', obj, opts));
  }

  /**
   * Deletes an object. Resolves to the deleted object, or to the object marked for deletion
   * when finalizers keep it (then `metadata.deletionTimestamp` is set).
   */
  async delete(name: string, opts?: DeleteOptions): Promise<T> {
    const r = await this.endpoint.delete(this.ctx, this.itemNamespace(), name, opts);
    return copy(r.object) as T;
  }

  async deleteCollection(listOpts?: ListOptions, opts?: DeleteOptions): Promise<KubeList<T>> {
    return copy(await this.endpoint.deleteCollection(this.ctx, this.collectionNamespace(), listOpts, opts)) as KubeList<T>;
  }

  /** A watch; iterate it with `for await`, and close() it when done. */
  async watch(opts?: WatchOptions): Promise<TypedWatch<T>> {
    return (await this.endpoint.watch(this.ctx, this.collectionNamespace(), opts)) as unknown as TypedWatch<T>;
  }

  private sub(name: string): SubresourceEndpoint {
    const sub = this.endpoint.subresource(name);
    if (!sub) {
      throw notFound({ group: this.endpoint.definition.group, resource: `${this.endpoint.definition.plural}/${name}` }, '');
    }
    return sub;
  }

  /** The status subresource. */
  get status() {
    return {
      get: async (name: string): Promise<T> => copy(await this.sub('status').get!(this.ctx, this.itemNamespace(), name)) as T,
      update: async (obj: T | I, opts?: WriteOptions): Promise<T> =>
        this.result(
          await this.sub('status').update!(this.ctx, this.itemNamespace(obj), (obj as KubeObject).metadata?.name ?? '', obj, opts),
        ),
      mergePatch: async (name: string, patch: Record<string, unknown>, opts?: PatchOptions): Promise<T> =>
        this.result(await this.sub('status').patch!(this.ctx, this.itemNamespace(), name, 'merge', patch, opts)),
      jsonPatch: async (name: string, ops: ReadonlyArray<Record<string, unknown>>, opts?: PatchOptions): Promise<T> =>
        this.result(await this.sub('status').patch!(this.ctx, this.itemNamespace(), name, 'json', ops, opts)),
      /** Server-side apply of status fields. */
      apply: async (obj: I | Record<string, unknown>, opts: PatchOptions & { fieldManager: string }): Promise<T> =>
        this.result(
          await this.sub('status').patch!(this.ctx, this.itemNamespace(obj), (obj as KubeObject).metadata?.name ?? '', 'apply', obj, opts),
        ),
    };
  }

  /** The scale subresource. */
  get scale() {
    return {
      get: async (name: string): Promise<Scale> => copy(await this.sub('scale').get!(this.ctx, this.itemNamespace(), name)) as Scale,
      /** Sets the desired replicas; with `resourceVersion`, only if the object is still at it. */
      update: async (name: string, replicas: number, resourceVersion?: string): Promise<Scale> =>
        this.result(
          await this.sub('scale').update!(this.ctx, this.itemNamespace(), name, {
            apiVersion: 'autoscaling/v1',
            kind: 'Scale',
            metadata: { name, ...(resourceVersion ? { resourceVersion } : {}) },
            spec: { replicas },
          }),
        ),
      mergePatch: async (name: string, patch: Record<string, unknown>): Promise<Scale> =>
        this.result(await this.sub('scale').patch!(this.ctx, this.itemNamespace(), name, 'merge', patch)),
    };
  }

  /** A custom subresource (withSubResourceAndHandler): GET, POST and PUT. */
  subresource(sub: string) {
    return {
      get: async (name: string): Promise<unknown> => copy(await this.requireVerb(sub, 'get')(this.ctx, this.itemNamespace(), name)),
      create: async (name: string, body: unknown, opts?: WriteOptions): Promise<unknown> =>
        this.result(await this.requireVerb(sub, 'create')(this.ctx, this.itemNamespace(), name, body, opts)),
      update: async (name: string, body: unknown, opts?: WriteOptions): Promise<unknown> =>
        this.result(await this.requireVerb(sub, 'update')(this.ctx, this.itemNamespace(), name, body, opts)),
    };
  }

  private requireVerb<K extends 'get' | 'create' | 'update'>(sub: string, verb: K): NonNullable<SubresourceEndpoint[K]> {
    const endpoint = this.sub(sub);
    const fn = endpoint[verb];
    if (!fn) {
      return (() => {
        throw methodNotAllowedFor(sub, verb);
      }) as unknown as NonNullable<SubresourceEndpoint[K]>;
    }
    return fn.bind(endpoint) as NonNullable<SubresourceEndpoint[K]>;
  }
}

function methodNotAllowedFor(sub: string, verb: string) {
  return methodNotAllowed(`${verb} is not supported on the ${sub} subresource`);
}
