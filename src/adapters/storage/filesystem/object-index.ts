import type { KubeObject } from '../../../domain/meta/types.js';

export interface IndexEntry {
  object: KubeObject;
  revision: number;
  /** The size of the object's file. */
  bytes: number;
}

/**
 * The current objects by key, with the keys kept sorted so that lists walk a prefix in key
 * order without sorting. Keys compare as JavaScript strings (UTF-16 code units), the order of
 * every list this store returns.
 */
export class ObjectIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private keys: string[] = [];

  get size(): number {
    return this.entries.size;
  }

  get(key: string): IndexEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: IndexEntry): void {
    if (!this.entries.has(key)) this.keys.splice(this.lowerBound(key), 0, key);
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    if (!this.entries.delete(key)) return;
    this.keys.splice(this.lowerBound(key), 1);
  }

  /** Loads many entries at once (startup): one sort instead of one insertion each. */
  load(entries: Iterable<[string, IndexEntry]>): void {
    for (const [key, entry] of entries) this.entries.set(key, entry);
    this.keys = [...this.entries.keys()].sort(compareKeys);
  }

  /** The keys under `prefix` that are at or after `from`, ascending. */
  *keysFrom(prefix: string, from: string): Generator<string> {
    const start = from > prefix ? from : prefix;
    for (let i = this.lowerBound(start); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) return;
      yield key;
    }
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
