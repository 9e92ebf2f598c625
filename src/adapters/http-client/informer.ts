import { ApiError } from '../../domain/errors/api-error.js';
import type { KubeList, KubeObject, StatusObject, WatchEvent } from '../../domain/meta/types.js';
import type { ObjectOf, ResourceDefinition } from '../../domain/resource/resource-definition.js';
import { parseLabelSelector, type LabelSelector } from '../../domain/selectors/label-selector.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ListOptions, WatchOptions } from '../../ports/resource-api.port.js';

/**
 * What an informer needs of a client: list and watch. The resource clients of both the HTTP
 * client (`connect(...).resource(Widget)`) and the in-process client (`server.client()`) have them.
 */
export interface ListerWatcher<T extends KubeObject> {
  list(opts?: ListOptions): Promise<KubeList<T>>;
  watch(opts?: WatchOptions): Promise<AsyncIterable<WatchEvent<T>> & { close(): void }>;
}

/**
 * Callbacks for changes of the cache. Each registration has its own queue: notifications reach
 * it one at a time, in the order the cache changed, and a handler that returns a promise is
 * awaited before its next notification. A slow handler delays only itself; the cache (and so
 * the lister) is always updated before any handler hears of a change.
 *
 * Objects handed to handlers and returned by the lister are the cache's own: copy before
 * changing them (`structuredClone`).
 */
export interface EventHandler<T> {
  /** A new object; `isInInitialList` for objects of the first list. */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  /** A changed object; on a periodic resync, `oldObj` and `newObj` are the same object. */
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  /**
   * A deleted object. `finalStateUnknown` when the deletion was found by a re-list rather than
   * seen on the watch: `obj` is then the last state the cache knew.
   */
  onDelete?(obj: T, finalStateUnknown: boolean): void | Promise<void>;
}

export interface HandlerOptions {
  /** Resync period of this handler (ms); defaults to the informer's. 0: none. */
  resyncPeriodMs?: number;
}

export interface HandlerRegistration {
  /** True once every notification for the objects of the first list has been handled. */
  hasSynced(): boolean;
  waitForSync(): Promise<void>;
  /** Stops notifications to this handler; queued ones are dropped. */
  remove(): void;
}

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per page of the list (default 500; 0: one unpaged list). */
  pageSize?: number;
  /** Periodic resync (ms): every handler gets onUpdate(obj, obj) for each cached object. 0 (default): none. */
  resyncPeriodMs?: number;
  /** The timeoutSeconds of each watch (default a random 300 to 600 s, as client-go's reflector). */
  watchTimeoutSeconds?: number;
  /** First delay after a failed list or watch; doubles up to maxBackoffMs (defaults 200 ms and 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Extra indexes of the lister: name → the index values of an object. `namespace` is built in. */
  indexers?: Record<string, (obj: KubeObject) => readonly string[]>;
  /** Timers for resync and backoff (default: the machine's, not keeping the process alive). */
  clock?: Pick<Clock, 'setTimer'>;
  /** Failed lists and watches (they are retried) and handler errors. */
  onError?: (err: unknown) => void;
}

/** Counters of what the informer did, for tests and diagnostics. */
export interface InformerStats {
  /** Full lists (the first, and each re-list). */
  lists: number;
  /** Watches opened. */
  watches: number;
  /** Watches or lists answered 410 (history compacted): each leads to a re-list. */
  expired: number;
  /** Bookmarks received. */
  bookmarks: number;
  /** Failures retried after a backoff. */
  errors: number;
}

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KubeObject): string {
  const { namespace, name } = obj.metadata ?? {};
  return namespace ? `${namespace}/${name}` : `${name}`;
}

