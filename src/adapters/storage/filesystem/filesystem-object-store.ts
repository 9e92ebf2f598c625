import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { injectable } from 'inversify';
import type { KubeObject } from '../../../domain/meta/types.js';
import { deepFreeze } from '../../../domain/util/json.js';
import {
  type ListOptions,
  type ListResult,
  type ObjectStore,
  StorageError,
  type StoreEvent,
  type StoreWatch,
  type StoreWatchSink,
} from '../../../ports/object-store.port.js';
import { assertStorableObject, positiveInteger } from '../shared/argument-checks.js';
import { ENOUGH_FREE_BYTES, freeBytes, isNoSpaceError, storedBytes } from '../shared/free-space.js';
import { DIRECTORY_MODE, DurableFiles, FileWriteError } from './durable-files.js';
import { EventHistory } from './event-history.js';
import { compareKeys, type IndexEntry, ObjectIndex } from './object-index.js';
import { encodeObjectFile } from './object-file-format.js';
import { COUNTER_RECOVERY, readRevisionFile, REVISION_FILE, RevisionCounter } from './revision-counter.js';
import { LOCK_FILE, RootLock } from './root-lock.js';
import { scanRoot } from './root-scanner.js';
import { SerialQueue } from './serial-queue.js';
import { keyProblem, StoragePaths } from './storage-paths.js';
import { FilesystemWatchFanout } from './watch-fanout.js';

export interface FileSystemObjectStoreOptions {
  /** The folder that holds the objects; created when missing. One store per folder at a time. */
  root: string;
  /**
   * How many changes are kept in memory for watches and reads at an older revision (default
   * 10 000). History starts when the store opens: older revisions get `Expired` (clients re-list).
   */
  historyLimit?: number;
  /**
   * Whether writes are flushed to disk (file and directory fsync) before they are acknowledged
   * (default true). Without it a crash of the process still loses nothing acknowledged; a power
   * loss or OS crash may lose recent writes, never corrupt a file.
   */
  fsync?: boolean;
  /**
   * Told about each file or folder under the root that is skipped (damaged, foreign, a key
   * that does not match its path), about files that cannot be read and about a lagging revision counter. Default: a
   * process warning. {@link FileSystemObjectStore.problems} lists the same messages.
   */
  onProblem?: (message: string) => void;
  /**
   * How many revisions one write of `root/.revision` reserves (default 1000). Larger blocks
   * mean fewer counter writes; after a crash, revisions continue above the reserved block, so
   * resourceVersions jump by up to this much (a clean close records the exact last one). 1
   * writes the counter before every object write.
   */
  revisionBlock?: number;
  /**
   * The most bytes of object files the store holds (unset: no limit), as etcd's
   * `--quota-backend-bytes`: a create or update that would take the total size of the object
   * files beyond it is refused with `NoSpace`; deletes always work.
   */
  quotaBytes?: number;
}

interface Opened {
  index: ObjectIndex;
  history: EventHistory;
  counter: RevisionCounter;
  lock: RootLock;
  /** Device and inode of the root, to notice it being removed or replaced. */
  rootIdentity: string;
}

type WriteKind = 'create' | 'update' | 'delete';

/** Skipped files reported one by one at most; the rest are counted, to keep logs and readyz readable. */
const MAX_REPORTED_FILES = 1000;

/**
 * An {@link ObjectStore} that keeps one JSON file per object under a root folder, readable by
 * people: the key `/group/plural/namespace/name` lives in `root/group/plural/namespace/name.json`
 * (see `object-file-format.ts` for the content, `storage-paths.ts` for which keys are refused).
 *
 * - Every object is loaded into memory when the store opens (on the first call); reads are
 *   served from memory, so the folder is meant for small and medium stores.
 * - Writes run one at a time. Each goes to disk first (temp file, fsync, rename, directory
 *   fsync; deletes unlink and fsync the directory), then to the in-memory index and history,
 *   then to the watches, synchronously, in revision order. A write is acknowledged only after
 *   its file is durable.
 * - Revisions come from {@link RevisionCounter}: reserved on disk before use, so they are never
 *   reused after a crash or restart. On open the current revision is the larger of the counter
 *   and the newest object file.
 * - History (for watches and reads at an older revision) lives in memory from open on: a
 *   watch or list from before the store opened gets `Expired`, clients re-list.
 * - Anything under the root that is not a readable object file is reported
 *   ({@link FileSystemObjectStoreOptions.onProblem}, {@link problems}) and skipped. Files or
 *   folders that cannot be read at all (permissions, I/O errors) make the store `Damaged`:
 *   it serves reads, refuses writes and fails `ready()` until it is reopened.
 * - A root with objects but no revision counter is refused (the counter alone knows the
 *   revisions of deletions).
 * - Only one store serves a root at a time (`root/.lock`).
 * - Files and folders it creates are for the owner only (0600, 0700): objects may be secrets.
 *
 * Files changed by hand while the store runs are not noticed; they are read at the next open.
 */
