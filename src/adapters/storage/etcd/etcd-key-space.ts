/**
 * Where a store's keys live in etcd: storage key `k` is etcd key `prefix + k` (UTF-8 bytes), so
 * several servers or API groups can share one etcd under different prefixes. Storage keys
 * start with `/`; the prefix is kept without a trailing `/` (`/registry` + `/g/r/ns/n`).
 */
export class EtcdKeySpace {
  readonly prefix: string;
  private readonly prefixBytes: Buffer;

  constructor(prefix: string) {
    this.prefix = prefix.replace(/\/+$/, '');
    this.prefixBytes = Buffer.from(this.prefix, 'utf8');
  }

  /** The etcd key of a storage key. */
  key(storageKey: string): Buffer {
    return Buffer.from(this.prefix + storageKey, 'utf8');
  }

  /** The storage key of an etcd key, or `undefined` for a key outside this key space. */
  storageKey(etcdKey: Buffer): string | undefined {
    if (etcdKey.length < this.prefixBytes.length || !etcdKey.subarray(0, this.prefixBytes.length).equals(this.prefixBytes)) {
      return undefined;
    }
    return etcdKey.subarray(this.prefixBytes.length).toString('utf8');
  }

  /**
   * The half-open etcd range `[start, end)` of the keys under a storage prefix, starting at
   * `startKey` when that lies further in.
   */
  range(storagePrefix: string, startKey?: string): { start: Buffer; end: Buffer } {
    // Every storage key starts with '/': the empty prefix selects the same keys as '/', and must
    // not reach into a neighbouring key space ('/registry' + '' would also match '/registry2/...').
    const low = this.key(storagePrefix === '' ? '/' : storagePrefix);
    const end = prefixEnd(low);
    if (startKey === undefined) return { start: low, end };
    const from = this.key(startKey);
    return { start: Buffer.compare(from, low) > 0 ? from : low, end };
  }

  /** A single key no object lives under, for requests that only want a response header. */
  probeKey(): Buffer {
    return Buffer.from(this.prefix === '' ? '\0' : this.prefix, 'utf8');
  }
}

/**
 * The first byte string after every key that starts with `prefix` (etcd's prefix range end):
 * drop trailing 0xff bytes and increment the last remaining one. `\0` (etcd's "to the end of
 * the key space") when nothing remains.
 */
export function prefixEnd(prefix: Buffer): Buffer {
  let i = prefix.length - 1;
  while (i >= 0 && prefix[i] === 0xff) i--;
  if (i < 0) return Buffer.from([0]);
  const end = Buffer.from(prefix.subarray(0, i + 1));
  end[i] = end[i]! + 1;
  return end;
}
