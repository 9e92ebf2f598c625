import { closeSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Transaction } from 'better-sqlite3';
import { injectable } from 'inversify';
import type { KubeObject } from '../../../domain/meta/types.js';
import {
  type ListOptions,
  type ListResult,
  type ObjectStore,
  StorageError,
  type StoreEvent,
  type StoreWatch,
  type StoreWatchSink,
  isStorageError,
} from '../../../ports/object-store.port.js';
import { nonNegativeInteger, positiveInteger } from '../shared/argument-checks.js';
import { ENOUGH_FREE_BYTES, freeBytes, storedBytes } from '../shared/free-space.js';
import { keyRange } from './key-range.js';
import { eventFromRow } from './sqlite-change-events.js';
import { toStorageError } from './sqlite-errors.js';
import { LogStatements } from './sqlite-log-statements.js';
import { type CorruptRecord, RecordCodec, withRevision } from './sqlite-record-codec.js';
import { checkFileHeader, createSchemaIfEmpty, prepareSchema } from './sqlite-schema.js';
import { WatchHub } from './sqlite-watch-hub.js';
import { WriteBatcher } from './write-batcher.js';

/** Damaged rows remembered for problems(); more are still reported, not kept. */
const MAX_REMEMBERED_PROBLEMS = 100;

export interface SqliteObjectStoreOptions {
  /** The database file; created (with its directory's permissions) when missing. */
  path: string;
  /**
   * When a commit counts as durable. `NORMAL` (default): WAL is synced at checkpoints only; a
   * crash of the process loses nothing acknowledged, a power loss or OS crash may lose the last
   * transactions (never corrupts). `FULL`: every commit is synced before it is acknowledged;
   * group commit shares one sync among the writes of a batch.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * How many revisions of history are kept for watches and reads at a revision (default
   * 10 000). Compaction runs inside write transactions once the history exceeds this by a
   * tenth (at least 1, at most 1 000 revisions), so between `historyLimit` and
   * `historyLimit` plus that slack revisions are kept; `oldestRevision()` says where it is.
   */
  historyLimit?: number;
  /** How often to look for commits by other processes on the same file while watches are open (default 100 ms). */
  pollIntervalMs?: number;
  /** How long a write waits for another connection's lock before failing with `Unavailable` (default 5 000 ms). */
  busyTimeoutMs?: number;
  /** The most writes committed in one transaction (default 500; 1 turns group commit off). */
  maxBatchSize?: number;
  /**
   * Called once per damaged row (a value that is not a readable object). Such a row is skipped:
   * lists and gets act as if its key held nothing, a create may replace it. Default: a process
   * warning.
   */
  onCorruptRecord?: (record: CorruptRecord) => void;
  /**
   * Told once when the store finds the database file damaged (SQLITE_CORRUPT): from then on it
   * refuses writes and is not ready until it is reopened; the message says what to do.
   * Default: a process warning.
   */
  onProblem?: (message: string) => void;
  /**
   * The most bytes of objects the store holds (unset: no limit), as etcd's
   * `--quota-backend-bytes`: a create or update that would take the UTF-8 size of the stored
   * objects (their JSON, as the newest row of each key holds it) beyond it is refused with
   * `NoSpace`; deletes always work. History and SQLite's own overhead are not counted, so the
   * file may be larger.
   */
  quotaBytes?: number;
}

/** How many log rows one read pulls into memory at most (watch catch-up, polling, lists that skip damaged rows). */
const CHUNK = 1000;
/** The most revisions one compaction step covers, to keep each write transaction short. */
const MAX_COMPACTION_SPAN = 10_000;

type WriteKind = 'create' | 'update' | 'delete';

interface Write {
  kind: WriteKind;
  key: string;
  /** The value to store (create, update). */
  json: string | null;
  expected: number | undefined;
  resolve: (obj: KubeObject) => void;
  reject: (err: unknown) => void;
  /** Set inside the transaction; meaningful only once it committed. */
  outcome?: { revision: number; prev: KubeObject | undefined } | { error: unknown };
}

