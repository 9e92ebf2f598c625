/**
 * The etcd store's watch cache, after kube-apiserver's cacher: objects and recent changes held in
 * memory, kept current by ONE etcd watch over the store's whole key space, so that reads and
 * watches need no etcd call of their own.
 *
 * - One watch, over the whole etcd by default (`scope: 'etcd'`). Every etcd revision is a write,
 *   so a watch over every key sees every revision, and the cache's revision (`revision`) is
 *   exact: every change at or below it has been applied, also the writes of other servers and
 *   other prefixes (those move the revision only). kube-apiserver keeps one etcd watch per
 *   resource and needs etcd's progress requests to learn how far each has got; etcd before
 *   3.4.31/3.5.13 answers those out of order with events (Debian's 3.4.23 among them), so they
 *   are not used. With `scope: 'prefix'` the watch covers the store's key prefix only, and writes
 *   elsewhere reach the cache's revision only through etcd's progress notifications
 *   (`--experimental-watch-progress-notify-interval`, 10 min by default).
 * - Objects per resource prefix (`/{group}/{resource}/`), loaded on the first read under it by one
 *   etcd range at the cache's revision, then kept by the watch's events.
 * - An event window of the newest `events` changes (all prefixes), for watches from a recent
 *   revision and for lists at an exact revision inside it (the state now with the window's later
 *   changes undone).
 *
 * Consistent reads (get; list without a revision) start one linearizable revision read after
 * the call began (calls that arrive while one is in flight share the next one), then wait until
 * the cache has reached that revision and answer from memory; a cache that does not get there
 * within `consistentReadWaitMs` (its watch is reconnecting, or writes elsewhere moved etcd's
 * revision and no progress notification came yet) leaves the call to etcd. Lists with
 * `minRevision` (resourceVersion=0 or NotOlderThan) are answered from memory once the cache is at
 * least there, without asking etcd.
 */
import { deepFreeze } from '../../../domain/util/json.js';
import type { KubeObject } from '../../../domain/meta/types.js';
import { knownJson, rememberJson } from '../../../ports/known-json.js';
import {
  StorageError,
  type ListItem,
  type ListOptions,
  type ListResult,
  type StoreEvent,
  type StoreWatch,
  type StoreWatchSink,
} from '../../../ports/object-store.port.js';
import { FanoutWatch, WatchFanout } from '../shared/watch-fanout.js';

export interface WatchCacheOptions {
  /** How many changes the event window keeps (default 10 000). */
  events?: number;
  /** How long a consistent read waits for the cache to reach etcd's revision before asking etcd (default 100 ms). */
  consistentReadWaitMs?: number;
  /**
   * What the cache's one etcd watch covers: `etcd` (default), every key of the etcd, so that it
   * sees every revision and consistent reads never wait for a progress notification, at the price
   * of receiving the writes of other users of the same etcd too (they are dropped); `prefix`, the
   * store's key prefix only, where writes by others move etcd's revision past the cache until a
   * progress notification comes (etcd's `--experimental-watch-progress-notify-interval`, 10 min
   * by default), and consistent reads meanwhile go to etcd after `consistentReadWaitMs`.
   */
  scope?: 'etcd' | 'prefix';
  /** How many cached objects are also kept parsed, the most recently read or written (default 10 000); the rest as JSON text only. */
  parsedObjects?: number;
  /**
   * A watch from a revision older than the window: `etcd` (default) gives it an etcd watch of its
   * own, which replays etcd's history (Expired once compacted); `expire` answers Expired (410) at
   * once, as kube-apiserver's cacher does, so no client watch ever costs an etcd watch.
   */
  olderWatches?: 'etcd' | 'expire';
  /** The longest a consistent read waits for others to share its revision read (default 1 ms; see `freshRevision`). */
  revisionReadBatchMs?: number;
}

export const DEFAULT_REVISION_READ_BATCH_MS = 1;

interface Gathering {
  count: number;
  promise: Promise<number>;
  /** Starts the read at once (enough calls joined). */
  full: (() => void) | undefined;
}

