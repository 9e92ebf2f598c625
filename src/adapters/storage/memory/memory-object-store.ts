import type { KubeObject } from '../../../domain/meta/types.js';
import {
  type ListItem,
  type ListOptions,
  type ListResult,
  type ObjectStore,
  type StoreEvent,
  type StoreWatch,
  type StoreWatchSink,
  StorageError,
} from '../../../ports/object-store.port.js';
import { nonNegativeInteger, positiveInteger } from '../shared/argument-checks.js';
import { storedBytes } from '../shared/free-space.js';
import { ChangeHistory, storeEvent } from './change-history.js';
import { frozenFromJson, storedForm, withResourceVersion } from './frozen-json.js';
import { MemoryWatchHub } from './memory-watch-hub.js';
import { RecentObjects } from './recent-objects.js';
import { SortedKeys } from './sorted-keys.js';

export interface MemoryObjectStoreOptions {
  /**
   * How many changes are kept for watches and reads at older revisions (default 10000).
   * Older changes are compacted away: the compaction point is then the newest revision minus
   * this number. 0 keeps none: lists and watches work only from the current revision.
   */
  historyLimit?: number;
  /**
   * How many objects are also kept parsed (default 10000): the most recently read. Every
   * object is kept as its JSON text, which takes about half the memory of the parsed object;
   * a read of an object that is not among these parses its text (a few microseconds for a
   * small object).
   */
  cachedObjects?: number;
  /**
   * The most bytes of objects the store holds (unset: no limit): a create or update that would
   * take the UTF-8 size of the objects' JSON beyond it is refused with `NoSpace`; deletes always
   * work. History is not counted.
   */
  quotaBytes?: number;
}

interface Entry {
  /** The object's JSON, resourceVersion included. */
  json: string;
  revision: number;
}