/**
 * An {@link ObjectStore} in one SQLite database file, keeping etcd's semantics with one log
 * table the way k3s' kine does: every write appends a row whose id is the new revision, the
 * current state is the newest row per key, history is the older rows until compaction.
 *
 * - Writes run in `BEGIN IMMEDIATE` transactions: compare-and-swap reads the key's newest row
 *   and appends under the write lock, so several processes on one file stay consistent.
 *   Writes issued in the same event-loop turn share one transaction (group commit); each gets
 *   its own revision, check and outcome, and none is acknowledged before the commit.
 * - Watches replay the log after their start revision, then receive this process's commits
 *   synchronously after each commit and other processes' commits by polling the log
 *   (`PRAGMA data_version`, one timer per store, not keeping the process alive).
 * - Revisions come from AUTOINCREMENT and are never reused, across restarts and compaction.
 * - WAL journal; durability per {@link SqliteObjectStoreOptions.synchronous}.
 *
 * Opening refuses, with a `StorageError` `Unavailable` that says why and without writing to
 * the file: a file that is not a SQLite database or is truncated, a database of another
 * application, or one written by a newer schema version.
 */
@injectable()
export class SqliteObjectStore implements ObjectStore {
  private readonly damaged = new Map<number, string>();
  readonly name: string;

  private readonly path: string;
  private readonly db: Db;
  private readonly st: LogStatements;
  private readonly codec: RecordCodec;
  private readonly hub = new WatchHub();
  private readonly batcher: WriteBatcher<Write>;
  private readonly historyLimit: number;
  private readonly compactionSlack: number;
  private readonly writeTx: Transaction<(batch: Write[]) => number>;
  private readonly readTxRunner: Transaction<(fn: () => unknown) => unknown>;
  private readonly fileIdentity: string | undefined;
  private readonly pollTimer: NodeJS.Timeout;
  private lastDataVersion = -1;
  private closed = false;
  private readonly quotaBytes: number | undefined;
  /** The size of the live objects, kept while a quota is set; recounted when another connection wrote. */
  private live: { bytes: number; dataVersion: number } | undefined;
  /** Set once the database is found damaged: writes are refused and ready() fails until reopened. */
  private damage: StorageError | undefined;
  /** Set when a write met a full disk; cleared by the next commit or when space is free again. */
  private full: StorageError | undefined;
  private readonly reportProblem: (message: string) => void;

  constructor(options: SqliteObjectStoreOptions) {
    const path = options.path;
    this.path = path;
    this.name = `sqlite:${path}`;
    this.historyLimit = nonNegativeInteger(options.historyLimit ?? 10_000, 'historyLimit');
    this.compactionSlack = Math.min(1000, Math.max(1, Math.floor(this.historyLimit / 10)));
    const maxBatch = positiveInteger(options.maxBatchSize ?? 500, 'maxBatchSize');
    const pollMs = positiveInteger(options.pollIntervalMs ?? 100, 'pollIntervalMs');
    const busyMs = positiveInteger(options.busyTimeoutMs ?? 5000, 'busyTimeoutMs');
    const synchronous = options.synchronous ?? 'NORMAL';
    if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
      throw new TypeError(`synchronous must be NORMAL or FULL, got ${String(synchronous)}`);
    }
    const report =
      options.onCorruptRecord ??
      ((r: CorruptRecord) =>
        process.emitWarning(`${this.name}: skipping damaged row at revision ${r.revision} (key ${r.key}): ${r.reason}`, {
          type: 'StorageWarning',
        }));
    const onCorrupt = (r: CorruptRecord): void => {
      // A damaged row is met on every read of it: remember and report it once.
      if (this.damaged.has(r.revision)) return;
      if (this.damaged.size < MAX_REMEMBERED_PROBLEMS) {
        this.damaged.set(r.revision, `damaged row at revision ${r.revision} (key ${r.key}): ${r.reason}; skipped`);
      }
      report(r);
    };
    this.codec = new RecordCodec(onCorrupt);
    this.reportProblem =
      options.onProblem ?? ((message) => process.emitWarning(`${this.name}: ${message}`, { type: 'StorageWarning' }));
    this.quotaBytes = options.quotaBytes === undefined ? undefined : positiveInteger(options.quotaBytes, 'quotaBytes');