export const DEFAULT_PARSED_OBJECTS = 10_000;

export const DEFAULT_WATCH_CACHE_EVENTS = 10_000;
export const DEFAULT_CONSISTENT_READ_WAIT_MS = 100;

/** What the cache needs of the store: direct etcd calls. */
export interface WatchCacheBackend {
  readonly name: string;
  /** A linearizable read of etcd's revision. */
  readRevision(): Promise<number>;
  /** A direct etcd list (every page) at exactly `revision`. */
  listAt(prefix: string, revision: number): Promise<ListResult>;
  /** A direct etcd watch of the whole key space, reporting progress notifications. */
  watchAll(fromRevision: number, sink: StoreWatchSink, onProgress: (revision: number) => void, scope: 'etcd' | 'prefix'): Promise<StoreWatch>;
  /** A lower bound of etcd's compaction point, as the store knows it. */
  compactedBelow(): number;
  /** Whether etcd still reads at `revision` (one keys-only read of no key): false once compacted. */
  readable(revision: number): Promise<boolean>;
}

interface ResourceState {
  readonly prefix: string;
  /** Resolves once loaded; rejects when the load failed (the state is then dropped). */
  loaded: Promise<void>;
  ready: boolean;
  /** Events after the load's revision that arrived while the list was in flight. */
  buffered: StoreEvent[];
  readonly objects: Map<string, Entry>;
  /** The keys of `objects`, in ascending order. */
  keys: string[];
}

interface Waiter {
  revision: number;
  resolve(reached: boolean): void;
  timer: NodeJS.Timeout;
}

/** `/{group}/{resource}/` of a key or prefix, or undefined when it does not name one resource. */
export function resourcePrefixOf(keyOrPrefix: string): string | undefined {
  const m = /^\/[^/]+\/[^/]+\//.exec(keyOrPrefix);
  return m ? m[0] : undefined;
}

class CacheFanout extends WatchFanout {
  constructor(private readonly cache: EtcdWatchCache) {
    super();
  }
  progressOf(w: FanoutWatch): number {
    return Math.max(w.from, this.cache.revision);
  }
}

export class EtcdWatchCache {
  /** Every change under the store's prefix at or below this revision has been applied. */
  revision = 0;
  private readonly capacity: number;
  private readonly waitMs: number;
  private readonly scope: 'etcd' | 'prefix';
  private readonly olderWatches: 'etcd' | 'expire';
  private started: Promise<void> | undefined;
  private live = false;
  private watch: StoreWatch | undefined;
  /** Watches may start from this revision or later: every change after it is in the window. */
  private windowStart = 0;
  private window: StoreEvent[] = [];
  private windowHead = 0;
  private readonly resources = new Map<string, ResourceState>();
  private readonly fanout = new CacheFanout(this);
  private waiters: Waiter[] = [];
  private readonly parsedCapacity: number;
  private parsedQueue: Entry[] = [];
  private parsedHead = 0;
  private revisionRead: Promise<number> | undefined;
  private gathering: Gathering | undefined;
  /** How many calls shared the last revision read. */
  private lastBatch = 1;
  private readonly batchMs: number;
  private closed = false;
  private generation = 0;
  /** Counters for tests and metrics: reads answered from memory and left to etcd. */
  readonly stats = { cacheReads: 0, etcdReads: 0, revisionReads: 0, cacheWatches: 0, etcdWatches: 0, restarts: 0 };

