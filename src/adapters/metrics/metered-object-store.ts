import type { KubeObject } from '../../domain/meta/types.js';
import type { ListOptions, ListResult, ObjectStore, StoreWatch, StoreWatchSink } from '../../ports/object-store.port.js';
import type { ApiServerMetrics } from './api-server-metrics.js';

const STORE_KINDS = new Set(['memory', 'file', 'sqlite', 'etcd']);

/**
 * An ObjectStore that times every call of the store it wraps, for one stored type
 * (apiserver_storage_request_duration_seconds{operation, resource, store}), and lets the
 * metrics count the type's objects. Everything else passes through unchanged: the wrapped
 * store's contract is this one's.
 */
export class MeteredObjectStore implements ObjectStore {
  private readonly store: string;

  constructor(
    private readonly inner: ObjectStore,
    private readonly metrics: ApiServerMetrics,
    /** The type, as kube-apiserver names it in storage metrics: `widgets.demo.example.com`, `pods`. */
    private readonly resource: string,
    /** The prefix of every key of the type. */
    prefix: string,
  ) {
    const kind = inner.name.split(':')[0] ?? '';
    this.store = STORE_KINDS.has(kind) ? kind : 'other';
    metrics.countStored(resource, async () => (await inner.list(prefix)).items.length);
  }

  get name(): string {
    return this.inner.name;
  }

  private time<T>(operation: string, call: Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    const labels = { operation, resource: this.resource, store: this.store };
    const done = (): void => this.metrics.storageDurations.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    call.then(done, done);
    return call;
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.time('create', this.inner.create(key, obj));
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.time('get', this.inner.get(key));
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.time('list', this.inner.list(prefix, options));
  }

  update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    return this.time('update', this.inner.update(key, obj, expectedRevision));
  }

  delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    return this.time('delete', this.inner.delete(key, expectedRevision));
  }

  watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    return this.time('watch', this.inner.watch(prefix, fromRevision, sink));
  }

  currentRevision(): Promise<number> {
    return this.time('currentRevision', this.inner.currentRevision());
  }

  oldestRevision(): Promise<number> {
    return this.inner.oldestRevision();
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  problems(): string[] {
    return this.inner.problems?.() ?? [];
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
