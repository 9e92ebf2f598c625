export { EtcdObjectStore } from './etcd-object-store.js';
export type { EtcdObjectStoreOptions, EtcdTlsOptions } from './etcd-object-store-options.js';
export { DEFAULT_ETCD_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS } from './etcd-object-store-options.js';
