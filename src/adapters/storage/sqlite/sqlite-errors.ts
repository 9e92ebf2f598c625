import Database from 'better-sqlite3';
import { StorageError } from '../../../ports/object-store.port.js';

/**
 * SQLite failures that mean "the database cannot serve this now" (locked beyond the busy
 * timeout, I/O error, disk full, damaged file, read-only file) become `Unavailable`, which
 * callers report as 503; anything else (a bug) passes through unchanged.
 */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CORRUPT|NOTADB|CANTOPEN|READONLY|PROTOCOL|PERM|AUTH|NOMEM|NOLFS)/;

export function toStorageError(err: unknown, where: string): unknown {
  if (err instanceof StorageError) return err;
  if (err instanceof Database.SqliteError && UNAVAILABLE_CODES.test(err.code)) {
    const hint = /^SQLITE_(BUSY|LOCKED)/.test(err.code)
      ? ' (another connection held the database lock longer than the busy timeout)'
      : /^SQLITE_(CORRUPT|NOTADB)/.test(err.code)
        ? ' (the file is damaged or truncated; restore it from a backup)'
        : '';
    return new StorageError('Unavailable', `${where}: ${err.message} [${err.code}]${hint}`);
  }
  return err;
}

export function closedError(name: string): StorageError {
  return new StorageError('Unavailable', `${name}: the store is closed`);
}