/**
 * An {@link ObjectStore} held in process memory, for tests, demos and single-process servers
 * whose data may vanish with the process. Nothing survives a restart, so the "never reused
 * across restarts" rule holds trivially: a new store is a new backing store.
 *
 * Memory. Objects are kept as their JSON text, the history of changes too, and the objects
 * read most recently also as parsed objects; a store of 100k small objects then takes about
 * 1.2 times the size of their JSON in heap, where parsed objects alone take twice that. What a
 * write parses lives only while the write is answered and its watchers are served.
 *
 * Immutability. Objects are copied on the way in (as their JSON form) and deep-frozen; frozen
 * instances are what `create`, `update`, `get`, `list` and watch events hand out, shared by
 * every reader with no copy per read (readers of one object share one instance while it is
 * among the recently read). A caller that mutates one gets a TypeError (ES modules
 * run in strict mode) instead of silently corrupting the store: copy before changing. Events
 * are frozen too, as one event object goes to every watcher. Each handed-out object carries its
 * JSON text (src/ports/known-json.ts), so a transport need not serialize it again.
 *
 * Costs. `get`, `create`, `update` and `delete` are a map access plus, for creates and deletes,
 * an insertion into a sorted key array (a memmove; fine at 100k keys). A current `list` is a
 * binary search plus the page. A `list` at an older revision also reads every change after that
 * revision (at most `historyLimit`) to undo those under the prefix.
 *
 * Watches are served synchronously, right after a write commits and before the write's promise
 * settles, so `progress()` of a watch is always the store's current revision; sinks must only
 * enqueue, as the port demands.
 *
 * After `close()` every method rejects with `StorageError` `Unavailable`, and open watches end
 * with that error passed to their sinks.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly name = 'memory';

  private readonly entries = new Map<string, Entry>();
  private readonly parsed: RecentObjects;
  private readonly keys = new SortedKeys();
  private readonly history: ChangeHistory;
  private readonly hub: MemoryWatchHub;
  private revision = 0;
  private closed = false;
  private readonly quotaBytes: number | undefined;
  /** The UTF-8 size of every entry's JSON, kept while a quota is set. */
  private bytes = 0;

  constructor(options: MemoryObjectStoreOptions = {}) {
    this.quotaBytes = options.quotaBytes === undefined ? undefined : positiveInteger(options.quotaBytes, 'quotaBytes');
    const limit = nonNegativeInteger(options.historyLimit ?? 10_000, 'historyLimit');
    const cached = nonNegativeInteger(options.cachedObjects ?? 10_000, 'cachedObjects');
    this.parsed = new RecentObjects(cached);
    this.history = new ChangeHistory(limit);
    this.hub = new MemoryWatchHub(this.history, () => this.revision, (from) => this.expired(from));
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    this.assertOpen();
    const existing = this.entries.get(key);
    if (existing) {
      throw StorageError.keyExists(key, existing.revision);
    }
    // Copy before taking the revision: a value that cannot be stored must not burn one.
    const revision = this.revision + 1;
    const { json, object } = storedForm(obj, String(revision));
    this.checkQuota(key, json, undefined);
    this.entries.set(key, { json, revision });
    this.keys.insert(key);
    this.commit(storeEvent('ADDED', key, revision, object, undefined), json, undefined);
    return object;
  }

  async get(key: string): Promise<KubeObject | undefined> {
    this.assertOpen();
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    let object = this.parsed.get(key);
    if (object === undefined) {
      object = frozenFromJson(entry.json);
      this.parsed.set(key, object);
    }
    return object;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const current = this.revision;
    const revision = nonNegativeInteger(options.revision ?? current, 'revision');
    if (revision > current) {
      throw StorageError.tooLarge(revision, current);
    }
    if (revision < this.history.compactedRevision) throw this.expired(revision);

    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const start = options.startKey !== undefined && options.startKey > prefix ? options.startKey : prefix;
    const past = this.pastStates(prefix, start, revision);
    const pastKeys = [...past.keys()].sort();

    // Merges the current keys with the keys whose state differed at `revision`; the latter
    // win, and a `null` state means the key was absent then.
    const items: ListResult['items'] = [];
    const nowKeys = this.keys.from(start);
    let now = nextUnder(nowKeys, prefix);
    let j = 0;
    for (;;) {
      const then = j < pastKeys.length ? pastKeys[j] : undefined;
      let key: string;
      if (now === undefined && then === undefined) break;
      if (then === undefined || (now !== undefined && now < then)) {
        key = now as string;
        now = nextUnder(nowKeys, prefix);
      } else {
        key = then;
        j++;
        if (now === then) now = nextUnder(nowKeys, prefix);
      }
      const item = past.has(key) ? pastItem(key, past.get(key)) : this.currentItem(key);
      if (!item) continue;
      if (items.length === limit) return { items, revision, more: true };
      items.push(item);
    }
    return { items, revision, more: false };
  }

  async update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    this.assertOpen();
    const prev = this.expect(key, expectedRevision);
    const revision = this.revision + 1;
    const { json, object } = storedForm(obj, String(revision));
    this.checkQuota(key, json, prev.json);
    this.entries.set(key, { json, revision });
    const cached = this.parsed.peek(key);
    if (cached !== undefined) this.parsed.set(key, object);
    this.commit(storeEvent('MODIFIED', key, revision, object, prev.json, cached), json, prev.json);
    return object;
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    this.assertOpen();
    const prev = this.expect(key, expectedRevision);
    const revision = this.revision + 1;
    const prevObject = this.current(key) as Readonly<KubeObject>;
    const object = withResourceVersion(prevObject, String(revision));
    this.entries.delete(key);
    if (this.quotaBytes !== undefined) this.bytes -= storedBytes(prev.json);
    this.parsed.delete(key);
    this.keys.remove(key);
    this.commit(storeEvent('DELETED', key, revision, object, prev.json, prevObject), undefined, prev.json);
    return object;
  }

  async watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    this.assertOpen();
    nonNegativeInteger(fromRevision, 'fromRevision');
    if (fromRevision < this.history.compactedRevision) throw this.expired(fromRevision);
    const w = this.hub.open(prefix, fromRevision, sink);
    this.hub.attach(w);
    return w;
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async oldestRevision(): Promise<number> {
    this.assertOpen();
    return this.history.compactedRevision;
  }

  async ready(): Promise<void> {
    this.assertOpen();
  }

  async usage(): Promise<{ bytes: number; quotaBytes: number } | undefined> {
    this.assertOpen();
    return this.quotaBytes === undefined ? undefined : { bytes: this.bytes, quotaBytes: this.quotaBytes };
  }

  /** Counts `json` replacing `prevJson` against the quota, or throws NoSpace when it would pass it (nothing counted then). */
  private checkQuota(key: string, json: string, prevJson: string | undefined): void {
    if (this.quotaBytes === undefined) return;
    const growth = storedBytes(json) - storedBytes(prevJson);
    if (growth > 0 && this.bytes + growth > this.quotaBytes) {
      throw StorageError.noSpace(`${this.name}: write of ${key} refused`, undefined, {
        key,
        quotaBytes: this.quotaBytes,
        hint: `the objects take ${this.bytes} bytes, ${growth} more would pass the quota of ${this.quotaBytes} bytes`,
      });
    }
    this.bytes += growth;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.endAll(StorageError.closed(this.name));
    this.entries.clear();
    this.parsed.clear();
    this.keys.clear();
    this.history.reset(this.revision);
  }

  /** The current object under `key`, parsed if it is not among the recent ones (without making it one: scans would flush them). */
  private current(key: string): Readonly<KubeObject> | undefined {
    const cached = this.parsed.peek(key);
    if (cached !== undefined) return cached;
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : frozenFromJson(entry.json);
  }

  /** A list item for the current object under `key`: parsed only if someone reads it. */
  private currentItem(key: string): ListItem | undefined {
    const cached = this.parsed.peek(key);
    if (cached !== undefined) return { key, object: cached };
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : new StoredItem(key, entry.json);
  }

  /** The live entry under `key` if its revision is `expected` (when given). */
  private expect(key: string, expected: number | undefined): Entry {
    const entry = this.entries.get(key);
    if (!entry) throw StorageError.notFound(key);
    if (expected !== undefined && expected !== entry.revision) {
      throw StorageError.conflict(key, entry.revision, expected);
    }
    return entry;
  }

  private commit(event: StoreEvent, json: string | undefined, prevJson: string | undefined): void {
    this.revision = event.revision;
    this.history.append(event, json, prevJson);
    this.hub.drain();
  }

  /**
   * For each key under `prefix` from `start` that changed after `revision`: its state at
   * `revision` (`null` if absent then), i.e. the state before its first later change.
   */
  private pastStates(prefix: string, start: string, revision: number): Map<string, Readonly<KubeObject> | null> {
    const past = new Map<string, Readonly<KubeObject> | null>();
    for (let r = revision + 1; r <= this.revision; r++) {
      const key = this.history.keyAt(r) as string;
      if (key >= start && key.startsWith(prefix) && !past.has(key)) past.set(key, this.history.previousAt(r) ?? null);
    }
    return past;
  }

  private expired(revision: number): StorageError {
    return StorageError.expired(revision, this.history.compactedRevision, { where: this.name });
  }

  private assertOpen(): void {
    if (this.closed) throw StorageError.closed(this.name);
  }
}

/** A listed object kept as JSON: its text as stored, and the object parsed on first read. */
class StoredItem implements ListItem {
  private parsed: Readonly<KubeObject> | undefined;

  constructor(
    readonly key: string,
    readonly json: string,
  ) {}

  get object(): KubeObject {
    return (this.parsed ??= frozenFromJson(this.json));
  }
}

function pastItem(key: string, object: Readonly<KubeObject> | null | undefined): ListItem | undefined {
  return object ? { key, object } : undefined;
}

/** The next key of `keys` if it is under `prefix`; keys are ascending, so the first one outside ends the range. */
function nextUnder(keys: Iterator<string>, prefix: string): string | undefined {
  const next = keys.next();
  return !next.done && next.value.startsWith(prefix) ? next.value : undefined;
}