    checkFileHeader(path, this.name);
    createOwnerOnly(path, this.name);
    let db: Db | undefined;
    try {
      db = new Database(path, { timeout: busyMs });
      prepareSchema(db, this.name);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && path !== ':memory:' && path !== '') {
        throw StorageError.unavailable(`${this.name}: cannot switch the database to WAL mode (got ${String(mode)})`);
      }
      db.pragma(`synchronous = ${synchronous}`);
      // A bigger page cache than SQLite's 2 MB default keeps the key index of large stores in
      // memory. No mmap: an I/O error on a mapped page would kill the process (SIGBUS).
      db.pragma('cache_size = -32768');
      createSchemaIfEmpty(db, this.name);
      this.db = db;
      this.st = new LogStatements(db);
      // Also the first reads of sqlite_sequence and meta: damage there shows now, not at the first request.
      this.hub.deliveredUpTo = this.st.currentRevision();
      this.st.compactRevision();
    } catch (err) {
      try {
        db?.close();
      } catch {
        // already unusable
      }
      const mapped = toStorageError(err, `${this.name}: cannot open the database`, path);
      // A file found damaged at open is refused: the store never serves it.
      if (mapped instanceof StorageError && mapped.code !== 'Unavailable') {
        throw new StorageError('Unavailable', mapped.message, { cause: mapped.cause });
      }
      throw mapped instanceof StorageError ? mapped : StorageError.unavailable(`${this.name}: cannot open the database`, mapped);
    }
    this.fileIdentity = fileIdentity(path);
    this.writeTx = this.db.transaction((batch: Write[]) => this.applyBatch(batch));
    this.readTxRunner = this.db.transaction((fn: () => unknown) => fn());
    this.batcher = new WriteBatcher((batch) => this.commit(batch), maxBatch);
    this.pollTimer = setInterval(() => this.poll(), pollMs);
    this.pollTimer.unref();
  }

  // ------------------------------------------------------------------ writes

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.enqueue('create', key, obj, undefined);
  }

  update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    return this.enqueue('update', key, obj, expectedRevision);
  }

  delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    return this.enqueue('delete', key, undefined, expectedRevision);
  }

  private enqueue(kind: WriteKind, key: string, obj: KubeObject | undefined, expected: number | undefined): Promise<KubeObject> {
    if (this.closed) return Promise.reject(StorageError.closed(this.name));
    if (this.damage !== undefined) return Promise.reject(this.damage);
    let json: string | null = null;
    try {
      // Serialized now: the caller may change its object as soon as this returns.
      if (obj !== undefined) json = this.codec.encode(obj);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<KubeObject>((resolve, reject) => {
      this.batcher.push({ kind, key, json, expected, resolve, reject });
    });
  }

  /** Commits one batch and settles each of its writes. Never throws. */
  private commit(batch: Write[]): void {
    if (this.closed) {
      for (const w of batch) w.reject(StorageError.closed(this.name));
      return;
    }
    if (this.damage !== undefined) {
      for (const w of batch) w.reject(this.damage);
      return;
    }
    let before: number;
    try {
      before = this.writeTx.immediate(batch);
    } catch (err) {
      // Rolled back: the size kept for the quota may count writes that did not happen.
      this.live = undefined;
      const failure = this.failure(err, 'write failed');
      for (const w of batch) w.reject(failure);
      return;
    }
    this.full = undefined;
    const events: StoreEvent[] = [];
    const results: Array<{ ok: KubeObject } | { error: unknown }> = [];
    let last = 0;
    for (const w of batch) {
      const outcome = w.outcome!;
      if ('error' in outcome) {
        results.push(outcome);
        continue;
      }
      const { revision, prev } = outcome;
      last = revision;
      let object: KubeObject;
      let event: StoreEvent;
      if (w.kind === 'delete') {
        object = withRevision(prev!, revision);
        event = { type: 'DELETED', key: w.key, revision, object, prevObject: prev };
      } else {
        object = this.codec.decode(w.key, revision, w.json)!;
        event =
          w.kind === 'create' || prev === undefined
            ? { type: 'ADDED', key: w.key, revision, object }
            : { type: 'MODIFIED', key: w.key, revision, object, prevObject: prev };
      }
      results.push({ ok: object });
      events.push(event);
    }
    this.publish(before, last, events);
    batch.forEach((w, i) => {
      const r = results[i]!;
      if ('ok' in r) w.resolve(r.ok);
      else w.reject(r.error);
    });
  }

  /**
   * Runs inside BEGIN IMMEDIATE: checks and appends each write in order (a later write sees
   * the earlier ones), then compacts if due. Returns the revision before the batch.
   */
  private applyBatch(batch: Write[]): number {
    const before = this.st.currentRevision();
    if (this.quotaBytes !== undefined) this.liveBytes();
    for (const w of batch) {
      try {
        w.outcome = this.applyWrite(w);
      } catch (err) {
        // A statement that fails on its own (a constraint, a too large value) undoes only
        // itself: that write fails and the others go on. When SQLite rolled the whole
        // transaction back (I/O error, disk full), the whole batch fails.
        if (!this.db.inTransaction) throw err;
        w.outcome = { error: this.failure(err, `write to ${w.key} failed`) };
      }
    }
    this.compactIfDue();
    return before;
  }

  /** Checks one write against the key's newest row and appends it. */
  private applyWrite(w: Write): NonNullable<Write['outcome']> {
    const latest = this.st.latest(w.key);
    const live = latest && !latest.deleted ? this.codec.decode(w.key, latest.id, latest.value) : undefined;
    const liveRevision = live ? latest!.id : 0;
    const oldBytes = live ? storedBytes(latest!.value) : 0;
    const newBytes = storedBytes(w.json);
    if (w.kind === 'create') {
      if (live) return { error: StorageError.keyExists(w.key, liveRevision) };
      const over = this.overQuota(w.key, newBytes);
      if (over) return { error: over };
      // A damaged newest row counts as absent; the new life of the key links to it.
      const revision = this.st.append(w.key, true, false, latest?.id ?? 0, w.json);
      this.counted(newBytes);
      return { revision, prev: undefined };
    }
    if (!live) return { error: StorageError.notFound(w.key) };
    if (w.expected !== undefined && w.expected !== liveRevision) {
      return { error: StorageError.conflict(w.key, liveRevision, w.expected) };
    }
    if (w.kind === 'update') {
      const over = this.overQuota(w.key, newBytes - oldBytes);
      if (over) return { error: over };
    }
    const revision =
      w.kind === 'update'
        ? this.st.append(w.key, false, false, liveRevision, w.json)
        : this.st.append(w.key, false, true, liveRevision, null);
    this.counted((w.kind === 'update' ? newBytes : 0) - oldBytes);
    return { revision, prev: live };
  }

  /** The size of the live objects (inside a transaction); recounted when another connection committed since. */
  private liveBytes(): number {
    const version = this.st.dataVersion();
    if (this.live === undefined || this.live.dataVersion !== version) this.live = { bytes: this.st.liveBytes(), dataVersion: version };
    return this.live.bytes;
  }

  /** NoSpace when growing the live objects by `growth` bytes would pass the quota. */
  private overQuota(key: string, growth: number): StorageError | undefined {
    if (this.quotaBytes === undefined || growth <= 0 || this.live === undefined) return undefined;
    if (this.live.bytes + growth <= this.quotaBytes) return undefined;
    return StorageError.noSpace(`${this.name}: write of ${key} refused`, undefined, {
      key,
      quotaBytes: this.quotaBytes,
      hint: `the objects take ${this.live.bytes} bytes, ${growth} more would pass the quota of ${this.quotaBytes} bytes`,
    });
  }

  private counted(delta: number): void {
    if (this.live !== undefined) this.live.bytes += delta;
  }

  private compactIfDue(): void {
    const target = this.st.currentRevision() - this.historyLimit;
    const compacted = this.st.compactRevision();
    if (target - compacted < this.compactionSlack) return;
    this.st.compact(compacted, Math.min(target, compacted + MAX_COMPACTION_SPAN));
  }

  /** Hands this process's committed changes to the watches, or reads the log if others wrote in between. */
  private publish(before: number, last: number, events: StoreEvent[]): void {
    if (last === 0) return;
    if (this.hub.size === 0) {
      this.hub.advance(last);
      return;
    }
    if (this.hub.deliveredUpTo === before) {
      for (const e of events) this.hub.offer(e.revision, e.key, () => e);
      this.hub.advance(last);
      return;
    }
    this.pumpSafely();
  }

  // ------------------------------------------------------------------- reads

  async get(key: string): Promise<KubeObject | undefined> {
    this.assertOpen();
    try {
      const row = this.st.latest(key);
      if (!row || row.deleted) return undefined;
      return this.codec.decode(key, row.id, row.value);
    } catch (err) {
      throw this.failure(err, 'get failed');
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const { low, high } = keyRange(prefix);
    const start = options.startKey !== undefined && options.startKey > low ? options.startKey : low;
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined;
    try {
      return this.readTx(() => {
        const current = this.st.currentRevision();
        const compacted = this.st.compactRevision();
        const revision = options.revision ?? current;
        if (revision > current) {
          throw StorageError.tooLarge(revision, current);
        }
        if (revision < compacted) {
          throw StorageError.expired(revision, compacted, { where: this.name });
        }
        const items: ListResult['items'] = [];
        // One more than asked for tells whether more follow. Damaged rows are skipped, so a
        // short page may need further reads from after its last key.
        const wanted = limit === undefined ? Infinity : limit + 1;
        let from = start;
        for (;;) {
          const n = wanted === Infinity ? -1 : Math.max(wanted - items.length, 1);
          const rows = from < high ? this.st.page(from, high, revision, n) : [];
          for (const [id, key, value] of rows) {
            const object = this.codec.decode(key, id, value);
            if (object) items.push({ key, object });
          }
          if (n === -1 || rows.length < n || items.length >= wanted) break;
          from = rows[rows.length - 1]![1] + '\u0000';
        }
        const more = limit !== undefined && items.length > limit;
        if (more) items.length = limit;
        return { items, revision, more };
      });
    } catch (err) {
      throw this.failure(err, 'list failed');
    }
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    try {
      return this.st.currentRevision();
    } catch (err) {
      throw this.failure(err, 'reading the revision failed');
    }
  }

  async oldestRevision(): Promise<number> {
    this.assertOpen();
    try {
      return this.st.compactRevision();
    } catch (err) {
      throw this.failure(err, 'reading the compaction point failed');
    }
  }

  // ----------------------------------------------------------------- watches

  async watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    this.assertOpen();
    const { low, high } = keyRange(prefix);
    let history: StoreEvent[] = [];
    let upTo: number;
    try {
      this.pump();
      upTo = this.hub.deliveredUpTo;
      history = this.readTx(() => {
        const compacted = this.st.compactRevision();
        if (fromRevision < compacted) {
          throw StorageError.expired(fromRevision, compacted, { where: this.name });
        }
        const events: StoreEvent[] = [];
        for (let after = fromRevision; after < upTo; ) {
          const rows = this.st.changesInRange(after, upTo, low, high, CHUNK);
          for (const row of rows) {
            const e = eventFromRow(row, this.codec);
            if (e) events.push(e);
          }
          if (rows.length < CHUNK) break;
          after = rows[rows.length - 1]!.id;
        }
        return events;
      });
    } catch (err) {
      throw this.failure(err, 'watch failed');
    }
    const w = this.hub.open(prefix, fromRevision, sink);
    for (const e of history) w.send(e);
    w.from = Math.max(fromRevision, upTo);
    this.hub.attach(w);
    return w;
  }

  private poll(): void {
    if (this.closed || this.hub.size === 0) return;
    try {
      const version = this.st.dataVersion();
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
    } catch (err) {
      this.hub.endAll(this.failure(err, 'watching failed') as Error);
      return;
    }
    this.pumpSafely();
  }

  private pumpSafely(): void {
    try {
      this.pump();
    } catch (err) {
      this.hub.endAll(this.failure(err, 'watching failed') as Error);
    }
  }

  /** Delivers every change in the log after `deliveredUpTo` (other processes' commits). */
  private pump(): void {
    if (this.hub.size === 0) {
      this.hub.advance(this.st.currentRevision());
      return;
    }
    for (;;) {
      const after = this.hub.deliveredUpTo;
      const { current, compacted, rows } = this.readTx(() => ({
        current: this.st.currentRevision(),
        compacted: this.st.compactRevision(),
        rows: this.st.changesAfter(after, CHUNK),
      }));
      if (compacted > after) {
        // Another process compacted past changes not yet delivered here.
        this.hub.failBefore(compacted, () =>
          StorageError.expired(after, compacted, { where: `${this.name}: another process compacted past this watch` }),
        );
      }
      for (const row of rows) {
        this.hub.offer(row.id, row.key, () => eventFromRow(row, this.codec));
        this.hub.advance(row.id);
      }
      if (rows.length < CHUNK) {
        this.hub.advance(current);
        return;
      }
    }
  }

  // --------------------------------------------------------------- lifecycle

  async ready(): Promise<void> {
    this.assertOpen();
    if (this.damage !== undefined) throw this.damage;
    if (this.full !== undefined) {
      const free = isFilePath(this.path) ? freeBytes(dirname(this.path)) : undefined;
      if (free !== undefined && free < ENOUGH_FREE_BYTES) throw this.full;
      this.full = undefined;
    }
    try {
      this.st.currentRevision();
      this.st.compactRevision();
    } catch (err) {
      throw this.failure(err, 'not ready');
    }
    if (this.fileIdentity !== undefined && fileIdentity(this.path) !== this.fileIdentity) {
      throw StorageError.unavailable(`${this.name}: the database file was removed or replaced while open`);
    }
  }

  /** Damaged rows met so far (each once), skipped by reads. */
  problems(): string[] {
    return [...this.damaged.values()];
  }

  async usage(): Promise<{ bytes: number; quotaBytes: number } | undefined> {
    if (this.quotaBytes === undefined) return undefined;
    this.assertOpen();
    try {
      return { bytes: this.readTx(() => this.liveBytes()), quotaBytes: this.quotaBytes };
    } catch (err) {
      throw this.failure(err, 'measuring the stored objects failed');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already accepted are committed, not dropped.
    this.batcher.flush();
    this.closed = true;
    clearInterval(this.pollTimer);
    this.hub.endAll(StorageError.closed(this.name));
    try {
      this.db.close();
    } catch (err) {
      throw this.failure(err, 'close failed');
    }
  }

  /** Runs `fn` in one read transaction, so that everything it reads is one snapshot. */
  private readTx<T>(fn: () => T): T {
    return this.readTxRunner.deferred(fn) as T;
  }

  private assertOpen(): void {
    if (this.closed) throw StorageError.closed(this.name);
  }

  /**
   * A failure of SQLite while doing `what`, as the port names it (see sqlite-errors.ts). A
   * damaged file is remembered (writes refused from now on, said once), a full disk until space
   * is back.
   */
  private failure(err: unknown, what: string): unknown {
    if (this.damage !== undefined && isStorageError(toStorageError(err, ''), 'Damaged')) return this.damage;
    const mapped = toStorageError(err, `${this.name}: ${what}`, this.path);
    if (isStorageError(mapped, 'Damaged')) {
      this.damage = mapped;
      try {
        this.reportProblem(mapped.message.slice(this.name.length + 2));
      } catch {
        // A failing logger must not hide the error from the caller.
      }
    } else if (isStorageError(mapped, 'NoSpace')) {
      this.full = mapped;
    }
    return mapped;
  }
}

function isFilePath(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file:');
}

/**
 * Creates a missing database file for its owner only (0600) before SQLite opens it: objects
 * may be secrets, and SQLite gives the -wal and -shm files the database file's mode.
 */
function createOwnerOnly(path: string, name: string): void {
  if (!isFilePath(path)) return;
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw StorageError.unavailable(`${name}: cannot create the database file`, err);
  }
}

/** Device and inode of the file, to notice it being deleted or replaced under an open connection. */
function fileIdentity(path: string): string | undefined {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return undefined;
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return 'missing';
  }
}
