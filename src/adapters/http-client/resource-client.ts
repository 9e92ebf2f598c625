import type http from 'node:http';
import type { KubeList, KubeObject, StatusObject, WatchEvent } from '../../domain/meta/types.js';
import type { InputObjectOf, ObjectOf, ResourceDefinition } from '../../domain/resource/resource-definition.js';
import type { DeleteOptions, DryRun, GetOptions, ListOptions, PatchOptions, WatchOptions, WriteOptions } from '../../ports/resource-api.port.js';
import { decodeObject } from './decode.js';
import { errorFromStatus, type HttpRequest, type Transport } from './transport.js';

/** A Scale object as the scale subresource speaks it (autoscaling/v1). */
export interface HttpScale extends KubeObject {
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

/** A watch: typed events (ERROR events carry a Status), and close(). */
export interface HttpWatch<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

/** The list and watch verbs an informer needs; the HTTP client's resource clients have them. */
export interface ListWatchClient<T extends KubeObject> {
  readonly definition: ResourceDefinition<any, any>;
  readonly namespace: string | undefined;
  list(opts?: ListOptions): Promise<KubeList<T>>;
  watch(opts?: WatchOptions): Promise<HttpWatch<T>>;
}

type Query = NonNullable<HttpRequest['query']>;

function dryRunQuery(d: DryRun | undefined): string | undefined {
  if (d === true) return 'All';
  if (Array.isArray(d) && d.length) return d.join(',');
  return undefined;
}

function writeQuery(o: WriteOptions | undefined): Query {
  return { dryRun: dryRunQuery(o?.dryRun), fieldManager: o?.fieldManager, fieldValidation: o?.fieldValidation };
}

/**
 * One type over HTTP, with the verbs of the in-process client. Every object the server answers
 * is decoded through the definition's schema: a field of the wrong type is a
 * ResponseDecodeError naming it. Failures reject with the ApiError the server's Status carries.
 */
export class HttpResourceClient<T extends KubeObject, I> implements ListWatchClient<T> {
  constructor(
    private readonly transport: Transport,
    readonly definition: ResourceDefinition<any, any>,
    readonly namespace: string | undefined,
    private readonly defaultNamespace: string,
  ) {}

  /** The same client scoped to one namespace. */
  inNamespace(namespace: string): HttpResourceClient<T, I> {
    return new HttpResourceClient(this.transport, this.definition, namespace, this.defaultNamespace);
  }

  private prefix(): string {
    const d = this.definition;
    return d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`;
  }

  private collectionPath(): string {
    const ns = this.definition.namespaced && this.namespace !== undefined ? `/namespaces/${encodeURIComponent(this.namespace)}` : '';
    return `${this.prefix()}${ns}/${this.definition.plural}`;
  }

  private itemPath(name: string, obj?: unknown, sub?: string): string {
    let ns = '';
    if (this.definition.namespaced) {
      const n = this.namespace ?? (obj as KubeObject | undefined)?.metadata?.namespace ?? this.defaultNamespace;
      ns = `/namespaces/${encodeURIComponent(n)}`;
    }
    return `${this.prefix()}${ns}/${this.definition.plural}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
  }

  private decode(value: unknown): T {
    return decodeObject<T>(this.definition, value);
  }

  private withType(obj: unknown): unknown {
    const o = obj as Record<string, unknown>;
    return { apiVersion: this.definition.apiVersion, kind: this.definition.kind, ...o };
  }

  private nameOf(obj: unknown): string {
    const name = (obj as KubeObject).metadata?.name;
    if (!name) throw new TypeError(`a ${this.definition.kind} needs metadata.name here`);
    return name;
  }

  async get(name: string, opts?: GetOptions): Promise<T> {
    return this.decode(await this.transport.json({ method: 'GET', path: this.itemPath(name), query: { resourceVersion: opts?.resourceVersion } }));
  }

