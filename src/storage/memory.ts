/** apiserver-kit/storage/memory: the in-memory store (no durability; for tests and demos). */
export { MemoryObjectStore, type MemoryObjectStoreOptions } from '../adapters/storage/memory/memory-object-store.js';
