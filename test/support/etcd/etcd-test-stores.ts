import { randomBytes } from 'node:crypto';
import { EtcdObjectStore } from '../../../src/adapters/storage/etcd/etcd-object-store.js';
import type { EtcdObjectStoreOptions } from '../../../src/adapters/storage/etcd/etcd-object-store-options.js';

/** A key prefix no other test uses, so tests can share one etcd. */
export function uniquePrefix(label = 'test'): string {
  return `/apiserver-kit-${label}-${randomBytes(5).toString('hex')}`;
}

/**
 * Opens etcd stores for a test and closes every one of them in `closeAll` (call it from an
 * `afterEach`/`after` hook), so that no client keeps the test process alive.
 */
export class EtcdStores {
  private readonly open: EtcdObjectStore[] = [];

  constructor(private readonly defaults: () => EtcdObjectStoreOptions) {}

  make(options: Partial<EtcdObjectStoreOptions> = {}): EtcdObjectStore {
    const store = new EtcdObjectStore({ ...this.defaults(), ...options });
    this.open.push(store);
    return store;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((s) => s.close()));
  }
}