  constructor(
    private readonly backend: WatchCacheBackend,
    options: WatchCacheOptions = {},
  ) {
    this.capacity = options.events ?? DEFAULT_WATCH_CACHE_EVENTS;
    this.waitMs = options.consistentReadWaitMs ?? DEFAULT_CONSISTENT_READ_WAIT_MS;
    this.scope = options.scope ?? 'etcd';
    this.batchMs = options.revisionReadBatchMs ?? DEFAULT_REVISION_READ_BATCH_MS;
    if (!Number.isFinite(this.batchMs) || this.batchMs < 0) throw new TypeError(`etcd: watchCache.revisionReadBatchMs must be a number >= 0, got ${this.batchMs}`);
    this.parsedCapacity = options.parsedObjects ?? DEFAULT_PARSED_OBJECTS;
    if (!Number.isInteger(this.parsedCapacity) || this.parsedCapacity < 0) throw new TypeError(`etcd: watchCache.parsedObjects must be an integer >= 0, got ${this.parsedCapacity}`);
    this.olderWatches = options.olderWatches ?? 'etcd';
    if (this.olderWatches !== 'etcd' && this.olderWatches !== 'expire') throw new TypeError(`etcd: watchCache.olderWatches must be "etcd" or "expire", got ${String(this.olderWatches)}`);
    if (this.scope !== 'etcd' && this.scope !== 'prefix') throw new TypeError(`etcd: watchCache.scope must be "etcd" or "prefix", got ${String(this.scope)}`);
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new TypeError(`etcd: watchCache.events must be a positive integer, got ${this.capacity}`);
    if (!Number.isFinite(this.waitMs) || this.waitMs < 0) throw new TypeError(`etcd: watchCache.consistentReadWaitMs must be a number >= 0, got ${this.waitMs}`);
  }

  /** How many client watches the cache serves (all over its one etcd watch). */
  get watchCount(): number {
    return this.fanout.size;
  }

  /** Starts the cache's etcd watch at etcd's current revision (once; again after a failure). */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(StorageError.closed(this.backend.name));
    this.started ??= this.open().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  private async open(): Promise<void> {
    const from = await this.backend.readRevision();
    const generation = ++this.generation;
    // Live events may reach the sink before watchAll resolves: the window is ready for them.
    this.revision = Math.max(this.revision, from);
    this.windowStart = from;
    this.window = [];
    this.windowHead = 0;
    const w = await this.backend.watchAll(
      from,
      {
        event: (e) => {
          if (generation === this.generation) this.apply(e);
        },
        error: (err) => {
          if (generation === this.generation) this.lost(err);
        },
      },
      (revision) => {
        if (generation === this.generation) this.advance(revision);
      },
      this.scope,
    );
    if (this.closed || generation !== this.generation) {
      w.stop();
      throw StorageError.closed(this.backend.name);
    }
    this.watch = w;
    this.live = true;
  }

  /**
   * A linearizable revision read that started after this call. Calls share reads: a call joins
   * the read being gathered, which starts once the read in flight (if any) has answered and
   * either as many calls have joined as joined the previous one, or `batchMs` has passed (so
   * under steady load each read serves the whole wave of requests; alone, a call waits for
   * nothing). If the read in flight fails, the gathered calls fail with it (etcd is unavailable:
   * one deadline, not two in a row).
   */
  freshRevision(): Promise<number> {
    const joining = this.gathering;
    if (joining) {
      joining.count++;
      if (joining.count >= this.lastBatch) joining.full?.();
      return joining.promise;
    }
    const g: Gathering = { count: 1, promise: Promise.resolve(0), full: undefined };
    this.gathering = g;
    g.promise = (async () => {
      try {
        if (this.revisionRead) await this.revisionRead;
        if (g.count < this.lastBatch && this.batchMs > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.batchMs);
            g.full = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        if (this.gathering === g) this.gathering = undefined;
      }
      this.lastBatch = g.count;
      return (this.revisionRead = this.runRevisionRead());
    })();
    return g.promise;
  }

  private runRevisionRead(): Promise<number> {
    this.stats.revisionReads++;
    const read = this.backend.readRevision().finally(() => {
      if (this.revisionRead === read) this.revisionRead = undefined;
    });
    return read;
  }

  /** The object under `key` at a revision proven current, or `miss` when the cache cannot tell. */
  async get(key: string): Promise<KubeObject | undefined | typeof MISS> {
    const state = await this.resource(key);
    if (!state) return MISS;
    const current = await this.freshRevision();
    if (!(await this.reach(current, this.waitMs)) || !this.valid(state)) return this.miss();
    this.stats.cacheReads++;
    const entry = state.objects.get(key);
    return entry && this.objectOf(entry);
  }

