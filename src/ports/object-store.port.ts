import type { KubeObject } from '../domain/meta/types.js';

/**
 * The storage port: a versioned key-value store of objects, modelled on Kubernetes'
 * `storage.Interface` over etcd.
 *
 * Keys are strings of `/`-separated ASCII segments, e.g. `/demo.example.com/widgets/default/foo`.
 * A prefix always ends in `/` and selects every key below it. Key order is byte order (for
 * ASCII keys the same as JavaScript string order). A store that cannot hold a key (too long
 * for a file name, say) rejects the write with `InvalidKey`.
 *
 * Revisions. The store owns one revision counter for its whole backing store (every key,
 * every type). Each successful write (create, update, delete) takes the next revision, which
 * is strictly greater than every revision the store has handed out before, also across
 * restarts of the process, and is never reused; numbers may be skipped (a failed write, a
 * crash). An object's `metadata.resourceVersion` is the
 * decimal string of the revision of its last write: the store sets it on every object it
 * returns and ignores whatever the caller put there.
 *
 * Values. Objects are JSON-compatible. The store never keeps a reference to an object it was
 * given, and callers must not mutate objects the store returns (they may be shared with other
 * readers and watchers); copy before changing.
 *
 * History. The store keeps the changes after some revision (its compaction point). Reads at an
 * older revision and watches from an older revision fail with {@link StorageError} `Expired`.
 * A durable store reopened after a clean close keeps its compaction point at or below the
 * revision it had at close, so that watchers resume; after a crash it may answer `Expired`
 * for older revisions, and clients re-list.
 *
 * Errors. Methods reject with {@link StorageError} for the conditions named below; any other
 * rejection is a failure of the backing store itself. Writes may also reject with `NoSpace`
 * (the device is full, or the store's quota is reached: deletes still work) and any call with
 * `Damaged` (the store found its data damaged; from then on it refuses writes until it is
 * reopened, and `ready()` rejects with the same error).
 */
export interface ObjectStore {
  /** A short name for logs and readiness details, e.g. `memory` or `sqlite:/var/lib/x.db`. */
  readonly name: string;

  /**
   * Stores a new object under `key`. Rejects with `KeyExists` when the key holds an object.
   * Resolves to the stored object, its resourceVersion set.
   */
  create(key: string, obj: KubeObject): Promise<KubeObject>;

  /** The object under `key` now, or `undefined`. */
  get(key: string): Promise<KubeObject | undefined>;

  /**
   * A consistent snapshot of the objects under `prefix`, in ascending key order, as they were
   * at one revision.
   *
   * - `revision` unset: the current state; the result's `revision` is the store's current
   *   revision. Set: the state at exactly that revision; rejects with `Expired` when it is older
   *   than the compaction point and with `TooLarge` when it is newer than the current revision.
   * - `startKey`: only keys greater than or equal to it (used for paging).
   * - `limit`: at most that many objects (unset or 0: no limit); `more` tells whether further
   *   keys follow.
   */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;

  /**
   * Replaces the object under `key` if its current revision is `expectedRevision`
   * (compare-and-swap). Rejects with `NotFound` when the key is empty and with `Conflict`
   * (carrying the key's current revision) when it differs. Resolves to the stored object.
   */
  update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject>;

  /**
   * Removes the object under `key`; with `expectedRevision`, only if its current revision is
   * that (else `Conflict`). Rejects with `NotFound` when the key is empty. Resolves to the
   * removed object with its resourceVersion set to the revision of the deletion.
   */
  delete(key: string, expectedRevision?: number): Promise<KubeObject>;

  /**
   * Streams every change under `prefix` with a revision strictly greater than `fromRevision`,
   * in revision order, each exactly once, to `sink`. Rejects with `Expired` when changes after
   * `fromRevision` are no longer all kept. A `fromRevision` beyond the current revision waits
   * for it. Kept history may reach the sink before the returned promise resolves. Events are
   * delivered as they happen, never blocking writers: the sink must not block (it may only
   * enqueue), and a sink that throws loses only its own watch.
   *
   * After an error is passed to `sink.error`, no further events follow. `close()` ends every
   * open watch with `sink.error(StorageError 'Unavailable')`.
   */
  watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch>;

  /** The revision of the newest applied change (0 for an empty, new store). */
  currentRevision(): Promise<number>;

  /** The oldest revision a list or a watch may start from (the compaction point). */
  oldestRevision(): Promise<number>;

  /** Resolves when the backing store is reachable and usable; rejects with why it is not. */
  ready(): Promise<void>;

