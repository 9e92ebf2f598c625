import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Database as Db } from 'better-sqlite3';
import { StorageError } from '../../../ports/object-store.port.js';

/**
 * The on-disk layout, version 1.
 *
 * `log` is the only data table: every write appends one row and the row's id is the revision
 * (AUTOINCREMENT: SQLite records the highest id ever used in `sqlite_sequence`, so an id is
 * never handed out twice, also after the newest rows are compacted away or the process
 * restarts).
 *   - key           the object's key
 *   - created       1 when the row starts a life of the key (a create)
 *   - deleted       1 for a tombstone (a delete); its value is NULL and the deleted state is
 *                   the row at prev_revision
 *   - prev_revision the id of the key's previous row (0 for the first one); a create after a
 *                   delete points at the tombstone
 *   - value         the object as JSON text, without metadata.resourceVersion (the id is it)
 * The state at revision R is, per key, the newest row with id <= R unless it is a tombstone.
 * `log_key_id` serves "newest row of a key" and key-ordered range scans, covering `deleted`
 * so that picking a key's live row needs no table lookup.
 *
 * `meta` holds `compact_revision`: rows superseded at or before it may be gone, so reads at an
 * older revision and watches from one are refused.
 *
 * `PRAGMA user_version` holds the schema version and `PRAGMA application_id` marks the file as
 * ours, so a database written by a newer build, or by another program, is refused before
 * anything in it is touched.
 */
export const SCHEMA_VERSION = 1;
/** "ask1": apiserver-kit, in the header's application_id field. */
export const APPLICATION_ID = 0x61736b31;

const CREATE_SCHEMA = `
CREATE TABLE log (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  key           TEXT    NOT NULL,
  created       INTEGER NOT NULL,
  deleted       INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value         TEXT
);
CREATE INDEX log_key_id ON log (key, id, deleted);
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('compact_revision', 0);
`;

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const SQLITE_HEADER_SIZE = 100;

function failure(name: string, why: string, cause?: unknown): StorageError {
  return StorageError.unavailable(`${name}: ${why}`, cause);
}

/**
 * Refuses a file that exists, is not empty and does not start like a SQLite database, before
 * SQLite sees it: SQLite would take a file shorter than its header for an empty database and
 * write over it.
 */
export function checkFileHeader(path: string, name: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw failure(name, 'the path is not a regular file');
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err instanceof StorageError ? err : failure(name, 'cannot inspect the database file', err);
  }
  if (size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER_SIZE);
  let read = 0;
  const fd = openSync(path, 'r');
  try {
    read = readSync(fd, header, 0, SQLITE_HEADER_SIZE, 0);
  } finally {
    closeSync(fd);
  }
  const seen = header.toString('latin1', 0, Math.min(read, SQLITE_MAGIC.length));
  if (read === SQLITE_HEADER_SIZE && seen === SQLITE_MAGIC) return;
  const truncated = seen === SQLITE_MAGIC.slice(0, seen.length);
  throw failure(
    name,
    truncated
      ? `the file is truncated (${size} bytes, shorter than a SQLite header); refusing to open it`
      : 'the file is not a SQLite database; refusing to open it',
  );
}

/**
 * Checks that `db` is ours or empty and creates the schema in an empty one. Reads the header
 * first and writes nothing unless the database is empty or ours at a version this build knows.
 */
export function prepareSchema(db: Db, name: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId !== 0 && appId !== APPLICATION_ID) {
    throw failure(name, `the database belongs to another application (application_id ${appId}); refusing to open it`);
  }
  if (version > SCHEMA_VERSION) {
    throw failure(
      name,
      `the database was written by a newer apiserver-kit (schema version ${version}; this build knows up to ${SCHEMA_VERSION}); refusing to open it, nothing was changed`,
    );
  }
  if (version === 0 && objectCount(db) > 0) {
    throw failure(name, 'the database holds tables of another application (no apiserver-kit schema); refusing to open it');
  }
}

/** Creates the schema when the database is still empty; safe when several processes race. */
export function createSchemaIfEmpty(db: Db, name: string): void {
  const create = db.transaction(() => {
    // Re-read under the write lock: another process may have created it meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== 0) return;
    if (objectCount(db) > 0) {
      throw failure(name, 'the database holds tables of another application (no apiserver-kit schema); refusing to open it');
    }
    db.exec(CREATE_SCHEMA);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  create.immediate();
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('log', 'meta')`)
    .pluck()
    .all() as string[];
  if (tables.length !== 2) {
    throw failure(name, `the database is damaged: schema version ${SCHEMA_VERSION} but tables missing (found: ${tables.join(', ') || 'none'})`);
  }
}

function objectCount(db: Db): number {
  return db.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get() as number;
}