  /** A list from memory, or `miss` when it must come from etcd. */
  async list(prefix: string, options: ListOptions): Promise<ListResult | typeof MISS> {
    const state = await this.resource(prefix);
    if (!state) return MISS;
    const { revision, minRevision } = options;
    if (revision !== undefined) {
      if (revision > this.revision || revision < this.oldestServable() || !this.valid(state)) return this.miss();
      // The window may reach further back than etcd's history (another process compacted): a
      // list at a revision etcd no longer has is Expired, as without the cache.
      if (revision < this.revision && !(await this.backend.readable(Math.max(revision, 1)))) return this.miss();
      if (!this.valid(state) || revision < this.oldestServable()) return this.miss();
      const past = this.listAt(state, prefix, revision, options);
      if (past === MISS) return this.miss();
      this.stats.cacheReads++;
      return past;
    }
    const wanted = minRevision !== undefined ? minRevision : await this.freshRevision();
    if (!(await this.reach(wanted, this.waitMs)) || !this.valid(state)) return this.miss();
    this.stats.cacheReads++;
    return this.listNow(state, prefix, options);
  }

  /**
   * A watch served from the window and the cache's fan-out, or `miss` when `fromRevision` is
   * older than the window (the store then opens an etcd watch of its own).
   */
  async watchFrom(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch | typeof MISS> {
    await this.start();
    if (!this.live || fromRevision < this.oldestServable()) {
      if (this.live && this.olderWatches === 'expire') {
        throw StorageError.expired(fromRevision, this.oldestServable(), { where: `${this.backend.name}: watch cache` });
      }
      this.stats.etcdWatches++;
      return MISS;
    }
    const w = this.fanout.open(prefix, fromRevision, sink);
    for (let i = this.windowHead; i < this.window.length && w.active; i++) {
      const e = this.window[i]!;
      if (e.revision > fromRevision && e.key.startsWith(prefix)) w.send(e);
    }
    this.fanout.attach(w);
    this.stats.cacheWatches++;
    return w;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fanout.endAll(() => StorageError.closed(this.backend.name));
    this.watch?.stop();
    this.reset();
  }

  // --- internals ---

  private miss(): typeof MISS {
    this.stats.etcdReads++;
    return MISS;
  }

  private oldestServable(): number {
    return Math.max(this.windowStart, this.backend.compactedBelow());
  }

  private valid(state: ResourceState): boolean {
    return this.live && state.ready && this.resources.get(state.prefix) === state;
  }

  /** The loaded state of the resource `keyOrPrefix` names, or undefined when it names none. */
  private async resource(keyOrPrefix: string): Promise<ResourceState | undefined> {
    const prefix = resourcePrefixOf(keyOrPrefix);
    if (prefix === undefined) return undefined;
    await this.start();
    let state = this.resources.get(prefix);
    if (!state) {
      const s: ResourceState = { prefix, loaded: Promise.resolve(), ready: false, buffered: [], objects: new Map(), keys: [] };
      s.loaded = this.load(s);
      this.resources.set(prefix, (state = s));
    }
    try {
      await state.loaded;
    } catch {
      return undefined;
    }
    return state;
  }

  private async load(state: ResourceState): Promise<void> {
    const at = this.revision;
    try {
      const res = await this.backend.listAt(state.prefix, at);
      for (const item of res.items) state.objects.set(item.key, new Entry(flatJson(item.object)));
      state.keys = res.items.map((i) => i.key);
      for (const e of state.buffered) if (e.revision > at) this.applyToState(state, e);
      state.buffered = [];
      state.ready = true;
    } catch (err) {
      if (this.resources.get(state.prefix) === state) this.resources.delete(state.prefix);
      throw err;
    }
  }

  private apply(raw: StoreEvent): void {
    const e = frozenEvent(raw);
    this.window.push(e);
    if (this.window.length - this.windowHead > this.capacity) {
      this.windowStart = Math.max(this.windowStart, this.window[this.windowHead]!.revision);
      this.windowHead++;
      if (this.windowHead >= 1024 && this.windowHead * 2 >= this.window.length) {
        this.window = this.window.slice(this.windowHead);
        this.windowHead = 0;
      }
    }
    const state = this.resources.get(resourcePrefixOf(e.key) ?? '');
    if (state) {
      if (state.ready) this.applyToState(state, e);
      else state.buffered.push(e);
    }
    this.fanout.offer(e.revision, e.key, () => e);
    this.advance(e.revision);
  }

  private advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.revision <= revision) {
        clearTimeout(w.timer);
        w.resolve(true);
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** Whether the cache reaches `revision` within `ms`. */
  private reach(revision: number, ms: number): Promise<boolean> {
    if (this.live && this.revision >= revision) return Promise.resolve(true);
    if (!this.live || ms <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        revision,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== waiter);
          resolve(false);
        }, ms),
      };
      this.waiters.push(waiter);
    });
  }

  /** The cache's etcd watch ended (compacted history while it caught up, or the store closed). */
  private lost(err: Error): void {
    this.fanout.endAll(() => err);
    this.reset();
    this.stats.restarts++;
  }

  private reset(): void {
    this.generation++;
    this.live = false;
    this.watch = undefined;
    this.started = undefined;
    this.resources.clear();
    this.window = [];
    this.windowHead = 0;
    this.parsedQueue = [];
    this.parsedHead = 0;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.waiters = [];
  }

  private applyToState(state: ResourceState, e: StoreEvent): void {
    const entry = state.objects.get(e.key);
    if (e.type === 'DELETED') {
      if (!entry) return;
      state.objects.delete(e.key);
      entry.parsed = undefined;
      const i = lowerBound(state.keys, e.key);
      if (state.keys[i] === e.key) state.keys.splice(i, 1);
      return;
    }
    const next = new Entry(knownJson(e.object) ?? flatJson(e.object));
    state.objects.set(e.key, next);
    this.keepParsed(next, e.object);
    if (entry) entry.parsed = undefined;
    else state.keys.splice(lowerBound(state.keys, e.key), 0, e.key);
  }

  /** The frozen object of `entry`, parsed from its text unless one of the recent ones. */
  objectOf(entry: Entry): KubeObject {
    if (entry.parsed) return entry.parsed;
    const obj = JSON.parse(entry.json) as KubeObject;
    rememberJson(obj, entry.json);
    deepFreeze(obj);
    this.keepParsed(entry, obj);
    return obj;
  }

  /** Keeps `obj` parsed on `entry`, dropping the parsed form of the oldest kept beyond `parsedObjects`. */
  private keepParsed(entry: Entry, obj: KubeObject): void {
    entry.parsed = obj;
    entry.queued++;
    this.parsedQueue.push(entry);
    if (this.parsedQueue.length - this.parsedHead > this.parsedCapacity) {
      const old = this.parsedQueue[this.parsedHead]!;
      this.parsedQueue[this.parsedHead++] = undefined as unknown as Entry;
      // An entry kept again later is in the queue twice: it keeps its parse until the later one goes.
      if (--old.queued === 0) old.parsed = undefined;
      if (this.parsedHead >= 1024 && this.parsedHead * 2 >= this.parsedQueue.length) {
        this.parsedQueue = this.parsedQueue.slice(this.parsedHead);
        this.parsedHead = 0;
      }
    }
  }

  private listNow(state: ResourceState, prefix: string, o: ListOptions): ListResult {
    const revision = this.revision;
    const keys = state.keys;
    const from = o.startKey !== undefined && o.startKey > prefix ? o.startKey : prefix;
    const limit = o.limit !== undefined && o.limit > 0 ? o.limit : Infinity;
    const items: ListItem[] = [];
    let i = lowerBound(keys, from);
    for (; i < keys.length && items.length < limit; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      items.push(new CachedItem(key, state.objects.get(key)!, this));
    }
    const more = i < keys.length && keys[i]!.startsWith(prefix);
    return { items, revision, more };
  }

  /** The list at `revision` (inside the window): today's state with the later changes undone. */
  private listAt(state: ResourceState, prefix: string, revision: number, o: ListOptions): ListResult | typeof MISS {
    // The state of each key changed after `revision`, as it was at `revision` (null: absent).
    const then = new Map<string, KubeObject | null>();
    for (let i = this.window.length - 1; i >= this.windowHead; i--) {
      const e = this.window[i]!;
      if (e.revision <= revision) break;
      if (!e.key.startsWith(prefix)) continue;
      if (e.type === 'ADDED') then.set(e.key, null);
      else if (e.prevObject) then.set(e.key, e.prevObject);
      else return MISS;
    }
    if (then.size === 0) {
      const now = this.listNow(state, prefix, o);
      return { ...now, revision };
    }
    const from = o.startKey !== undefined && o.startKey > prefix ? o.startKey : prefix;
    const limit = o.limit !== undefined && o.limit > 0 ? o.limit : Infinity;
    const extra = [...then.keys()].filter((k) => k >= from && !state.objects.has(k)).sort(byteOrder);
    const keys = state.keys;
    let i = lowerBound(keys, from);
    let j = 0;
    const items: ListItem[] = [];
    let more = false;
    for (;;) {
      const a = i < keys.length && keys[i]!.startsWith(prefix) ? keys[i]! : undefined;
      const b = j < extra.length ? extra[j]! : undefined;
      if (a === undefined && b === undefined) break;
      const key = b === undefined || (a !== undefined && a < b) ? a! : b;
      if (key === a) i++;
      else j++;
      const object = then.has(key) ? then.get(key)! : undefined;
      if (object === null) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(object === undefined ? new CachedItem(key, state.objects.get(key)!, this) : { key, object });
    }
    return { items, revision, more };
  }
}