  /**
   * Damaged or foreign data the store found and skipped (corrupt files or rows), one line
   * each, for readiness details and logs; the store serves everything else. Optional.
   */
  problems?(): string[];

  /**
   * How much the store holds against its quota, for readiness details; undefined when the
   * store has no quota (it then measures nothing). Optional.
   */
  usage?(): Promise<StorageUsage | undefined>;

  /** Releases resources; ends open watches (see `watch`). Later calls reject with `Unavailable`. */
  close(): Promise<void>;
}

export interface StorageUsage {
  /** Bytes the store counts against its quota: the UTF-8 size of the objects it holds now, as it stores them. */
  bytes: number;
  quotaBytes: number;
}

export interface ListOptions {
  revision?: number;
  startKey?: string;
  limit?: number;
  /**
   * Without `revision`: any snapshot at least as new as this revision will do (resourceVersion=0
   * or `NotOlderThan`), so a store with a cache may answer from it without asking its backing
   * store. A store without one reads the current state, as if it were unset; when that is still
   * older than `minRevision` (another process wrote it) the result's `revision` says so and the
   * caller waits.
   */
  minRevision?: number;
}

/**
 * One object of a list. A store that holds objects as JSON may also give `json`, the object's
 * exact JSON text, and then parse `object` only when it is first read: a caller that only
 * writes the list out (no selector to test) never pays for parsing.
 */
export interface ListItem {
  readonly key: string;
  readonly object: KubeObject;
  readonly json?: string;
}

export interface ListResult {
  items: ListItem[];
  /** The revision this snapshot was read at. */
  revision: number;
  /** Whether keys after the last returned one exist under the prefix at that revision. */
  more: boolean;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  key: string;
  revision: number;
  /** The object after the change; for DELETED, the last state with resourceVersion = revision. */
  object: KubeObject;
  /**
   * The object before the change (MODIFIED and DELETED). Missing only where the store could
   * not keep it; consumers then treat the change as if the object had not matched before.
   */
  prevObject?: KubeObject;
}

export interface StoreWatchSink {
  event(event: StoreEvent): void;
  /** The watch cannot go on (e.g. its history was compacted away); it is over. */
  error(err: Error): void;
}

export interface StoreWatch {
  /**
   * Every event under the prefix with a revision at or below this one has been delivered.
   * Used for bookmarks: it moves forward also when writes happen elsewhere in the store.
   */
  progress(): number;
  stop(): void;
}

export type StorageErrorCode =
  | 'KeyExists'
  | 'NotFound'
  | 'Conflict'
  | 'Expired'
  | 'TooLarge'
  | 'InvalidKey'
  | 'Unavailable'
  | 'NoSpace'
  | 'Damaged';

export interface StorageErrorOptions {
  /** The key the failed call was about. */
  key?: string;
  /**
   * The store's revision that explains the failure: for Conflict and KeyExists the key's
   * current revision, for Expired the compaction point, for TooLarge the current revision.
   */
  revision?: number;
  /** For TooLarge: the revision that was asked for. */
  requestedRevision?: number;
  /** What the store met (a SQLite, file system or etcd error), kept as the standard `cause`. */
  cause?: unknown;
  /** For NoSpace beyond a quota: the quota, in bytes (unset: the device itself is full). */
  quotaBytes?: number;
}

/**
 * A failure the port names. The message is for logs and operators: it says which store, key and
 * revisions, and for `Unavailable` what the backing store reported; callers show clients their
 * own short text, never this one. Build them with the static factories (one message shape per
 * code), so every store words the same condition the same way.
 */
/**
 * Marks storage errors, so they are recognised even when a store's module was loaded twice
 * (two copies of the package in node_modules, or a loader that gives a dynamic import its own
 * instance): `instanceof StorageError` checks the mark, not the class identity.
 */
const STORAGE_ERROR = Symbol.for('apiserver-kit.StorageError');

