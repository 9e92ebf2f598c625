import { injectable } from 'inversify';
import type { ICompare, IKeyValue, IRangeRequest, IRangeResponse, ITxnRequest, ITxnResponse } from 'etcd3';
import type { KubeObject } from '../../../domain/meta/types.js';
import {
  type ListOptions,
  type ListResult,
  type ObjectStore,
  type StoreWatch,
  type StoreWatchSink,
  StorageError,
} from '../../../ports/object-store.port.js';
import { nonNegativeInteger } from '../shared/argument-checks.js';
import { EtcdCompactionPoint } from './etcd-compaction-point.js';
import { EtcdConnection } from './etcd-connection.js';
import { isCompactedError, isFutureRevisionError } from './etcd-errors.js';
import { EtcdKeySpace } from './etcd-key-space.js';
import { type EtcdObjectStoreOptions, type ResolvedEtcdOptions, resolveEtcdOptions } from './etcd-object-store-options.js';
import { EtcdStoreWatch } from './etcd-store-watch.js';
import { EtcdWatchCache, MISS } from './etcd-watch-cache.js';
import { decodeValue, encodeValue } from './etcd-value-codec.js';

/**
 * An {@link ObjectStore} in etcd, the store Kubernetes itself uses, so that several server
 * processes can serve one API: what one writes, every other one's watches see, with the same
 * resourceVersions. Modelled on Kubernetes' `storage/etcd3` store and watcher.
 *
 * Revisions are etcd's: an object's resourceVersion is its key's `mod_revision`, the store's
 * current revision is the cluster's revision (so it moves with writes under other prefixes
 * and by other servers, and a new store on a used etcd does not start at 0). Writes are etcd
 * transactions: create only if the key's create revision is 0, update and conditional delete
 * only if its mod revision is the expected one; a failed comparison reads the key in the same
 * transaction to tell NotFound from Conflict. Reads (get, list, current revision) are
 * linearizable. Lists at a revision are etcd ranges at that revision, one range per page.
 *
 * History is etcd's, up to its compaction point. This store never compacts on its own: run etcd
 * with `--auto-compaction-mode=revision --auto-compaction-retention=N` (or periodic), or call
 * {@link compact}. etcd does not report its compaction point cheaply, so `oldestRevision()`
 * confirms what the store learned (its own compactions, compacted watches and reads) with one
 * read, and searches with a binary search of reads when another process moved it. `Expired`
 * errors carry the best lower bound known of the point.
 *
 * Watch cache (on unless `watchCache: false`): gets, lists and watches are served from memory
 * by {@link EtcdWatchCache}, kept by one etcd watch; consistent reads first read etcd's revision.
 * The cache lives in the adapter, not in a decorator over any store, because it needs etcd's
 * own parts: a watch over every key of the etcd (so its revision is exact), reads at a revision,
 * the compaction point the store learned, and etcd watches for what it does not hold.
 *
 * Watches without the cache: one etcd watch stream each, resumed transparently from the last delivered revision
 * when a member goes away; see {@link EtcdStoreWatch} for how `progress()` moves (it needs etcd's
 * watch progress interval to be short for timely bookmarks).
 *
 * Failures: every call has one deadline (`requestTimeoutMs`) covering its retries. Reads retry
 * on any member failure; writes retry only where they certainly were not applied (no
 * connection, no leader), so one dead member of three does not stop writes. Without quorum,
 * calls fail with StorageError `Unavailable` when the deadline passes, `ready()` rejects within
 * `readyTimeoutMs`, and the same store works again once quorum is back. A member that drops
 * packets instead of refusing connections can hold a call until its deadline.
 *
 * A watch stream bound to a member that lost its peers waits there until they are back (etcd's
 * leader-required streams, which would move it to a member of the majority during a network
 * partition, are not used).
 */
@injectable()
export class EtcdObjectStore implements ObjectStore {
  readonly name: string;

  private readonly options: ResolvedEtcdOptions;
  private readonly connection: EtcdConnection;
  private readonly keys: EtcdKeySpace;
  private readonly compaction: EtcdCompactionPoint;
  private readonly watches = new Set<EtcdStoreWatch>();
  /** The watch cache in front of etcd (undefined: `watchCache: false`). */
  readonly cache: EtcdWatchCache | undefined;
  private closed = false;