/** The namespace (undefined for cluster-scoped) and name of a cache key. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const systemTimers: Pick<Clock, 'setTimer'> = {
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

type Notification<T> =
  | { type: 'add'; obj: T; initial: boolean }
  | { type: 'update'; old: T; obj: T }
  | { type: 'delete'; obj: T; unknown: boolean };

class Registration<T extends KubeObject> implements HandlerRegistration {
  private readonly queue: Notification<T>[] = [];
  private draining = false;
  private removed = false;
  private enqueued = 0;
  private delivered = 0;
  private syncTarget: number | undefined;
  private syncWaiters: Array<() => void> = [];
  private cancelResync: (() => void) | undefined;
  private resyncHalted = false;

  constructor(
    private readonly owner: Informer<T>,
    private readonly handler: EventHandler<T>,
    private readonly resyncPeriodMs: number,
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(n: Notification<T>): void {
    if (this.removed) return;
    this.queue.push(n);
    this.enqueued++;
    if (!this.draining) void this.drain();
  }

  /** The informer has synced: this registration has synced once what is queued now is handled. */
  markSynced(): void {
    if (this.syncTarget !== undefined) return;
    this.syncTarget = this.enqueued;
    this.checkSynced();
    this.scheduleResync();
  }

  private scheduleResync(): void {
    if (this.resyncPeriodMs <= 0 || this.removed || this.resyncHalted) return;
    this.cancelResync = this.clock.setTimer(this.resyncPeriodMs, () => {
      for (const obj of this.owner.lister.list()) this.push({ type: 'update', old: obj, obj });
      this.scheduleResync();
    });
  }

  private checkSynced(): void {
    if (!this.hasSynced()) return;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  hasSynced(): boolean {
    return this.syncTarget !== undefined && this.delivered >= this.syncTarget;
  }

  waitForSync(): Promise<void> {
    if (this.hasSynced()) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  remove(): void {
    this.removed = true;
    this.queue.length = 0;
    this.halt();
    this.owner.forget(this);
  }

  /** No more resyncs (the informer stopped); queued notifications are still handled. */
  halt(): void {
    this.cancelResync?.();
    this.cancelResync = undefined;
    this.resyncHalted = true;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let n = this.queue.shift(); n; n = this.queue.shift()) {
        try {
          if (n.type === 'add') await this.handler.onAdd?.(n.obj, n.initial);
          else if (n.type === 'update') await this.handler.onUpdate?.(n.old, n.obj);
          else await this.handler.onDelete?.(n.obj, n.unknown);
        } catch (err) {
          this.onError(err);
        }
        this.delivered++;
        this.checkSynced();
      }
    } finally {
      this.draining = false;
    }
  }
}

export interface ListQuery {
  namespace?: string;
  /** A label selector in Kubernetes' text form (`app=web,tier in (a,b)`), or a parsed one. */
  labelSelector?: string | LabelSelector;
}

/** Reads of an informer's cache: by key, by namespace (indexed), by labels, by a custom index. */
export class Lister<T extends KubeObject> {
  constructor(
    private readonly items: ReadonlyMap<string, T>,
    private readonly indexes: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>,
  ) {}

  /** The object `name` (in `namespace` for namespaced types), or undefined. */
  get(name: string, namespace?: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Objects ordered by key; in one namespace through the namespace index; matching the selector. */
  list(query: ListQuery = {}): T[] {
    const selector = typeof query.labelSelector === 'string' ? parseLabelSelector(query.labelSelector) : query.labelSelector;
    const keys = query.namespace !== undefined ? [...(this.indexes.get('namespace')?.get(query.namespace) ?? [])] : [...this.items.keys()];
    keys.sort();
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.items.get(k);
      if (obj && (!selector || selector.matches(obj.metadata?.labels ?? {}))) out.push(obj);
    }
    return out;
  }

  /** The lister of one namespace. */
  namespace(namespace: string): { get(name: string): T | undefined; list(labelSelector?: string | LabelSelector): T[] } {
    return { get: (name) => this.get(name, namespace), list: (labelSelector) => this.list({ namespace, labelSelector }) };
  }

  /** Objects whose indexer (InformerOptions.indexers, or `namespace`) gave `value`, ordered by key. */
  byIndex(index: string, value: string): T[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`no index named "${index}"`);
    return [...(idx.get(value) ?? [])].sort().map((k) => this.items.get(k)!);
  }

  get size(): number {
    return this.items.size;
  }
}

class Expired extends Error {}

