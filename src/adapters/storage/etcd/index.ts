export { EtcdObjectStore } from './etcd-object-store.js';
export type { EtcdObjectStoreOptions, EtcdTlsOptions } from './etcd-object-store-options.js';
export { DEFAULT_ETCD_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS } from './etcd-object-store-options.js';
export type { WatchCacheOptions } from './etcd-watch-cache.js';
export { DEFAULT_WATCH_CACHE_EVENTS, DEFAULT_CONSISTENT_READ_WAIT_MS } from './etcd-watch-cache.js';