  constructor(options: EtcdObjectStoreOptions) {
    this.options = resolveEtcdOptions(options);
    this.keys = new EtcdKeySpace(this.options.prefix);
    this.name = `etcd:${this.options.endpoints.join(',')}${this.keys.prefix}`;
    this.connection = new EtcdConnection(this.options);
    this.compaction = new EtcdCompactionPoint({
      readable: (revision) => this.readableAt(revision),
      current: () => this.currentRevision(),
    });
    if (this.options.watchCache !== false) {
      this.cache = new EtcdWatchCache(
        {
          name: this.name,
          readRevision: () => this.readRevision(),
          listAt: (prefix, revision) => this.listDirect(prefix, { revision }),
          watchAll: (from, sink, onProgress, scope) =>
            this.watchDirect('', from, sink, onProgress, scope === 'etcd' ? { start: Buffer.from([0]), end: Buffer.from([0]) } : undefined),
          compactedBelow: () => this.compaction.lowerBound,
          readable: (revision) => this.readableAt(revision),
        },
        this.options.watchCache,
      );
    }
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    this.assertOpen();
    if (this.cache) await this.startCache();
    const k = this.keys.key(key);
    const value = encodeValue(obj);
    const res = await this.txn('create', {
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) {
      const current = failedRange(res);
      throw StorageError.keyExists(key, current ? Number(current.mod_revision) : undefined);
    }
    return decodeValue(value, res.header.revision, key);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    this.assertOpen();
    if (this.cache) {
      const cached = await this.cache.get(key);
      if (cached !== MISS) return cached;
    }
    const res = await this.range('get', { key: this.keys.key(key) });
    const kv = res.kvs[0];
    return kv ? decodeValue(kv.value, kv.mod_revision, key) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const { revision, startKey, limit } = options;
    if (revision !== undefined) nonNegativeInteger(revision, 'revision');
    if (this.cache) {
      const cached = await this.cache.list(prefix, options);
      if (cached !== MISS) return cached;
    }
    return this.listDirect(prefix, { revision, startKey, limit });
  }

  /** A list read from etcd (at `revision`, or linearizable now). */
  private async listDirect(prefix: string, options: ListOptions): Promise<ListResult> {
    const { revision, startKey, limit } = options;
    const { start, end } = this.keys.range(prefix, startKey);
    let res: IRangeResponse;
    try {
      res = await this.range('list', {
        key: start,
        range_end: end,
        // etcd reads 0 as "now"; the store's empty revision 0 is etcd's empty revision 1.
        revision: revision === undefined ? 0 : Math.max(revision, 1),
        limit: limit !== undefined && limit > 0 ? limit : 0,
      });
    } catch (err) {
      throw await this.revisionError(err, revision ?? 0);
    }
    const items: ListResult['items'] = [];
    for (const kv of res.kvs) {
      const k = this.keys.storageKey(kv.key);
      if (k !== undefined) items.push({ key: k, object: decodeValue(kv.value, kv.mod_revision, k) });
    }
    return { items, revision: revision ?? Number(res.header.revision), more: res.more };
  }

  async update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    this.assertOpen();
    if (this.cache) await this.startCache();
    nonNegativeInteger(expectedRevision, 'expectedRevision');
    const k = this.keys.key(key);
    const value = encodeValue(obj);
    const res = await this.txn('update', {
      compare: [
        { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
      ],
      success: [{ request_put: { key: k, value } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.writeFailure(key, res, expectedRevision);
    return decodeValue(value, res.header.revision, key);
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    this.assertOpen();
    if (this.cache) await this.startCache();
    if (expectedRevision !== undefined) nonNegativeInteger(expectedRevision, 'expectedRevision');
    const k = this.keys.key(key);
    const compare: ICompare[] = [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }];
    if (expectedRevision !== undefined) compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision });
    const res = await this.txn('delete', {
      compare,
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.writeFailure(key, res, expectedRevision);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new Error(`etcd: the deletion of ${key} returned no previous value`);
    return decodeValue(prev.value, res.header.revision, key);
  }

  async watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    this.assertOpen();
    nonNegativeInteger(fromRevision, 'fromRevision');
    if (this.cache) {
      const cached = await this.cache.watchFrom(prefix, fromRevision, sink);
      if (cached !== MISS) return cached;
    }
    return this.watchDirect(prefix, fromRevision, sink);
  }

  /** An etcd watch of its own (`onProgress`: told of progress notifications). */
  private async watchDirect(
    prefix: string,
    fromRevision: number,
    sink: StoreWatchSink,
    onProgress?: (revision: number) => void,
    range?: { start: Buffer; end: Buffer },
  ): Promise<StoreWatch> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    // etcd accepts a watch from its compaction point itself, whose changes it no longer holds
    // all of, and reports compaction only after creating the watch: a read at fromRevision
    // answers the port's question (are all changes after it kept?) before the watch starts.
    if (!(await this.readableAt(Math.max(fromRevision, 1), 'watch'))) {
      throw this.expired(fromRevision);
    }
    this.assertOpen();
    const w = new EtcdStoreWatch(
      {
        openStream: () => this.connection.client.watchClient.watch(),
        keys: this.keys,
        compaction: this.compaction,
        startTimeoutMs: Math.max(50, deadline - Date.now()),
        onEnd: (ended) => this.watches.delete(ended),
        onProgress,
        range,
      },
      prefix,
      fromRevision,
      sink,
    );
    this.watches.add(w);
    await w.start();
    return w;
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    if (this.cache) return this.cache.freshRevision();
    return this.readRevision();
  }

  private async readRevision(): Promise<number> {
    const res = await this.range('current revision', { key: this.keys.probeKey(), keys_only: true });
    return Number(res.header.revision);
  }

  async oldestRevision(): Promise<number> {
    this.assertOpen();
    return this.compaction.find();
  }

  /** Resolves when a linearizable read succeeds within `readyTimeoutMs`: etcd has quorum. */
  async ready(): Promise<void> {
    this.assertOpen();
    await this.range('ready', { key: this.keys.probeKey(), keys_only: true }, this.options.readyTimeoutMs);
    // The cache starts with the store's first use, so that its window holds the store's writes.
    await this.cache?.start().catch(() => undefined);
  }

  /**
   * Compacts etcd's history up to `revision`: reads and watches at older revisions answer
   * `Expired` from then on. etcd's compaction is cluster-wide: it applies to every prefix and
   * every server on this etcd. Compacting to an already compacted revision is a no-op.
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    nonNegativeInteger(revision, 'revision');
    try {
      await this.connection.run('compact', 'write', (o) => this.connection.client.kv.compact({ revision }, o));
    } catch (err) {
      if (!isCompactedError(err)) throw await this.revisionError(err, revision);
    }
    this.compaction.atLeast(revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = StorageError.closed(this.name);
    this.cache?.close();
    for (const w of [...this.watches]) w.fail(err);
    this.connection.close();
  }

  /** Starts the watch cache (before the store's first write, so its window holds it); a failure to start is the reads' to see. */
  private startCache(): Promise<void> {
    return this.cache!.start().catch(() => undefined);
  }

  private txn(what: string, req: ITxnRequest): Promise<ITxnResponse> {
    return this.connection.run(what, 'write', (o) => this.connection.client.kv.txn(req, o));
  }

  private range(what: string, req: IRangeRequest, timeoutMs?: number): Promise<IRangeResponse> {
    return this.connection.run(what, 'read', (o) => this.connection.client.kv.range(req, o), timeoutMs);
  }

  /** Whether a read at `revision` succeeds: false when etcd compacted it away. */
  private async readableAt(revision: number, what = 'compaction probe'): Promise<boolean> {
    try {
      await this.range(what, { key: this.keys.probeKey(), revision, keys_only: true });
      return true;
    } catch (err) {
      if (isFutureRevisionError(err)) return true;
      if (!isCompactedError(err)) throw err;
      this.compaction.atLeast(revision + 1);
      return false;
    }
  }

  /** The port's name for a failed read at `revision`. */
  private async revisionError(err: unknown, revision: number): Promise<unknown> {
    if (isCompactedError(err)) {
      this.compaction.atLeast(revision + 1);
      return this.expired(revision);
    }
    if (isFutureRevisionError(err)) {
      const current = await this.currentRevision().catch(() => undefined);
      return StorageError.tooLarge(revision, current);
    }
    return err;
  }

  private expired(revision: number): StorageError {
    // etcd does not tell its compaction point: the error carries the best lower bound known.
    return StorageError.expired(revision, this.compaction.lowerBound, { where: this.name, atLeast: true });
  }

  /** NotFound or Conflict, from the read of the key in a failed transaction. */
  private writeFailure(key: string, res: ITxnResponse, expected: number | undefined): StorageError {
    const current = failedRange(res);
    if (!current) return StorageError.notFound(key);
    return StorageError.conflict(key, Number(current.mod_revision), expected);
  }

  private assertOpen(): void {
    if (this.closed) throw StorageError.closed(this.name);
  }
}

function failedRange(res: ITxnResponse): IKeyValue | undefined {
  return res.responses[0]?.response_range?.kvs[0];
}
