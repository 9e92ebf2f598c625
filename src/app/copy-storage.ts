import type { KubeObject } from '../domain/meta/types.js';
import { isStorageError, type ObjectStore } from '../ports/object-store.port.js';

/** What to do with a key that already holds an object in the target. */
export type IfExists = 'fail' | 'skip' | 'overwrite';

/** What happened to one key. */
export type CopyOutcome = 'copied' | 'overwritten' | 'skipped';

export interface CopyOptions {
  /** Only keys under this prefix (ends in `/`; default `/`, everything). */
  prefix?: string;
  /**
   * A key that already holds an object in the target: `fail` (the default) refuses the whole
   * copy before writing anything and names the keys; `skip` leaves the target's object as it
   * is; `overwrite` replaces it with the source's.
   */
  ifExists?: IfExists;
  /** Objects read from the source per list call (default 500). */
  pageSize?: number;
  /**
   * Writes in flight at once (default 16). Stores that group concurrent writes into one
   * commit (SQLite) copy much faster with several.
   */
  concurrency?: number;
  /** Told about each key once it is done (for progress output). */
  onObject?: (key: string, outcome: CopyOutcome) => void;
}

export interface CopyResult {
  /** Objects written to the target (newly created plus overwritten). */
  copied: number;
  /** Of `copied`, how many replaced an object the target held (`ifExists: 'overwrite'`). */
  overwritten: number;
  /** Keys left as the target had them (`ifExists: 'skip'`). */
  skipped: number;
  /** The source revision the snapshot was read at. */
  sourceRevision: number;
}

/** The copy was refused because the target already holds some of the keys. */
export class CopyConflictError extends Error {
  constructor(readonly keys: string[]) {
    const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? `, and ${keys.length - 5} more` : '');
    super(
      `the target already holds ${keys.length === 1 ? 'the key' : `${keys.length} of the keys`} to copy: ${shown}; ` +
        'nothing was copied (choose to skip or overwrite existing keys, or copy into an empty store)',
    );
    this.name = 'CopyConflictError';
  }
}

/**
 * Copies every object under a prefix from one store to another, under the same keys: the way
 * to move a server to another backing store (file to SQLite, a memory snapshot to files, ...).
 *
 * - The source is read as one consistent snapshot: a paged list pinned to the revision of its
 *   first page, so writes to a live source during the copy are not half-seen. If the source
 *   compacts that revision away mid-copy, the copy fails (stop the source's writers, retry).
 * - Objects are written as stored, with everything the server set on them: uid,
 *   creationTimestamp, generation, labels, annotations, finalizers, ownerReferences,
 *   managedFields, deletionTimestamp, status. They go through the store, not through the API,
 *   so no strategy, validation or defaulting runs again.
 * - resourceVersions are NOT kept: the target store owns its revision counter and gives each
 *   copied object a new one (never reusing its own). Clients must re-list after a move: a
 *   resourceVersion from the old store means nothing to the new one (watches and continue
 *   tokens from before the move fail or, worse, resume at an unrelated point). Restart
 *   controllers and informers against the new server.
 * - With `ifExists: 'fail'` (the default) the target is checked first and nothing is written
 *   when any key is taken ({@link CopyConflictError}); a writer racing the copy on the target
 *   can still make a later create fail, and that error names its key.
 *
 * Neither store is closed; the caller opened them and closes them.
 */