function isExpired(err: unknown): boolean {
  if (err instanceof Expired) return true;
  if (!(err instanceof ApiError)) return false;
  if (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone') return true;
  // A watch from a revision the server does not have yet (it lost data or is behind): re-list.
  return (err.details?.causes ?? []).some((c) => c.reason === 'ResourceVersionTooLarge');
}

/**
 * A cache of one type kept current by list and watch, as client-go's shared informer: a paged
 * list, then a watch from the list's resourceVersion with bookmarks; a watch that ends or drops
 * resumes from the last resourceVersion seen; a 410 (history compacted) re-lists and replaces
 * the cache, telling handlers of each difference. Start it with start(), stop it with stop().
 */
export class Informer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexers: Record<string, (obj: KubeObject) => readonly string[]>;
  private readonly registrations = new Set<Registration<T>>();
  private readonly syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly clock: Pick<Clock, 'setTimer'>;
  private synced = false;
  private started = false;
  private stopped = false;
  private lastResourceVersion = '';
  private currentWatch: { close(): void } | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  readonly lister: Lister<T>;
  readonly stats: InformerStats = { lists: 0, watches: 0, expired: 0, bookmarks: 0, errors: 0 };

  constructor(
    private readonly source: ListerWatcher<T>,
    private readonly options: InformerOptions = {},
  ) {
    this.clock = options.clock ?? systemTimers;
    this.indexers = { namespace: (o) => [o.metadata?.namespace ?? ''], ...(options.indexers ?? {}) };
    for (const name of Object.keys(this.indexers)) this.indexes.set(name, new Map());
    this.lister = new Lister(this.items, this.indexes);
  }

  /** The resourceVersion the cache is at (of the last list, event or bookmark). */
  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  /**
   * Adds a handler. Added after the first list, it first gets onAdd for every cached object.
   * Its notifications come from its own queue, in order, one at a time.
   */
  addEventHandler(handler: EventHandler<T>, opts: HandlerOptions = {}): HandlerRegistration {
    const reg = new Registration<T>(this, handler, opts.resyncPeriodMs ?? this.options.resyncPeriodMs ?? 0, this.clock, (e) => this.report(e));
    this.registrations.add(reg);
    if (this.synced) {
      for (const obj of this.lister.list()) reg.push({ type: 'add', obj, initial: true });
      reg.markSynced();
    }
    return reg;
  }

  /** @internal */
  forget(reg: Registration<T>): void {
    this.registrations.delete(reg);
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache; rejects if the informer is stopped first. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('the informer was stopped before it synced'));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  /** Starts listing and watching (once). */
  start(): this {
    if (this.started || this.stopped) return this;
    this.started = true;
    this.loop = this.run();
    return this;
  }

  /** Stops watching and resyncing; resolves once the loop has ended. Handlers' queued notifications still run. */
  async stop(): Promise<void> {
    if (this.stopped) return this.loop;
    this.stopped = true;
    this.currentWatch?.close();
    this.wake?.();
    for (const reg of this.registrations) reg.halt();
    for (const w of this.syncWaiters.splice(0)) w.reject(new Error('the informer was stopped before it synced'));
    await this.loop;
  }

  private report(err: unknown): void {
    this.options.onError?.(err);
  }

  private async run(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = initial;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.listAndReplace();
          needList = false;
        }
        const progressed = await this.watchOnce();
        if (progressed) backoff = initial;
        else {
          // A watch that ended at once without an event: do not spin against the server.
          await this.sleep(backoff);
          backoff = Math.min(max, backoff * 2);
        }
      } catch (err) {
        if (this.stopped) break;
        if (isExpired(err)) {
          this.stats.expired++;
          needList = true;
          continue;
        }
        this.stats.errors++;
        this.report(err);
        await this.sleep(backoff);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = this.clock.setTimer(ms, () => {
        this.wake = undefined;
        resolve();
      });
      this.wake = () => {
        cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }

  private selectors(): Pick<ListOptions, 'labelSelector' | 'fieldSelector'> {
    const s: Pick<ListOptions, 'labelSelector' | 'fieldSelector'> = {};
    if (this.options.labelSelector) s.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector) s.fieldSelector = this.options.fieldSelector;
    return s;
  }

  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const pageSize = this.options.pageSize ?? 500;
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let cont: string | undefined;
    do {
      let page: KubeList<T>;
      try {
        page = await this.source.list({ ...this.selectors(), ...(pageSize > 0 ? { limit: pageSize } : {}), ...(cont ? { continue: cont } : {}) });
      } catch (err) {
        // The continue token outlived the history it reads from: one list without paging.
        if (cont && isExpired(err)) {
          const full = await this.source.list(this.selectors());
          return { items: full.items, resourceVersion: full.metadata.resourceVersion ?? '' };
        }
        throw err;
      }
      if (this.stopped) return { items: [], resourceVersion: '' };
      items.push(...page.items);
      resourceVersion ??= page.metadata.resourceVersion ?? '';
      cont = page.metadata.continue || undefined;
    } while (cont);
    return { items, resourceVersion: resourceVersion ?? '' };
  }

  private async listAndReplace(): Promise<void> {
    const { items, resourceVersion } = await this.listAll();
    if (this.stopped) return;
    this.stats.lists++;
    this.replace(items, resourceVersion);
  }

  /** Makes the cache the list: add for new keys, update for changed ones, delete for missing ones. */
  private replace(list: readonly T[], resourceVersion: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of list) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.items.get(key);
      this.put(key, obj, old);
      if (!old) this.notify({ type: 'add', obj, initial });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.notify({ type: 'update', old, obj });
    }
    for (const [key, old] of [...this.items]) {
      if (seen.has(key)) continue;
      this.remove(key, old);
      this.notify({ type: 'delete', obj: old, unknown: true });
    }
    this.lastResourceVersion = resourceVersion;
    if (initial) {
      this.synced = true;
      for (const reg of this.registrations) reg.markSynced();
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  private notify(n: Notification<T>): void {
    for (const reg of this.registrations) reg.push(n);
  }

  private put(key: string, obj: T, old: T | undefined): void {
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  private remove(key: string, old: T): void {
    this.unindex(key, old);
    this.items.delete(key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) {
        const set = idx.get(v);
        set?.delete(key);
        if (set?.size === 0) idx.delete(v);
      }
    }
  }

  /** One watch from the last resourceVersion; resolves when it ends, true if it delivered anything. */
  private async watchOnce(): Promise<boolean> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const watch = await this.source.watch({ ...this.selectors(), resourceVersion: this.lastResourceVersion, allowWatchBookmarks: true, timeoutSeconds });
    this.stats.watches++;
    this.currentWatch = watch;
    let progressed = false;
    try {
      if (this.stopped) return false;
      for await (const event of watch) {
        if (this.stopped) break;
        this.handle(event);
        progressed = true;
      }
    } finally {
      watch.close();
      this.currentWatch = undefined;
    }
    return progressed;
  }

  private handle(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') {
      const status = event.object as StatusObject & { code?: number; reason?: string; message?: string; details?: ApiError['details'] };
      if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') throw new Expired(status.message ?? 'expired');
      throw new ApiError((status.reason ?? 'InternalError') as ApiError['reason'], status.code ?? 500, status.message ?? 'watch error', status.details);
    }
    const obj = event.object as T;
    const rv = obj.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      this.stats.bookmarks++;
      if (rv) this.lastResourceVersion = rv;
      return;
    }
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (event.type === 'DELETED') {
      if (old) {
        this.remove(key, old);
        this.notify({ type: 'delete', obj, unknown: false });
      }
    } else {
      this.put(key, obj, old);
      this.notify(old ? { type: 'update', old, obj } : { type: 'add', obj, initial: false });
    }
    if (rv) this.lastResourceVersion = rv;
  }
}

