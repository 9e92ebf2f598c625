/** apiserver-kit/storage/filesystem: one JSON file per object under a root folder. */
// The store class carries Inversify decorators: the Reflect metadata polyfill comes first.
import 'reflect-metadata';
export { FileSystemObjectStore, type FileSystemObjectStoreOptions } from '../adapters/storage/filesystem/filesystem-object-store.js';