  async list(opts?: ListOptions): Promise<KubeList<T>> {
    const query: Query = { ...opts };
    const list = (await this.transport.json({ method: 'GET', path: this.collectionPath(), query })) as KubeList<KubeObject>;
    return this.decodeList(list);
  }

  private decodeList(list: KubeList<KubeObject>): KubeList<T> {
    if (!list || !Array.isArray(list.items)) throw errorFromStatus({ code: 500, message: 'the server answered a list without items' });
    // Kubernetes leaves apiVersion and kind out of the items of some lists: they are the list's type.
    const items = list.items.map((item, i) => {
      const withKind = { apiVersion: this.definition.apiVersion, kind: this.definition.kind, ...(item as object) };
      return decodeObject<T>(this.definition, withKind, `items.${i}`);
    });
    return { ...list, items };
  }

  async create(obj: I, opts?: WriteOptions): Promise<T> {
    const ns = this.definition.namespaced ? (this.namespace ?? (obj as KubeObject).metadata?.namespace ?? this.defaultNamespace) : undefined;
    const scoped = ns === undefined ? this : this.inNamespace(ns);
    const body = this.withType(obj);
    return this.decode(await this.transport.json({ method: 'POST', path: scoped.collectionPath(), query: writeQuery(opts), body }));
  }

  /** PUT: replaces the object named by obj.metadata.name. */
  async update(obj: T | I, opts?: WriteOptions): Promise<T> {
    const path = this.itemPath(this.nameOf(obj), obj);
    return this.decode(await this.transport.json({ method: 'PUT', path, query: writeQuery(opts), body: this.withType(obj) }));
  }

  private patch(path: string, contentType: string, body: unknown, opts?: PatchOptions): Promise<unknown> {
    return this.transport.json({ method: 'PATCH', path, contentType, body, query: { ...writeQuery(opts), force: opts?.force || undefined } });
  }

  /** JSON merge patch (RFC 7396). */
  async mergePatch(name: string, patch: Record<string, unknown>, opts?: PatchOptions): Promise<T> {
    return this.decode(await this.patch(this.itemPath(name), 'application/merge-patch+json', patch, opts));
  }

  /** JSON patch (RFC 6902). */
  async jsonPatch(name: string, ops: ReadonlyArray<Record<string, unknown>>, opts?: PatchOptions): Promise<T> {
    return this.decode(await this.patch(this.itemPath(name), 'application/json-patch+json', ops, opts));
  }

  /** Server-side apply of a full or partial configuration; conflicts reject unless `force`. */
  async apply(obj: I | Record<string, unknown>, opts: PatchOptions & { fieldManager: string }): Promise<T> {
    const path = this.itemPath(this.nameOf(obj), obj);
    return this.decode(await this.patch(path, 'application/apply-patch+yaml', this.withType(obj), opts));
  }