export const MISS: unique symbol = Symbol('etcd watch cache miss');

/** The first index whose key is >= `key` (keys are ASCII, so string order is byte order). */
function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The object deeply frozen with its JSON remembered, so responses reuse the text. */
function frozen(obj: KubeObject): KubeObject {
  if (Object.isFrozen(obj)) return obj;
  rememberJson(obj, flatJson(obj));
  return deepFreeze(obj);
}

/** JSON.stringify of `obj` as one flat string (V8 may build a long result as a rope of pieces, which takes more memory for as long as it is kept). */
function flatJson(obj: unknown): string {
  const text = JSON.stringify(obj);
  text.charCodeAt(0);
  return text;
}

/** A cached object: its JSON text, and its parsed frozen form while it is one of the recently used. */
class Entry {
  parsed: KubeObject | undefined;
  /** How often the entry is in the cache's queue of parsed objects. */
  queued = 0;
  constructor(readonly json: string) {}
}

/** A list item over a cached entry: `object` parsed only when read (the transports mostly want `json`). */
class CachedItem implements ListItem {
  constructor(
    readonly key: string,
    private readonly entry: Entry,
    private readonly cache: EtcdWatchCache,
  ) {
    Object.defineProperty(this, 'entry', { enumerable: false });
    Object.defineProperty(this, 'cache', { enumerable: false });
  }
  get object(): KubeObject {
    return this.cache.objectOf(this.entry);
  }
  get json(): string {
    return this.entry.json;
  }
}
// `object` reads like a plain field (for..in, deep equality); `json` stays out of sight, as on the other stores' items.
Object.defineProperty(CachedItem.prototype, 'object', { enumerable: true });

function frozenEvent(e: StoreEvent): StoreEvent {
  const event: StoreEvent = { type: e.type, key: e.key, revision: e.revision, object: frozen(e.object) };
  if (e.prevObject) event.prevObject = frozen(e.prevObject);
  return Object.freeze(event);
}
