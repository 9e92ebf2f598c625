import type { IEvent } from 'etcd3';
import type { StoreEvent } from '../../../ports/object-store.port.js';
import { StorageError } from '../../../ports/object-store.port.js';
import type { EtcdKeySpace } from './etcd-key-space.js';
import { decodeValue } from './etcd-value-codec.js';

/**
 * A store event from an etcd watch event (watched with `prev_kv`), or `undefined` for a key
 * outside the key space. A put that created the key is ADDED, any other put MODIFIED; a
 * deletion carries the last state, stamped with the deletion's revision. etcd keeps the
 * previous value of every change after its compaction point, so a deletion without it means
 * the history is gone: that is `Expired`.
 */
export function storeEventFrom(ev: IEvent, keys: EtcdKeySpace): StoreEvent | undefined {
  const key = keys.storageKey(ev.kv.key);
  if (key === undefined) return undefined;
  const revision = Number(ev.kv.mod_revision);
  const prev = ev.prev_kv ?? undefined;
  const prevObject = prev ? decodeValue(prev.value, prev.mod_revision, key) : undefined;
  if (ev.type === 'Delete') {
    if (!prev) throw StorageError.expired(revision, undefined, { where: 'etcd', what: `the state of ${key} before its deletion at revision ${revision}`, key });
    return { type: 'DELETED', key, revision, object: decodeValue(prev.value, revision, key), prevObject };
  }
  const object = decodeValue(ev.kv.value, revision, key);
  if (ev.kv.create_revision === ev.kv.mod_revision) return { type: 'ADDED', key, revision, object };
  return prevObject ? { type: 'MODIFIED', key, revision, object, prevObject } : { type: 'MODIFIED', key, revision, object };
}