  /** Deletes an object; resolves to it, or to it marked for deletion when finalizers hold it. */
  async delete(name: string, opts?: DeleteOptions): Promise<T> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteBody(opts) };
    const path = this.itemPath(name);
    const answer = (await this.transport.json({ method: 'DELETE', path, query: { dryRun: dryRunQuery(opts?.dryRun) }, body })) as KubeObject;
    return answer?.kind === 'Status' ? (answer as unknown as T) : this.decode(answer);
  }

  async deleteCollection(listOpts?: ListOptions, opts?: DeleteOptions): Promise<KubeList<T>> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteBody(opts) };
    const query: Query = { ...listOpts, dryRun: dryRunQuery(opts?.dryRun) };
    const answer = (await this.transport.json({ method: 'DELETE', path: this.collectionPath(), query, body })) as KubeList<KubeObject>;
    return this.decodeList(answer);
  }

  /** A watch; iterate it with `for await`, close() it when done. */
  async watch(opts?: WatchOptions): Promise<HttpWatch<T>> {
    const controller = new AbortController();
    const query: Query = { ...opts, watch: true };
    const res = await this.transport.stream({ method: 'GET', path: this.collectionPath(), query, signal: controller.signal });
    return new WatchIterator<T>(res, controller, (o) => this.decode(o));
  }

  /** The status subresource. */
  get status() {
    const path = (name: string) => this.itemPath(name, undefined, 'status');
    return {
      get: async (name: string): Promise<T> => this.decode(await this.transport.json({ method: 'GET', path: path(name) })),
      update: async (obj: T | I, opts?: WriteOptions): Promise<T> =>
        this.decode(
          await this.transport.json({ method: 'PUT', path: this.itemPath(this.nameOf(obj), obj, 'status'), query: writeQuery(opts), body: this.withType(obj) }),
        ),
      mergePatch: async (name: string, patch: Record<string, unknown>, opts?: PatchOptions): Promise<T> =>
        this.decode(await this.patch(path(name), 'application/merge-patch+json', patch, opts)),
      jsonPatch: async (name: string, ops: ReadonlyArray<Record<string, unknown>>, opts?: PatchOptions): Promise<T> =>
        this.decode(await this.patch(path(name), 'application/json-patch+json', ops, opts)),
      apply: async (obj: I | Record<string, unknown>, opts: PatchOptions & { fieldManager: string }): Promise<T> =>
        this.decode(await this.patch(this.itemPath(this.nameOf(obj), obj, 'status'), 'application/apply-patch+yaml', this.withType(obj), opts)),
    };
  }

  /** The scale subresource. */
  get scale() {
    const path = (name: string) => this.itemPath(name, undefined, 'scale');
    return {
      get: async (name: string): Promise<HttpScale> => decodeScale(await this.transport.json({ method: 'GET', path: path(name) })),
      /** Sets the desired replicas; with `resourceVersion`, only if the object is still at it. */
      update: async (name: string, replicas: number, resourceVersion?: string): Promise<HttpScale> =>
        decodeScale(
          await this.transport.json({
            method: 'PUT',
            path: path(name),
            body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, ...(resourceVersion ? { resourceVersion } : {}) }, spec: { replicas } },
          }),
        ),
      mergePatch: async (name: string, patch: Record<string, unknown>): Promise<HttpScale> =>
        decodeScale(await this.patch(path(name), 'application/merge-patch+json', patch)),
    };
  }
}

function deleteBody(opts: DeleteOptions | undefined): Record<string, unknown> {
  if (!opts) return {};
  const { dryRun, ...rest } = opts;
  return { ...rest, ...(dryRunQuery(dryRun) ? { dryRun: [dryRunQuery(dryRun)] } : {}) };
}

function decodeScale(v: unknown): HttpScale {
  const s = v as HttpScale;
  if (s?.kind !== 'Scale' || typeof s.spec?.replicas !== 'number') {
    throw errorFromStatus({ code: 500, message: 'the server answered the scale subresource with something other than a Scale' });
  }
  return s;
}

/**
 * Newline-delimited watch events from a streaming response. Objects of ADDED, MODIFIED and
 * DELETED events are decoded; BOOKMARK and ERROR events pass as they are. A decode failure
 * ends the iteration with that error.
 */
class WatchIterator<T extends KubeObject> implements HttpWatch<T> {
  private closed = false;

  constructor(
    private readonly res: http.IncomingMessage,
    private readonly controller: AbortController,
    private readonly decode: (o: unknown) => T,
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort();
    this.res.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    let buffered = '';
    try {
      for await (const chunk of this.res) {
        buffered += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) yield this.event(line);
        }
      }
      if (buffered.trim()) yield this.event(buffered.trim());
    } catch (err) {
      if (!this.closed) throw err;
    } finally {
      this.close();
    }
  }

  private event(line: string): WatchEvent<T> {
    const e = JSON.parse(line) as { type: WatchEvent['type']; object: unknown };
    if (e.type === 'BOOKMARK' || e.type === 'ERROR') return { type: e.type, object: e.object as T | StatusObject };
    return { type: e.type, object: this.decode(e.object) };
  }
}

export type ResourceClientOf<R> = HttpResourceClient<ObjectOf<R>, InputObjectOf<R>>;
