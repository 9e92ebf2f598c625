import type { EtcdObjectStore } from '../../../src/adapters/storage/etcd/etcd-object-store.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import type { ListOptions, ListResult, ObjectStore, StoreWatch, StoreWatchSink } from '../../../src/ports/object-store.port.js';

/**
 * An etcd store with the contract suite's `historyLimit`, which etcd has no option for: after
 * each of its writes at revision R, once `historyLimit` more revisions have passed since the
 * last compaction, it compacts etcd up to R − historyLimit, before the write resolves. So the
 * newest `historyLimit` changes stay readable and watchable, and older ones answer `Expired`
 * from etcd itself, as with etcd's `--auto-compaction-mode=revision`. (etcd compaction is
 * cluster-wide: only for a test etcd.)
 */
export class HistoryLimitedStore implements ObjectStore {
  private compactedTo = 0;

  constructor(
    private readonly inner: EtcdObjectStore,
    private readonly historyLimit: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.afterWrite(await this.inner.create(key, obj));
  }

  async update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    return this.afterWrite(await this.inner.update(key, obj, expectedRevision));
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    return this.afterWrite(await this.inner.delete(key, expectedRevision));
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.inner.list(prefix, options);
  }

  watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    return this.inner.watch(prefix, fromRevision, sink);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  oldestRevision(): Promise<number> {
    return this.inner.oldestRevision();
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async afterWrite(obj: KubeObject): Promise<KubeObject> {
    const revision = Number(obj.metadata.resourceVersion);
    const target = revision - this.historyLimit;
    if (target > 1 && target - this.compactedTo >= Math.max(1, this.historyLimit)) {
      await this.inner.compact(target);
      this.compactedTo = target;
    }
    return obj;
  }
}