@injectable()
export class FileSystemObjectStore implements ObjectStore {
  readonly name: string;

  private readonly paths: StoragePaths;
  private readonly files: DurableFiles;
  private readonly historyLimit: number;
  private readonly revisionBlock: number;
  private readonly report: (message: string) => void;
  private readonly found: string[] = [];
  private readonly queue = new SerialQueue();
  private readonly fanout: FilesystemWatchFanout;
  private opening: Promise<Opened> | undefined;
  /** Set when files under the root could not be read at open: writes are refused until a reopen. */
  private damage: StorageError | undefined;
  /** Set when a write met a full disk; cleared by the next write or when space is free again. */
  private full: StorageError | undefined;
  private readonly quotaBytes: number | undefined;
  /** The total size of the object files. */
  private bytes = 0;
  /** The revision of the newest change applied in memory (and published to watches). */
  private revision = 0;
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(options: FileSystemObjectStoreOptions) {
    if (typeof options?.root !== 'string' || options.root === '') throw new TypeError('root must be a non-empty path');
    this.paths = new StoragePaths(options.root);
    this.name = `file:${this.paths.root}`;
    this.files = new DurableFiles(this.paths.root, options.fsync ?? true);
    this.historyLimit = positiveInteger(options.historyLimit ?? 10_000, 'historyLimit');
    this.revisionBlock = positiveInteger(options.revisionBlock ?? 1000, 'revisionBlock');
    this.quotaBytes = options.quotaBytes === undefined ? undefined : positiveInteger(options.quotaBytes, 'quotaBytes');
    this.report =
      options.onProblem ?? ((message) => process.emitWarning(`${this.name}: ${message}`, { type: 'StorageWarning' }));
    this.fanout = new FilesystemWatchFanout(() => this.revision);
  }

  async usage(): Promise<{ bytes: number; quotaBytes: number } | undefined> {
    await this.opened();
    return this.quotaBytes === undefined ? undefined : { bytes: this.bytes, quotaBytes: this.quotaBytes };
  }

  /** What was found wrong under the root when the store opened (files skipped, and why). */
  problems(): string[] {
    return [...this.found];
  }