/** An informer for one type (not started). */
export function informer<T extends KubeObject>(source: ListerWatcher<T>, options?: InformerOptions): Informer<T> {
  return new Informer(source, options);
}

/** A client that hands out resource clients: the HTTP client or the in-process client. */
export interface ResourceSource {
  resource(def: ResourceDefinition<any, any>, namespace?: string): ListerWatcher<any>;
}

/**
 * Informers shared by type and namespace: every caller of `forResource(Widget)` gets the same
 * informer, so several handlers share one list and one watch.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: ResourceSource,
    private readonly options: Omit<InformerOptions, 'labelSelector' | 'fieldSelector'> = {},
  ) {}

  /** The shared informer of `def` (in `namespace`, or across all namespaces); started if the factory is. */
  forResource<R extends ResourceDefinition<any, any>>(def: R, namespace?: string): Informer<ObjectOf<R> & KubeObject> {
    const key = `${def.group}/${def.version}/${def.plural}/${namespace ?? ''}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client.resource(def, namespace), this.options);
      this.informers.set(key, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as Informer<ObjectOf<R> & KubeObject>;
  }

  /** Starts every informer made so far, and those made later. */
  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves once every informer made so far has synced. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}

/**
 * A handler that puts the key (`namespace/name`) of every added, changed or deleted object on
 * a work queue: the usual way an informer drives a controller's reconcile loop.
 */
export function enqueueKeys(queue: { add(key: string): void }): EventHandler<KubeObject> {
  return {
    onAdd: (obj) => queue.add(keyOf(obj)),
    onUpdate: (_old, obj) => queue.add(keyOf(obj)),
    onDelete: (obj) => queue.add(keyOf(obj)),
  };
}
