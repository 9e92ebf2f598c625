/** Keys per block before it is split: small enough for a cheap splice, large enough for few blocks. */
const MAX_BLOCK = 1024;

/**
 * The keys of a store in ascending order (JavaScript string order: UTF-16 code units, which
 * equals byte order for the ASCII keys Kubernetes names produce).
 *
 * Lists need ordered range scans from a start key, so the keys are kept sorted rather than
 * sorted per list (O(n log n) at 100k objects). One flat sorted array is not enough either:
 * a splice near its front moves every later element, and 100k creates in descending order
 * took seconds. The keys therefore live in sorted blocks of at most {@link MAX_BLOCK}, found
 * by binary search on each block's last key, so an insertion or removal moves at most one
 * block's worth of elements.
 */
export class SortedKeys {
  private blocks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key`; a key already present is left as is. */
  insert(key: string): void {
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      this.count = 1;
      return;
    }
    // A key above every key goes to the end of the last block.
    const b = Math.min(this.blockFor(key), this.blocks.length - 1);
    const block = this.blocks[b] as string[];
    const i = lowerBound(block, key);
    if (block[i] === key) return;
    block.splice(i, 0, key);
    this.count++;
    if (block.length > MAX_BLOCK) this.blocks.splice(b + 1, 0, block.splice(block.length >>> 1));
  }

  /** Removes `key` if present. */
  remove(key: string): void {
    const b = this.blockFor(key);
    const block = this.blocks[b];
    if (!block) return;
    const i = lowerBound(block, key);
    if (block[i] !== key) return;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) this.blocks.splice(b, 1);
  }

  /** The keys greater than or equal to `start`, ascending. The set must not change meanwhile. */
  *from(start: string): Generator<string, void, undefined> {
    const first = this.blockFor(start);
    for (let b = first; b < this.blocks.length; b++) {
      const block = this.blocks[b] as string[];
      for (let i = b === first ? lowerBound(block, start) : 0; i < block.length; i++) {
        yield block[i] as string;
      }
    }
  }

  clear(): void {
    this.blocks = [];
    this.count = 0;
  }

  /** The index of the first block whose last key is ≥ `key` (the number of blocks if none). */
  private blockFor(key: string): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid] as string[];
      if ((block[block.length - 1] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