export class StorageError extends Error {
  readonly [STORAGE_ERROR] = true;
  readonly code: StorageErrorCode;
  readonly key: string | undefined;
  readonly revision: number | undefined;
  readonly requestedRevision: number | undefined;
  readonly quotaBytes: number | undefined;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StorageError';
    this.code = code;
    this.key = options.key;
    this.revision = options.revision;
    this.requestedRevision = options.requestedRevision;
    this.quotaBytes = options.quotaBytes;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [STORAGE_ERROR]?: unknown })[STORAGE_ERROR] === true;
  }

  /** A create found an object under `key`, written at `revision`. */
  static keyExists(key: string, revision?: number): StorageError {
    return new StorageError('KeyExists', `key ${key} already exists`, { key, revision });
  }

  /** An update or delete found no object under `key`. */
  static notFound(key: string): StorageError {
    return new StorageError('NotFound', `key ${key} not found`, { key });
  }

  /** A conditional write expected revision `expected`; the key is at `current`. */
  static conflict(key: string, current: number, expected: number | undefined): StorageError {
    return new StorageError('Conflict', `key ${key} is at revision ${current}, not ${expected}`, { key, revision: current });
  }

  /**
   * A read at, or a watch from, `revision` needs history older than the compaction point
   * `compacted` (with `atLeast`: a lower bound of it, where the store knows no more). `where`
   * names the store or the watch; `what` replaces "revision N" when something else was lost
   * (e.g. the state of a key before a deletion).
   */
  static expired(
    revision: number,
    compacted: number | undefined,
    context: { where?: string; what?: string; key?: string; atLeast?: boolean } = {},
  ): StorageError {
    const what = context.what ?? `revision ${revision}`;
    const point =
      compacted === undefined
        ? 'the compaction point'
        : `the compaction point ${context.atLeast ? `(at least ${compacted})` : compacted}`;
    return new StorageError('Expired', `${prefix(context.where)}${what} is older than ${point}`, {
      key: context.key,
      revision: compacted,
    });
  }

  /** A read at `requested`, newer than the store's `current` revision (unknown: undefined). */
  static tooLarge(requested: number, current: number | undefined): StorageError {
    const now = current === undefined ? 'the current revision' : `the current revision ${current}`;
    return new StorageError('TooLarge', `revision ${requested} is newer than ${now}`, {
      revision: current,
      requestedRevision: requested,
    });
  }

  /** The store cannot hold `key`, for `reason` (e.g. a segment too long for a file name). */
  static invalidKey(key: string, reason: string, where?: string): StorageError {
    return new StorageError('InvalidKey', `${prefix(where)}storage key ${JSON.stringify(key)} cannot be stored: ${reason}`, { key });
  }

  /**
   * The backing store cannot serve the call. `where` says which store and what was being done
   * (`sqlite:/var/lib/x.db: write failed`); `cause` is what the backing store reported: its
   * message and code (`SQLITE_FULL`, `ENOSPC`) join the message, and it stays the `cause`.
   * `hint` tells an operator what it likely means or what to do.
   */
  static unavailable(where: string, cause?: unknown, detail: { hint?: string; key?: string } = {}): StorageError {
    const reported = cause === undefined ? '' : `: ${describeCause(cause)}`;
    const hint = detail.hint === undefined ? '' : ` (${detail.hint})`;
    return new StorageError('Unavailable', `${where}${reported}${hint}`, { key: detail.key, cause });
  }

  /**
   * A write needs space the backing store does not have: its device is full (`cause` says
   * what the store met), or, with `quotaBytes`, the write would take the store beyond its quota.
   * Reads and deletes go on; the write may succeed once space is freed.
   */
  static noSpace(where: string, cause?: unknown, detail: { hint?: string; key?: string; quotaBytes?: number } = {}): StorageError {
    const reported = cause === undefined ? '' : `: ${describeCause(cause)}`;
    const hint = detail.hint === undefined ? '' : ` (${detail.hint})`;
    return new StorageError('NoSpace', `${where}${reported}${hint}`, { key: detail.key, cause, quotaBytes: detail.quotaBytes });
  }

  /**
   * The backing store's data is damaged (a corrupt database page, an object file that cannot
   * be read): the store refuses writes from now on, until it is repaired and reopened, so that
   * nothing is written over data it cannot see. `hint` says what to do.
   */
  static damaged(where: string, cause?: unknown, detail: { hint?: string; key?: string } = {}): StorageError {
    const reported = cause === undefined ? '' : `: ${describeCause(cause)}`;
    const hint = detail.hint === undefined ? '' : ` (${detail.hint})`;
    return new StorageError('Damaged', `${where}${reported}${hint}`, { key: detail.key, cause });
  }

  /** A call after `close()`, or a watch ended by it. `store` is the store's name. */
  static closed(store: string): StorageError {
    return new StorageError('Unavailable', `${store}: the store is closed`);
  }
}

function prefix(where: string | undefined): string {
  return where === undefined || where === '' ? '' : `${where}: `;
}

/** An error's message with its code (`[SQLITE_FULL]`) where it has one. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' && !cause.message.includes(code) ? `${cause.message} [${code}]` : cause.message;
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const OBJECT_STORE = Symbol.for('apiserver-kit.ObjectStore');
