/** apiserver-kit/storage/sqlite: one SQLite file (better-sqlite3), the default embedded store. */
// The store class carries Inversify decorators: the Reflect metadata polyfill comes first.
import 'reflect-metadata';
export { SqliteObjectStore, type SqliteObjectStoreOptions } from '../adapters/storage/sqlite/sqlite-object-store.js';
