import { expect } from 'chai';
import { openStorage, parseStorageSpec } from '../../src/app/storage-spec.js';

describe('--storage etcd: watchCache option', () => {
  it('parses watchCache=off and on, and leaves it unset by default (the cache is on)', () => {
    const off = parseStorageSpec('etcd:http://127.0.0.1:2379?watchCache=off');
    expect(off).to.include({ kind: 'etcd', watchCache: false });
    expect(parseStorageSpec('etcd:http://127.0.0.1:2379?watchCache=on')).to.include({ watchCache: true });
    expect(parseStorageSpec('etcd:http://127.0.0.1:2379')).to.not.have.property('watchCache');
  });

  it('refuses other values, naming them', () => {
    expect(() => parseStorageSpec('etcd:http://127.0.0.1:2379?watchCache=maybe')).to.throw('etcd watchCache must be on or off, got "maybe"');
  });

  it('opens a store whose cache follows the option', async () => {
    const { EtcdObjectStore } = await import('../../src/adapters/storage/etcd/index.js');
    for (const [spec, cached] of [
      ['etcd:http://127.0.0.1:1?watchCache=off', false],
      ['etcd:http://127.0.0.1:1', true],
    ] as const) {
      const lazy = openStorage(spec) as unknown as { store(): Promise<InstanceType<typeof EtcdObjectStore>> };
      expect(lazy.store, "the lazy store's loader").to.be.a("function");
      const store = await lazy.store();
      expect(store.cache !== undefined, spec).to.equal(cached);
      await store.close();
    }
  });
});
