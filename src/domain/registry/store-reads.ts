import { knownJson } from '../../ports/known-json.js';
import { isStorageError, type ListItem, type ListResult, type StoreEvent } from '../../ports/object-store.port.js';
import type { JsonList, WatchStream } from '../../ports/resource-api.port.js';
import { expired, isApiError, notFound, type ApiError } from '../errors/api-error.js';
import type { KubeList, KubeObject, WatchEvent } from '../meta/types.js';
import type { ValidListOptions, ValidWatchOptions } from '../request/options.js';
import { fieldsOf, parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from '../selectors/index.js';
import { startWatch } from '../watch/watch-dispatcher.js';
import { decodeContinue, encodeContinue, type ContinuePosition } from './continue-token.js';
import { groupResource } from './object-decoding.js';
import { formatResourceVersion, parseResourceVersion } from './resource-version.js';
import type { StoreParts } from './store-parts.js';
import { tooLargeResourceVersion } from './storage-errors.js';

/**
 * How a request's selectors see objects: the fields they may name and, for a version other
 * than the hub, the object as that version shows it.
 */
export interface SelectorScope {
  selectableFields: readonly string[];
  view?: (hubObject: KubeObject) => KubeObject;
}

/**
 * The reads of a generic store: get, list (consistent pages, continue tokens, selectors) and
 * watch, over the backing object store.
 */
export class StoreReads {
  constructor(private readonly p: StoreParts) {}

  async get(namespace: string | undefined, name: string, resourceVersion: string | undefined): Promise<KubeObject> {
    const rv = parseResourceVersion(resourceVersion);
    if (rv !== undefined && rv > 0) await this.waitForRevision(rv);
    const obj = await this.p.call(() => this.p.backing.get(this.p.keys.item(namespace, name)), name);
    if (!obj) throw notFound(groupResource(this.p.definition), name);
    return obj;
  }

  async list(namespace: string | undefined, opts: ValidListOptions, scope?: SelectorScope): Promise<KubeList> {
    const { list, items } = await this.collect(namespace, opts, scope, (item, m) => (m(item.object) ? item.object : undefined));
    list.items = items;
    return list;
  }

  async listJson(namespace: string | undefined, opts: ValidListOptions): Promise<JsonList> {
    return this.collect(namespace, opts, undefined, (item, m, selects) => {
      // Without selectors the object itself is never needed: a store's JSON goes out as it is.
      if (selects && !m(item.object)) return undefined;
      return item.json ?? knownJson(item.object) ?? JSON.stringify(item.object);
    });
  }

  /**
   * A list's pages read from the store, filtered and cut to the limit; `take` turns each
   * stored item into what the caller lists (undefined: the selectors leave it out).
   */
  private async collect<T>(
    namespace: string | undefined,
    opts: ValidListOptions,
    scope: SelectorScope | undefined,
    take: (item: ListItem, matches: (obj: KubeObject) => boolean, selects: boolean) => T | undefined,
  ): Promise<{ list: KubeList; items: T[] }> {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, scope?.selectableFields ?? this.p.selectableFields);
    const matches = this.matcher(labels, fields, scope);
    const selects = !labels.empty || !fields.empty;
    const limit = opts.limit;
    const prefix = this.p.keys.collection(namespace);

    let revision: number | undefined;
    let minRevision: number | undefined;
    let startKey = prefix;
    let continued: ContinuePosition | undefined;
    if (opts.continue !== undefined) {
      const pos = (continued = decodeContinue(opts.continue));
      revision = pos.revision;
      startKey = prefix + pos.start;
    } else {
      ({ revision, minRevision } = this.listRevision(opts));
    }

    // A selector pinning metadata.name reads one key, not the collection.
    const pinnedName = fields.exactValue('metadata.name');
    let pinnedKey: string | undefined;
    if (pinnedName !== undefined && (namespace !== undefined || !this.p.definition.namespaced)) {
      pinnedKey = this.p.keys.item(namespace, pinnedName);
      startKey = pinnedKey >= startKey ? pinnedKey : pinnedKey + '\u0000';
    }

    const items: T[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (;;) {
      const chunk = limit ? Math.max(limit - items.length, Math.min(limit * 2, 500)) : undefined;
      const page = await this.listPage(prefix, { revision, startKey, limit: chunk, minRevision }).catch(async (err: unknown) => {
        throw continued && isApiError(err) && err.reason === 'Expired' ? await this.expiredContinue(continued) : err;
      });
      if (minRevision !== undefined && page.revision < minRevision) {
        // The store is behind the resourceVersion asked for (another process wrote it): wait.
        await this.waitForRevision(minRevision);
        continue;
      }
      minRevision = undefined;
      revision = page.revision;
      let stopped = false;
      for (const item of page.items) {
        if (pinnedKey !== undefined && item.key !== pinnedKey) {
          // Past the one key the selector allows: nothing further can match.
          more = false;
          stopped = true;
          break;
        }
        lastKey = item.key;
        const taken = take(item, matches, selects);
        if (taken !== undefined) items.push(taken);
        if (limit && items.length >= limit) {
          stopped = true;
          more = page.more || item !== page.items[page.items.length - 1];
          break;
        }
      }
      if (stopped || !page.more) break;
      startKey = (lastKey ?? startKey) + '\u0000';
    }

    const def = this.p.definition;
    const list: KubeList = {
      apiVersion: def.apiVersion,
      kind: `${def.kind}List`,
      metadata: { resourceVersion: formatResourceVersion(revision ?? 0) },
      items: [],
    };
    if (more && lastKey !== undefined && revision !== undefined) {
      list.metadata.continue = encodeContinue({ revision, start: (lastKey + '\u0000').slice(prefix.length) });
    }
    return { list, items };
  }

  /**
   * The 410 for a continue token whose revision is compacted, as Kubernetes answers it: its
   * `metadata.continue` goes on from the same key at the current revision, for a client that
   * accepts an inconsistent list.
   */
  private async expiredContinue(pos: ContinuePosition): Promise<ApiError> {
    const current = await this.p.call(() => this.p.backing.currentRevision(), '').catch(() => undefined);
    if (current === undefined || current <= 0) {
      return expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    }
    return expired(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
        'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
        'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      { continue: encodeContinue({ revision: current, start: pos.start }) },
    );
  }

  /**
   * The revision a list reads at, from resourceVersion and resourceVersionMatch: exactly one
   * (`revision`), any at least as new (`minRevision`: a store with a cache answers from it), or
   * the current one (neither).
   */
  private listRevision(opts: ValidListOptions): { revision?: number; minRevision?: number } {
    const rv = parseResourceVersion(opts.resourceVersion);
    if (opts.resourceVersionMatch === 'Exact') return { revision: rv };
    if (rv === undefined) return {};
    // Without a match, a paged list at a resourceVersion reads exactly there; otherwise any
    // state at least as new will do.
    if (rv > 0 && opts.resourceVersionMatch === undefined && opts.limit) return { revision: rv };
    return { minRevision: rv };
  }

  private async listPage(prefix: string, o: { revision?: number; startKey?: string; limit?: number; minRevision?: number }): Promise<ListResult> {
    try {
      return await this.p.backing.list(prefix, o);
    } catch (err) {
      if (isStorageError(err, 'Expired')) {
        throw expired(
          'The provided continue parameter or resourceVersion is too old to display a consistent list result. Start a new list without them.',
        );
      }
      if (isStorageError(err, 'TooLarge')) throw tooLargeResourceVersion(o.revision ?? 0);
      throw this.p.apiError(err, '');
    }
  }

  /** Waits until the store has reached `revision` (another process may be ahead), else 504. */
  async waitForRevision(revision: number): Promise<void> {
    const clock = this.p.clock;
    const deadline = clock.now().getTime() + this.p.options.tooLargeResourceVersionWaitMs;
    for (;;) {
      const current = await this.p.call(() => this.p.backing.currentRevision(), '');
      if (current >= revision) return;
      if (clock.now().getTime() >= deadline) throw tooLargeResourceVersion(revision, current);
      await new Promise<void>((resolve) => clock.setTimer(50, resolve));
    }
  }

  async watch(namespace: string | undefined, opts: ValidWatchOptions, signal: AbortSignal | undefined, scope?: SelectorScope): Promise<WatchStream> {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, scope?.selectableFields ?? this.p.selectableFields);
    const matches = this.matcher(labels, fields, scope);
    const selects = !labels.empty || !fields.empty;
    const rv = parseResourceVersion(opts.resourceVersion);
    const prefix = this.p.keys.collection(namespace);
    const sendInitial = opts.sendInitialEvents ?? (rv === undefined || rv === 0);

    let fromRevision: number;
    let initial: readonly ListItem[] | undefined;
    if (sendInitial) {
      // resourceVersion=0: any snapshot will do (a store's cache may give it).
      const snapshot = await this.listPage(prefix, rv === 0 ? { minRevision: 0 } : {});
      fromRevision = snapshot.revision;
      initial = snapshot.items;
      if (rv !== undefined && rv > fromRevision) await this.waitForRevision(rv);
    } else {
      fromRevision = rv as number;
      await this.waitForRevision(fromRevision);
    }

    const options = this.p.options;
    return startWatch({
      fromRevision,
      initial,
      matches,
      initialEventsEnd: opts.sendInitialEvents === true && opts.allowWatchBookmarks,
      subscribe: async (from, sink) => {
        try {
          return await this.p.backing.watch(prefix, from, sink);
        } catch (err) {
          if (isStorageError(err, 'Expired')) {
            const oldest = await this.p.backing.oldestRevision().catch(() => 0);
            throw expired(`too old resource version: ${from} (${oldest})`);
          }
          throw this.p.apiError(err, '');
        }
      },
      transform: (e) => transformEvent(e, selects, matches),
      bookmark: (revision, end) => this.bookmark(revision, end),
      storeError: (err) => this.p.apiError(err, ''),
      bookmarkIntervalMs: opts.allowWatchBookmarks ? options.bookmarkIntervalMs : undefined,
      timeoutMs: opts.timeoutSeconds === undefined ? undefined : opts.timeoutSeconds * 1000,
      queueLimit: options.watchQueueLimit,
      clock: this.p.clock,
      signal,
    });
  }

  private bookmark(revision: number, initialEventsEnd: boolean): WatchEvent {
    const metadata: KubeObject['metadata'] = { resourceVersion: formatResourceVersion(revision) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    const def = this.p.definition;
    return { type: 'BOOKMARK', object: { apiVersion: def.apiVersion, kind: def.kind, metadata } };
  }

  /** Whether an object passes the selectors, as the request's version shows it. */
  private matcher(labels: LabelSelector, fields: FieldSelector, scope: SelectorScope | undefined): (obj: KubeObject) => boolean {
    const selectable = scope?.selectableFields ?? this.p.selectableFields;
    const view = scope?.view;
    return (stored) => {
      const obj = view ? view(stored) : stored;
      if (!labels.empty && !labels.matches(obj.metadata.labels)) return false;
      if (!fields.empty && !fields.matches(fieldsOf(obj as Record<string, unknown>, selectable))) return false;
      return true;
    };
  }
}

/**
 * Turns a store change into what a filtered watcher sees: an object that starts matching
 * the selectors is ADDED for it, one that stops matching is DELETED.
 */
function transformEvent(e: StoreEvent, selects: boolean, matches: (obj: KubeObject) => boolean): WatchEvent | undefined {
  if (!selects) return { type: e.type, object: e.object };
  if (e.type === 'ADDED') return matches(e.object) ? { type: 'ADDED', object: e.object } : undefined;
  if (e.type === 'DELETED') return matches(e.prevObject ?? e.object) ? { type: 'DELETED', object: e.object } : undefined;
  const now = matches(e.object);
  const before = e.prevObject ? matches(e.prevObject) : false;
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  if (before) return { type: 'DELETED', object: e.object };
  return undefined;
}