export async function copyObjects(from: ObjectStore, to: ObjectStore, options: CopyOptions = {}): Promise<CopyResult> {
  const prefix = options.prefix ?? '/';
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`the prefix must start and end with "/", got "${prefix}"`);
  const ifExists = options.ifExists ?? 'fail';
  if (!['fail', 'skip', 'overwrite'].includes(ifExists)) throw new Error(`ifExists must be fail, skip or overwrite, got "${ifExists}"`);
  const pageSize = positive(options.pageSize ?? 500, 'pageSize');
  const concurrency = positive(options.concurrency ?? 16, 'concurrency');
  // Two handles on one backing store cannot be told apart here; the CLI compares the specs.
  if (from === to) throw new Error(`cannot copy ${from.name} onto itself`);
  await Promise.all([from.ready(), to.ready()]);

  const taken = await keysUnder(to, prefix, pageSize);
  const result: CopyResult = { copied: 0, overwritten: 0, skipped: 0, sourceRevision: 0 };

  let snapshot: number | undefined;
  if (ifExists === 'fail' && taken.size > 0) {
    // A pass over the snapshot before writing, so a refused copy leaves the target untouched;
    // the copy then reads the same revision.
    const clashes: string[] = [];
    snapshot = await forEachPage(from, prefix, pageSize, undefined, (items) => {
      for (const { key } of items) if (taken.has(key)) clashes.push(key);
    });
    if (clashes.length > 0) throw new CopyConflictError(clashes);
  }

  result.sourceRevision = await forEachPage(from, prefix, pageSize, snapshot, async (items) => {
    await inPool(items, concurrency, async ({ key, object }) => {
      const outcome = await copyOne(to, key, withoutResourceVersion(object), taken.has(key), ifExists);
      if (outcome === 'skipped') result.skipped++;
      else result.copied++;
      if (outcome === 'overwritten') result.overwritten++;
      options.onObject?.(key, outcome);
    });
  });
  return result;
}

/** Writes one object; `exists` is what the target held when the copy began. */
async function copyOne(to: ObjectStore, key: string, object: KubeObject, exists: boolean, ifExists: IfExists): Promise<CopyOutcome> {
  try {
    if (!exists) {
      try {
        await to.create(key, object);
        return 'copied';
      } catch (err) {
        // Someone else wrote the key since the check: treat it as the option says.
        if (!isStorageError(err, 'KeyExists') || ifExists === 'fail') throw err;
      }
    }
    if (ifExists === 'skip') return 'skipped';
    if (ifExists === 'fail') throw new CopyConflictError([key]);
    // Overwrite: compare-and-swap against what is there now, retried if it moves under us.
    for (let attempt = 0; ; attempt++) {
      const current = await to.get(key);
      try {
        if (current === undefined) {
          await to.create(key, object);
          return 'copied';
        }
        await to.update(key, object, Number(current.metadata.resourceVersion));
        return 'overwritten';
      } catch (err) {
        const raced = isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound') || isStorageError(err, 'KeyExists');
        if (!raced || attempt >= 10) throw err;
      }
    }
  } catch (err) {
    if (err instanceof CopyConflictError) throw err;
    throw new Error(`copying ${key} to ${to.name}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Lists `prefix` page by page at one revision (the first page's, unless given) and hands each
 * page to `visit`. Resolves to the revision read at.
 */
async function forEachPage(
  store: ObjectStore,
  prefix: string,
  limit: number,
  revision: number | undefined,
  visit: (items: Array<{ key: string; object: KubeObject }>) => void | Promise<void>,
): Promise<number> {
  let startKey: string | undefined;
  let at = revision;
  for (;;) {
    let page;
    try {
      page = await store.list(prefix, { revision: at, startKey, limit });
    } catch (err) {
      if (isStorageError(err, 'Expired')) {
        throw new Error(
          `${store.name} compacted revision ${at} while it was being read: it changed too much during the copy; ` +
            'stop the servers writing to it and copy again',
          { cause: err },
        );
      }
      throw err;
    }
    at = page.revision;
    await visit(page.items);
    const last = page.items[page.items.length - 1];
    if (!page.more || last === undefined) return at;
    // Keys are ASCII: the key plus NUL is the next possible key.
    startKey = last.key + '\u0000';
  }
}

async function keysUnder(store: ObjectStore, prefix: string, limit: number): Promise<Set<string>> {
  const keys = new Set<string>();
  await forEachPage(store, prefix, limit, undefined, (items) => {
    for (const { key } of items) keys.add(key);
  });
  return keys;
}

/** Runs `work` on every item with at most `width` at once; the first failure wins, after the rest settle. */
async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  if (failure) throw failure.err;
}

/** A copy to hand to the target: the source's resourceVersion would only mislead (the target ignores it). */
function withoutResourceVersion(object: KubeObject): KubeObject {
  const { resourceVersion: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
  return n;
}
