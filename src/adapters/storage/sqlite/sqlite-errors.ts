import Database from 'better-sqlite3';
import { StorageError } from '../../../ports/object-store.port.js';
import { onReadOnlyFileSystem } from './read-only-file-system.js';

/**
 * SQLite failures that mean "the database cannot serve this now" (locked beyond the busy
 * timeout, I/O error, disk full, damaged file, read-only file) become `Unavailable` (503), a
 * full disk `NoSpace` (507) and a damaged file `Damaged`; anything else (a bug) passes through
 * unchanged.
 */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CORRUPT|NOTADB|CANTOPEN|READONLY|PROTOCOL|PERM|AUTH|NOMEM|NOLFS)/;

/**
 * `err` as the port names it: StorageErrors as they are, SQLite's availability failures as
 * `Unavailable` with SQLite's error as the cause and a hint for the operator. `path` is the
 * database file, looked at only to explain an I/O error.
 */
export function toStorageError(err: unknown, where: string, path?: string): unknown {
  if (err instanceof StorageError) return err;
  if (err instanceof Database.SqliteError && UNAVAILABLE_CODES.test(err.code)) {
    const hint = hintFor(err.code, path);
    if (/^SQLITE_FULL/.test(err.code)) return StorageError.noSpace(where, err, { hint });
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(err.code)) return StorageError.damaged(where, err, { hint });
    return StorageError.unavailable(where, err, { hint });
  }
  return err;
}

/** What an operator should know about some codes, beyond SQLite's own words. */
function hintFor(code: string, path: string | undefined): string | undefined {
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'another connection held the database lock longer than the busy timeout';
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    const file = path !== undefined && isFilePath(path) ? path : 'FILE';
    return (
      'the database file is damaged; writes are refused until the server is restarted on a repaired file: stop it, then ' +
      `restore the file from a backup, or save what is readable with \`sqlite3 ${file} .recover | sqlite3 ${file}.recovered\` and start on that`
    );
  }
  if (/^SQLITE_FULL/.test(code)) return 'no space is left for the database files: free some on their disk';
  if (/^SQLITE_READONLY/.test(code)) return 'the database cannot be written: check the file, its directory and the mount';
  if (/^SQLITE_IOERR/.test(code)) {
    // SQLite says only "disk I/O error"; a file system that turned read-only under the open
    // database (ext4 after an error, say) is the common case, and it can be asked.
    return path !== undefined && isFilePath(path) && onReadOnlyFileSystem(path)
      ? 'the file system holding the database is read-only now'
      : 'the operating system failed a read or write of the database files; see the system log';
  }
  return undefined;
}

function isFilePath(path: string): boolean {
  return path !== '' && path !== ':memory:' && !path.startsWith('file:');
}