  // ------------------------------------------------------------------ writes

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.write('create', key, obj, undefined);
  }

  update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    return this.write('update', key, obj, expectedRevision);
  }

  delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    return this.write('delete', key, undefined, expectedRevision);
  }

  private write(kind: WriteKind, key: string, obj: KubeObject | undefined, expected: number | undefined): Promise<KubeObject> {
    let file: string;
    let value: KubeObject | undefined;
    try {
      this.assertOpen();
      file = this.paths.fileOf(key);
      // Copied now: the caller may change its object as soon as this returns.
      if (obj !== undefined) value = copyObject(obj);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.queue.run(async () => {
      // Accepted before close() began: runs to the end even while the store is closing.
      const s = await this.loadOnce();
      if (this.damage !== undefined) throw this.damage;
      const existing = s.index.get(key);
      if (kind === 'create') {
        if (existing) throw StorageError.keyExists(key, existing.revision);
      } else {
        if (!existing) throw StorageError.notFound(key);
        if (expected !== undefined && expected !== existing.revision) {
          throw StorageError.conflict(key, existing.revision, expected);
        }
      }
      const revision = await this.nextRevision(s);
      let event: StoreEvent;
      if (kind === 'delete') {
        const prev = existing!.object;
        const object = deepFreeze({ ...prev, metadata: { ...prev.metadata, resourceVersion: String(revision) } });
        event = { type: 'DELETED', key, revision, object, prevObject: prev };
        await this.durably(s, event, () => this.files.remove(file));
      } else {
        value!.metadata.resourceVersion = String(revision);
        const text = encodeObjectFile({ key, revision, object: value! });
        this.checkQuota(key, storedBytes(text) - (existing?.bytes ?? 0));
        const object = deepFreeze(value!);
        event = existing
          ? { type: 'MODIFIED', key, revision, object, prevObject: existing.object }
          : { type: 'ADDED', key, revision, object };
        await this.durably(s, event, () => this.files.write(file, text), storedBytes(text));
      }
      return event.object;
    });
  }

  private async nextRevision(s: Opened): Promise<number> {
    try {
      return await s.counter.next();
    } catch (err) {
      throw this.ioFailure(`${this.name}: cannot reserve a revision`, err);
    }
  }

  /** A failed file operation as the port names it: a full disk is NoSpace, and remembered until space is back. */
  private ioFailure(where: string, err: unknown, key?: string): StorageError {
    if (!isNoSpaceError(err)) return StorageError.unavailable(where, err, { key });
    this.full = StorageError.noSpace(where, err, { key, hint: 'no space is left on the disk of the store\'s folder: free some' });
    return this.full;
  }

  /** Throws NoSpace when growing the object files by `growth` bytes would pass the quota. */
  private checkQuota(key: string, growth: number): void {
    if (this.quotaBytes === undefined || growth <= 0 || this.bytes + growth <= this.quotaBytes) return;
    throw StorageError.noSpace(`${this.name}: write of ${key} refused`, undefined, {
      key,
      quotaBytes: this.quotaBytes,
      hint: `the object files take ${this.bytes} bytes, ${growth} more would pass the quota of ${this.quotaBytes} bytes`,
    });
  }

  /**
   * Runs the file operation of `event`, then applies the event. A failure before the change
   * could become visible on disk leaves everything as it was (the revision is skipped); one
   * after it (a failed directory sync) still applies the event, since a restart would read
   * the change, and then reports the failure.
   */
  private async durably(s: Opened, event: StoreEvent, io: () => Promise<void>, bytes = 0): Promise<void> {
    try {
      await io();
    } catch (err) {
      if (err instanceof FileWriteError && err.visible) this.apply(s, event, bytes);
      throw this.ioFailure(`${this.name}: ${event.type === 'DELETED' ? 'delete' : 'write'} of ${event.key} failed`, err, event.key);
    }
    this.full = undefined;
    this.apply(s, event, bytes);
  }

  /** Index, history, current revision, watches: in one synchronous step, so every read sees all or none of it. */
  private apply(s: Opened, event: StoreEvent, bytes: number): void {
    this.bytes += bytes - (s.index.get(event.key)?.bytes ?? 0);
    if (event.type === 'DELETED') s.index.delete(event.key);
    else s.index.set(event.key, { object: event.object, revision: event.revision, bytes });
    s.history.append(event);
    this.revision = event.revision;
    this.fanout.publish(event);
  }

  // ------------------------------------------------------------------- reads

  async get(key: string): Promise<KubeObject | undefined> {
    const s = await this.opened();
    // A key no file can hold holds nothing; writes to it are refused.
    if (keyProblem(key) !== undefined) return undefined;
    return s.index.get(key)?.object;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const s = await this.opened();
    const current = this.revision;
    const revision = options.revision ?? current;
    if (revision > current) {
      throw StorageError.tooLarge(revision, current);
    }
    if (revision < s.history.oldest) throw this.expired(revision, s);
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const start = options.startKey ?? '';
    const then = revision === current ? undefined : s.history.stateAt(revision, prefix);
    const items: ListResult['items'] = [];
    let more = false;
    for (const key of this.keysAt(s, prefix, start, then)) {
      const object = then?.has(key) ? then.get(key) : s.index.get(key)?.object;
      if (object === undefined) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push({ key, object });
    }
    return { items, revision, more };
  }

  /** The keys under `prefix` from `start` on, ascending: today's plus those that changed since (`then`). */
  private *keysAt(s: Opened, prefix: string, start: string, then: Map<string, KubeObject | undefined> | undefined): Generator<string> {
    const now = s.index.keysFrom(prefix, start);
    if (then === undefined || then.size === 0) {
      yield* now;
      return;
    }
    const changed = [...then.keys()].filter((k) => k >= start).sort(compareKeys);
    let i = 0;
    for (const key of now) {
      while (i < changed.length && changed[i]! < key) yield changed[i++]!;
      if (i < changed.length && changed[i] === key) i++;
      yield key;
    }
    while (i < changed.length) yield changed[i++]!;
  }

  async currentRevision(): Promise<number> {
    await this.opened();
    return this.revision;
  }

  async oldestRevision(): Promise<number> {
    return (await this.opened()).history.oldest;
  }

  // ----------------------------------------------------------------- watches

  async watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    const s = await this.opened();
    if (fromRevision < s.history.oldest) throw this.expired(fromRevision, s);
    // No await from here on: nothing can commit between the replay and the attach.
    const w = this.fanout.open(prefix, fromRevision, sink);
    for (const e of s.history.after(fromRevision)) {
      if (e.key.startsWith(prefix)) w.send(e);
    }
    this.fanout.attach(w);
    return w;
  }

  // --------------------------------------------------------------- lifecycle

  async ready(): Promise<void> {
    const s = await this.opened();
    if (this.damage !== undefined) throw this.damage;
    if (this.full !== undefined) {
      const free = freeBytes(this.paths.root);
      if (free !== undefined && free < ENOUGH_FREE_BYTES) throw this.full;
      this.full = undefined;
    }
    let identity: string;
    try {
      identity = await rootIdentity(this.paths.root);
    } catch {
      identity = 'missing';
    }
    if (identity !== s.rootIdentity) {
      throw StorageError.unavailable(`${this.name}: the root folder was removed or replaced while the store was open`);
    }
  }

  /**
   * Lets writes already accepted finish, ends every watch (telling each sink `Unavailable`),
   * records the last revision handed out and releases the root.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.drain();
      const opened = await this.opening?.catch(() => undefined);
      this.closed = true;
      this.fanout.endAll(() => StorageError.closed(this.name));
      if (opened === undefined) return;
      // Best effort: should it fail, the file keeps the reserved block, which is just as safe.
      await opened.counter.settle().catch(() => undefined);
      await opened.lock.release();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== undefined || this.closed) throw StorageError.closed(this.name);
  }

  /** The loaded store for a new call; rejects once closing has begun. */
  private async opened(): Promise<Opened> {
    this.assertOpen();
    return this.loadOnce();
  }

  /** Opens the store on first use; a failed open is retried by the next call. */
  private loadOnce(): Promise<Opened> {
    this.opening ??= this.load().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  private async load(): Promise<Opened> {
    const root = this.paths.root;
    let lock: RootLock | undefined;
    try {
      await mkdir(root, { recursive: true, mode: DIRECTORY_MODE });
      const identity = await rootIdentity(root);
      lock = await RootLock.acquire(root);
      const ceiling = await readRevisionFile(join(root, REVISION_FILE));
      const scan = await scanRoot(this.paths, new Set([REVISION_FILE, LOCK_FILE]));
      for (const p of scan.problems.slice(0, MAX_REPORTED_FILES)) this.problem(p);
      if (scan.problems.length > MAX_REPORTED_FILES) {
        this.problem(`... and ${scan.problems.length - MAX_REPORTED_FILES} more files or folders skipped`);
      }
      let newest = 0;
      const entries: Array<[string, IndexEntry]> = [];
      let bytes = 0;
      for (const f of scan.objects) {
        newest = Math.max(newest, f.revision);
        bytes += f.bytes;
        entries.push([f.key, { object: deepFreeze(f.object), revision: f.revision, bytes: f.bytes }]);
      }
      this.bytes = bytes;
      if (ceiling === undefined && (entries.length > 0 || scan.unreadable.length > 0)) {
        // Deletions leave no file: only the counter knows their revisions.
        throw new Error(
          `the revision counter ${join(root, REVISION_FILE)} is missing while objects exist (newest object revision ${newest}); ` +
            `refusing to open, since resourceVersions of deletions could be reused. ${COUNTER_RECOVERY}`,
        );
      }
      if (ceiling !== undefined && newest > ceiling) {
        this.problem(`${REVISION_FILE}: ${ceiling} is below the newest object revision ${newest} (files copied in?); continuing after ${newest}`);
      }
      if (scan.unreadable.length > 0) {
        const shown = scan.unreadable.slice(0, 3).join(', ') + (scan.unreadable.length > 3 ? ', ...' : '');
        this.damage = StorageError.damaged(`${this.name}: ${scan.unreadable.length} object files or folders cannot be read (${shown})`, undefined, {
          hint: 'writes are refused, as they could replace objects that are not loaded: make them readable by the server or restore them, then restart it',
        });
        this.problem(this.damage.message.slice(this.name.length + 2));
      }
      const start = Math.max(ceiling ?? 0, newest);
      const index = new ObjectIndex();
      index.load(entries);
      this.revision = start;
      return {
        index,
        history: new EventHistory(this.historyLimit, start),
        counter: new RevisionCounter(join(root, REVISION_FILE), this.files, this.revisionBlock, start),
        lock,
        rootIdentity: identity,
      };
    } catch (err) {
      await lock?.release();
      throw StorageError.unavailable(`${this.name}: cannot open the store`, err);
    }
  }

  /** History is kept from the open on (see the class comment): older revisions are gone. */
  private expired(revision: number, s: Opened): StorageError {
    return StorageError.expired(revision, s.history.oldest, { where: this.name });
  }

  private problem(message: string): void {
    this.found.push(message);
    try {
      this.report(message);
    } catch {
      // A failing logger must not stop the store from opening.
    }
  }
}

/** A deep, JSON-faithful copy of a caller's object: what a restart would read back. */
function copyObject(obj: KubeObject): KubeObject {
  assertStorableObject(obj);
  return JSON.parse(JSON.stringify(obj)) as KubeObject;
}

async function rootIdentity(root: string): Promise<string> {
  const st = await stat(root);
  if (!st.isDirectory()) throw new Error(`${root} is not a folder`);
  return `${st.dev}:${st.ino}`;
}

