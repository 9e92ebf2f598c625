import type { KubeObject } from '../domain/meta/types.js';
import type { ListOptions, ListResult, ObjectStore, StoreWatch, StoreWatchSink } from '../ports/object-store.port.js';

/**
 * A store whose adapter module is loaded on first use. Every port method is asynchronous, so
 * callers cannot tell; a process that never uses the store never loads its client library
 * (the etcd client and its gRPC stack take half a second to load).
 */
export class LazyObjectStore implements ObjectStore {
  private loading: Promise<ObjectStore> | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly load: () => Promise<ObjectStore>,
  ) {}

  private store(): Promise<ObjectStore> {
    this.loading ??= this.load();
    return this.loading;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    return (await this.store()).create(key, obj);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    return (await this.store()).get(key);
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return (await this.store()).list(prefix, options);
  }

  async update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    return (await this.store()).update(key, obj, expectedRevision);
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    return (await this.store()).delete(key, expectedRevision);
  }

  async watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    return (await this.store()).watch(prefix, fromRevision, sink);
  }

  async currentRevision(): Promise<number> {
    return (await this.store()).currentRevision();
  }

  async oldestRevision(): Promise<number> {
    return (await this.store()).oldestRevision();
  }

  async ready(): Promise<void> {
    return (await this.store()).ready();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Never loaded: nothing to close.
    if (this.loading) await (await this.loading).close();
  }
}
